/* What a reload of the daemon configuration can apply. Some keys are taken once at
 * start-up (the sockets, files and clients they configure live as long as the
 * process); a reload that changes them keeps their running values, and says which
 * keys wait for a restart. Pure: the daemon logs and reports the result. */
#ifndef BTD_DAEMON_CONFIG_RELOAD_H
#define BTD_DAEMON_CONFIG_RELOAD_H

#include <stddef.h>

#include "daemon_config.h"

/* The most keys that can wait for a restart: the 17 top-level keys only a restart
 * applies, then the keys a reload would apply but that name a value kept (below). */
#define DAEMON_CONFIG_RESTART_KEYS 20

/* daemon_config_keep_running: for every restart-only key whose value differs between
 * the running configuration and the reloaded one, move the running value into
 * reloaded (its own value goes to running, to be freed with it), so reloaded becomes
 * the effective configuration. A key a reload applies waits too when it would not
 * agree with the values kept: policy.regions that leaves out the running default
 * Region or a Region of a running pool, policy.naming.parameter that can give the
 * running claim parameter's name, cost_allocation_tags whose payer_account is an
 * alias the running accounts lack or define otherwise. Writes the names of those keys (static
 * strings) to ret_keys, which has room for DAEMON_CONFIG_RESTART_KEYS, and returns how
 * many. */
size_t daemon_config_keep_running(struct daemon_config *reloaded, struct daemon_config *running,
				  const char *ret_keys[DAEMON_CONFIG_RESTART_KEYS]);

#endif
