#include "setup.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <uv.h>

#include "control.h"
#include "log.h"
#include "metrics_http.h"
#include "param_prefix.h"
#include "xalloc.h"

/* The configuration's service order is not the AWS layer's. */
static enum aws_service service_of(enum cfg_service s)
{
	switch (s) {
	case CFG_SERVICE_BEDROCK:
		return AWS_BEDROCK;
	case CFG_SERVICE_BUDGETS:
		return AWS_BUDGETS;
	case CFG_SERVICE_IAM:
		return AWS_IAM;
	case CFG_SERVICE_SSM:
		return AWS_SSM;
	case CFG_SERVICE_TAGGING:
		return AWS_TAGGING;
	case CFG_SERVICE_SERVICEQUOTAS:
		return AWS_SERVICEQUOTAS;
	case CFG_SERVICE_S3:
		return AWS_S3;
	case CFG_SERVICE_CE:
		return AWS_CE;
	case CFG_SERVICE_STS:
	case CFG_SERVICE_COUNT:
		break;
	}
	return AWS_STS;
}

size_t setup_aws_op_limits(const struct daemon_config *cfg, struct aws_op_limit *ops, size_t max)
{
	size_t n = 0;

	for (int s = 0; s < CFG_SERVICE_COUNT; s++)
		for (size_t i = 0; i < cfg->rate_limits[s].n_ops; i++) {
			const struct cfg_op_limit *o = &cfg->rate_limits[s].ops[i];

			if (ops && n < max)
				ops[n] = (struct aws_op_limit){ .service = service_of(s),
								.operation = o->operation,
								.max_rate = o->requests_per_second,
								.burst = o->burst };
			n++;
		}
	return n;
}

void setup_aws_options(const struct daemon_config *cfg, struct aws_client_options *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->region = cfg->region;
	for (int s = 0; s < CFG_SERVICE_COUNT; s++) {
		opts->endpoints[service_of(s)] = daemon_config_endpoint(cfg, s);
		opts->max_rate[service_of(s)] = cfg->rate_limits[s].requests_per_second;
		opts->burst[service_of(s)] = cfg->rate_limits[s].burst;
	}
	opts->max_in_flight = cfg->max_in_flight;
	opts->endpoints[AWS_SNS] = cfg->endpoint_default; /* notifications */
}

/* The AWS client's events worth a log line: its clock offset moved (aws_client.h). */
static void on_aws_event(void *arg, const struct aws_event *ev)
{
	(void)arg;
	if (ev->type != AWS_EVENT_CLOCK_SKEW)
		return;
	if (ev->clock_offset_ms)
		log_warning("this host's clock is %+.0f s off AWS's (an answer's Date header): requests are signed "
			    "with AWS's time; set the clock right (NTP)",
			    (double)-ev->clock_offset_ms / 1000);
	else
		log_notice("this host's clock agrees with AWS's again: requests are signed with it");
}

int setup_aws_client(uv_loop_t *loop, const struct daemon_config *cfg, struct aws_client **ret, char **err_text)
{
	struct aws_client_options opts;
	struct aws_op_limit *ops;
	struct aws_error err = { 0 };
	struct aws_client *c;
	int r;

	setup_aws_options(cfg, &opts);
	opts.n_op_limits = setup_aws_op_limits(cfg, NULL, 0);
	ops = xcalloc(opts.n_op_limits ? opts.n_op_limits : 1, sizeof(*ops));
	setup_aws_op_limits(cfg, ops, opts.n_op_limits);
	opts.op_limits = ops;
	opts.event_cb = on_aws_event;
	r = aws_client_new(loop, &opts, &c, &err);
	free(ops);
	if (r < 0) {
		*err_text = xasprintf("AWS client: %s%s%s", err.code && err.code[0] ? err.code : strerror(-r),
				      err.message && err.message[0] ? ": " : "", err.message ? err.message : "");
		aws_error_release(&err);
		return r;
	}
	for (size_t i = 0; i < cfg->n_accounts; i++) {
		const struct cfg_account *a = &cfg->accounts[i];
		if (!a->role_arn)
			continue;
		r = aws_client_add_account(c, a->alias, a->role_arn, a->external_id);
		if (r < 0) {
			*err_text = xasprintf("account %s: cannot use role %s: %s", a->alias, a->role_arn,
					      strerror(-r));
			aws_client_close(c, NULL, NULL);
			return r;
		}
	}
	*ret = c;
	return 0;
}

void setup_cloud(struct cloud_aws *cloud, struct aws_client *client, const struct daemon_config *cfg)
{
	cloud_aws_init(cloud, client, cfg->instance);
	for (size_t i = 0; i < cfg->n_accounts; i++)
		if (cfg->accounts[i].role_arn)
			cloud_aws_add_role_alias(cloud, cfg->accounts[i].alias);
}

char *setup_param_prefix(const struct daemon_config *cfg)
{
	return param_prefix_of_template(cfg->policy.naming.parameter ? cfg->policy.naming.parameter
								     : "/bedrock-tenants/");
}

char *setup_claim_value(const struct daemon_config *cfg)
{
	unsigned char rnd[8] = { 0 };
	char host[256] = "", run[2 * sizeof(rnd) + 1], started[32];
	time_t now = time(NULL);
	struct tm tm;
	cJSON *o = cJSON_CreateObject();
	char *printed, *text;

	if (uv_random(NULL, NULL, rnd, sizeof(rnd), 0, NULL) < 0) /* then the pid and time tell */
		memset(rnd, 0, sizeof(rnd));
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(run + 2 * i, 3, "%02x", rnd[i]);
	if (gethostname(host, sizeof(host) - 1) < 0)
		snprintf(host, sizeof(host), "?");
	strftime(started, sizeof(started), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	cJSON_AddStringToObject(o, "host", host);
	cJSON_AddNumberToObject(o, "pid", (double)getpid());
	/* a Standard parameter holds 4 KB: a longer path is not written */
	cJSON_AddStringToObject(o, "state_dir",
				!cfg->state_dir			? ""
				: strlen(cfg->state_dir) > 1024 ? "(a path over 1024 bytes)"
								: cfg->state_dir);
	cJSON_AddStringToObject(o, "started", started);
	cJSON_AddStringToObject(o, "run", run);
	printed = cJSON_PrintUnformatted(o);
	text = xstrdup(printed ? printed : "{}");
	cJSON_free(printed);
	cJSON_Delete(o);
	return text;
}

void setup_print_diags(const struct diag_list *diags, FILE *out)
{
	for (size_t i = 0; i < diags->n; i++) {
		struct strbuf sb;
		strbuf_init(&sb, STRBUF_NO_CAP);
		diag_format(&diags->items[i], &sb);
		fprintf(out, "%s\n", sb.buf);
		strbuf_release(&sb);
	}
}

const char *setup_account_id(const char *alias, void *data)
{
	const struct daemon_config *cfg = data;
	const struct cfg_account *a = alias ? daemon_config_account(cfg, alias) : NULL;

	return a ? a->id : NULL;
}

bool setup_account_known(const char *alias, void *data)
{
	return !alias || daemon_config_account(data, alias) != NULL;
}

void setup_engine_settings(const struct daemon_config *cfg, struct engine_settings *set)
{
	memset(set, 0, sizeof(*set));
	set->instance = cfg->instance;
	set->default_region = cfg->region;
	set->grace_s = (int64_t)(cfg->safety.prune_grace_ms / 1000);
	set->drain_s = (int64_t)(cfg->safety.replacement_drain_ms / 1000);
	set->execution_role = cfg->budget_actions.execution_role;
	set->prune.min_tenants = cfg->safety.max_deletions;
	set->prune.percent = cfg->safety.max_deletions_percent;
	set->resync_interval_ms = cfg->resync_interval_ms;
	set->max_listings = cfg->max_in_flight; /* a listing's calls are paged one after the other */
	set->alerts_audit_ms = cfg->alerts_audit_ms;
	set->report_only = cfg->mode == CFG_MODE_REPORT;
	set->backoff_base_ms = cfg->backoff_initial_ms;
	set->backoff_cap_ms = cfg->backoff_max_ms;
	set->ssm_tier = cfg_ssm_tier_name(cfg->ssm_tier);
	set->account_id_of = setup_account_id;
	set->account_known = setup_account_known;
	set->account_data = (void *)cfg;
	set->capacity = (struct engine_capacity){ cfg->capacity.profiles, cfg->capacity.parameters,
						  cfg->capacity.budgets, cfg->capacity.roles };
}

struct engine_pool *setup_engine_pools(const struct daemon_config *cfg, size_t *ret_n)
{
	struct engine_pool *v = xcalloc(cfg->n_pools ? cfg->n_pools : 1, sizeof(*v));

	for (size_t i = 0; i < cfg->n_pools; i++)
		v[i] = (struct engine_pool){ cfg->pools[i].name, (const char *const *)cfg->pools[i].accounts,
					     cfg->pools[i].n_accounts, (const char *const *)cfg->pools[i].regions,
					     cfg->pools[i].n_regions };
	*ret_n = cfg->n_pools;
	return v;
}

/* ---- the state directory ---- */

/* One daemon per state directory: two would both create, delete and forget. The lock
 * is fcntl's, held for the life of the process and released by the kernel however it
 * ends (kill -9 included); the file also names the holder's pid for people. */
static int lock_state_dir(const char *dir, int *ret_fd, bool at_start)
{
	char *path = xasprintf("%s/lock", dir);
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	char pid[32];
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640), r = 0, n;

	if (fd < 0) {
		r = -errno;
		log_error("state directory %s: cannot open its lock file %s: %s", dir, path, strerror(-r));
		goto out;
	}
	if (fcntl(fd, F_SETLK, &fl) < 0) {
		r = errno == EACCES || errno == EAGAIN ? -EBUSY : -errno;
		fl = (struct flock){ .l_type = F_WRLCK, .l_whence = SEEK_SET };
		if (r == -EBUSY && fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
			log_error("state directory %s is in use by another bedrock-tenantd (pid %ld holds %s); "
				  "%s: one state directory serves one daemon",
				  dir, (long)fl.l_pid, path,
				  at_start ? "not starting"
					   : "stop one of them (its lock file was removed by hand, and the other took "
					     "a new one)");
		else
			log_error("state directory %s: cannot lock %s: %s", dir, path, strerror(-r));
		close(fd);
		goto out;
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)n, 0) != n)
		log_warning("state directory %s: cannot write the pid into %s: %s", dir, path, strerror(errno));
	*ret_fd = fd;
out:
	free(path);
	return r;
}

/* What a damaged store said about the pause, if it still can. */
static bool damaged_store_paused(const char *path, bool *ret_known)
{
	struct store *old = NULL;
	bool paused = false;

	*ret_known = store_open_readonly(path, &old, NULL) == 0 && store_get_paused(old, &paused) == 0;
	store_close(old);
	return *ret_known && paused;
}

int setup_move_aside(const char *path, char **ret_to)
{
	static const char *const sidecars[] = { "-wal", "-shm" };
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	char *to;

	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", gmtime_r(&now, &tm));
	to = xasprintf("%s.corrupt-%s", path, stamp);
	if (rename(path, to) < 0) {
		int r = -errno;
		free(to);
		return r;
	}
	/* the write-ahead log belongs to the damaged file: a fresh store must not replay it */
	for (size_t i = 0; i < sizeof(sidecars) / sizeof(sidecars[0]); i++) {
		char *from = xasprintf("%s%s", path, sidecars[i]), *side = xasprintf("%s%s", to, sidecars[i]);
		if (rename(from, side) < 0 && errno != ENOENT)
			unlink(from);
		free(from);
		free(side);
	}
	*ret_to = to;
	return 0;
}

static const char *what_to_do(int r)
{
	switch (r) {
	case -ENOSPC:
		return "free space on its file system, then start again";
	case -EACCES:
	case -EROFS:
		return "the daemon's user must be able to write the state directory";
	case -EPROTONOSUPPORT:
		return "run the newer bedrock-tenantd, or move the store aside to start from the AWS listings";
	case -EBUSY:
		return "another process holds the database";
	default:
		return "move state.db aside to start from the AWS listings";
	}
}

/* Open and check; -EUCLEAN when the file is damaged, with the reason in *ret_err. */
static int open_checked(const char *path, struct store **ret, char **ret_err)
{
	struct store *s = NULL;
	int r = store_open(path, &s, ret_err);

	if (r == 0 && (r = store_check(s)) < 0) {
		*ret_err = xasprintf("%s: %s", path, store_error(s));
		store_close(s);
		return r;
	}
	if (r == 0)
		*ret = s;
	return r;
}

int setup_state_dir(const char *dir, struct state_dir *ret)
{
	char *path = NULL, *err = NULL, *to = NULL;
	bool pause_known = true, paused = false;
	int r;

	ret->lock_fd = -1;
	ret->store = NULL;
	ret->moved_aside = NULL;
	if (mkdir(dir, STORE_DIR_MODE) < 0 && errno != EEXIST) {
		r = -errno;
		log_error("state directory %s: %s", dir, strerror(-r));
		return r;
	}
	r = lock_state_dir(dir, &ret->lock_fd, true);
	if (r < 0)
		return r;
	path = xasprintf("%s/state.db", dir);
	r = open_checked(path, &ret->store, &err);
	if (r == -EUCLEAN) {
		paused = damaged_store_paused(path, &pause_known);
		r = setup_move_aside(path, &to);
		if (r < 0) {
			log_error("state store %s is damaged (%s) and cannot be moved aside: %s; move it away by hand "
				  "to start from the AWS listings",
				  path, err, strerror(-r));
			goto out;
		}
		log_error("state store %s is damaged (%s): moved aside to %s; starting with a fresh store, learning "
			  "again from the AWS listings (grace periods restart, held deletions are judged again, "
			  "approvals are lost%s)",
			  path, err, to,
			  !pause_known ? ", and whether mutating calls were paused is unknown: they are not"
			  : paused     ? "; mutating calls stay paused as they were"
				       : "");
		free(err);
		err = NULL;
		r = open_checked(path, &ret->store, &err);
		if (r == 0 && paused && store_put_paused(ret->store, true) < 0)
			r = -EIO, err = xasprintf("%s: %s", path, store_error(ret->store));
		ret->moved_aside = to;
		to = NULL;
	}
	if (r < 0)
		log_error("state store: %s: %s", err ? err : path, what_to_do(r));
out:
	free(err);
	free(to);
	free(path);
	if (r < 0)
		setup_state_dir_close(ret);
	return r;
}

int setup_state_dir_relock(const char *dir, struct state_dir *sd)
{
	char *path = xasprintf("%s/lock", dir);
	struct stat held, now;
	int fd = -1, r = 0;

	if (sd->lock_fd >= 0 && fstat(sd->lock_fd, &held) == 0 && stat(path, &now) == 0 && held.st_dev == now.st_dev &&
	    held.st_ino == now.st_ino)
		goto out; /* still the file it holds */
	r = lock_state_dir(dir, &fd, false);
	if (r < 0)
		goto out;
	if (sd->lock_fd >= 0)
		close(sd->lock_fd);
	sd->lock_fd = fd;
	log_warning("state directory %s: its lock file %s was removed or replaced; locked again", dir, path);
out:
	free(path);
	return r;
}

void setup_state_dir_close(struct state_dir *sd)
{
	store_close(sd->store);
	sd->store = NULL;
	if (sd->lock_fd >= 0)
		close(sd->lock_fd);
	sd->lock_fd = -1;
	free(sd->moved_aside);
	sd->moved_aside = NULL;
}

unsigned long setup_fd_need(const struct daemon_config *cfg)
{
	return SETUP_FD_BASE + CONTROL_MAX_CONNECTIONS + (cfg->metrics.listen ? METRICS_MAX_CONNECTIONS : 0) +
	       2ul * cfg->max_in_flight;
}

unsigned long setup_fd_limit(const struct daemon_config *cfg)
{
	unsigned long need = setup_fd_need(cfg);
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 0;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need && rl.rlim_cur < rl.rlim_max) {
		/* no higher than needed: the credential process inherits it, and a program
		 * using select() misbehaves above 1,024 */
		struct rlimit raised = { rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need ? rl.rlim_max : need,
					 rl.rlim_max };
		if (setrlimit(RLIMIT_NOFILE, &raised) == 0) {
			log_info("open-file limit raised from %lu to %lu", (unsigned long)rl.rlim_cur,
				 (unsigned long)raised.rlim_cur);
			rl = raised;
		}
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need)
		log_warning("the open-file limit is %lu, below the %lu descriptors the daemon may hold at once "
			    "(control and metrics connections, AWS transfers, the state store); when they run out, "
			    "manifests are read again later, AWS calls retried and control clients refused: raise "
			    "LimitNOFILE",
			    (unsigned long)rl.rlim_cur, need);
	return rl.rlim_cur == RLIM_INFINITY ? ULONG_MAX : (unsigned long)rl.rlim_cur;
}
