/* The control socket: HTTP/1.1 with JSON bodies on a UNIX-domain socket (mode 0660),
 * answering health, readiness, status, tenants and look-ups from the engine's memory,
 * and taking the reconcile, pause/resume and prune-approval commands (DESIGN.md
 * "Control socket"; docs/control-api.md). Requests and connections are bounded.
 * A second daemon refuses to start on a socket another one answers on; a stale
 * socket file is replaced. */
#ifndef BTD_CONTROL_H
#define BTD_CONTROL_H

#include <uv.h>

#include "audit.h"
#include "engine.h"
#include "events.h"
#include "strbuf.h"

/* Connections the control socket holds at once (a new one evicts an idle one). */
#define CONTROL_MAX_CONNECTIONS 64

struct usage_reader;

struct control;

/* Facts about the daemon that status shows beside the engine's. Borrowed for the
 * control's lifetime: the owner keeps every string alive that long and may change
 * the fields between requests (a reload), never point them into a configuration it
 * frees. */
struct control_info {
	const char *version;
	const char *manifests; /* the manifest directory */
	const char *mode;      /* the effective mode: "enforce" or "report" */
	/* configuration keys changed in the file that wait for a restart */
	const char *const *restart_required;
	size_t n_restart_required;
	/* the errors of the configuration file that made the last reload fail, until a
	 * reload succeeds */
	const char *const *config_errors;
	size_t n_config_errors;
	/* manifest problems of the last scan, as "file:line:col: message" lines */
	const char *const *(*problems)(void *data, size_t *ret_n);
	/* the notifications' counters as a JSON object (owned by the caller), or NULL */
	char *(*notifications_json)(void *data);
	/* the cost-allocation tags' check as a JSON object (owned by the caller), or NULL */
	char *(*cost_tags_json)(void *data);
	void *data;
	struct audit *audit;   /* the history (GET /v1/history...); may be NULL */
	struct events *events; /* GET /v1/events; may be NULL */
	/* more metric families in the Prometheus text format (build, process, AWS latency),
	 * appended to out after the engine's; may be NULL */
	void (*metrics)(void *data, struct strbuf *out);
	struct usage_reader *usage; /* NULL: usage is not configured */
};

/* control_open: -EADDRINUSE when a daemon already answers on path; other -errno for
 * socket problems (-ENAMETOOLONG, a missing directory -ENOENT, a group that does not
 * exist -ENOENT, or the daemon cannot give the socket to -EPERM). On failure
 * *ret_error (when not NULL) receives a message naming the cause, owned by the
 * caller. group may be NULL (keep the daemon's own group). */
int control_open(uv_loop_t *loop, struct engine *e, const struct control_info *info, const char *path, unsigned mode,
		 const char *group, struct control **ret, char **ret_error);
void control_close(struct control *c, void (*done)(void *data), void *data);
/* control_check_socket: the socket file is looked at now (as every 10 s): removed by
 * hand, it is made again (logged), unless another process answers at the path. */
void control_check_socket(struct control *c);

/* control_socket_live: true when something accepts connections on path. */
bool control_socket_live(const char *path);

#endif
