/* bedrock-tenantctl's shared parts: the options of one invocation, the exit
 * statuses, the views (how a document of the control API is shown) and the requests
 * every command makes. ctl.c parses the line and holds the command table;
 * ctl_commands.c runs the commands (ctl_history.c and ctl_usage.c those with views of
 * their own); ctl_call.c makes their requests; ctl_watch.c re-renders a view on
 * change; ctl_render*.c draw the documents. */
#ifndef BTD_CTL_H
#define BTD_CTL_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "control_api.h"

/* Exit statuses (README and docs/control-api.md list them). */
#define EXIT_PROBLEM	 1 /* the daemon answered but reports a problem */
#define EXIT_USAGE	 2 /* a bad command line */
#define EXIT_UNREACHABLE 3 /* the daemon cannot be reached (or went away while watching) */
#define EXIT_NOT_FOUND	 4 /* no such tenant or profile */

enum ctl_output {
	CTL_OUT_TABLE, /* the default: a human rendering */
	CTL_OUT_WIDE,  /* the same with more columns */
	CTL_OUT_JSON,  /* the daemon's answer as it is, pretty-printed */
	CTL_OUT_NAME,  /* ids only, one a line (for scripts and completion) */
};

struct ctl {
	const char *socket;
	enum ctl_output output;
	bool watch;
	const char *states;		   /* --state: comma-separated tenant states, or NULL */
	long timeout_ms;		   /* per request */
	long interval_ms;		   /* between polls while watching */
	const char *argv0;		   /* the command line as typed, for the watch header */
	volatile sig_atomic_t *stop;	   /* set by SIGINT/SIGTERM while watching; may be NULL */
	const char *since, *until, *limit; /* usage: --since, --until, --limit, or NULL */
};

/* A view: how one kind of document is drawn, and the exit status it calls for.
 * render writes to out and returns the exit status; exit_of computes the same
 * without drawing (-o json). name prints ids (-o name), NULL when the view has none.
 * unavailable_fails: a 503 answer is an error (else a document to draw: status and
 * tenants while the daemon is not ready). */
struct ctl_view {
	int (*render)(FILE *out, const cJSON *j, bool wide);
	int (*exit_of)(const cJSON *j);
	void (*name)(FILE *out, const cJSON *j);
	bool unavailable_fails;
};

extern const struct ctl_view view_status, view_tenants, view_tenant, view_resolve, view_places;
/* ctl_zero_exit: the exit_of of a view whose documents report no problem: 0. */
int ctl_zero_exit(const cJSON *j);
extern const struct ctl_view view_history; /* ctl_history.c */
extern const struct ctl_view view_usage;   /* ctl_usage.c */

/* The requests (ctl_call.c).
 * ctl_encode: s percent-encoded (owned). ctl_route_path: the path of route r, its
 * {id} segment the percent-encoded id (owned).
 * The others return 0, or the exit status after a message on
 * stderr; results are written only on success.
 * ctl_call: method ("GET" or "POST") path within c->timeout_ms, ended early once
 * *c->stop is set; 0 with the answer in *ret (release it), or 3 (unreachable), or 1
 * (an answer over CTL_MAX_BODY).
 * ctl_answer_json: the answer's JSON in *ret (owned); 1 for a body that is not JSON,
 * ctl_error_exit's status for an error status (400 or more; with unready_ok, 503 is
 * a document: what status and ready answer while the daemon is not ready), 1 for a
 * status that is neither (1xx, 3xx).
 * ctl_call_json, ctl_get_json: both, *ret_status (may be NULL) the HTTP status.
 * ctl_error_exit: prints the answer's "error"; 4 for a 404, 2 for a 400, else 1. */
struct ctl_answer;
char *ctl_encode(const char *s);
char *ctl_route_path(enum control_route r, const char *id);
int ctl_call(const struct ctl *c, const char *method, const char *path, struct ctl_answer *ret);
int ctl_answer_json(const struct ctl_answer *a, bool unready_ok, cJSON **ret);
int ctl_call_json(const struct ctl *c, const char *method, const char *path, bool unready_ok, cJSON **ret,
		  long *ret_status);
int ctl_get_json(const struct ctl *c, const char *path, bool unready_ok, cJSON **ret, long *ret_status);
int ctl_error_exit(long status, const cJSON *j);
/* ctl_get_show: GET path (taken) and draw the answer with v, or watch it (c->watch);
 * returns the exit status.
 * ctl_show: draws j in the output format c asks for; returns the exit status.
 * ctl_print_json: j pretty-printed, as -o json shows it. (ctl_commands.c) */
int ctl_get_show(struct ctl *c, char *path, const struct ctl_view *v);
int ctl_show(const struct ctl *c, const struct ctl_view *v, FILE *out, const cJSON *j);
void ctl_print_json(FILE *out, const cJSON *j);

/* ctl_parse_seconds: a number of seconds (0 to a year), or -EINVAL. */
int ctl_parse_seconds(const char *text, double *ret);

/* The commands (ctl_commands.c): each gets its operands, checked against the
 * command table's counts, and returns the exit status. */
int cmd_status(struct ctl *c, char **argv, int argc);
int cmd_tenants(struct ctl *c, char **argv, int argc);
int cmd_tenant(struct ctl *c, char **argv, int argc);
int cmd_resolve(struct ctl *c, char **argv, int argc);
int cmd_reconcile(struct ctl *c, char **argv, int argc);
int cmd_resync(struct ctl *c, char **argv, int argc);
int cmd_pause(struct ctl *c, char **argv, int argc);
int cmd_resume(struct ctl *c, char **argv, int argc);
int cmd_approve_prune(struct ctl *c, char **argv, int argc);
int cmd_health(struct ctl *c, char **argv, int argc);
int cmd_ready(struct ctl *c, char **argv, int argc);
int cmd_wait_ready(struct ctl *c, char **argv, int argc);
int cmd_version(struct ctl *c, char **argv, int argc);
int cmd_history(struct ctl *c, char **argv, int argc);	   /* ctl_history.c */
int cmd_usage(struct ctl *c, char **argv, int argc);	   /* ctl_usage.c */
int cmd_profile_map(struct ctl *c, char **argv, int argc); /* ctl_usage.c */
int cmd_places(struct ctl *c, char **argv, int argc);

/* ctl_watch: polls path every c->interval_ms and draws it again whenever the drawing
 * changes, until SIGINT or SIGTERM (0) or the daemon goes away (3). */
int ctl_watch(struct ctl *c, const char *path, const struct ctl_view *v);

#endif
