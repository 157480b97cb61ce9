/* bedrock-tenantctl's shared parts: the options of one invocation, the exit
 * statuses, the views (how a document of the control API is shown) and the requests
 * every command makes. ctl.c parses the line and holds the command table;
 * ctl_commands.c runs the commands; ctl_watch.c re-renders a view on change;
 * ctl_render*.c draw the documents. */
#ifndef BTD_CTL_H
#define BTD_CTL_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include <cjson/cJSON.h>

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
 * without drawing (-o json). name prints ids (-o name), NULL when the view has none. */
struct ctl_view {
	int (*render)(FILE *out, const cJSON *j, bool wide);
	int (*exit_of)(const cJSON *j);
	void (*name)(FILE *out, const cJSON *j);
};

extern const struct ctl_view view_status, view_tenants, view_tenant, view_resolve, view_places;

/* ctl_fetch: GET or POST path; the parsed answer (owned) and its HTTP status, or
 * NULL with the exit status in *ret_exit after a message on stderr. */
cJSON *ctl_fetch(const struct ctl *c, const char *method, const char *path, long *ret_status, int *ret_exit);
/* ctl_error_exit: prints the answer's "error" and returns 4 for a 404, else 1. */
int ctl_error_exit(long status, const cJSON *j);
/* ctl_show: draws j in the output format c asks for; returns the exit status. */
int ctl_show(const struct ctl *c, const struct ctl_view *v, FILE *out, const cJSON *j);

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
int cmd_history(struct ctl *c, char **argv, int argc);
int cmd_usage(struct ctl *c, char **argv, int argc);	   /* ctl_usage.c */
int cmd_profile_map(struct ctl *c, char **argv, int argc); /* ctl_usage.c */
int cmd_places(struct ctl *c, char **argv, int argc);

/* ctl_watch: polls path every c->interval_ms and draws it again whenever the drawing
 * changes, until SIGINT or SIGTERM (0) or the daemon goes away (3). */
int ctl_watch(struct ctl *c, const char *path, const struct ctl_view *v);

#endif
