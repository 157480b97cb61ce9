/* bedrock-tenantd [run] [--config FILE] [--log-stderr]: the daemon, in the foreground. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "commands.h"
#include "daemon.h"
#include "heap.h"

int cmd_run(int argc, char **argv)
{
	static const struct option options[] = { { "config", required_argument, NULL, 'c' },
						 { "log-stderr", no_argument, NULL, 'l' },
						 { "help", no_argument, NULL, 'h' },
						 { NULL, 0, NULL, 0 } };
	struct daemon_options opts = { 0 };
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:lh", options, NULL)) != -1) {
		switch (opt) {
		case 'c':
			opts.config_path = optarg;
			break;
		case 'l':
			opts.log_stderr = true;
			break;
		case 'h':
			printf("usage: bedrock-tenantd [run] [--config FILE] [--log-stderr]\n\n"
			       "Runs the daemon in the foreground (systemd supervises it): watches the manifest\n"
			       "directory and keeps AWS equal to it. SIGHUP reloads the configuration, SIGTERM\n"
			       "stops after draining the calls in flight.\n");
			return 0;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "bedrock-tenantd: unexpected argument '%s'\n", argv[optind]);
		return EXIT_USAGE;
	}
	heap_setup();
	return daemon_run(&opts);
}
