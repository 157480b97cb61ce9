/* Parsing of the daemon configuration file into struct daemon_config. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "daemon_config.h"
#include "daemon_config_usage.h"
#include "naming.h"
#include "rules.h"
#include "textfile.h"
#include "units.h"
#include "walk.h"
#include "xalloc.h"

#define MAX_ACCOUNTS	   10000
#define MAX_MODEL_PATTERNS 1000
#define MAX_REGIONS	   100
#define MAX_DEPARTMENTS	   1000
#define MAX_REQUIRED_TAGS  45
#define PATH_MAX_LEN	   4095
#define DAY_MS		   (24ULL * 3600 * 1000)

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct ydoc_limits limits = { .max_depth = 20, .max_nodes = DAEMON_CONFIG_MAX_NODES };

static void set_str(char **field, char *value)
{
	free(*field);
	*field = value;
}

static struct cfg_pos pos_of(const struct ynode *n)
{
	struct cfg_pos p = { n ? n->line : 0, n ? n->col : 0 };
	return p;
}

/* A path: relative ones are relative to the directory of the configuration file. */
static void read_path(struct walk *w, const struct ynode *n, const char *file, char **field)
{
	const char *slash = strrchr(file, '/');
	char *path;

	if (!n || !walk_string(w, n, PATH_MAX_LEN, &path))
		return;
	for (const char *p = path; *p; p++) {
		if ((unsigned char)*p < 0x20) {
			walk_error(w, n, "a path cannot contain control characters");
			free(path);
			return;
		}
	}
	if (path[0] != '/' && slash) {
		char *abs = xasprintf("%.*s/%s", (int)(slash - file), file, path);
		free(path);
		path = abs;
	}
	set_str(field, path);
}

/* A string checked by rule; NULL node: nothing to do. */
static bool read_checked(struct walk *w, const struct ynode *n, size_t max, const char *(*rule)(const char *),
			 const char *what, char **field)
{
	char *s;
	const char *why;

	if (!n || !walk_string(w, n, max, &s))
		return false;
	why = rule ? rule(s) : NULL;
	if (why) {
		walk_error(w, n, "'%.80s' is not a valid %s: %s", s, what, why);
		free(s);
		return false;
	}
	set_str(field, s);
	return true;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A sequence of strings checked by rule; duplicates are errors. */
static void read_list(struct walk *w, const struct ynode *n, size_t max, const char *(*rule)(const char *),
		      const char *what, char ***ret, size_t *ret_n, struct cfg_pos *ret_pos)
{
	char **v;
	size_t k = 0;

	if (!n || !walk_sequence(w, n, 0, max, what))
		return;
	v = xcalloc(n->seq.n ? n->seq.n : 1, sizeof(*v));
	for (size_t i = 0; i < n->seq.n; i++) {
		size_t mark = walk_push_index(w, i);
		char *s = NULL;
		if (read_checked(w, n->seq.items[i], 1024, rule, what, &s)) {
			for (size_t j = 0; j < k && s; j++) {
				if (!strcmp(v[j], s)) {
					walk_error(w, n->seq.items[i], "'%.80s' is listed twice", s);
					free(s);
					s = NULL;
				}
			}
			if (s)
				v[k++] = s;
		}
		walk_pop(w, mark);
	}
	for (size_t i = 0; i < *ret_n; i++)
		free((*ret)[i]);
	free(*ret);
	*ret = v;
	*ret_n = k;
	*ret_pos = pos_of(n);
}

static int account_cmp(const void *a, const void *b)
{
	const struct cfg_account *x = a, *y = b;
	int c = strcmp(x->alias, y->alias);

	/* Equal aliases keep document order (line), so the first one is kept. */
	return c ? c : (x->pos.line > y->pos.line) - (x->pos.line < y->pos.line);
}

static void account_release(struct cfg_account *a)
{
	free(a->alias);
	free(a->id);
	free(a->role_arn);
	free(a->external_id);
	memset(a, 0, sizeof(*a));
}

static bool read_account(struct walk *w, const struct ynode *key, const struct ynode *val, struct cfg_account *a)
{
	static const char *const keys[] = { "id", "role_arn", "external_id" };
	const struct ynode *v[N(keys)];
	const char *why = NULL, *arn_account;

	memset(a, 0, sizeof(*a));
	a->pos = pos_of(key);
	if (key->type != YNODE_SCALAR || (why = rule_account_alias(key->scalar.text))) {
		walk_error(w, key, "'%.64s' is not a valid account alias: %s",
			   key->type == YNODE_SCALAR ? key->scalar.text : "?", why ? why : "expected a string");
		return false;
	}
	a->alias = xstrdup(key->scalar.text);
	if (val && val->type == YNODE_SCALAR) {
		v[0] = val; /* shorthand: alias: "111122223333" */
		v[1] = v[2] = NULL;
	} else if (!walk_mapping(w, val, keys, N(keys), v) || !walk_require(w, val, v[0], "id")) {
		return false;
	}
	if (!read_checked(w, v[0], 12, rule_account_id, "account id", &a->id))
		return false;
	if (read_checked(w, v[1], 2048, NULL, "role ARN", &a->role_arn)) {
		why = rule_iam_role_arn(a->role_arn, &arn_account);
		if (why)
			walk_error(w, v[1], "'%.200s': %s", a->role_arn, why);
		else if (strncmp(arn_account, a->id, 12))
			walk_error(w, v[1], "the role is in account %.12s, but the account id is %s", arn_account,
				   a->id);
	}
	read_checked(w, v[2], RULE_EXTERNAL_ID_MAX, rule_external_id, "external id", &a->external_id);
	if (a->external_id && !a->role_arn)
		walk_error(w, v[2], "external_id needs role_arn");
	return true;
}

static void read_accounts(struct walk *w, const struct ynode *n, struct daemon_config *cfg)
{
	if (!n)
		return;
	if (n->type != YNODE_MAPPING) {
		walk_error(w, n, "expected a mapping of account aliases, found %s", ynode_type_name(n));
		return;
	}
	if (n->map.n > MAX_ACCOUNTS) {
		walk_error(w, n, "at most %d accounts are allowed, found %zu", MAX_ACCOUNTS, n->map.n);
		return;
	}
	cfg->accounts = xcalloc(n->map.n ? n->map.n : 1, sizeof(*cfg->accounts));
	for (size_t i = 0; i < n->map.n; i++) {
		const struct ynode *key = n->map.pairs[i].key;
		size_t mark = walk_push_key(w, key->type == YNODE_SCALAR ? key->scalar.text : "?");
		struct cfg_account *a = &cfg->accounts[cfg->n_accounts];
		if (read_account(w, key, n->map.pairs[i].value, a))
			cfg->n_accounts++;
		else
			account_release(a);
		walk_pop(w, mark);
	}
	qsort(cfg->accounts, cfg->n_accounts, sizeof(*cfg->accounts), account_cmp);
	/* A duplicate alias was reported by the YAML front end; keep the first. */
	for (size_t i = 1; i < cfg->n_accounts;) {
		if (strcmp(cfg->accounts[i - 1].alias, cfg->accounts[i].alias)) {
			i++;
			continue;
		}
		account_release(&cfg->accounts[i]);
		memmove(&cfg->accounts[i], &cfg->accounts[i + 1], (cfg->n_accounts - i - 1) * sizeof(cfg->accounts[0]));
		cfg->n_accounts--;
	}
}

static void read_socket(struct walk *w, const struct ynode *n, struct daemon_config *cfg)
{
	static const char *const keys[] = { "path", "mode", "group" };
	const struct ynode *v[N(keys)];
	size_t mark;

	if (!n || !walk_mapping(w, n, keys, N(keys), v))
		return;
	read_path(w, v[0], cfg->file, &cfg->socket.path);
	if (v[1]) {
		const char *t = v[1]->type == YNODE_SCALAR ? v[1]->scalar.text : "";
		char *end;
		long mode = strtol(t, &end, 8);
		mark = walk_push_key(w, "mode");
		if (v[1]->type != YNODE_SCALAR || !*t || *end || strspn(t, "01234567") != strlen(t) || mode > 0777 ||
		    strlen(t) > 4)
			walk_error(w, v[1], "expected an octal file mode such as 0660");
		else if (mode & 0007)
			walk_error(w, v[1], "the control socket must not be open to every user (mode %s)", t);
		else
			cfg->socket.mode = (unsigned)mode;
		walk_pop(w, mark);
	}
	mark = walk_push_key(w, "group");
	read_checked(w, v[2], RULE_GROUP_MAX, rule_unix_group, "group name", &cfg->socket.group);
	walk_pop(w, mark);
}

/* "ADDRESS:PORT" with a numeric IPv4 address or a bracketed IPv6 one; host names are
 * not resolved (a listener must know the one address it opens). NULL when fine, else
 * why not (static text). */
static const char *parse_listen(const char *text, char **ret_host, int *ret_port)
{
	const char *close = text[0] == '[' ? strchr(text, ']') : NULL;
	const char *colon = close ? close + 1 : strrchr(text, ':'), *host = text;
	size_t host_len;
	unsigned char addr[sizeof(struct in6_addr)];
	char buf[INET6_ADDRSTRLEN + 1];
	char *end;
	long port;

	if (text[0] == '[' && !close)
		return "the IPv6 address has no closing ']': [::1]:9464";
	if (!colon || *colon != ':' || colon == text || !colon[1])
		return "expected ADDRESS:PORT, such as 127.0.0.1:9464 or [::1]:9464";
	host_len = (size_t)(colon - text);
	if (text[0] == '[') {
		host++;
		host_len -= 2;
	}
	if (host_len >= sizeof(buf))
		return "the address is not a numeric IPv4 or IPv6 address (host names are not resolved)";
	memcpy(buf, host, host_len);
	buf[host_len] = '\0';
	if (text[0] == '[' ? inet_pton(AF_INET6, buf, addr) != 1 : inet_pton(AF_INET, buf, addr) != 1)
		return strchr(buf, ':') && text[0] != '['
			       ? "an IPv6 address goes in brackets: [::1]:9464"
			       : "the address is not a numeric IPv4 or IPv6 address (host names are not resolved)";
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (*end || errno || port < 0 || port > 65535 || !isdigit((unsigned char)colon[1]))
		return "the port is not a number from 0 to 65535";
	*ret_host = xstrdup(buf);
	*ret_port = (int)port;
	return NULL;
}

static void read_metrics(struct walk *w, const struct ynode *n, struct daemon_config *cfg)
{
	static const char *const keys[] = { "listen" };
	const struct ynode *v[N(keys)];
	const char *why;
	char *text, *host = NULL;
	size_t mark;
	int port = 0;

	if (!n || !walk_mapping(w, n, keys, N(keys), v) || !v[0])
		return;
	mark = walk_push_key(w, "listen");
	if (walk_string(w, v[0], 64, &text)) {
		why = parse_listen(text, &host, &port);
		if (why) {
			walk_error(w, v[0], "'%s': %s", text, why);
			free(text);
		} else {
			set_str(&cfg->metrics.listen, text);
			set_str(&cfg->metrics.host, host);
			cfg->metrics.port = port;
		}
	}
	walk_pop(w, mark);
}

static void read_naming(struct walk *w, const struct ynode *n, struct daemon_config *cfg)
{
	static const char *const keys[] = { "profile_name", "parameter", "budget_name", "policy_name" };
	char **fields[NAMING_COUNT] = { &cfg->policy.naming.profile_name, &cfg->policy.naming.parameter,
					&cfg->policy.naming.budget_name, &cfg->policy.naming.policy_name };
	const struct ynode *v[N(keys)];

	if (!n || !walk_mapping(w, n, keys, N(keys), v))
		return;
	for (int k = 0; k < NAMING_COUNT; k++) {
		size_t mark = walk_push_key(w, keys[k]);
		struct strbuf why, name;
		struct naming_vars sample = { "tenant", "profile", "0a1b2c", "department", "project", cfg->instance };
		const char *bad = NULL;
		char *tmpl;
		if (!v[k] || !walk_string(w, v[k], NAMING_TEMPLATE_MAX, &tmpl)) {
			walk_pop(w, mark);
			continue;
		}
		strbuf_init(&why, 512);
		strbuf_init(&name, 4096);
		if (naming_template_check((enum naming_kind)k, tmpl, &why) < 0) {
			walk_error(w, v[k], "%s", why.buf);
		} else if (naming_expand(tmpl, &sample, &name) < 0 ||
			   (bad = naming_check((enum naming_kind)k, name.buf))) {
			walk_error(w, v[k], "the template gives names AWS refuses ('%.100s'): %s", name.buf,
				   name.len >= 4096 ? "too long" : bad);
		} else {
			set_str(fields[k], tmpl);
			tmpl = NULL;
		}
		free(tmpl);
		strbuf_release(&why);
		strbuf_release(&name);
		walk_pop(w, mark);
	}
}

static void read_bool_at(struct walk *w, const struct ynode *n, bool *field, struct cfg_pos *pos)
{
	if (n && walk_bool(w, n, field) && pos)
		*pos = pos_of(n);
}

static void read_policy(struct walk *w, const struct ynode *n, struct daemon_config *cfg)
{
	static const char *const keys[] = { "allowed_models", "regions",	"departments",	  "require_department",
					    "required_tags",  "max_budget_usd", "require_budget", "naming" };
	const struct ynode *v[N(keys)];
	struct cfg_policy *p = &cfg->policy;

	if (!n || !walk_mapping(w, n, keys, N(keys), v))
		return;
	for (size_t k = 0; k < N(keys); k++) {
		size_t mark = walk_push_key(w, keys[k]);
		switch (k) {
		case 0:
			read_list(w, v[k], MAX_MODEL_PATTERNS, rule_model_pattern, "model pattern", &p->allowed_models,
				  &p->n_allowed_models, &p->allowed_models_pos);
			break;
		case 1:
			read_list(w, v[k], MAX_REGIONS, rule_region, "Region", &p->regions, &p->n_regions,
				  &p->regions_pos);
			break;
		case 2:
			read_list(w, v[k], MAX_DEPARTMENTS, rule_department, "department", &p->departments,
				  &p->n_departments, &p->departments_pos);
			if (p->n_departments)
				qsort(p->departments, p->n_departments, sizeof(char *), str_cmp);
			break;
		case 3:
			read_bool_at(w, v[k], &p->require_department, &p->require_department_pos);
			break;
		case 4:
			read_list(w, v[k], MAX_REQUIRED_TAGS, rule_tag_key, "tag key", &p->required_tags,
				  &p->n_required_tags, &p->required_tags_pos);
			break;
		case 5:
			if (v[k] && walk_decimal(w, v[k], 2, &p->max_budget_usd))
				p->max_budget_usd_pos = pos_of(v[k]);
			break;
		case 6:
			read_bool_at(w, v[k], &p->require_budget, &p->require_budget_pos);
			break;
		default:
			read_naming(w, v[k], cfg);
			break;
		}
		walk_pop(w, mark);
	}
}

static void read_duration(struct walk *w, const struct ynode *n, const char *key, uint64_t min, uint64_t max,
			  uint64_t *field)
{
	size_t mark = walk_push_key(w, key);

	if (n)
		walk_duration(w, n, min, max, field);
	walk_pop(w, mark);
}

static void read_safety(struct walk *w, const struct ynode *n, struct daemon_config *cfg)
{
	static const char *const keys[] = { "prune_grace", "replacement_drain", "max_deletions",
					    "max_deletions_percent" };
	const struct ynode *v[N(keys)];
	uint64_t u;
	size_t mark;

	if (!n || !walk_mapping(w, n, keys, N(keys), v))
		return;
	read_duration(w, v[0], keys[0], 0, 30 * DAY_MS, &cfg->safety.prune_grace_ms);
	read_duration(w, v[1], keys[1], 0, 30 * DAY_MS, &cfg->safety.replacement_drain_ms);
	mark = walk_push_key(w, keys[2]);
	if (v[2] && walk_uint(w, v[2], 0, 1000000, &u))
		cfg->safety.max_deletions = (unsigned)u;
	walk_pop(w, mark);
	mark = walk_push_key(w, keys[3]);
	if (v[3])
		walk_number(w, v[3], 0, 100, &cfg->safety.max_deletions_percent);
	walk_pop(w, mark);
}

static void read_endpoints(struct walk *w, const struct ynode *n, struct daemon_config *cfg)
{
	const char *names[CFG_SERVICE_COUNT + 1];
	const struct ynode *v[CFG_SERVICE_COUNT + 1];

	names[0] = "default";
	for (int s = 0; s < CFG_SERVICE_COUNT; s++)
		names[s + 1] = cfg_service_name((enum cfg_service)s);
	if (!n || !walk_mapping(w, n, names, CFG_SERVICE_COUNT + 1, v))
		return;
	for (int s = 0; s <= CFG_SERVICE_COUNT; s++) {
		size_t mark = walk_push_key(w, names[s]);
		read_checked(w, v[s], RULE_URL_MAX, rule_url, "endpoint URL",
			     s ? &cfg->endpoints[s - 1] : &cfg->endpoint_default);
		walk_pop(w, mark);
	}
}

static void read_pair(struct walk *w, const struct ynode *n, const char *const keys[2], uint64_t lim[4], uint64_t *a,
		      uint64_t *b)
{
	const struct ynode *v[2];

	if (!n || !walk_mapping(w, n, keys, 2, v))
		return;
	read_duration(w, v[0], keys[0], lim[0], lim[1], a);
	read_duration(w, v[1], keys[1], lim[2], lim[3], b);
}

/* watch: settle, rescan_interval, alerts_audit_interval. */
static void read_watch(struct walk *w, const struct ynode *n, struct daemon_config *cfg)
{
	static const char *const keys[3] = { "settle", "rescan_interval", "alerts_audit_interval" };
	const struct ynode *v[3];

	if (!n || !walk_mapping(w, n, keys, 3, v))
		return;
	read_duration(w, v[0], keys[0], 0, 10000, &cfg->watch_settle_ms);
	read_duration(w, v[1], keys[1], 10000, DAY_MS, &cfg->rescan_interval_ms);
	read_duration(w, v[2], keys[2], 1000, 7 * DAY_MS, &cfg->alerts_audit_ms);
}

enum top_key {
	K_MANIFESTS,
	K_STATE_DIR,
	K_SOCKET,
	K_INSTANCE,
	K_REGION,
	K_ACCOUNTS,
	K_RESYNC,
	K_POLICY,
	K_SAFETY,
	K_RATE_LIMITS,
	K_ENDPOINTS,
	K_MAX_IN_FLIGHT,
	K_MODE,
	K_LOG_LEVEL,
	K_WATCH,
	K_BACKOFF,
	K_SHUTDOWN,
	K_LOG_FORMAT,
	K_METRICS,
	K_NOTIFICATIONS,
	K_USAGE,
	K_PRICES,
	K_COST_TAGS,
	K_SSM_TIER,
	K_POOLS,
	K_CAPACITY,
	K_BUDGET_ACTIONS,
	K_CLAIM,
	K_COUNT,
};

/* clang-format off */
static const char *const top_keys[K_COUNT] = {
	"manifests", "state_dir", "socket",	      "instance",   "region",	     "accounts",      "resync_interval",
	"policy",    "safety",	  "rate_limits",      "endpoints",  "max_in_flight", "mode",	      "log_level",
	"watch",     "backoff",	  "shutdown_timeout", "log_format", "metrics",	     "notifications", "usage",
	"prices", "cost_allocation_tags", "ssm_tier", "pools", "capacity", "budget_actions",
	"claim_parameter",
};
/* clang-format on */

/* claim_parameter: an SSM parameter name, or `none` (no claim: stored as ""). */
static void read_claim(struct walk *w, const struct ynode *n, struct daemon_config *cfg)
{
	char *s;
	const char *why;

	if (!walk_string(w, n, RULE_PARAMETER_MAX, &s))
		return;
	why = strcmp(s, "none") ? rule_ssm_parameter(s) : NULL;
	if (why) {
		walk_error(w, n, "'%.80s' is not a valid claim parameter: %s (or `none`: no claim)", s, why);
		free(s);
		return;
	}
	if (!strcmp(s, "none"))
		s[0] = '\0';
	set_str(&cfg->claim_parameter, s);
}

/* budget_actions: {execution_role: NAME} */
static void read_budget_actions(struct walk *w, const struct ynode *n, struct daemon_config *cfg)
{
	static const char *const keys[] = { "execution_role" };
	const struct ynode *v[1];
	size_t mark;

	if (!walk_mapping(w, n, keys, 1, v) || !v[0])
		return;
	mark = walk_push_key(w, keys[0]);
	read_checked(w, v[0], RULE_ROLE_NAME_MAX, rule_iam_role_name, "IAM role name",
		     &cfg->budget_actions.execution_role);
	walk_pop(w, mark);
}

static void read_top(struct walk *w, const struct ynode *const *v, struct daemon_config *cfg)
{
	static const char *const backoff_keys[2] = { "initial", "max" };
	uint64_t backoff_lim[4] = { 100, 3600000, 1000, DAY_MS };
	uint64_t u;
	int e;

	for (int k = 0; k < K_COUNT; k++) {
		size_t mark = walk_push_key(w, top_keys[k]);
		const struct ynode *n = v[k];
		if (!n) {
			walk_pop(w, mark);
			continue;
		}
		switch ((enum top_key)k) {
		case K_MANIFESTS:
			read_path(w, n, cfg->file, &cfg->manifests);
			break;
		case K_STATE_DIR:
			read_path(w, n, cfg->file, &cfg->state_dir);
			break;
		case K_SOCKET:
			read_socket(w, n, cfg);
			break;
		case K_INSTANCE:
			read_checked(w, n, RULE_INSTANCE_MAX, rule_instance, "instance name", &cfg->instance);
			break;
		case K_REGION:
			read_checked(w, n, RULE_REGION_MAX, rule_region, "Region", &cfg->region);
			break;
		case K_ACCOUNTS:
			read_accounts(w, n, cfg);
			break;
		case K_RESYNC:
			walk_duration(w, n, 30000, DAY_MS, &cfg->resync_interval_ms);
			break;
		case K_POLICY:
			read_policy(w, n, cfg);
			break;
		case K_SAFETY:
			read_safety(w, n, cfg);
			break;
		case K_RATE_LIMITS:
			daemon_config_read_rate_limits(w, n, cfg);
			break;
		case K_ENDPOINTS:
			read_endpoints(w, n, cfg);
			break;
		case K_MAX_IN_FLIGHT:
			if (walk_uint(w, n, 1, 1024, &u))
				cfg->max_in_flight = (unsigned)u;
			break;
		case K_MODE:
			if (walk_enum(w, n, (const char *const[]){ "enforce", "report" }, 2, &e))
				cfg->mode = (enum cfg_mode)e;
			break;
		case K_LOG_LEVEL:
			if (walk_enum(w, n, (const char *const[]){ "debug", "info", "notice", "warning", "error" }, 5,
				      &e))
				cfg->log_level = (enum cfg_log_level)e;
			break;
		case K_WATCH:
			read_watch(w, n, cfg);
			break;
		case K_BACKOFF:
			read_pair(w, n, backoff_keys, backoff_lim, &cfg->backoff_initial_ms, &cfg->backoff_max_ms);
			break;
		case K_NOTIFICATIONS:
			daemon_config_read_notifications(w, n, cfg);
			break;
		case K_COST_TAGS:
			daemon_config_read_cost_tags(w, n, cfg);
			break;
		case K_LOG_FORMAT:
			if (walk_enum(w, n, (const char *const[]){ "auto", "journal", "text", "json" }, 4, &e))
				cfg->log_format = (enum cfg_log_format)e;
			break;
		case K_USAGE:
			daemon_config__read_usage(w, n, cfg);
			break;
		case K_PRICES:
			daemon_config__read_prices(w, n, cfg);
			break;
		case K_SSM_TIER:
			if (walk_enum(w, n, (const char *const[]){ "Standard", "Advanced", "Intelligent-Tiering" }, 3,
				      &e))
				cfg->ssm_tier = (enum cfg_ssm_tier)e;
			break;
		case K_SHUTDOWN:
		case K_COUNT:
			walk_duration(w, n, 0, 600000, &cfg->shutdown_timeout_ms);
			break;
		case K_METRICS:
			read_metrics(w, n, cfg);
			break;
		case K_POOLS:
			daemon_config_read_pools(w, n, cfg);
			break;
		case K_CAPACITY:
			daemon_config_read_capacity(w, n, cfg);
			break;
		case K_BUDGET_ACTIONS:
			read_budget_actions(w, n, cfg);
			break;
		case K_CLAIM:
			read_claim(w, n, cfg);
			break;
		}
		walk_pop(w, mark);
	}
}

/* The claim parameter is no name a tenant's parameter can have: the daemon would
 * write its claim over that tenant's ARN, and then take the ARN for another daemon's
 * claim. */
static void check_claim(struct walk *w, const struct ynode *const *v, const struct daemon_config *cfg)
{
	char *claim = cfg_claim_parameter(cfg);

	if (claim && naming_can_give(cfg->policy.naming.parameter, cfg->instance, claim))
		walk_error(w, v[K_CLAIM] ? v[K_CLAIM] : v[K_POLICY],
			   "claim_parameter: %s is a name policy.naming.parameter (%s) gives a tenant's parameter: "
			   "the claim would be written over that tenant's ARN; choose a name the template cannot "
			   "give (or `none`)",
			   claim, cfg->policy.naming.parameter);
	free(claim);
}

/* Rules that tie two settings together. */
static void cross_checks(struct walk *w, const struct ynode *const *v, struct daemon_config *cfg)
{
	const struct cfg_policy *p = &cfg->policy;

	if (cfg->backoff_max_ms < cfg->backoff_initial_ms)
		walk_error(w, v[K_BACKOFF], "backoff.max is shorter than backoff.initial");
	if (cfg->region && p->n_regions) {
		bool found = false;
		for (size_t i = 0; i < p->n_regions; i++)
			found |= !strcmp(p->regions[i], cfg->region);
		if (!found)
			walk_error(w, v[K_REGION], "the default Region %s is not in policy.regions", cfg->region);
	}
	daemon_config_check_cost_tags(w, cfg);
	check_claim(w, v, cfg);
	if (p->require_department && !p->n_departments)
		walk_error_at(w, p->require_department_pos.line, p->require_department_pos.col,
			      "policy.require_department needs policy.departments");
}

int daemon_config_parse(const char *file, const char *text, size_t len, struct daemon_config **ret,
			struct diag_list *diags)
{
	struct daemon_config *cfg = daemon_config_defaults();
	const struct ynode *v[K_COUNT];
	size_t errors = diags->n_errors;
	struct ydoc *doc = NULL;
	struct walk w;

	cfg->file = xstrdup(file);
	*ret = cfg;
	if (textfile_check(file, text, len, DAEMON_CONFIG_MAX_BYTES, "configuration file", diags) < 0)
		return -EINVAL;
	if (ydoc_parse(file, text, len, &limits, &doc, diags) < 0)
		return -EINVAL;
	walk_init(&w, file, diags);
	if (!doc->root || ynode_is_null(doc->root)) {
		diag_error(diags, file, 0, 0, "empty configuration file (no YAML document)");
	} else if (walk_mapping(&w, doc->root, top_keys, K_COUNT, v)) {
		read_top(&w, v, cfg);
		cross_checks(&w, v, cfg);
	}
	ydoc_free(doc);
	return diags->n_errors > errors ? -EINVAL : 0;
}
