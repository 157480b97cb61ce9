/* bedrock-tenantd: subcommand dispatch. Each command lives in its own cmd_*.c. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

#include "commands.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "run", cmd_run, "run the daemon in the foreground (the default)" },
	{ "plan", cmd_plan, "print what the daemon would change in AWS, changing nothing" },
	{ "validate", cmd_validate, "check the daemon configuration and every tenant manifest" },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *out)
{
	fprintf(out, "usage: bedrock-tenantd [--config FILE]       run the daemon in the foreground\n"
		     "       bedrock-tenantd COMMAND [OPTIONS]\n"
		     "       bedrock-tenantd --version | --help\n\ncommands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n`bedrock-tenantd COMMAND --help` describes a command.\n");
}

/* What holds for every command, before anything else runs: a peer that goes away
 * is an EPIPE from write(), never a SIGPIPE that ends the process; a file grown past
 * the file-size limit (LimitFSIZE=, ulimit -f) is an EFBIG from write(), which the
 * state store reports as any failed write, never a SIGXFSZ that ends it; and the process
 * holds AWS credentials, so it dumps no core and no other user of its uid may attach
 * to it or read its memory. */
static void harden_process(void)
{
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

int main(int argc, char **argv)
{
	harden_process();
	/* no command, or options first: the daemon itself */
	if (argc < 2 || (argv[1][0] == '-' && strcmp(argv[1], "--help") && strcmp(argv[1], "-h") &&
			 strcmp(argv[1], "--version") && strcmp(argv[1], "-V")))
		return cmd_run(argc, argv);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("bedrock-tenantd %s\n", BTD_VERSION);
		return 0;
	}
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "bedrock-tenantd: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
