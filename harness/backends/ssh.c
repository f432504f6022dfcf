/* ssh.c — the libssh2 backend of struct mb_remote_ops (mb_remote_libssh2): TCP connect
 * with a deadline, ed25519 key authentication, strict host-key checking, and commands
 * with bounded output and a timeout. */
#include "remote.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libssh2.h>

#define DEFAULT_CONNECT_TIMEOUT_S 10.0

/* libssh2_init is process-wide and not thread-safe: done once. */
static pthread_once_t ssh_once = PTHREAD_ONCE_INIT;
static int ssh_ready = -1;

static void ssh_setup(void)
{
    ssh_ready = libssh2_init(0) == 0 ? 0 : -1;
}

static const char *ssh_msg(LIBSSH2_SESSION *s)
{
    char *m = NULL;
    libssh2_session_last_error(s, &m, NULL, 0);
    return m && *m ? m : "unknown libssh2 error";
}

static int key_type_bits(int hostkey_type)
{
    switch (hostkey_type) {
    case LIBSSH2_HOSTKEY_TYPE_RSA:
        return LIBSSH2_KNOWNHOST_KEY_SSHRSA;
    case LIBSSH2_HOSTKEY_TYPE_DSS:
        return LIBSSH2_KNOWNHOST_KEY_SSHDSS;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_256:
        return LIBSSH2_KNOWNHOST_KEY_ECDSA_256;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_384:
        return LIBSSH2_KNOWNHOST_KEY_ECDSA_384;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_521:
        return LIBSSH2_KNOWNHOST_KEY_ECDSA_521;
    case LIBSSH2_HOSTKEY_TYPE_ED25519:
        return LIBSSH2_KNOWNHOST_KEY_ED25519;
    default:
        return LIBSSH2_KNOWNHOST_KEY_UNKNOWN;
    }
}

static int check_key_in(LIBSSH2_SESSION *s, const char *file, const char *host, int port,
                        const unsigned char *key, size_t len, int type, struct mb_error *err)
{
    LIBSSH2_KNOWNHOSTS *kh = libssh2_knownhost_init(s);
    if (!kh)
        return mb_error_set(err, MB_EENV, "ssh %s: %s", host, ssh_msg(s));
    int rc = MB_OK;
    if (access(file, R_OK) != 0) {
        rc = mb_error_set(err, MB_EENV, "ssh %s: cannot read known_hosts file %s: %s", host, file,
                          strerror(errno));
    } else if (libssh2_knownhost_readfile(kh, file, LIBSSH2_KNOWNHOST_FILE_OPENSSH) < 0) {
        rc = mb_error_set(err, MB_EENV, "ssh %s: cannot parse known_hosts file %s: %s", host, file,
                          ssh_msg(s));
    } else {
        struct libssh2_knownhost *found = NULL;
        int c = libssh2_knownhost_checkp(kh, host, port ? port : 22, (const char *)key, len,
                                         LIBSSH2_KNOWNHOST_TYPE_PLAIN |
                                             LIBSSH2_KNOWNHOST_KEYENC_RAW | key_type_bits(type),
                                         &found);
        if (c == LIBSSH2_KNOWNHOST_CHECK_MISMATCH)
            rc = mb_error_set(err, MB_EENV,
                              "ssh %s: host key does not match the one in %s (another machine, "
                              "or a regenerated key)",
                              host, file);
        else if (c == LIBSSH2_KNOWNHOST_CHECK_NOTFOUND)
            rc = mb_error_set(err, MB_EENV, "ssh %s: host (port %d) not in %s: its key is unknown",
                              host, port ? port : 22, file);
        else if (c != LIBSSH2_KNOWNHOST_CHECK_MATCH)
            rc = mb_error_set(err, MB_EENV, "ssh %s: checking the host key against %s: %s", host,
                              file, ssh_msg(s));
    }
    libssh2_knownhost_free(kh);
    return rc;
}

int mb_remote_check_host_key(const char *known_hosts, const char *host, int port,
                             const unsigned char *key, size_t key_len, int key_type,
                             struct mb_error *err)
{
    pthread_once(&ssh_once, ssh_setup);
    if (ssh_ready < 0)
        return mb_error_set(err, MB_EENV, "libssh2 initialisation failed");
    LIBSSH2_SESSION *s = libssh2_session_init();
    if (!s)
        return mb_error_set(err, MB_ENOMEM, "libssh2: cannot create a session");
    int rc = check_key_in(s, known_hosts, host, port, key, key_len, key_type, err);
    libssh2_session_free(s);
    return rc;
}

struct ssh_sess {
    int fd;
    LIBSSH2_SESSION *s;
    char *host;
};

static void ssh_close(void *p)
{
    struct ssh_sess *ss = p;
    if (!ss)
        return;
    if (ss->s) {
        libssh2_session_set_blocking(ss->s, 1);
        libssh2_session_set_timeout(ss->s, 2000);
        libssh2_session_disconnect(ss->s, "bye");
        libssh2_session_free(ss->s);
    }
    if (ss->fd >= 0)
        close(ss->fd);
    free(ss->host);
    free(ss);
}

static int ms_left(double deadline)
{
    double left = deadline - mb_now_mono();
    return left <= 0 ? 0 : (int)(left * 1000) + 1;
}

/* TCP connect to address:port by the first address that answers before deadline. */
static int tcp_connect(const char *address, int port, double deadline, int *fd_out,
                       struct mb_error *err)
{
    char svc[16];
    snprintf(svc, sizeof(svc), "%d", port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai = NULL;
    int g = getaddrinfo(address, svc, &hints, &ai);
    if (g != 0)
        return mb_error_set(err, MB_EENV, "ssh %s: %s", address, gai_strerror(g));
    int last = ETIMEDOUT;
    for (struct addrinfo *a = ai; a; a = a->ai_next) {
        int fd =
            socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) {
            last = errno;
            continue;
        }
        int rc = connect(fd, a->ai_addr, a->ai_addrlen);
        if (rc < 0 && errno == EINPROGRESS) {
            struct pollfd p = {.fd = fd, .events = POLLOUT};
            int n;
            while ((n = poll(&p, 1, ms_left(deadline))) < 0 && errno == EINTR)
                ;
            int soerr = ETIMEDOUT;
            socklen_t sl = sizeof(soerr);
            if (n == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0)
                rc = 0;
            else
                errno = n == 1 ? soerr : ETIMEDOUT;
        }
        if (rc == 0) {
            fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
            freeaddrinfo(ai);
            *fd_out = fd;
            return MB_OK;
        }
        last = errno;
        close(fd);
    }
    freeaddrinfo(ai);
    return mb_error_set(err, MB_EENV, "ssh %s port %d: %s", address, port, strerror(last));
}

static int ssh_connect(const struct mb_remote_target *t, void **out, struct mb_error *err)
{
    pthread_once(&ssh_once, ssh_setup);
    if (ssh_ready < 0)
        return mb_error_set(err, MB_EENV, "libssh2 initialisation failed");
    if (!t->key || !*t->key)
        return mb_error_set(err, MB_EINPUT, "ssh %s: no private key given", t->address);
    if (access(t->key, R_OK) != 0)
        return mb_error_set(err, MB_EENV, "ssh %s: cannot read key %s: %s", t->address, t->key,
                            strerror(errno));
    char *home_kh = NULL;
    const char *kh = t->known_hosts;
    if (!kh && !t->insecure) {
        const char *home = getenv("HOME");
        home_kh = mb_xasprintf("%s/.ssh/known_hosts", home && *home ? home : "/root");
        kh = home_kh;
    }
    int port = t->port ? t->port : 22;
    const char *user = t->user ? t->user : "root";
    double deadline = mb_now_mono() +
                      (t->connect_timeout_s > 0 ? t->connect_timeout_s : DEFAULT_CONNECT_TIMEOUT_S);

    struct ssh_sess *ss = mb_xcalloc(1, sizeof(*ss));
    ss->fd = -1;
    ss->host = mb_xstrdup(t->address);
    double tcp_deadline = deadline;
    if (t->tcp_timeout_s > 0 && mb_now_mono() + t->tcp_timeout_s < deadline)
        tcp_deadline = mb_now_mono() + t->tcp_timeout_s;
    int rc = tcp_connect(t->address, port, tcp_deadline, &ss->fd, err);
    if (rc < 0)
        goto fail;
    ss->s = libssh2_session_init();
    if (!ss->s) {
        rc = mb_error_set(err, MB_ENOMEM, "libssh2: cannot create a session");
        goto fail;
    }
    libssh2_session_set_blocking(ss->s, 1);
    libssh2_session_set_timeout(ss->s, ms_left(deadline));
    if (libssh2_session_handshake(ss->s, ss->fd) != 0) {
        rc = mb_error_set(err, MB_EENV, "ssh %s: handshake: %s", t->address, ssh_msg(ss->s));
        goto fail;
    }
    if (!t->insecure) {
        size_t len = 0;
        int type = 0;
        const char *key = libssh2_session_hostkey(ss->s, &len, &type);
        if (!key) {
            rc = mb_error_set(err, MB_EENV, "ssh %s: no host key: %s", t->address, ssh_msg(ss->s));
            goto fail;
        }
        rc = check_key_in(ss->s, kh, t->address, port, (const unsigned char *)key, len, type, err);
        if (rc < 0)
            goto fail;
    }
    libssh2_session_set_timeout(ss->s, ms_left(deadline));
    if (libssh2_userauth_publickey_fromfile(ss->s, user, NULL, t->key, NULL) != 0) {
        rc = mb_error_set(err, MB_EENV, "ssh %s@%s: key %s refused: %s", user, t->address, t->key,
                          ssh_msg(ss->s));
        goto fail;
    }
    libssh2_session_set_timeout(ss->s, 0);
    free(home_kh);
    *out = ss;
    return MB_OK;
fail:
    free(home_kh);
    ssh_close(ss);
    return rc;
}

/* Wait until the socket is ready in the direction libssh2 is blocked on, or deadline. */
static void ssh_wait(struct ssh_sess *ss, double deadline)
{
    int dir = libssh2_session_block_directions(ss->s);
    struct pollfd p = {.fd = ss->fd};
    if (dir & LIBSSH2_SESSION_BLOCK_INBOUND)
        p.events |= POLLIN;
    if (dir & LIBSSH2_SESSION_BLOCK_OUTBOUND)
        p.events |= POLLOUT;
    if (!p.events)
        p.events = POLLIN;
    int ms = ms_left(deadline);
    poll(&p, 1, ms > 100 ? 100 : ms);
}

static int ssh_exec(void *p, const struct mb_remote_cmd *c, struct mb_remote_result *res,
                    struct mb_error *err)
{
    struct ssh_sess *ss = p;
    double t0 = mb_now_mono(), deadline = t0 + c->timeout_s;
    LIBSSH2_CHANNEL *ch = NULL;
    int rc = MB_OK;
    libssh2_session_set_blocking(ss->s, 0);

    while (!(ch = libssh2_channel_open_session(ss->s))) {
        if (libssh2_session_last_errno(ss->s) != LIBSSH2_ERROR_EAGAIN) {
            rc = mb_error_set(err, MB_EENV, "ssh %s: opening a channel: %s", ss->host,
                              ssh_msg(ss->s));
            goto out;
        }
        if (mb_now_mono() >= deadline)
            goto timeout;
        ssh_wait(ss, deadline);
    }
    int r;
    while ((r = libssh2_channel_exec(ch, c->cmd)) == LIBSSH2_ERROR_EAGAIN) {
        if (mb_now_mono() >= deadline)
            goto timeout;
        ssh_wait(ss, deadline);
    }
    if (r != 0) {
        rc = mb_error_set(err, MB_EENV, "ssh %s: starting the command: %s", ss->host,
                          ssh_msg(ss->s));
        goto out;
    }

    size_t sent = 0;
    bool eof_sent = false;
    char buf[16384];
    for (;;) {
        bool progress = false;
        if (c->stdin_data && sent < c->stdin_len) {
            ssize_t n = libssh2_channel_write(ch, c->stdin_data + sent, c->stdin_len - sent);
            if (n > 0) {
                sent += (size_t)n;
                progress = true;
            } else if (n < 0 && n != LIBSSH2_ERROR_EAGAIN) {
                rc = mb_error_set(err, MB_EENV, "ssh %s: writing to the command: %s", ss->host,
                                  ssh_msg(ss->s));
                goto out;
            }
        } else if (!eof_sent) {
            int e = libssh2_channel_send_eof(ch);
            if (e == 0) {
                eof_sent = true;
                progress = true;
            } else if (e != LIBSSH2_ERROR_EAGAIN) {
                rc = mb_error_set(err, MB_EENV, "ssh %s: closing the command's input: %s", ss->host,
                                  ssh_msg(ss->s));
                goto out;
            }
        }
        for (int stream = 0; stream < 2; stream++) {
            ssize_t n;
            while ((n = libssh2_channel_read_ex(ch, stream ? SSH_EXTENDED_DATA_STDERR : 0, buf,
                                                sizeof(buf))) > 0) {
                if (stream)
                    mb_remote_capture(&res->err, buf, (size_t)n, &res->err_truncated);
                else
                    mb_remote_capture(&res->out, buf, (size_t)n, &res->out_truncated);
                progress = true;
            }
            if (n < 0 && n != LIBSSH2_ERROR_EAGAIN) {
                rc = mb_error_set(err, MB_EENV, "ssh %s: reading the command's output: %s",
                                  ss->host, ssh_msg(ss->s));
                goto out;
            }
        }
        if (libssh2_channel_eof(ch) && !progress)
            break;
        if (!progress) {
            if (mb_now_mono() >= deadline)
                goto timeout;
            ssh_wait(ss, deadline);
        }
    }
    /* closing may wait for the exit status, which the server sends after EOF */
    double close_deadline = mb_now_mono() + 5;
    while ((r = libssh2_channel_close(ch)) == LIBSSH2_ERROR_EAGAIN &&
           mb_now_mono() < close_deadline)
        ssh_wait(ss, close_deadline);
    while ((r = libssh2_channel_wait_closed(ch)) == LIBSSH2_ERROR_EAGAIN &&
           mb_now_mono() < close_deadline)
        ssh_wait(ss, close_deadline);
    char *sig = NULL;
    size_t siglen = 0;
    if (libssh2_channel_get_exit_signal(ch, &sig, &siglen, NULL, NULL, NULL, NULL) == 0 && sig) {
        snprintf(res->exit_signal, sizeof(res->exit_signal), "%.*s", (int)siglen, sig);
        res->exit_status = -1;
    } else {
        res->exit_status = libssh2_channel_get_exit_status(ch);
    }
    libssh2_free(ss->s, sig);
    goto out;

timeout:
    res->timed_out = true;
    rc = mb_error_set(err, MB_EFAILED, "ssh %s: `%.200s` timed out after %g s", ss->host, c->cmd,
                      c->timeout_s);
out:
    libssh2_session_set_blocking(ss->s, 1);
    if (ch) {
        /* the server acknowledges closing a still-running command's channel only when
         * the command ends: wait for that at most 0.3 s (the channel is then released
         * with the session).  The remote process may live on: run it under `timeout`
         * where that matters. */
        libssh2_session_set_timeout(ss->s, res->timed_out ? 300 : 2000);
        libssh2_channel_free(ch);
        libssh2_session_set_timeout(ss->s, 0);
    }
    res->seconds = mb_now_mono() - t0;
    return rc;
}

const struct mb_remote_ops mb_remote_libssh2 = {
    .name = "libssh2",
    .connect = ssh_connect,
    .exec = ssh_exec,
    .close = ssh_close,
};
