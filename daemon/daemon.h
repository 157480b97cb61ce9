/* The running daemon: the root struct that owns every part (configuration, desired
 * store, state store, AWS client, engine, watcher, control socket, systemd
 * notifier, signals) and wires them together on one loop. main() only calls
 * daemon_run(). */
#ifndef BTD_DAEMON_H
#define BTD_DAEMON_H

#include <stdbool.h>

struct daemon_options {
	const char *config_path; /* NULL: DAEMON_CONFIG_PATH */
	bool log_stderr;	 /* never log to the journal */
};

/* daemon_run: runs in the foreground until SIGTERM or SIGINT; returns the exit
 * status (0 after a clean stop). */
int daemon_run(const struct daemon_options *opts);

#endif
