/* The `rate_limits` section: per service a rate and a burst, and per operation of a
 * service (`operations:`) a bucket of its own that the operation's calls pass as
 * well. An operation must be one the daemon calls on that service (a typo would
 * otherwise limit nothing). Owns cfg->rate_limits[].ops. */
#include <stdlib.h>
#include <string.h>

#include "daemon_config.h"
#include "walk.h"
#include "xalloc.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The operations the daemon calls, per service (daemon/aws/), for the names'
 * check. NULL-terminated. */
static const char *const bedrock_ops[] = { "CreateInferenceProfile", "DeleteInferenceProfile",
					   "GetInferenceProfile",    "ListInferenceProfiles",
					   "ListTagsForResource",    "TagResource",
					   "UntagResource",	     NULL };
static const char *const budgets_ops[] = { "CreateBudget",
					   "CreateBudgetAction",
					   "CreateNotification",
					   "CreateSubscriber",
					   "DeleteBudget",
					   "DeleteBudgetAction",
					   "DeleteNotification",
					   "DeleteSubscriber",
					   "DescribeBudget",
					   "DescribeBudgetActionsForAccount",
					   "DescribeBudgetActionsForBudget",
					   "DescribeBudgets",
					   "DescribeNotificationsForBudget",
					   "DescribeSubscribersForNotification",
					   "ExecuteBudgetAction",
					   "ListTagsForResource",
					   "TagResource",
					   "UntagResource",
					   "UpdateBudget",
					   "UpdateBudgetAction",
					   "UpdateNotification",
					   NULL };
static const char *const iam_ops[] = { "CreatePolicy",
				       "CreatePolicyVersion",
				       "DeletePolicy",
				       "DeletePolicyVersion",
				       "DeleteRolePolicy",
				       "DetachRolePolicy",
				       "GetAccountAuthorizationDetails",
				       "GetAccountSummary",
				       "GetPolicy",
				       "GetPolicyVersion",
				       "GetRole",
				       "GetRolePolicy",
				       "ListAttachedRolePolicies",
				       "ListEntitiesForPolicy",
				       "ListPolicies",
				       "ListPolicyVersions",
				       "ListRolePolicies",
				       "PutRolePolicy",
				       NULL };
static const char *const ssm_ops[] = { "AddTagsToResource",
				       "DeleteParameter",
				       "DeleteParameters",
				       "DescribeParameters",
				       "GetParameter",
				       "GetParameters",
				       "GetParametersByPath",
				       "ListTagsForResource",
				       "PutParameter",
				       "RemoveTagsFromResource",
				       NULL };
static const char *const tagging_ops[] = { "GetResources", NULL };
static const char *const sts_ops[] = { "AssumeRole", "AssumeRoleWithWebIdentity", "GetCallerIdentity", NULL };
static const char *const servicequotas_ops[] = { "GetServiceQuota", "ListServiceQuotas", NULL };
static const char *const s3_ops[] = { "GetObject", "ListObjectsV2", NULL };
static const char *const ce_ops[] = { "GetCostAndUsage", "ListCostAllocationTags", "UpdateCostAllocationTagsStatus",
				      NULL };

static const char *const *const service_ops[CFG_SERVICE_COUNT] = {
	[CFG_SERVICE_BEDROCK] = bedrock_ops,
	[CFG_SERVICE_BUDGETS] = budgets_ops,
	[CFG_SERVICE_IAM] = iam_ops,
	[CFG_SERVICE_SSM] = ssm_ops,
	[CFG_SERVICE_TAGGING] = tagging_ops,
	[CFG_SERVICE_STS] = sts_ops,
	[CFG_SERVICE_SERVICEQUOTAS] = servicequotas_ops,
	[CFG_SERVICE_S3] = s3_ops,
	[CFG_SERVICE_CE] = ce_ops,
};

static bool known_op(enum cfg_service s, const char *name)
{
	for (const char *const *o = service_ops[s]; *o; o++)
		if (strcmp(*o, name) == 0)
			return true;
	return false;
}

static void known_list(enum cfg_service s, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (const char *const *o = service_ops[s]; *o && len + 1 < size; o++) {
		size_t n = strlen(*o);

		if (len + n + 3 >= size)
			break;
		if (len) {
			memcpy(buf + len, ", ", 2);
			len += 2;
		}
		memcpy(buf + len, *o, n);
		len += n;
		buf[len] = '\0';
	}
}

static int op_cmp(const void *a, const void *b)
{
	return strcmp(((const struct cfg_op_limit *)a)->operation, ((const struct cfg_op_limit *)b)->operation);
}

/* One `rate_limits.<service>` mapping's keys requests_per_second and burst into *rps
 * and *burst; returns false when the node is not a mapping of them. */
static bool read_limit(struct walk *w, const struct ynode *n, const char *const *keys, size_t n_keys,
		       const struct ynode **v, double *rps, unsigned *burst)
{
	uint64_t u;
	size_t mark;

	if (!walk_mapping(w, n, keys, n_keys, v))
		return false;
	mark = walk_push_key(w, keys[0]);
	if (v[0])
		walk_number(w, v[0], 0.01, 10000, rps);
	walk_pop(w, mark);
	mark = walk_push_key(w, keys[1]);
	if (v[1] && walk_uint(w, v[1], 1, 100000, &u))
		*burst = (unsigned)u;
	walk_pop(w, mark);
	return true;
}

static void read_ops(struct walk *w, const struct ynode *n, enum cfg_service s, struct cfg_rate_limit *rl)
{
	static const char *const keys[] = { "requests_per_second", "burst" };
	char known[1024];

	if (n->type != YNODE_MAPPING) {
		walk_error(w, n, "expected a mapping of operation names, found %s", ynode_type_name(n));
		return;
	}
	if (n->map.n > CFG_MAX_OP_LIMITS) {
		walk_error(w, n, "at most %d operations are allowed, found %zu", CFG_MAX_OP_LIMITS, n->map.n);
		return;
	}
	rl->ops = xcalloc(n->map.n ? n->map.n : 1, sizeof(*rl->ops));
	for (size_t i = 0; i < n->map.n; i++) {
		const struct ynode *key = n->map.pairs[i].key, *val = n->map.pairs[i].value;
		const char *name = key->type == YNODE_SCALAR ? key->scalar.text : NULL;
		size_t mark = walk_push_key(w, name ? name : "?");
		struct cfg_op_limit *op = &rl->ops[rl->n_ops];
		const struct ynode *v[N(keys)];

		if (!name || !known_op(s, name)) {
			known_list(s, known, sizeof(known));
			walk_error(w, key, "not an operation the daemon calls on %s (one of: %s)", cfg_service_name(s),
				   known);
		} else if (val->type != YNODE_MAPPING) {
			walk_error(w, val, "expected a mapping with requests_per_second and burst, found %s",
				   ynode_type_name(val));
		} else {
			/* an operation's limit has no default: requests_per_second is required,
			 * its burst is max(1, rate) when not given */
			op->requests_per_second = 0;
			op->burst = 0;
			if (read_limit(w, val, keys, N(keys), v, &op->requests_per_second, &op->burst)) {
				if (!v[0]) {
					walk_error(w, val, "%s", "requests_per_second is required");
				} else if (op->requests_per_second > 0) {
					if (!op->burst)
						op->burst = op->requests_per_second < 1
								    ? 1
								    : (unsigned)op->requests_per_second;
					op->operation = xstrdup(name);
					rl->n_ops++;
				}
			}
		}
		walk_pop(w, mark);
	}
	qsort(rl->ops, rl->n_ops, sizeof(*rl->ops), op_cmp);
}

void daemon_config_read_rate_limits(struct walk *w, const struct ynode *n, struct daemon_config *cfg)
{
	static const char *const keys[] = { "requests_per_second", "burst", "operations" };
	const struct ynode *svc[CFG_SERVICE_COUNT];
	const char *names[CFG_SERVICE_COUNT];

	for (int s = 0; s < CFG_SERVICE_COUNT; s++)
		names[s] = cfg_service_name((enum cfg_service)s);
	if (!n || !walk_mapping(w, n, names, CFG_SERVICE_COUNT, svc))
		return;
	for (int s = 0; s < CFG_SERVICE_COUNT; s++) {
		struct cfg_rate_limit *rl = &cfg->rate_limits[s];
		const struct ynode *v[N(keys)];
		size_t mark = walk_push_key(w, names[s]), m2;

		if (svc[s] && read_limit(w, svc[s], keys, N(keys), v, &rl->requests_per_second, &rl->burst) && v[2]) {
			m2 = walk_push_key(w, keys[2]);
			read_ops(w, v[2], (enum cfg_service)s, rl);
			walk_pop(w, m2);
		}
		walk_pop(w, mark);
	}
}

void daemon_config_rate_limits_release(struct daemon_config *cfg)
{
	for (int s = 0; s < CFG_SERVICE_COUNT; s++) {
		struct cfg_rate_limit *rl = &cfg->rate_limits[s];

		for (size_t i = 0; i < rl->n_ops; i++)
			free(rl->ops[i].operation);
		free(rl->ops);
		rl->ops = NULL;
		rl->n_ops = 0;
	}
}

bool daemon_config_rate_limits_equal(const struct cfg_rate_limit *a, const struct cfg_rate_limit *b)
{
	if (a->requests_per_second != b->requests_per_second || a->burst != b->burst || a->n_ops != b->n_ops)
		return false;
	for (size_t i = 0; i < a->n_ops; i++)
		if (strcmp(a->ops[i].operation, b->ops[i].operation) ||
		    a->ops[i].requests_per_second != b->ops[i].requests_per_second ||
		    a->ops[i].burst != b->ops[i].burst)
			return false;
	return true;
}
