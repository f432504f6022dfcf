/* testbed.c — read and check testbed files (format in testbed.h). */
#include "testbed.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "profile.h"
#include "lib/units.h"
#include "lib/util.h"
#include "lib/yaml.h"

#define MAX_HOSTS 64

struct ctx {
    const struct mb_ydoc *doc;
    struct mb_error *err;
    char *dir; /* directory of the file, for relative paths */
};

/* Refuse keys of map that are not in allowed; suggest the closest. */
static int only_keys(struct ctx *c, const struct mb_ynode *map, const char *where,
                     const char *const *allowed)
{
    for (size_t i = 0; i < map->nkids; i += 2) {
        const char *k = map->kids[i]->text;
        int ok = 0;
        for (int j = 0; allowed[j] && !ok; j++)
            ok = !strcmp(k, allowed[j]);
        if (ok)
            continue;
        const char *s = mb_suggest(k, allowed);
        char list[512] = "";
        size_t off = 0;
        for (int j = 0; allowed[j] && off < sizeof(list); j++)
            off +=
                (size_t)snprintf(list + off, sizeof(list) - off, "%s%s", j ? ", " : "", allowed[j]);
        if (s)
            return mb_yerr(c->err, c->doc, map->kids[i],
                           "unknown key '%s' in %s — did you mean '%s'?", k, where, s);
        return mb_yerr(c->err, c->doc, map->kids[i], "unknown key '%s' in %s (expected: %s)", k,
                       where, list);
    }
    return 0;
}

static int want_map(struct ctx *c, const struct mb_ynode *n, const char *what)
{
    if (n->kind != MB_Y_MAP)
        return mb_yerr(c->err, c->doc, n, "%s: expected a mapping, got %s", what,
                       mb_ynode_kind_name(n->kind));
    return 0;
}

/* The mapping under a required top-level key, or NULL with the error. */
static const struct mb_ynode *need_map(struct ctx *c, const struct mb_ynode *root, const char *key)
{
    const struct mb_ynode *n = mb_ymap_get(root, key);
    if (!n) {
        mb_yerr(c->err, c->doc, root, "testbed: missing key '%s'", key);
        return NULL;
    }
    return want_map(c, n, key) ? NULL : n;
}

/* A scalar string; NULL *out when absent (error if required). */
static int get_str(struct ctx *c, const struct mb_ynode *map, const char *key, const char *where,
                   int required, char **out)
{
    const struct mb_ynode *n = mb_ymap_get(map, key);
    if (!n) {
        if (required)
            return mb_yerr(c->err, c->doc, map, "%s: missing key '%s'", where, key);
        return 0;
    }
    if (n->kind != MB_Y_SCALAR || (!n->quoted && !*n->text))
        return mb_yerr(c->err, c->doc, n, "%s.%s: expected a value, got %s", where, key,
                       n->kind == MB_Y_SCALAR ? "nothing" : mb_ynode_kind_name(n->kind));
    free(*out);
    *out = mb_xstrdup(n->text);
    return 0;
}

/* A path: relative ones are taken from the testbed file's directory. */
static int get_path(struct ctx *c, const struct mb_ynode *map, const char *key, const char *where,
                    int required, char **out)
{
    if (get_str(c, map, key, where, required, out))
        return MB_EINPUT;
    if (*out && (*out)[0] != '/') {
        char *abs = mb_xasprintf("%s/%s", c->dir, *out);
        free(*out);
        *out = abs;
    }
    return 0;
}

static int get_int(struct ctx *c, const struct mb_ynode *map, const char *key, const char *where,
                   long min, long max, int *out)
{
    const struct mb_ynode *n = mb_ymap_get(map, key);
    if (!n)
        return 0;
    int64_t v;
    char why[64];
    if (n->kind != MB_Y_SCALAR || mb_parse_int(n->text, &v, why, sizeof(why)) || v < min || v > max)
        return mb_yerr(c->err, c->doc, n, "%s.%s: expected a whole number from %ld to %ld", where,
                       key, min, max);
    *out = (int)v;
    return 0;
}

static int valid_ipv4(const char *s)
{
    struct in_addr a;
    return inet_pton(AF_INET, s, &a) == 1;
}

/* Count the CPUs of a cpuset list "0-3,6"; -1 when malformed. */
static int cpu_list_count(const char *s)
{
    int count = 0;
    const char *p = s;
    while (*p) {
        char *end;
        if (!isdigit((unsigned char)*p))
            return -1;
        long a = strtol(p, &end, 10), b = a;
        p = end;
        if (*p == '-') {
            p++;
            if (!isdigit((unsigned char)*p))
                return -1;
            b = strtol(p, &end, 10);
            p = end;
        }
        if (a > 4095 || b > 4095 || b < a)
            return -1;
        count += (int)(b - a + 1);
        if (*p == ',')
            p++;
        else if (*p)
            return -1;
    }
    return count > 0 ? count : -1;
}

/* Mark the CPUs of a valid cpuset list in set (MB_CPU_BITS bits); 1 if one was marked
 * already. */
#define MB_CPU_BITS 4096
static int cpu_list_mark(const char *s, unsigned char *set)
{
    int seen = 0;
    for (const char *p = s; *p;) {
        char *end;
        long a = strtol(p, &end, 10), b = a;
        if (*end == '-')
            b = strtol(end + 1, &end, 10);
        for (long i = a; i <= b && i < MB_CPU_BITS; i++) {
            seen |= (set[i / 8] >> (i % 8)) & 1;
            set[i / 8] |= (unsigned char)(1u << (i % 8));
        }
        p = *end == ',' ? end + 1 : end;
    }
    return seen;
}

int mb_testbed_cpus_shared(const struct mb_testbed *tb)
{
    unsigned char set[MB_CPU_BITS / 8] = {0};
    int shared = 0;
    for (int i = 0; i < tb->nhosts; i++) {
        if (!tb->hosts[i].cpus || tb->hosts[i].ncpus <= 0)
            return -1;
        shared |= cpu_list_mark(tb->hosts[i].cpus, set);
    }
    return shared;
}

static void ssh_free(struct mb_ssh_target *t)
{
    free(t->address);
    free(t->user);
    free(t->key);
    free(t->known_hosts);
}

static int get_ssh(struct ctx *c, const struct mb_ynode *map, const char *where, int need_address,
                   struct mb_ssh_target *t)
{
    static const char *const keys[] = {"address", "port", "user", "key", "known_hosts", NULL};
    const struct mb_ynode *n = mb_ymap_get(map, "ssh");
    t->port = 22;
    char w[128];
    snprintf(w, sizeof(w), "%s.ssh", where);
    if (!n) {
        if (need_address)
            return mb_yerr(c->err, c->doc, map, "%s: missing key 'ssh'", where);
    } else {
        if (want_map(c, n, w) || only_keys(c, n, w, keys) ||
            get_str(c, n, "address", w, need_address, &t->address) ||
            get_int(c, n, "port", w, 1, 65535, &t->port) || get_str(c, n, "user", w, 0, &t->user) ||
            get_path(c, n, "key", w, 0, &t->key) ||
            get_path(c, n, "known_hosts", w, 0, &t->known_hosts))
            return MB_EINPUT;
    }
    if (!t->user)
        t->user = mb_xstrdup("root");
    return 0;
}

/* memory, cpu_max and link_rate: what the host may use */
static int get_limits(struct ctx *c, const struct mb_ynode *map, const char *where,
                      struct mb_host *h)
{
    char why[160];
    const struct mb_ynode *mem = mb_ymap_get(map, "memory");
    if (mem && (mem->kind != MB_Y_SCALAR || mb_parse_size(mem->text, &h->memory, why, sizeof(why))))
        return mb_yerr(c->err, c->doc, mem, "%s.memory: expected a size like 4GiB", where);
    const struct mb_ynode *cm = mb_ymap_get(map, "cpu_max");
    if (cm && (cm->kind != MB_Y_SCALAR ||
               mb_parse_percent(cm->text, &h->cpu_max, why, sizeof(why)) || h->cpu_max > 100))
        return mb_yerr(c->err, c->doc, cm,
                       "%s.cpu_max: expected a share of the host's cpus like 50%% (0 = no cap, at "
                       "most 100%%)",
                       where);
    const struct mb_ynode *lr = mb_ymap_get(map, "link_rate");
    if (lr &&
        (lr->kind != MB_Y_SCALAR || mb_parse_bitrate(lr->text, &h->link_rate, why, sizeof(why))))
        return mb_yerr(c->err, c->doc, lr,
                       "%s.link_rate: expected a rate like 200Mbit or 1Gbit (0 = unshaped): %s",
                       where, lr->kind == MB_Y_SCALAR ? why : "not a value");
    return 0;
}

static int get_host(struct ctx *c, const struct mb_ynode *key, const struct mb_ynode *map,
                    struct mb_host *h)
{
    static const char *const keys[] = {"uri",    "migrate_uri", "ssh",       "cpus",
                                       "memory", "cpu_max",     "link_rate", "emulator",
                                       "accel",  "bridge",      NULL};
    char where[128];
    snprintf(where, sizeof(where), "hosts.%s", key->text);
    h->name = mb_xstrdup(key->text);
    if (want_map(c, map, where) || only_keys(c, map, where, keys) ||
        get_str(c, map, "uri", where, 1, &h->uri) ||
        get_str(c, map, "migrate_uri", where, 0, &h->migrate_uri) ||
        get_ssh(c, map, where, 0, &h->ssh) || get_str(c, map, "cpus", where, 0, &h->cpus) ||
        get_path(c, map, "emulator", where, 0, &h->emulator) ||
        get_str(c, map, "bridge", where, 0, &h->bridge))
        return MB_EINPUT;
    if (!strstr(h->uri, "://"))
        return mb_yerr(c->err, c->doc, mb_ymap_get(map, "uri"),
                       "%s.uri: '%s' is not a libvirt URI like qemu+tcp://HOST/system", where,
                       h->uri);
    if (!h->migrate_uri)
        h->migrate_uri = mb_xstrdup(h->uri);
    if (!h->bridge)
        h->bridge = mb_xstrdup("br0");
    if (h->cpus) {
        h->ncpus = cpu_list_count(h->cpus);
        if (h->ncpus < 0)
            return mb_yerr(c->err, c->doc, mb_ymap_get(map, "cpus"),
                           "%s.cpus: '%s' is not a CPU list like 0-3 or 0,2", where, h->cpus);
    }
    if (get_limits(c, map, where, h))
        return MB_EINPUT;
    char *accel = NULL;
    if (get_str(c, map, "accel", where, 0, &accel))
        return MB_EINPUT;
    h->accel = MB_ACCEL_TCG;
    if (accel) {
        int ok = 1;
        if (!strcmp(accel, "kvm"))
            h->accel = MB_ACCEL_KVM;
        else if (strcmp(accel, "tcg") != 0)
            ok = 0;
        free(accel);
        if (!ok)
            return mb_yerr(c->err, c->doc, mb_ymap_get(map, "accel"),
                           "%s.accel: expected tcg or kvm", where);
    }
    return 0;
}

int mb_testbed_boot_timeout(const char *text, double *seconds)
{
    double ms;
    char why[160];
    if (mb_parse_duration_ms(text, &ms, why, sizeof(why)) || ms < 1000 ||
        ms > MB_TESTBED_BOOT_TIMEOUT_MAX_S * 1000.0)
        return -1;
    *seconds = ms / 1000.0;
    return 0;
}

static int get_guest(struct ctx *c, const struct mb_ynode *g, struct mb_testbed *tb)
{
    static const char *const keys[] = {"kernel",  "initrd",   "cmdline",      "hash", "ssh",
                                       "network", "disk_dir", "boot_timeout", NULL};
    static const char *const netkeys[] = {"first_ip", "prefix", "gateway", "mac_prefix", NULL};
    if (want_map(c, g, "guest") || only_keys(c, g, "guest", keys) ||
        get_path(c, g, "kernel", "guest", 1, &tb->guest.kernel) ||
        get_path(c, g, "initrd", "guest", 1, &tb->guest.initrd) ||
        get_str(c, g, "cmdline", "guest", 0, &tb->guest.cmdline) ||
        get_str(c, g, "hash", "guest", 0, &tb->guest.hash) ||
        get_path(c, g, "disk_dir", "guest", 0, &tb->guest.disk_dir) ||
        get_ssh(c, g, "guest", 0, &tb->guest.ssh))
        return MB_EINPUT;
    const struct mb_ynode *bt = mb_ymap_get(g, "boot_timeout");
    if (bt) {
        if (bt->kind != MB_Y_SCALAR || mb_testbed_boot_timeout(bt->text, &tb->guest.boot_timeout_s))
            return mb_yerr(c->err, c->doc, bt,
                           "guest.boot_timeout: expected a duration from 1s to %ds, like 600s",
                           MB_TESTBED_BOOT_TIMEOUT_MAX_S);
    }
    const struct mb_ynode *net = mb_ymap_get(g, "network");
    if (!net)
        return mb_yerr(c->err, c->doc, g, "guest: missing key 'network'");
    tb->guest.prefix = 24;
    if (want_map(c, net, "guest.network") || only_keys(c, net, "guest.network", netkeys) ||
        get_str(c, net, "first_ip", "guest.network", 1, &tb->guest.first_ip) ||
        get_int(c, net, "prefix", "guest.network", 8, 30, &tb->guest.prefix) ||
        get_str(c, net, "gateway", "guest.network", 0, &tb->guest.gateway) ||
        get_str(c, net, "mac_prefix", "guest.network", 0, &tb->guest.mac_prefix))
        return MB_EINPUT;
    if (!valid_ipv4(tb->guest.first_ip))
        return mb_yerr(c->err, c->doc, mb_ymap_get(net, "first_ip"),
                       "guest.network.first_ip: '%s' is not an IPv4 address", tb->guest.first_ip);
    if (tb->guest.gateway && !valid_ipv4(tb->guest.gateway))
        return mb_yerr(c->err, c->doc, mb_ymap_get(net, "gateway"),
                       "guest.network.gateway: '%s' is not an IPv4 address", tb->guest.gateway);
    if (!tb->guest.mac_prefix)
        tb->guest.mac_prefix = mb_xstrdup("52:54:00:4d");
    unsigned m[4];
    char tail;
    if (sscanf(tb->guest.mac_prefix, "%2x:%2x:%2x:%2x%c", &m[0], &m[1], &m[2], &m[3], &tail) != 4 ||
        strlen(tb->guest.mac_prefix) != 11)
        return mb_yerr(c->err, c->doc, mb_ymap_get(net, "mac_prefix"),
                       "guest.network.mac_prefix: expected four octets like 52:54:00:4d");
    return 0;
}

/* profile: a known profile's name (none = no profile) */
static int get_profile(struct ctx *c, const struct mb_ynode *root, struct mb_testbed *tb)
{
    const struct mb_ynode *n = mb_ymap_get(root, "profile");
    if (!n)
        return 0;
    char known[256], why[400];
    mb_profile_list(known, sizeof(known));
    if (n->kind != MB_Y_SCALAR)
        return mb_yerr(c->err, c->doc, n, "profile: expected a profile's name (%s, none), got %s",
                       known, mb_ynode_kind_name(n->kind));
    const struct mb_profile *p;
    if (mb_profile_parse(n->text, &p, why, sizeof(why)) < 0)
        return mb_yerr(c->err, c->doc, n, "profile: %s", why);
    if (p)
        tb->profile = mb_xstrdup(p->name);
    return 0;
}

struct mb_testbed *mb_testbed_load(const char *path, struct mb_error *err)
{
    static const char *const keys[] = {"name", "profile", "hosts", "load_client", "guest", NULL};
    struct mb_ydoc *doc = mb_yaml_load_file(path, err);
    if (!doc)
        return NULL;
    struct mb_testbed *tb = mb_xcalloc(1, sizeof(*tb));
    tb->path = mb_xstrdup(path);
    char *tmp = mb_xstrdup(path);
    struct ctx c = {.doc = doc, .err = err, .dir = mb_xstrdup(dirname(tmp))};
    free(tmp);
    const struct mb_ynode *root = doc->root;
    if (!root) {
        mb_error_at(err, MB_EINPUT, path, 1, 1, "empty testbed file");
        goto fail;
    }
    if (want_map(&c, root, "testbed") || only_keys(&c, root, "the testbed", keys) ||
        get_str(&c, root, "name", "testbed", 1, &tb->name) || get_profile(&c, root, tb))
        goto fail;
    const struct mb_ynode *hosts = need_map(&c, root, "hosts");
    if (!hosts)
        goto fail;
    size_t nh = mb_ymap_len(hosts);
    if (nh < 2 || nh > MAX_HOSTS) {
        mb_yerr(err, doc, hosts, "hosts: %zu host%s; a testbed needs 2 to %d", nh,
                nh == 1 ? "" : "s", MAX_HOSTS);
        goto fail;
    }
    tb->hosts = mb_xcalloc(nh, sizeof(*tb->hosts));
    for (size_t i = 0; i < nh; i++) {
        tb->nhosts = (int)i + 1;
        if (get_host(&c, hosts->kids[2 * i], hosts->kids[2 * i + 1], &tb->hosts[i]))
            goto fail;
    }
    const struct mb_ynode *lc = mb_ymap_get(root, "load_client");
    if (lc) {
        static const char *const lckeys[] = {"address", NULL};
        if (want_map(&c, lc, "load_client") || only_keys(&c, lc, "load_client", lckeys) ||
            get_str(&c, lc, "address", "load_client", 1, &tb->load_client))
            goto fail;
    }
    const struct mb_ynode *g = need_map(&c, root, "guest");
    if (!g || get_guest(&c, g, tb))
        goto fail;
    free(c.dir);
    mb_ydoc_free(doc);
    return tb;
fail:
    free(c.dir);
    mb_ydoc_free(doc);
    mb_testbed_free(tb);
    return NULL;
}

const struct mb_host *mb_testbed_host(const struct mb_testbed *tb, const char *name)
{
    for (int i = 0; i < tb->nhosts; i++)
        if (!strcmp(tb->hosts[i].name, name))
            return &tb->hosts[i];
    return NULL;
}

void mb_testbed_free(struct mb_testbed *tb)
{
    if (!tb)
        return;
    for (int i = 0; i < tb->nhosts; i++) {
        struct mb_host *h = &tb->hosts[i];
        free(h->name);
        free(h->uri);
        free(h->migrate_uri);
        ssh_free(&h->ssh);
        free(h->cpus);
        free(h->emulator);
        free(h->bridge);
    }
    free(tb->hosts);
    free(tb->name);
    free(tb->profile);
    free(tb->path);
    free(tb->load_client);
    free(tb->guest.kernel);
    free(tb->guest.initrd);
    free(tb->guest.cmdline);
    free(tb->guest.hash);
    free(tb->guest.disk_dir);
    ssh_free(&tb->guest.ssh);
    free(tb->guest.first_ip);
    free(tb->guest.gateway);
    free(tb->guest.mac_prefix);
    free(tb);
}

static int is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

char *mb_testbed_resolve(const char *ref, const char *base_dir, struct mb_error *err)
{
    if (!ref || !*ref) {
        mb_error_set(err, MB_EINPUT, "no testbed named");
        return NULL;
    }
    if (strchr(ref, '/') || mb_ends_with(ref, ".yaml")) {
        char *p =
            (ref[0] == '/' || !base_dir) ? mb_xstrdup(ref) : mb_xasprintf("%s/%s", base_dir, ref);
        if (is_file(p))
            return p;
        mb_error_set(err, MB_EINPUT, "testbed file '%s' not found", p);
        free(p);
        return NULL;
    }
    const char *dir = getenv("MIGBENCH_TESTBED_DIR");
    const char *home = getenv("HOME");
    const char *run = getenv("MIGBENCH_RUN_DIR");
    char *cand[3] = {
        dir ? mb_xasprintf("%s/%s.yaml", dir, ref) : NULL,
        home ? mb_xasprintf("%s/.config/migbench/testbeds/%s.yaml", home, ref) : NULL,
        mb_xasprintf("%s/%s/testbed.yaml", run ? run : "/tmp/migbench", ref),
    };
    char *found = NULL;
    for (int i = 0; i < 3; i++) {
        if (!found && cand[i] && is_file(cand[i]))
            found = cand[i];
        else
            free(cand[i]);
    }
    if (!found)
        mb_error_set(err, MB_EINPUT,
                     "testbed '%s' not found (looked in $MIGBENCH_TESTBED_DIR, "
                     "~/.config/migbench/testbeds, %s/%s/testbed.yaml)%s",
                     ref, run ? run : "/tmp/migbench", ref,
                     strcmp(ref, "lab") == 0 ? "; start the embedded one with "
                                               "'migbench lab up'"
                                             : "");
    return found;
}

int mb_testbed_host_index(const struct mb_testbed *tb, const char *name, int dflt)
{
    if (!name || !*name)
        return dflt >= 0 && dflt < tb->nhosts ? dflt : -1;
    for (int h = 0; h < tb->nhosts; h++)
        if (!strcmp(tb->hosts[h].name, name))
            return h;
    return -1;
}
