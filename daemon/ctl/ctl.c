/* bedrock-tenantctl: the command-line face of the daemon's control socket.
 *
 * Options may stand anywhere on the line, before or after the command and its
 * arguments, in long (--output json, --output=json) or short (-o json, -ojson) form;
 * "--" ends them. A command is one entry of the table below.
 *
 * Exit status: 0 success; 1 the daemon answered but reports a problem (not ready,
 * tenants in Error, Stalled or Held, a manifest problem, configuration keys that wait
 * for a restart, a tenant that is not Ready or whose manifest fails); 2 usage error
 * (an unknown command or option, a missing or bad value, or an argument the daemon
 * rejects as malformed, e.g. an unknown --state); 3 the daemon cannot be reached (or
 * went away while watching); 4 no such tenant or profile. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "ctl.h"
#include "ctl_http.h"
#include "xalloc.h"

/* What a command accepts beyond -o json and the connection options. */
enum {
	ACCEPTS_WIDE = 1,   /* -o wide */
	ACCEPTS_WATCH = 2,  /* -w, --watch, --interval */
	ACCEPTS_STATE = 4,  /* --state */
	ACCEPTS_NAME = 8,   /* -o name */
	ACCEPTS_RANGE = 16, /* --since, --until, --limit */
};

struct command {
	const char *name;
	const char *args; /* the synopsis of its arguments */
	int min_args, max_args;
	unsigned accepts;
	int (*run)(struct ctl *c, char **argv, int argc);
	const char *help;
};

/* Every command: adding one is one entry here (and its function in ctl_commands.c);
 * the usage text, the argument counts and the options it takes follow from it. */
static const struct command commands[] = {
	{ "status", "", 0, 0, ACCEPTS_WIDE | ACCEPTS_WATCH, cmd_status,
	  "the daemon: revision, tenants by state, queue, held deletions" },
	{ "tenants", "", 0, 0, ACCEPTS_WIDE | ACCEPTS_WATCH | ACCEPTS_STATE | ACCEPTS_NAME, cmd_tenants,
	  "every tenant (or those in --state) with its state and last error" },
	{ "tenant", "ID", 1, 1, ACCEPTS_WIDE | ACCEPTS_WATCH | ACCEPTS_NAME, cmd_tenant,
	  "one tenant in full: desired, observed, deletions to come, history" },
	{ "resolve", "TENANT PROFILE", 2, 2, ACCEPTS_WIDE, cmd_resolve,
	  "the profile's ARN (what applications look up)" },
	{ "reconcile", "[ID]", 0, 1, 0, cmd_reconcile, "reconcile every tenant, or one, now" },
	{ "resync", "", 0, 0, 0, cmd_resync, "list everything live in AWS again now" },
	{ "pause", "", 0, 0, 0, cmd_pause, "stop every mutating AWS call" },
	{ "resume", "", 0, 0, 0, cmd_resume, "restart the mutating AWS calls" },
	{ "approve-prune", "", 0, 0, 0, cmd_approve_prune, "release deletions held by the prune gate" },
	{ "places", "", 0, 0, ACCEPTS_WIDE | ACCEPTS_WATCH | ACCEPTS_NAME, cmd_places,
	  "each account-region: tenants, profiles, parameters, budgets and roles against the quotas; tenants waiting "
	  "for capacity" },
	{ "history", "[TENANT]", 0, 1, 0, cmd_history, "changes made in AWS, state changes and notes, newest first" },
	{ "health", "", 0, 0, 0, cmd_health, "exit 0 when the daemon runs" },
	{ "ready", "", 0, 0, 0, cmd_ready, "exit 0 when the daemon has finished its first sync" },
	{ "wait-ready", "[SECONDS]", 0, 1, 0, cmd_wait_ready, "wait until the daemon is ready (default 300 s)" },
	{ "version", "", 0, 0, 0, cmd_version, "the client's version and the daemon's" },
	{ "usage", "[TENANT]", 0, 1, ACCEPTS_RANGE, cmd_usage,
	  "tokens and estimated cost from invocation logs (--since 7d, --until DAY, --limit N)" },
	{ "profile-map", "", 0, 0, 0, cmd_profile_map,
	  "every managed profile ARN with its tenant, profile, model and place, as CSV (-o json: JSON)" },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *out)
{
	fprintf(out, "usage: bedrock-tenantctl COMMAND [ARGS] [OPTIONS]\n\ncommands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++) {
		char head[40];
		snprintf(head, sizeof(head), "%s %s", commands[i].name, commands[i].args);
		fprintf(out, "  %-26s %s\n", head, commands[i].help);
	}
	fprintf(out,
		"\noptions (anywhere on the line; -- ends them):\n"
		"  -s, --socket PATH          the control socket (default %s,\n"
		"                             or BEDROCK_TENANTD_SOCKET)\n"
		"  -o, --output FORMAT        table (default), wide (more columns), json (the daemon's\n"
		"                             answer as it is), name (ids only: tenants, tenant)\n"
		"  -j, --json                 the same as -o json\n"
		"  -w, --watch                status, tenants, tenant: draw again on every change\n"
		"      --interval SECONDS     how often --watch asks (default 2, 0.2 to 3600)\n"
		"      --state STATE[,STATE]  tenants: only those in these states (e.g. Stalled,Error)\n"
		"      --since, --until DAY   usage: Nd (the last N days) or YYYY-MM-DD (default 7d, today)\n"
		"      --limit N              usage: the N tenants with the highest estimated cost (20)\n"
		"      --request-timeout SECONDS\n"
		"                             give up on an answer after this long (default 30)\n"
		"  -V, --version              the client's version and the daemon's\n"
		"  -h, --help                 this text\n\n"
		"Exit status: 0 ok, 1 a problem reported, 2 usage, 3 daemon unreachable, 4 not found.\n",
		CTL_DEFAULT_SOCKET);
}

int ctl_parse_seconds(const char *text, double *ret)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(text, &end);
	if (errno || end == text || *end || !isfinite(v) || v < 0 || v > 86400 * 365)
		return -EINVAL;
	*ret = v;
	return 0;
}

static int bad_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A message on stderr and the usage exit status. */
static int bad_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "bedrock-tenantctl: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (bedrock-tenantctl --help lists the commands and options)\n");
	return EXIT_USAGE;
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

/* The options this invocation used that cmd does not take: a usage error. */
static int check_accepts(const struct command *cmd, const struct ctl *c, bool interval_set)
{
	if (c->output == CTL_OUT_WIDE && !(cmd->accepts & ACCEPTS_WIDE))
		return bad_usage("-o wide: %s has no wide view (status, tenants, tenant and resolve have)", cmd->name);
	if (c->output == CTL_OUT_NAME && !(cmd->accepts & ACCEPTS_NAME))
		return bad_usage("-o name: %s has no names to list (tenants and tenant have)", cmd->name);
	if ((c->watch || interval_set) && !(cmd->accepts & ACCEPTS_WATCH))
		return bad_usage("--watch: %s cannot be watched (status, tenants and tenant can)", cmd->name);
	if (c->states && !(cmd->accepts & ACCEPTS_STATE))
		return bad_usage("--state applies to tenants, not to %s", cmd->name);
	if ((c->since || c->until || c->limit) && !(cmd->accepts & ACCEPTS_RANGE))
		return bad_usage("--since, --until and --limit apply to usage, not to %s", cmd->name);
	return 0;
}

static int parse_output(const char *text, enum ctl_output *ret)
{
	static const char *const names[] = { "table", "wide", "json", "name" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(text, names[i])) {
			*ret = (enum ctl_output)i;
			return 0;
		}
	return -EINVAL;
}

enum { OPT_STATE = 256, OPT_INTERVAL, OPT_TIMEOUT, OPT_SINCE, OPT_UNTIL, OPT_LIMIT };

static const struct option options[] = { { "socket", required_argument, NULL, 's' },
					 { "output", required_argument, NULL, 'o' },
					 { "json", no_argument, NULL, 'j' },
					 { "watch", no_argument, NULL, 'w' },
					 { "interval", required_argument, NULL, OPT_INTERVAL },
					 { "state", required_argument, NULL, OPT_STATE },
					 { "request-timeout", required_argument, NULL, OPT_TIMEOUT },
					 { "since", required_argument, NULL, OPT_SINCE },
					 { "until", required_argument, NULL, OPT_UNTIL },
					 { "limit", required_argument, NULL, OPT_LIMIT },
					 { "version", no_argument, NULL, 'V' },
					 { "help", no_argument, NULL, 'h' },
					 { NULL, 0, NULL, 0 } };

/* The command line, parsed. */
struct line {
	struct ctl c;
	char **operands; /* the command and its arguments, in order (owned array) */
	int n_operands;
	bool interval_set, version, help;
};

/* One option with its value (NULL when it takes none): 0, or the usage exit status. */
static int set_option(struct line *l, int opt, const char *arg)
{
	double seconds;

	switch (opt) {
	case 's':
		l->c.socket = arg;
		return 0;
	case 'o':
		if (parse_output(arg, &l->c.output) < 0)
			return bad_usage("-o: unknown output format '%s' (table, wide, json or name)", arg);
		return 0;
	case 'j':
		l->c.output = CTL_OUT_JSON;
		return 0;
	case 'w':
		l->c.watch = true;
		return 0;
	case OPT_INTERVAL:
		if (ctl_parse_seconds(arg, &seconds) < 0 || seconds < 0.2 || seconds > 3600)
			return bad_usage("--interval: '%s' is not a number of seconds from 0.2 to 3600", arg);
		l->c.interval_ms = (long)(seconds * 1000);
		l->interval_set = true;
		return 0;
	case OPT_STATE:
		l->c.states = arg;
		return 0;
	case OPT_TIMEOUT:
		if (ctl_parse_seconds(arg, &seconds) < 0 || seconds < 0.1 || seconds > 3600)
			return bad_usage("--request-timeout: '%s' is not a number of seconds from 0.1 to 3600", arg);
		l->c.timeout_ms = (long)(seconds * 1000);
		return 0;
	case OPT_SINCE:
		l->c.since = arg;
		return 0;
	case OPT_UNTIL:
		l->c.until = arg;
		return 0;
	case OPT_LIMIT:
		l->c.limit = arg;
		return 0;
	case 'V':
		l->version = true;
		return 0;
	default: /* 'h' */
		l->help = true;
		return 0;
	}
}

/* Options anywhere: "-" in the option string hands operands back in order as option 1
 * (whatever POSIXLY_CORRECT says); "--" ends the options. 0, or the usage exit status. */
static int parse_line(int argc, char **argv, struct line *l)
{
	int opt, rc;

	opterr = 0;
	l->operands = xcalloc((size_t)argc + 1, sizeof(*l->operands));
	while ((opt = getopt_long(argc, argv, "-:s:o:jwVh", options, NULL)) != -1) {
		if (opt == 1) {
			l->operands[l->n_operands++] = optarg;
		} else if (opt == ':') {
			return bad_usage("option %s needs a value", argv[optind - 1]);
		} else if (opt == '?') {
			char o[3] = { '-', (char)optopt, 0 };
			return bad_usage("unknown option %s", optopt ? o : argv[optind - 1]);
		} else if ((rc = set_option(l, opt, optarg)) != 0) {
			return rc;
		}
	}
	for (int i = optind; i < argc; i++)
		l->operands[l->n_operands++] = argv[i];
	return 0;
}

/* The command the line names, its arguments checked against the table: NULL after a
 * message, with the usage exit status. */
static const struct command *line_command(const struct line *l)
{
	const struct command *cmd;
	int n = l->n_operands - 1;

	if (l->version)
		return find_command("version");
	if (!l->n_operands) {
		usage(stderr);
		return NULL;
	}
	if (!(cmd = find_command(l->operands[0]))) {
		bad_usage("unknown command '%s'", l->operands[0]);
		return NULL;
	}
	if (n < cmd->min_args || n > cmd->max_args) {
		fprintf(stderr, "bedrock-tenantctl: %s takes %s%s\nusage: bedrock-tenantctl %s %s [OPTIONS]\n",
			cmd->name, cmd->max_args ? "the arguments " : "no arguments", cmd->args, cmd->name, cmd->args);
		return NULL;
	}
	if (check_accepts(cmd, &l->c, l->interval_set))
		return NULL;
	return cmd;
}

int main(int argc, char **argv)
{
	const char *env = getenv("BEDROCK_TENANTD_SOCKET");
	struct line l = {
		.c = { .socket = env && *env ? env : CTL_DEFAULT_SOCKET, .timeout_ms = 30000, .interval_ms = 2000 }
	};
	const struct command *cmd;
	int rc = parse_line(argc, argv, &l);

	if (rc == 0 && l.help) {
		usage(stdout);
	} else if (rc == 0 && !(cmd = line_command(&l))) {
		rc = EXIT_USAGE;
	} else if (rc == 0) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		rc = l.version ? cmd->run(&l.c, NULL, 0) : cmd->run(&l.c, l.operands + 1, l.n_operands - 1);
		curl_global_cleanup();
	}
	free(l.operands);
	return rc;
}
