/* udpecho — UDP echo responder for the guest-downtime probe.
 *
 *   udpecho [-p PORT] [-a ADDRESS] [-P PID_FILE] [-d]
 *
 * Sends every datagram it receives on PORT (default 7777, all addresses) back to its
 * sender, unchanged.  The harness sends one probe every millisecond from the load
 * client and takes the longest gap between replies as the downtime the guest's clients
 * saw.  Ends on SIGTERM/SIGINT and then prints
 *   udpecho final received=N echoed=N
 * -d detaches once the socket is bound and prints the pid.  Exit status: 0, 1 setup
 * failure, 2 bad usage. */
#include <netinet/in.h>
#include <sys/socket.h>

#include "workload.h"

static const char usage[] = "usage: udpecho [-p PORT] [-a ADDRESS] [-P PID_FILE] [-d]\n"
                            "Echoes every UDP datagram back to its sender (default port 7777).\n";

int main(int argc, char **argv)
{
    const char *addr = NULL;
    int port = 7777;
    const struct wl_opt opts[] = {{'p', WL_INT, &port}, {'a', WL_STRING, &addr}, {0, 0, NULL}};
    struct wl_prog prog = {.name = "udpecho", .usage = usage, .opts = opts, .pid_letter = 'P'};
    if (wl_parse_options(&prog, argc, argv) != argc || port < 1 || port > 65535)
        return wl_usage_error(&prog);
    struct sockaddr_in sin;
    if (wl_ipv4_address("udpecho", addr, port, &sin) != 0)
        return 2;
    wl_catch_stop_signals();
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
        perror("udpecho: socket");
        return 1;
    }
    wl_start(&prog);
    wl_ready();

    unsigned long long received = 0, echoed = 0;
    char buf[65536];
    while (!wl_stop) {
        struct sockaddr_storage from;
        socklen_t fl = sizeof(from);
        ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror("udpecho: recvfrom");
            wl_sleep(0.01);
            continue;
        }
        received++;
        if (sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, fl) == n)
            echoed++;
    }
    printf("udpecho final received=%llu echoed=%llu\n", received, echoed);
    return 0;
}
