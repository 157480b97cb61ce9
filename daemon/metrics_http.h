/* The metrics listener: GET /metrics on a TCP address (metrics.listen in the daemon
 * configuration), answering the same Prometheus text as the control socket's
 * /metrics (control_metrics), and nothing else. It is unauthenticated: bind it to
 * loopback or firewall it (docs/metrics.md). Bounded like the control socket:
 * connections, head size, no body, and the time a request may take to arrive. */
#ifndef BTD_METRICS_HTTP_H
#define BTD_METRICS_HTTP_H

#include <uv.h>

#include "control.h"
#include "engine.h"

/* Connections the metrics listener holds at once. */
#define METRICS_MAX_CONNECTIONS 16

struct metrics_http;

/* metrics_http_open: listens on host (a numeric IPv4 or IPv6 address) and port (0:
 * any free port; the one taken in *ret_port). e and info are borrowed for the
 * listener's life. On failure -errno and, when ret_error is not NULL, a message naming
 * the cause (owned by the caller). */
int metrics_http_open(uv_loop_t *loop, struct engine *e, const struct control_info *info, const char *host, int port,
		      struct metrics_http **ret, int *ret_port, char **ret_error);
/* metrics_http_close: closes the listener and its connections; done(data) runs once
 * everything is closed (done may be NULL). */
void metrics_http_close(struct metrics_http *m, void (*done)(void *data), void *data);

#endif
