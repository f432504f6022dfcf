/* remote.h — commands on hosts, guests and the load client over SSH (libssh2).
 *
 * struct mb_remote_ops is the boundary: the real libssh2 backend (mb_remote_libssh2)
 * and a fake in the unit tests.  The promises kept here: host keys are verified against
 * a known_hosts file, strictly (an unknown or different key is an error naming the
 * file); authentication is by key only (ed25519: libssh2 1.10 cannot sign RSA for
 * OpenSSH >= 8.8); every command has a timeout; captured output has a ceiling; and every
 * value that reaches the remote shell goes through mb_remote_quote. */
#ifndef MB_REMOTE_H
#define MB_REMOTE_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/error.h"
#include "lib/util.h"

struct mb_remote_target {
    const char *address;      /* host name or IP */
    int port;                 /* 0 = 22 */
    const char *user;         /* NULL = root */
    const char *key;          /* private key file (ed25519) */
    const char *known_hosts;  /* OpenSSH known_hosts file; NULL = ~/.ssh/known_hosts */
    bool insecure;            /* skip host-key verification (explicit opt-out only) */
    double connect_timeout_s; /* TCP connect + handshake + authentication; 0 = 10 s */
    double tcp_timeout_s;     /* the TCP connect alone, within that; 0 = no limit of its own
                               * (a caller polling a machine that is still booting gives up
                               * on an unanswered SYN early and tries again) */
};

/* One command to run. */
struct mb_remote_cmd {
    const char *cmd;        /* a shell command line; quote values with mb_remote_quote */
    const char *stdin_data; /* sent to the command's standard input, then EOF; may be NULL */
    size_t stdin_len;
    double timeout_s;        /* 0 = 60 s */
    size_t out_max, err_max; /* ceilings of the captured output, bytes; 0 = 1 MiB */
};

/* What the command did: exit status and output are data, not errors. */
struct mb_remote_result {
    int exit_status;      /* 0..255, or -1 when it ended by a signal / unknown */
    char exit_signal[32]; /* "TERM", ... or "" */
    bool timed_out;
    bool out_truncated, err_truncated; /* output past the ceiling was read and dropped */
    struct mb_buf out, err;            /* NUL-terminated (possibly empty) */
    double seconds;
};

void mb_remote_result_free(struct mb_remote_result *r);

/* The SSH primitives; handles are the backend's own.  exec fills *res (its buffers
 * arrive with .max set to the ceilings) and returns 0 when the command ran to its end,
 * MB_EFAILED with res->timed_out when it was cut off at its timeout, and MB_EENV when
 * the transport failed. */
struct mb_remote_ops {
    const char *name;
    int (*connect)(const struct mb_remote_target *t, void **sess, struct mb_error *err);
    int (*exec)(void *sess, const struct mb_remote_cmd *c, struct mb_remote_result *res,
                struct mb_error *err);
    void (*close)(void *sess);
};

extern const struct mb_remote_ops mb_remote_libssh2;

/* For backends: append what fits of n bytes under b's ceiling (b->max counts the NUL),
 * drop the rest and set *truncated. */
void mb_remote_capture(struct mb_buf *b, const char *data, size_t n, bool *truncated);

struct mb_remote; /* a session with one machine */

/* Connect, verify the host key and authenticate (ops NULL = mb_remote_libssh2). */
int mb_remote_open(const struct mb_remote_ops *ops, const struct mb_remote_target *t,
                   struct mb_remote **out, struct mb_error *err);
void mb_remote_close(struct mb_remote *r);

/* Run c.  *res is always initialised (free it with mb_remote_result_free); return as
 * for mb_remote_ops.exec. */
int mb_remote_exec(struct mb_remote *r, const struct mb_remote_cmd *c, struct mb_remote_result *res,
                   struct mb_error *err);

/* Run cmd (timeout_s, output up to 1 MiB each) and fail unless it exits 0: the error
 * then carries the exit status and the start of its stderr.  Stdout goes to *out when
 * out is not NULL (caller frees). */
int mb_remote_run(struct mb_remote *r, const char *cmd, double timeout_s, char **out,
                  struct mb_error *err);

/* Write len bytes to path on the remote machine (`cat > path`, then chmod to mode). */
int mb_remote_upload(struct mb_remote *r, const char *path, const void *data, size_t len,
                     unsigned mode, double timeout_s, struct mb_error *err);

/* s as one single-quoted shell word: it's -> 'it'"'"'s', "" -> ''.  Appended to b;
 * returns 0, or -1 past b's ceiling. */
int mb_remote_quote(struct mb_buf *b, const char *s);
/* The same, as a new string (caller frees). */
char *mb_remote_quoted(const char *s);

/* Check a server's host key (raw blob as sent in the SSH handshake, libssh2 hostkey
 * type) for host:port against known_hosts.  0 when it matches; MB_EENV with a message
 * naming the file when it is unknown, different or the file unreadable. */
int mb_remote_check_host_key(const char *known_hosts, const char *host, int port,
                             const unsigned char *key, size_t key_len, int key_type,
                             struct mb_error *err);

#endif
