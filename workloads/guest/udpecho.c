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
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "guest.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: udpecho [-p PORT] [-a ADDRESS] [-P PID_FILE] [-d]\n"
                 "Echoes every UDP datagram back to its sender (default port 7777).\n");
}

int main(int argc, char **argv)
{
    const char *addr = NULL, *pidfile = NULL;
    int port = 7777, detach = 0, c;
    while ((c = getopt(argc, argv, "p:a:P:dh")) != -1) {
        switch (c) {
        case 'p':
            port = (int)guest_number("udpecho", "-p", optarg);
            break;
        case 'a':
            addr = optarg;
            break;
        case 'P':
            pidfile = optarg;
            break;
        case 'd':
            detach = 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc || port < 1 || port > 65535) {
        usage(stderr);
        return 2;
    }
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sin.sin_addr.s_addr = htonl(INADDR_ANY);
    if (addr && inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
        fprintf(stderr, "udpecho: -a wants an IPv4 address, not '%s'\n", addr);
        return 2;
    }
    guest_catch_stop_signals();
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
        perror("udpecho: socket");
        return 1;
    }
    if (detach)
        guest_daemonize();
    if (pidfile && guest_write_pidfile(pidfile) != 0)
        perror(pidfile);
    guest_ready();

    unsigned long long received = 0, echoed = 0;
    char buf[65536];
    while (!guest_stop) {
        struct sockaddr_storage from;
        socklen_t fl = sizeof(from);
        ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror("udpecho: recvfrom");
            guest_sleep(0.01);
            continue;
        }
        received++;
        if (sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, fl) == n)
            echoed++;
    }
    printf("udpecho final received=%llu echoed=%llu\n", received, echoed);
    return 0;
}
