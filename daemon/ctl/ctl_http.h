/* A blocking HTTP request to the daemon's control socket, for bedrock-tenantctl and
 * tests. The answer body is capped (CTL_MAX_BODY). */
#ifndef BTD_CTL_HTTP_H
#define BTD_CTL_HTTP_H

#include <signal.h>
#include <stddef.h>

#define CTL_MAX_BODY	   (64 * 1024 * 1024)
#define CTL_DEFAULT_SOCKET "/run/bedrock-tenantd/control.sock"

struct ctl_answer {
	long status; /* HTTP status */
	char *body;  /* NUL-terminated, owned */
	size_t len;
};

/* ctl_request: 0 with *ret filled, or -errno with a message in err (when the daemon
 * cannot be reached; -EMSGSIZE when it answered more than CTL_MAX_BODY). method is
 * "GET" or "POST". At most 30 s. */
int ctl_request(const char *socket, const char *method, const char *path, struct ctl_answer *ret, char *err,
		size_t err_len);

/* ctl_request_bounded: the same, at most timeout_ms; ended early (-EINTR) once
 * *cancel (when not NULL) is set, e.g. by a signal handler. */
int ctl_request_bounded(const char *socket, const char *method, const char *path, long timeout_ms,
			const volatile sig_atomic_t *cancel, struct ctl_answer *ret, char *err, size_t err_len);
void ctl_answer_release(struct ctl_answer *a);

#endif
