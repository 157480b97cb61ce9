/* From the daemon configuration to the parts' settings: the AWS client's options and
 * accounts, and the engine's settings. Shared by the daemon and `plan`. */
#ifndef BTD_SETUP_H
#define BTD_SETUP_H

#include <stdio.h>

#include <uv.h>

#include "aws_client.h"
#include "cloud_aws.h"
#include "daemon_config.h"
#include "engine.h"

/* setup_aws_options: the client's options from the configuration: region, endpoints,
 * every service's rate limit (requests_per_second and burst) and max_in_flight. The
 * strings are borrowed from cfg. */
void setup_aws_options(const struct daemon_config *cfg, struct aws_client_options *opts);
/* setup_aws_op_limits: the operations' limits (rate_limits.<service>.operations),
 * at most max into ops (NULL to count); returns how many there are. The names are
 * borrowed from cfg. */
size_t setup_aws_op_limits(const struct daemon_config *cfg, struct aws_op_limit *ops, size_t max);
/* setup_aws_client: the client with the configuration's region, endpoints, rate
 * limits and account roles. -errno with a message in err_text (owned by the caller). */
int setup_aws_client(uv_loop_t *loop, const struct daemon_config *cfg, struct aws_client **ret, char **err_text);
/* setup_cloud: the engine's cloud on client, knowing the configuration's role aliases. */
void setup_cloud(struct cloud_aws *cloud, struct aws_client *client, const struct daemon_config *cfg);
/* setup_engine_settings: fills *set; strings are borrowed from cfg. */
void setup_engine_settings(const struct daemon_config *cfg, struct engine_settings *set);
/* setup_engine_pools: the configuration's pools for engine_settings.pools (strings
 * borrowed from cfg; the array is the caller's to free once engine_new copied it). */
struct engine_pool *setup_engine_pools(const struct daemon_config *cfg, size_t *ret_n);
/* setup_param_prefix: the static part of the parameter naming template
 * ("/bedrock-tenants" for "/bedrock-tenants/{tenant}/..."), where listings look.
 * Owned by the caller. */
char *setup_param_prefix(const struct daemon_config *cfg);
/* setup_claim_value: this run's text for the instance's claim (owned), a JSON
 * object unique to the run: host, pid, state directory, start time and a random id. */
char *setup_claim_value(const struct daemon_config *cfg);
/* The open-file limit. setup_fd_need: the descriptors the daemon may hold at once
 * with this configuration: the control socket's and the metrics listener's
 * connections, two for each AWS transfer in flight, and SETUP_FD_BASE for the rest (the
 * state store's files, the log, the watch, the loop's own, the manifest reader's
 * directories, up to 40 deep). setup_fd_limit: a soft limit (RLIMIT_NOFILE) below
 * that need is raised to it (at most to the hard limit; no higher, since the
 * credential process inherits it); returns the limit it runs under and warns when
 * that is still below the need (descriptors run out: a manifest read then fails for
 * now and is read again, an AWS call is retried, a control client is refused). */
#define SETUP_FD_BASE 64
unsigned long setup_fd_need(const struct daemon_config *cfg);
unsigned long setup_fd_limit(const struct daemon_config *cfg);
/* setup_print_diags: every diagnostic as `file:line:col: message`, one per line. */
void setup_print_diags(const struct diag_list *diags, FILE *out);
/* The state directory: its lock (one daemon per directory) and its store. */
struct state_dir {
	int lock_fd; /* holds an fcntl write lock on <dir>/lock; -1 when closed */
	struct store *store;
	char *moved_aside; /* a damaged store was moved here and a fresh one made, or NULL */
};

/* setup_state_dir: creates the directory when missing, takes its lock, opens (and
 * checks) the store. A store SQLite finds damaged, or that is not a database at all,
 * is moved aside to state.db.corrupt-<UTC time> (with its -wal and -shm files) and a
 * fresh one is made: the daemon then learns again from the AWS listings; a pause
 * recorded in the damaged store is kept when it can still be read. Logs what it does
 * and, on failure, what the operator can do; -errno (-EBUSY: another daemon holds
 * the directory). */
int setup_state_dir(const char *dir, struct state_dir *ret);
/* setup_move_aside: a damaged SQLite database at path (with its -wal and -shm) renamed
 * to path.corrupt-<UTC time> (*ret_to, owned), so that a fresh one can be made. */
int setup_move_aside(const char *path, char **ret_to);
/* setup_state_dir_relock: the lock file removed or replaced by hand (a cleanup of the
 * directory) would let a second daemon take the directory: locks a new one (the old
 * lock is dropped once the new one is held). 0 when held; -EBUSY when another daemon
 * holds the new file (logged). */
int setup_state_dir_relock(const char *dir, struct state_dir *sd);
void setup_state_dir_close(struct state_dir *sd);

/* setup_account_id: the configured id of an account alias (NULL alias: none). */
const char *setup_account_id(const char *alias, void *cfg);
/* setup_account_known: the configuration names the account alias (NULL: the default
 * credentials' account, always known). */
bool setup_account_known(const char *alias, void *cfg);

#endif
