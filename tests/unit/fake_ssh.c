/* fake_ssh.c — a scriptable fake SSH backend behind struct mb_remote_ops, for unit
 * tests (#include it).  Each address presents an ed25519 host key derived from its name
 * (fake_host_key), checked by the real mb_remote_check_host_key against the target's
 * known_hosts file; "unreachable" refuses connections.  exec records the command and its
 * standard input and answers as fake_ssh scripts it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libssh2.h>

#include "remote.h"

static struct fake_ssh {
    /* the next exec's answer */
    const char *out_chunk; /* written out_repeat times to stdout */
    int out_repeat;
    const char *err_text;
    int exit_status;
    const char *exit_signal;
    bool hang; /* never finishes: cut off at the timeout */
    /* what the last exec got */
    char last_cmd[1024];
    char last_stdin[1024];
    size_t last_stdin_len;
    double last_timeout;
    size_t last_out_max;
    int connects, closes;
    /* when set, answers every exec instead of the fields above (sess is the address the
     * session was opened to); its return is exec's (MB_EENV = the transport broke) */
    int (*script)(const char *sess, const char *cmd, struct mb_remote_result *res,
                  struct mb_error *err);
    int execs;
} fake_ssh;

static void fake_ssh_reset(void)
{
    memset(&fake_ssh, 0, sizeof(fake_ssh));
}

/* The raw SSH blob of an ed25519 key whose 32 key bytes come from seed. */
static size_t fake_host_key(const char *seed, unsigned char *blob)
{
    static const char type[] = "ssh-ed25519";
    size_t n = 0;
    blob[n++] = 0, blob[n++] = 0, blob[n++] = 0, blob[n++] = 11;
    memcpy(blob + n, type, 11);
    n += 11;
    blob[n++] = 0, blob[n++] = 0, blob[n++] = 0, blob[n++] = 32;
    size_t sl = strlen(seed);
    for (int i = 0; i < 32; i++)
        blob[n++] = (unsigned char)(seed[i % sl] * 7 + i);
    return n; /* 51 */
}

static int fs_connect(const struct mb_remote_target *t, void **sess, struct mb_error *err)
{
    if (!strcmp(t->address, "unreachable"))
        return mb_error_set(err, MB_EENV, "ssh %s port 22: Connection refused", t->address);
    if (!t->insecure) {
        unsigned char blob[64];
        size_t n = fake_host_key(t->address, blob);
        int rc = mb_remote_check_host_key(t->known_hosts, t->address, t->port, blob, n,
                                          LIBSSH2_HOSTKEY_TYPE_ED25519, err);
        if (rc < 0)
            return rc;
    }
    if (!t->key || access(t->key, R_OK) != 0)
        return mb_error_set(err, MB_EENV, "ssh %s: cannot read key %s", t->address,
                            t->key ? t->key : "(none)");
    fake_ssh.connects++;
    *sess = strdup(t->address);
    return MB_OK;
}

static int fs_exec(void *sess, const struct mb_remote_cmd *c, struct mb_remote_result *res,
                   struct mb_error *err)
{
    snprintf(fake_ssh.last_cmd, sizeof(fake_ssh.last_cmd), "%s", c->cmd);
    fake_ssh.last_stdin_len = c->stdin_len;
    if (c->stdin_data && c->stdin_len < sizeof(fake_ssh.last_stdin))
        memcpy(fake_ssh.last_stdin, c->stdin_data, c->stdin_len);
    fake_ssh.last_timeout = c->timeout_s;
    fake_ssh.last_out_max = res->out.max;
    fake_ssh.execs++;
    if (fake_ssh.script)
        return fake_ssh.script(sess, c->cmd, res, err);
    for (int i = 0; i < fake_ssh.out_repeat; i++)
        mb_remote_capture(&res->out, fake_ssh.out_chunk, strlen(fake_ssh.out_chunk),
                          &res->out_truncated);
    if (fake_ssh.err_text)
        mb_remote_capture(&res->err, fake_ssh.err_text, strlen(fake_ssh.err_text),
                          &res->err_truncated);
    if (fake_ssh.hang) {
        res->timed_out = true;
        res->seconds = c->timeout_s;
        return mb_error_set(err, MB_EFAILED, "ssh %s: `%s` timed out after %g s",
                            (const char *)sess, c->cmd, c->timeout_s);
    }
    if (fake_ssh.exit_signal) {
        snprintf(res->exit_signal, sizeof(res->exit_signal), "%s", fake_ssh.exit_signal);
        res->exit_status = -1;
    } else {
        res->exit_status = fake_ssh.exit_status;
    }
    return MB_OK;
}

static void fs_close(void *sess)
{
    fake_ssh.closes++;
    free(sess);
}

static const struct mb_remote_ops fake_remote = {
    .name = "fake",
    .connect = fs_connect,
    .exec = fs_exec,
    .close = fs_close,
};

/* Base64 of n bytes into out (4 * ceil(n / 3) + 1 bytes): a known_hosts key line. */
__attribute__((unused)) static void fake_b64(const unsigned char *in, size_t n, char *out)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)in[i] << 16 | (i + 1 < n ? (unsigned)in[i + 1] << 8 : 0) |
                     (i + 2 < n ? in[i + 2] : 0);
        out[o++] = tbl[v >> 18 & 63];
        out[o++] = tbl[v >> 12 & 63];
        out[o++] = i + 1 < n ? tbl[v >> 6 & 63] : '=';
        out[o++] = i + 2 < n ? tbl[v & 63] : '=';
    }
    out[o] = '\0';
}
