/* test_domxml.c — domain XML from VM specs: escaping, defaults, refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "domxml.h"

static void test_escape_table(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"vm1", "vm1"},
        {"", ""},
        {"a&b", "a&amp;b"},
        {"<name>", "&lt;name&gt;"},
        {"it's \"x\"", "it&apos;s &quot;x&quot;"},
        {"&amp;", "&amp;amp;"},
        {"</name><evil/>", "&lt;/name&gt;&lt;evil/&gt;"},
        {"two words", "two words"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct mb_buf b = {0};
        assert_int_equal(mb_domxml_escape(&b, cases[i].in), 0);
        assert_string_equal(b.data ? b.data : "", cases[i].out);
        mb_buf_free(&b);
    }
    struct mb_buf small = {.max = 6};
    assert_int_equal(mb_domxml_escape(&small, "<<"), -1); /* "&lt;&lt;" over the ceiling */
    mb_buf_free(&small);
}

static struct mb_vm_spec base_spec(void)
{
    return (struct mb_vm_spec){
        .name = "vm1",
        .vcpus = 1,
        .memory = 256ULL << 20,
        .current_memory = 192ULL << 20,
        .kernel = "/img/vmlinuz",
        .initrd = "/img/initrd.img",
        .cmdline = "console=ttyS0 lab.ip=10.213.90.101/24 lab.name=vm1",
        .emulator = "/usr/bin/qemu-system-x86_64",
        .accel = MB_ACCEL_TCG,
        .bridge = "br0",
        .mac = "52:54:00:4c:00:01",
        .console_log = "/var/log/libvirt/qemu/vm1-console.log",
    };
}

static void test_full_spec(void **state)
{
    (void)state;
    struct mb_vm_spec s = base_spec();
    struct mb_error e;
    mb_error_clear(&e);
    char *x = mb_domxml_build(&s, &e);
    assert_non_null(x);
    static const char *const want[] = {
        "<domain type='qemu'>",
        "<name>vm1</name>",
        "<memory unit='KiB'>262144</memory>",
        "<currentMemory unit='KiB'>196608</currentMemory>",
        "<vcpu>1</vcpu>",
        "<kernel>/img/vmlinuz</kernel>",
        "<initrd>/img/initrd.img</initrd>",
        "<cmdline>console=ttyS0 lab.ip=10.213.90.101/24 lab.name=vm1</cmdline>",
        "<model fallback='forbid'>qemu64</model>",
        "<emulator>/usr/bin/qemu-system-x86_64</emulator>",
        "<source bridge='br0'/>",
        "<mac address='52:54:00:4c:00:01'/>",
        "<model type='virtio'/>",
        "<log file='/var/log/libvirt/qemu/vm1-console.log' append='on'/>",
        "<memballoon model='virtio'><stats period='2'/></memballoon>",
        "</domain>\n",
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        if (!strstr(x, want[i]))
            fail_msg("missing %s in\n%s", want[i], x);
    assert_null(strstr(x, "<disk"));
    free(x);
}

static void test_variants(void **state)
{
    (void)state;
    static const struct {
        const char *what;
        enum mb_accel accel;
        const char *cpu_model, *bridge, *disk, *log;
        int period;
        const char *has, *lacks;
    } cases[] = {
        {"kvm", MB_ACCEL_KVM, NULL, "br0", NULL, "/l", 0, "<domain type='kvm'>", "qemu64"},
        {"kvm64 default", MB_ACCEL_KVM, NULL, "br0", NULL, "/l", 0, ">kvm64<", NULL},
        {"model", MB_ACCEL_TCG, "Skylake-Client", "br0", NULL, "/l", 0, ">Skylake-Client<",
         "qemu64"},
        {"no nic", MB_ACCEL_TCG, NULL, NULL, NULL, "/l", 0, NULL, "<interface"},
        {"disk", MB_ACCEL_TCG, NULL, "br0", "/shared/vm1.raw", "/l", 0,
         "<source file='/shared/vm1.raw'/><target dev='vda' bus='virtio'/>", NULL},
        {"disk cache", MB_ACCEL_TCG, NULL, "br0", "/d", "/l", 0, "cache='none'", NULL},
        {"no log", MB_ACCEL_TCG, NULL, "br0", NULL, NULL, 0, "<serial type='pty'>", "<log "},
        {"period", MB_ACCEL_TCG, NULL, "br0", NULL, "/l", 5, "<stats period='5'/>", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct mb_vm_spec s = base_spec();
        s.accel = cases[i].accel;
        s.cpu_model = cases[i].cpu_model;
        s.bridge = cases[i].bridge;
        s.disk = cases[i].disk;
        s.console_log = cases[i].log;
        s.balloon_period = cases[i].period;
        struct mb_error e;
        mb_error_clear(&e);
        char *x = mb_domxml_build(&s, &e);
        if (!x)
            fail_msg("%s: %s", cases[i].what, e.msg);
        if (cases[i].has && !strstr(x, cases[i].has))
            fail_msg("%s: missing %s", cases[i].what, cases[i].has);
        if (cases[i].lacks && strstr(x, cases[i].lacks))
            fail_msg("%s: unexpected %s", cases[i].what, cases[i].lacks);
        free(x);
    }
}

/* Names, paths and command lines with quotes, spaces and <&> stay values. */
static void test_every_value_escaped(void **state)
{
    (void)state;
    struct mb_vm_spec s = base_spec();
    s.name = "vm \"1\" <&>";
    s.kernel = "/my images/it's/vmlinuz";
    s.cmdline = "console=ttyS0 x='<a>' y=\"&\"";
    s.emulator = "/opt/q&q/qemu";
    s.bridge = "br'0";
    s.console_log = "/log/<vm>.log";
    s.disk = "/d/a'b.raw";
    s.cpu_model = "</model><evil/>";
    struct mb_error e;
    mb_error_clear(&e);
    char *x = mb_domxml_build(&s, &e);
    assert_non_null(x);
    static const char *const want[] = {
        "<name>vm &quot;1&quot; &lt;&amp;&gt;</name>",
        "<kernel>/my images/it&apos;s/vmlinuz</kernel>",
        "<cmdline>console=ttyS0 x=&apos;&lt;a&gt;&apos; y=&quot;&amp;&quot;</cmdline>",
        "<emulator>/opt/q&amp;q/qemu</emulator>",
        "<source bridge='br&apos;0'/>",
        "<log file='/log/&lt;vm&gt;.log' append='on'/>",
        "<source file='/d/a&apos;b.raw'/>",
        ">&lt;/model&gt;&lt;evil/&gt;</model>",
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        if (!strstr(x, want[i]))
            fail_msg("missing %s in\n%s", want[i], x);
    assert_null(strstr(x, "<evil"));
    /* every quote in the document is markup: each attribute value is balanced */
    size_t quotes = 0;
    for (const char *p = x; *p; p++)
        quotes += *p == '\'';
    assert_int_equal(quotes % 2, 0);
    free(x);
}

static void test_refusals(void **state)
{
    (void)state;
    static const struct {
        const char *what;
        const char *name;
        int vcpus;
        uint64_t memory, current;
        const char *mac;
        const char *msg;
    } cases[] = {
        {"no name", NULL, 1, 256 << 20, 0, NULL, "no name"},
        {"empty name", "", 1, 256 << 20, 0, NULL, "no name"},
        {"0 vcpus", "vm1", 0, 256 << 20, 0, NULL, "vcpus"},
        {"tiny memory", "vm1", 1, 1000, 0, NULL, "at least 1 MiB"},
        {"current above max", "vm1", 1, 128 << 20, 256 << 20, NULL, "above its maximum"},
        {"short mac", "vm1", 1, 256 << 20, 0, "52:54:00:4c:00", "malformed MAC"},
        {"bad mac", "vm1", 1, 256 << 20, 0, "52:54:00:4c:00:zz", "malformed MAC"},
        {"long mac", "vm1", 1, 256 << 20, 0, "52:54:00:4c:00:01:02", "malformed MAC"},
        {"mac injection", "vm1", 1, 256 << 20, 0, "52:54:00:4c:00:01'/>", "malformed MAC"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct mb_vm_spec s = base_spec();
        s.name = cases[i].name;
        s.vcpus = cases[i].vcpus;
        s.memory = cases[i].memory;
        s.current_memory = cases[i].current;
        s.mac = cases[i].mac;
        struct mb_error e;
        mb_error_clear(&e);
        char *x = mb_domxml_build(&s, &e);
        if (x)
            fail_msg("%s: accepted", cases[i].what);
        assert_int_equal(e.status, MB_EINPUT);
        if (!strstr(e.msg, cases[i].msg))
            fail_msg("%s: '%s' lacks '%s'", cases[i].what, e.msg, cases[i].msg);
    }
}

static void test_guest_addr(void **state)
{
    (void)state;
    static const struct {
        const char *first_ip, *mac_prefix;
        int n;
        const char *ip, *mac, *msg;
    } cases[] = {
        {"10.213.77.101", "52:54:00:4c", 1, "10.213.77.101", "52:54:00:4c:00:01", NULL},
        {"10.213.77.101", "52:54:00:4c", 8, "10.213.77.108", "52:54:00:4c:00:08", NULL},
        {"10.213.77.101", "52:54:00:4c", 154, "10.213.77.254", "52:54:00:4c:00:9a", NULL},
        {"10.213.77.101", "52:54:00:4c", 155, NULL, NULL, "no address"},
        {"10.213.77.101", "52:54:00:4c", 0, NULL, NULL, "no address"},
        {"10.213.77", "52:54:00:4c", 1, NULL, NULL, "not an IPv4"},
        {"10.213.77.300", "52:54:00:4c", 1, NULL, NULL, "not an IPv4"},
        {"10.213.77.1x", "52:54:00:4c", 1, NULL, NULL, "not an IPv4"},
        {NULL, "52:54:00:4c", 1, NULL, NULL, "not an IPv4"},
        {"10.0.0.2", "52:54:00", 1, NULL, NULL, "four octets"},
        {"10.0.0.2", "52:54:00:4g", 1, NULL, NULL, "four octets"},
        {"10.0.0.2", NULL, 1, NULL, NULL, "four octets"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char ip[16] = "unset", mac[18] = "unset";
        struct mb_error e;
        mb_error_clear(&e);
        int rc =
            mb_domxml_guest_addr(cases[i].first_ip, cases[i].mac_prefix, cases[i].n, ip, mac, &e);
        if (cases[i].ip) {
            if (rc != MB_OK)
                fail_msg("case %zu: %s", i, e.msg);
            assert_string_equal(ip, cases[i].ip);
            assert_string_equal(mac, cases[i].mac);
        } else {
            assert_int_equal(rc, MB_EINPUT);
            if (!strstr(e.msg, cases[i].msg))
                fail_msg("case %zu: '%s' lacks '%s'", i, e.msg, cases[i].msg);
            assert_string_equal(ip, "unset");
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape_table), cmocka_unit_test(test_full_spec),
        cmocka_unit_test(test_variants),     cmocka_unit_test(test_every_value_escaped),
        cmocka_unit_test(test_refusals),     cmocka_unit_test(test_guest_addr),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
