/* Fault injection: a plan of rules, each matching requests by service, operation
 * and region, that throttle them (token buckets, for every caller together, per
 * account, or per account and Region as AWS's rates are; or a percentage), fail
 * them (500, 503, any AWS error), delay them, reset the connection before the
 * operation runs, or lose the answer after it ran. The dice come from the plan's
 * seeded PRNG, so a plan with a seed decides the same way for the same sequence of
 * requests. The plan format is in docs/awsim.md; faults_yaml.c reads the YAML
 * spelling of it. */
#include "awsim.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

struct bucket {
	double tokens;
	uint64_t last_ms;
};

/* Whose requests share a bucket: everybody's (as before), one account's, or one
 * account's in one Region (a global service's Region is its signing Region, so an
 * account-region bucket of Budgets or IAM is the account's). */
enum bucket_per { PER_ALL, PER_ACCOUNT, PER_ACCOUNT_REGION };

static const char *const per_names[] = { "all", "account", "account-region" };

struct fault_rule {
	char *service, *operation, *region; /* NULL: any */
	char *path;			    /* NULL: any; else a substring of the request's path */
	char *account;			    /* NULL: any; else the caller's account */
	double rate, burst;
	bool shared;
	enum bucket_per per;
	/* [account '|' [region]] '|' operation (or "*" when shared) -> struct bucket; the
	 * accounts are awsim's (a caller's credentials), the Regions its configured ones */
	struct omap buckets;
	double throttle_pct, e500_pct, e503_pct, error_pct, reset_pct, lost_pct, repeat_pct, garble_pct;
	int error_status;
	char *error_code, *error_message;
	uint64_t latency_ms, jitter_ms;
	long times; /* requests left to consult this rule; -1: no end */
};

static void rule_release(struct fault_rule *r)
{
	free(r->service);
	free(r->operation);
	free(r->region);
	free(r->path);
	free(r->account);
	free(r->error_code);
	free(r->error_message);
	omap_clear(&r->buckets, free);
}

void faults_init(struct faults *f, uint64_t seed)
{
	memset(f, 0, sizeof(*f));
	f->seed = seed;
	prng_seed(&f->rng, seed);
}

void faults_release(struct faults *f)
{
	for (size_t i = 0; i < f->n; i++)
		rule_release(&f->rules[i]);
	free(f->rules);
	f->rules = NULL;
	f->n = 0;
}

static const char *const rule_keys[] = {
	"service",
	"operation",
	"region",
	"path",
	"account",
	"rate",
	"burst",
	"shared_bucket",
	"per",
	"throttle_percent",
	"error_500_percent",
	"error_503_percent",
	"error_percent",
	"error",
	"reset_percent",
	"lost_percent",
	"repeat_percent",
	"garble_percent",
	"latency_ms",
	"latency_jitter_ms",
	"times",
	NULL,
};

static int fail(char **ret_err, const char *what, const char *arg)
{
	*ret_err = xasprintf("fault plan: %s%s", what, arg);
	return -EINVAL;
}

static int get_number(const cJSON *o, const char *key, double min, double max, double *ret, char **err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!v)
		return 0;
	if (!cJSON_IsNumber(v) || v->valuedouble < min || v->valuedouble > max)
		return fail(err, "out of range: ", key);
	*ret = v->valuedouble;
	return 0;
}

static int get_string(const cJSON *o, const char *key, char **ret, char **err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!v)
		return 0;
	if (!cJSON_IsString(v))
		return fail(err, "not a string: ", key);
	*ret = strcmp(v->valuestring, "*") ? xstrdup(v->valuestring) : NULL;
	return 0;
}

static int parse_per(const cJSON *o, enum bucket_per *ret, char **err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "per");

	*ret = PER_ALL;
	if (!v)
		return 0;
	for (size_t i = 0; cJSON_IsString(v) && i < sizeof(per_names) / sizeof(per_names[0]); i++) {
		if (!strcmp(v->valuestring, per_names[i])) {
			*ret = (enum bucket_per)i;
			return 0;
		}
	}
	return fail(err, "per must be all, account or account-region", "");
}

static int parse_rule(const cJSON *o, struct fault_rule *r, char **err)
{
	const cJSON *m, *e;
	double lat = 0, jit = 0, times = -1, status = 400;
	const double pct = 100;

	memset(r, 0, sizeof(*r));
	omap_init(&r->buckets);
	if (!cJSON_IsObject(o))
		return fail(err, "each rule must be an object", "");
	cJSON_ArrayForEach(m, o)
	{
		bool known = false;
		for (const char *const *k = rule_keys; *k; k++)
			known |= !strcmp(m->string, *k);
		if (!known)
			return fail(err, "unknown key ", m->string);
	}
	if (get_string(o, "service", &r->service, err) || get_string(o, "operation", &r->operation, err) ||
	    get_string(o, "region", &r->region, err) || get_string(o, "path", &r->path, err) ||
	    get_string(o, "account", &r->account, err) || get_number(o, "rate", 0, 1e9, &r->rate, err) ||
	    get_number(o, "burst", 1, 1e9, &r->burst, err) ||
	    get_number(o, "throttle_percent", 0, pct, &r->throttle_pct, err) ||
	    get_number(o, "error_500_percent", 0, pct, &r->e500_pct, err) ||
	    get_number(o, "error_503_percent", 0, pct, &r->e503_pct, err) ||
	    get_number(o, "error_percent", 0, pct, &r->error_pct, err) ||
	    get_number(o, "reset_percent", 0, pct, &r->reset_pct, err) ||
	    get_number(o, "lost_percent", 0, pct, &r->lost_pct, err) ||
	    get_number(o, "repeat_percent", 0, pct, &r->repeat_pct, err) ||
	    get_number(o, "garble_percent", 0, pct, &r->garble_pct, err) ||
	    get_number(o, "latency_ms", 0, 600000, &lat, err) ||
	    get_number(o, "latency_jitter_ms", 0, 600000, &jit, err) || get_number(o, "times", 0, 1e12, &times, err))
		return -EINVAL;
	if (r->service && service_by_name(r->service) < 0)
		return fail(err, "unknown service ", r->service);
	r->shared = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "shared_bucket"));
	if (parse_per(o, &r->per, err) < 0)
		return -EINVAL;
	if (r->rate > 0 && r->burst < 1)
		r->burst = r->rate < 1 ? 1 : r->rate;
	e = cJSON_GetObjectItemCaseSensitive(o, "error");
	if (e) {
		if (!cJSON_IsObject(e))
			return fail(err, "error must be {status, code, message}", "");
		if (get_string(e, "code", &r->error_code, err) || get_string(e, "message", &r->error_message, err) ||
		    get_number(e, "status", 400, 599, &status, err))
			return -EINVAL;
	}
	if (r->error_pct > 0 && !r->error_code)
		return fail(err, "error_percent needs error.code", "");
	r->error_status = (int)status;
	r->latency_ms = (uint64_t)lat;
	r->jitter_ms = (uint64_t)jit;
	r->times = (long)times;
	return 0;
}

int faults_load_json(struct faults *f, const char *text, size_t len, char **ret_err)
{
	cJSON *doc = cJSON_ParseWithLength(text, len), *m;
	const cJSON *rules, *r;
	struct fault_rule *parsed = NULL;
	size_t n = 0;
	double seed = (double)f->seed, consistency = 0, read_lag = 0, action_ms = 0;
	int rc = -EINVAL;

	*ret_err = NULL;
	if (!cJSON_IsObject(doc)) {
		*ret_err = xstrdup("fault plan: not a JSON object");
		goto out;
	}
	cJSON_ArrayForEach(m, doc)
	{
		if (strcmp(m->string, "seed") && strcmp(m->string, "rules") &&
		    strcmp(m->string, "eventual_consistency_ms") && strcmp(m->string, "read_after_write_ms") &&
		    strcmp(m->string, "budget_action_ms")) {
			*ret_err = xasprintf("fault plan: unknown key %s", m->string);
			goto out;
		}
	}
	rules = cJSON_GetObjectItemCaseSensitive(doc, "rules");
	if (rules && !cJSON_IsArray(rules)) {
		*ret_err = xstrdup("fault plan: rules must be a list");
		goto out;
	}
	if (get_number(doc, "seed", 0, 9007199254740991.0, &seed, ret_err) ||
	    get_number(doc, "eventual_consistency_ms", 0, 3600000, &consistency, ret_err) ||
	    get_number(doc, "read_after_write_ms", 0, 3600000, &read_lag, ret_err) ||
	    get_number(doc, "budget_action_ms", 0, 3600000, &action_ms, ret_err))
		goto out;
	parsed = xcalloc((size_t)cJSON_GetArraySize(rules) + 1, sizeof(*parsed));
	cJSON_ArrayForEach(r, rules)
	{
		if (parse_rule(r, &parsed[n], ret_err) < 0) {
			rule_release(&parsed[n]);
			goto out;
		}
		n++;
	}
	faults_release(f);
	f->rules = parsed;
	f->n = n;
	parsed = NULL;
	n = 0;
	f->seed = (uint64_t)seed;
	prng_seed(&f->rng, f->seed);
	f->consistency_ms = (int64_t)consistency;
	f->read_after_write_ms = (int64_t)read_lag;
	f->budget_action_ms = (int64_t)action_ms;
	rc = 0;
out:
	for (size_t i = 0; i < n; i++)
		rule_release(&parsed[i]);
	free(parsed);
	cJSON_Delete(doc);
	return rc;
}

int faults_load_file(struct faults *f, const char *path, char **ret_err)
{
	FILE *fp = fopen(path, "rb");
	struct strbuf sb;
	char buf[4096];
	size_t n;
	const char *dot = strrchr(path, '.');
	int r;

	if (!fp) {
		*ret_err = xasprintf("%s: %s", path, strerror(errno));
		return -errno;
	}
	strbuf_init(&sb, 4 << 20);
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		if (strbuf_add(&sb, buf, n) < 0)
			break;
	fclose(fp);
	if (dot && (!strcmp(dot, ".yaml") || !strcmp(dot, ".yml")))
		r = faults_load_yaml(f, sb.buf, sb.len, ret_err);
	else
		r = faults_load_json(f, sb.buf, sb.len, ret_err);
	strbuf_release(&sb);
	return r;
}

cJSON *faults_to_json(const struct faults *f)
{
	cJSON *doc = cJSON_CreateObject(), *rules = cJSON_CreateArray();

	cJSON_AddNumberToObject(doc, "seed", (double)f->seed);
	cJSON_AddNumberToObject(doc, "eventual_consistency_ms", (double)f->consistency_ms);
	cJSON_AddNumberToObject(doc, "read_after_write_ms", (double)f->read_after_write_ms);
	cJSON_AddNumberToObject(doc, "budget_action_ms", (double)f->budget_action_ms);
	for (size_t i = 0; i < f->n; i++) {
		const struct fault_rule *r = &f->rules[i];
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "service", r->service ? r->service : "*");
		cJSON_AddStringToObject(o, "operation", r->operation ? r->operation : "*");
		cJSON_AddStringToObject(o, "region", r->region ? r->region : "*");
		if (r->path)
			cJSON_AddStringToObject(o, "path", r->path);
		if (r->account)
			cJSON_AddStringToObject(o, "account", r->account);
		if (r->rate > 0) {
			cJSON_AddNumberToObject(o, "rate", r->rate);
			cJSON_AddNumberToObject(o, "burst", r->burst);
			cJSON_AddBoolToObject(o, "shared_bucket", r->shared);
			cJSON_AddStringToObject(o, "per", per_names[r->per]);
		}
		cJSON_AddNumberToObject(o, "throttle_percent", r->throttle_pct);
		cJSON_AddNumberToObject(o, "error_500_percent", r->e500_pct);
		cJSON_AddNumberToObject(o, "error_503_percent", r->e503_pct);
		cJSON_AddNumberToObject(o, "error_percent", r->error_pct);
		if (r->error_code) {
			cJSON *e = cJSON_AddObjectToObject(o, "error");
			cJSON_AddNumberToObject(e, "status", r->error_status);
			cJSON_AddStringToObject(e, "code", r->error_code);
			if (r->error_message)
				cJSON_AddStringToObject(e, "message", r->error_message);
		}
		cJSON_AddNumberToObject(o, "reset_percent", r->reset_pct);
		cJSON_AddNumberToObject(o, "lost_percent", r->lost_pct);
		cJSON_AddNumberToObject(o, "repeat_percent", r->repeat_pct);
		cJSON_AddNumberToObject(o, "garble_percent", r->garble_pct);
		cJSON_AddNumberToObject(o, "latency_ms", (double)r->latency_ms);
		cJSON_AddNumberToObject(o, "latency_jitter_ms", (double)r->jitter_ms);
		if (r->times >= 0)
			cJSON_AddNumberToObject(o, "times", (double)r->times);
		cJSON_AddItemToArray(rules, o);
	}
	cJSON_AddItemToObject(doc, "rules", rules);
	return doc;
}

static bool matches(const struct fault_rule *r, const struct fault_request *q)
{
	return (!r->service || !strcmp(r->service, q->service)) &&
	       (!r->operation || !strcmp(r->operation, q->operation)) &&
	       (!r->region || !strcmp(r->region, q->region)) && (!r->path || (q->path && strstr(q->path, r->path))) &&
	       (!r->account || (q->account && !strcmp(r->account, q->account))) && r->times != 0;
}

/* Take one token from the rule's bucket for this caller and op; false when it is empty. */
static bool take_token(struct fault_rule *r, const struct fault_request *q, uint64_t now_ms)
{
	char key[256];
	const char *op = r->shared ? "*" : q->operation;
	int svc = service_by_name(q->service);
	bool global = svc >= 0 && service_def((enum service)svc)->global;
	struct bucket *b;

	if (r->per == PER_ALL)
		snprintf(key, sizeof(key), "%s", op);
	else if (r->per == PER_ACCOUNT || global)
		snprintf(key, sizeof(key), "%s||%s", q->account, op);
	else
		snprintf(key, sizeof(key), "%s|%s|%s", q->account, q->region, op);
	b = omap_get(&r->buckets, key);

	if (!b) {
		b = xcalloc(1, sizeof(*b));
		b->tokens = r->burst;
		b->last_ms = now_ms;
		omap_put(&r->buckets, key, b);
	}
	if (now_ms > b->last_ms) {
		b->tokens += (double)(now_ms - b->last_ms) * r->rate / 1000.0;
		if (b->tokens > r->burst)
			b->tokens = r->burst;
		b->last_ms = now_ms;
	}
	if (b->tokens < 1)
		return false;
	b->tokens -= 1;
	return true;
}

/* One die per configured percentage, so unconfigured ones do not move the PRNG. */
static bool roll(struct faults *f, double pct)
{
	return pct > 0 && prng_unit(&f->rng) * 100.0 < pct;
}

void faults_decide(struct faults *f, const struct fault_request *q, uint64_t now_ms, struct fault_decision *d)
{
	memset(d, 0, sizeof(*d));
	for (size_t i = 0; i < f->n; i++) {
		struct fault_rule *r = &f->rules[i];

		if (!matches(r, q))
			continue;
		/* Rules are consulted in order until one decides the outcome; each one
		 * consulted adds its latency and uses up one of its `times`. */
		if (r->times > 0)
			r->times--;
		d->latency_ms += r->latency_ms;
		if (r->jitter_ms)
			d->latency_ms += prng_next(&f->rng) % (r->jitter_ms + 1);
		if ((r->rate > 0 && !take_token(r, q, now_ms)) || roll(f, r->throttle_pct)) {
			d->kind = FAULT_THROTTLE;
		} else if (roll(f, r->e500_pct)) {
			d->kind = FAULT_500;
		} else if (roll(f, r->e503_pct)) {
			d->kind = FAULT_503;
		} else if (roll(f, r->error_pct)) {
			d->kind = FAULT_ERROR;
			d->status = r->error_status;
			snprintf(d->code, sizeof(d->code), "%s", r->error_code);
			snprintf(d->message, sizeof(d->message), "%s",
				 r->error_message ? r->error_message : "Injected by awsim.");
		} else if (roll(f, r->reset_pct)) {
			d->kind = FAULT_RESET;
		} else if (roll(f, r->lost_pct)) {
			d->kind = FAULT_LOST;
		} else if (roll(f, r->repeat_pct)) {
			d->kind = FAULT_REPEAT;
		} else if (roll(f, r->garble_pct)) {
			d->kind = FAULT_GARBLE;
		}
		if (d->kind != FAULT_NONE)
			break;
	}
}
