/* remote.c — SSH sessions: the generic layer above struct mb_remote_ops and shell
 * quoting; the libssh2 backend is backends/ssh.c. */
#include "remote.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_OUT_MAX   ((size_t)1 << 20)
#define DEFAULT_TIMEOUT_S 60.0

/* ---- quoting -------------------------------------------------------------------- */

int mb_remote_quote(struct mb_buf *b, const char *s)
{
    if (mb_buf_append(b, "'", 1) < 0)
        return -1;
    for (const char *p = s; *p; p++) {
        /* a single quote ends the quoted word, adds a double-quoted ', and reopens it */
        int rc = *p == '\'' ? mb_buf_append(b, "'\"'\"'", 5) : mb_buf_append(b, p, 1);
        if (rc < 0)
            return -1;
    }
    return mb_buf_append(b, "'", 1);
}

char *mb_remote_quoted(const char *s)
{
    struct mb_buf b = {0};
    mb_remote_quote(&b, s); /* no ceiling but the default 64 MiB */
    return b.data;
}

/* ---- the generic layer ---------------------------------------------------------- */

void mb_remote_capture(struct mb_buf *b, const char *data, size_t n, bool *truncated)
{
    size_t max = b->max ? b->max : DEFAULT_OUT_MAX;
    size_t room = max > b->len + 1 ? max - b->len - 1 : 0;
    if (n > room) {
        *truncated = true;
        n = room;
    }
    if (n)
        mb_buf_append(b, data, n);
}

struct mb_remote {
    const struct mb_remote_ops *ops;
    void *sess;
    char *address;
};

void mb_remote_result_free(struct mb_remote_result *r)
{
    if (!r)
        return;
    mb_buf_free(&r->out);
    mb_buf_free(&r->err);
}

int mb_remote_open(const struct mb_remote_ops *ops, const struct mb_remote_target *t,
                   struct mb_remote **out, struct mb_error *err)
{
    if (!ops)
        ops = &mb_remote_libssh2;
    if (!t->address || !*t->address)
        return mb_error_set(err, MB_EINPUT, "ssh: no address");
    void *sess = NULL;
    int rc = ops->connect(t, &sess, err);
    if (rc < 0)
        return rc;
    struct mb_remote *r = mb_xcalloc(1, sizeof(*r));
    r->ops = ops;
    r->sess = sess;
    r->address = mb_xstrdup(t->address);
    *out = r;
    return MB_OK;
}

void mb_remote_close(struct mb_remote *r)
{
    if (!r)
        return;
    r->ops->close(r->sess);
    free(r->address);
    free(r);
}

int mb_remote_exec(struct mb_remote *r, const struct mb_remote_cmd *c, struct mb_remote_result *res,
                   struct mb_error *err)
{
    memset(res, 0, sizeof(*res));
    res->exit_status = -1;
    res->out.max = c->out_max ? c->out_max : DEFAULT_OUT_MAX;
    res->err.max = c->err_max ? c->err_max : DEFAULT_OUT_MAX;
    struct mb_remote_cmd cc = *c;
    if (cc.timeout_s <= 0)
        cc.timeout_s = DEFAULT_TIMEOUT_S;
    int rc = r->ops->exec(r->sess, &cc, res, err);
    /* callers may print the buffers whatever happened */
    mb_buf_append(&res->out, "", 0);
    mb_buf_append(&res->err, "", 0);
    return rc;
}

int mb_remote_run(struct mb_remote *r, const char *cmd, double timeout_s, char **out,
                  struct mb_error *err)
{
    struct mb_remote_cmd c = {.cmd = cmd, .timeout_s = timeout_s};
    struct mb_remote_result res;
    int rc = mb_remote_exec(r, &c, &res, err);
    if (rc == MB_OK && res.exit_status != 0) {
        char *nl = strchr(res.err.data, '\n');
        int shown = nl && !nl[1] ? (int)(nl - res.err.data) : 300;
        if (res.exit_signal[0])
            rc = mb_error_set(err, MB_EFAILED, "%s: `%.200s` killed by SIG%s: %.*s", r->address,
                              cmd, res.exit_signal, shown, res.err.data);
        else
            rc = mb_error_set(err, MB_EFAILED, "%s: `%.200s` exited with %d: %.*s", r->address, cmd,
                              res.exit_status, shown, res.err.data);
    }
    if (rc == MB_OK && out) {
        *out = res.out.data;
        res.out.data = NULL;
    }
    mb_remote_result_free(&res);
    return rc;
}

int mb_remote_upload(struct mb_remote *r, const char *path, const void *data, size_t len,
                     unsigned mode, double timeout_s, struct mb_error *err)
{
    struct mb_buf cmd = {0};
    mb_buf_printf(&cmd, "umask 077 && cat > ");
    mb_remote_quote(&cmd, path);
    mb_buf_printf(&cmd, " && chmod %04o ", mode & 07777);
    mb_remote_quote(&cmd, path);
    struct mb_remote_cmd c = {
        .cmd = cmd.data, .stdin_data = data, .stdin_len = len, .timeout_s = timeout_s};
    struct mb_remote_result res;
    int rc = mb_remote_exec(r, &c, &res, err);
    if (rc == MB_OK && res.exit_status != 0)
        rc = mb_error_set(err, MB_EFAILED, "%s: writing %s failed (exit %d): %.300s", r->address,
                          path, res.exit_status, res.err.data);
    mb_remote_result_free(&res);
    mb_buf_free(&cmd);
    return rc;
}
