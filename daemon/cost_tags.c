#include "cost_tags.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "ce.h"
#include "control_json.h"
#include "log.h"
#include "strbuf.h"
#include "strv.h"
#include "xalloc.h"

#define SOON_MS 1000 /* after a change: a scan is often followed by another */

enum key_status { KEY_UNKNOWN, KEY_ACTIVE, KEY_INACTIVE, KEY_NOT_SEEN };

static const char *const status_names[] = {
	[KEY_UNKNOWN] = "unknown",   /* not read yet */
	[KEY_ACTIVE] = "Active",     /* */
	[KEY_INACTIVE] = "Inactive", /* */
	[KEY_NOT_SEEN] = "NotSeen",  /* Cost Explorer has no spend with this key yet */
};

struct cost_tags {
	uv_loop_t *loop;
	struct aws_client *aws;
	struct cfg_cost_tags cfg; /* payer_account owned */
	char *target;		  /* the client's account alias; NULL: default credentials */
	uv_timer_t timer;
	char **keys; /* sorted, unique */
	enum key_status *status;
	size_t n;
	/* the keys of the call in flight (a change meanwhile checks again after it) */
	char **asked;
	size_t n_asked;
	bool in_flight, again, closing, timer_closed;
	const char *(*held)(void *data); /* cost_tags_hold_writes; NULL: writes go */
	void *held_data;
	/* manage mode found inactive keys while writes were held: why, static text
	 * (cost_tags_released checks again) */
	const char *held_why;
	char *problem; /* NULL: none */
	char *error;   /* the last check's failure; NULL when it went well */
	int64_t checked_at;
	void (*close_cb)(void *);
	void *close_arg;
};

static void check(struct cost_tags *ct);

static void on_timer(uv_timer_t *t)
{
	check(t->data);
}

static void schedule(struct cost_tags *ct, uint64_t ms)
{
	if (!ct->closing)
		uv_timer_start(&ct->timer, on_timer, ms, 0);
}

static void set_str(char **field, char *value)
{
	free(*field);
	*field = value;
}

static void free_strs(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void destroy(struct cost_tags *ct)
{
	void (*cb)(void *) = ct->close_cb;
	void *arg = ct->close_arg;

	free_strs(ct->keys, ct->n);
	free_strs(ct->asked, ct->n_asked);
	free(ct->status);
	free(ct->cfg.payer_account);
	free(ct->target);
	free(ct->problem);
	free(ct->error);
	free(ct);
	if (cb)
		cb(arg);
}

static const char *payer(const struct cost_tags *ct)
{
	return ct->cfg.payer_account ? ct->cfg.payer_account : "the default account";
}

/* The problem the keys' statuses make, logged when it changes. */
static void judge(struct cost_tags *ct)
{
	struct strbuf sb;
	size_t bad = 0;

	strbuf_init(&sb, STRBUF_NO_CAP);
	for (size_t i = 0; i < ct->n; i++) {
		if (ct->status[i] != KEY_INACTIVE && ct->status[i] != KEY_NOT_SEEN)
			continue;
		strbuf_addf(&sb, "%s%s%s",
			    bad++ ? ", " : "budgets filtered on inactive tags see no spend: ", ct->keys[i],
			    ct->status[i] == KEY_NOT_SEEN ? " (not yet seen by Cost Explorer)" : "");
	}
	if (bad && ct->held_why)
		strbuf_addf(&sb, " (not activated: %s)", ct->held_why);
	if (!bad) {
		if (ct->problem && ct->n)
			log_notice("cost-allocation tags: every key budgets filter on is Active in %s", payer(ct));
		set_str(&ct->problem, NULL);
	} else if (!ct->problem || strcmp(ct->problem, sb.buf) != 0) {
		log_warning("cost-allocation tags: %s (payer %s, mode %s)", sb.buf, payer(ct),
			    cfg_cost_tags_mode_name(ct->cfg.mode));
		set_str(&ct->problem, xstrdup(sb.buf));
	}
	strbuf_release(&sb);
}

static char *call_error(const struct cost_tags *ct, const char *op, int status, const struct aws_error *err)
{
	return xasprintf("%s in %s: %s%s%s", op, payer(ct), err && err->code ? err->code : strerror(-status),
			 err && err->message && err->message[0] ? ": " : "", err && err->message ? err->message : "");
}

/* The end of a check: judged (unless it failed), the next one planned. */
static void finish(struct cost_tags *ct, char *error)
{
	ct->in_flight = false;
	free_strs(ct->asked, ct->n_asked);
	ct->asked = NULL;
	ct->n_asked = 0;
	if (ct->closing) {
		free(error);
		if (ct->timer_closed)
			destroy(ct);
		return;
	}
	if (error && (!ct->error || strcmp(ct->error, error) != 0))
		log_warning("cost-allocation tags: %s", error);
	set_str(&ct->error, error);
	ct->checked_at = (int64_t)time(NULL);
	if (!error)
		judge(ct);
	if (ct->again) {
		ct->again = false;
		schedule(ct, SOON_MS);
	} else {
		schedule(ct, ct->cfg.check_interval_ms);
	}
}

static enum key_status *status_of(struct cost_tags *ct, const char *key)
{
	for (size_t i = 0; i < ct->n; i++)
		if (!strcmp(ct->keys[i], key))
			return &ct->status[i];
	return NULL;
}

static void on_updated(void *arg, int status, const struct ce_tag_error_list *l, const struct aws_error *err)
{
	struct cost_tags *ct = arg;

	if (status < 0) {
		finish(ct, call_error(ct, "UpdateCostAllocationTagsStatus", status, err));
		return;
	}
	for (size_t i = 0; i < ct->n_asked; i++) {
		enum key_status *st = status_of(ct, ct->asked[i]);
		const char *code = NULL;
		for (size_t j = 0; j < l->n; j++)
			if (!strcmp(l->items[j].key, ct->asked[i]))
				code = l->items[j].code;
		if (!st || *st != KEY_INACTIVE)
			continue;
		if (code) {
			log_warning("cost-allocation tags: %s could not be activated in %s: %s", ct->asked[i],
				    payer(ct), code);
			continue;
		}
		*st = KEY_ACTIVE;
		log_notice("cost-allocation tags: %s activated in %s", ct->asked[i], payer(ct));
	}
	finish(ct, NULL);
}

static bool any_inactive(const struct cost_tags *ct)
{
	for (size_t i = 0; i < ct->n; i++)
		if (ct->status[i] == KEY_INACTIVE)
			return true;
	return false;
}

/* manage mode: the first CE_UPDATE_MAX_KEYS inactive keys (the rest at the next check). */
static bool activate(struct cost_tags *ct)
{
	struct aws_target t = { .account = ct->target, .region = NULL };
	size_t inactive = 0;
	int r;

	free_strs(ct->asked, ct->n_asked);
	ct->asked = xcalloc(CE_UPDATE_MAX_KEYS, sizeof(*ct->asked));
	ct->n_asked = 0;
	for (size_t i = 0; i < ct->n; i++) {
		if (ct->status[i] != KEY_INACTIVE)
			continue;
		if (ct->n_asked < CE_UPDATE_MAX_KEYS)
			ct->asked[ct->n_asked++] = xstrdup(ct->keys[i]);
		inactive++;
	}
	if (!ct->n_asked)
		return false;
	if (inactive > ct->n_asked)
		ct->again = true;
	r = ce_update_cost_allocation_tags_status(ct->aws, &t, (const char *const *)ct->asked, ct->n_asked,
						  CE_STATUS_ACTIVE, on_updated, ct);
	if (r < 0) {
		finish(ct, call_error(ct, "UpdateCostAllocationTagsStatus", r, NULL));
		return true;
	}
	return true;
}

static void on_listed(void *arg, int status, const struct ce_cost_tag_list *l, const struct aws_error *err)
{
	struct cost_tags *ct = arg;

	if (status < 0) {
		finish(ct, call_error(ct, "ListCostAllocationTags", status, err));
		return;
	}
	if (ct->closing || !strv_equal(ct->keys, ct->n, ct->asked, ct->n_asked)) {
		finish(ct, NULL); /* the keys changed meanwhile: again is set */
		return;
	}
	for (size_t i = 0; i < ct->n; i++) {
		const struct ce_cost_tag *tag = ce_cost_tag_list_find(l, ct->keys[i]);
		ct->status[i] = !tag					 ? KEY_NOT_SEEN
				: !strcmp(tag->status, CE_STATUS_ACTIVE) ? KEY_ACTIVE
									 : KEY_INACTIVE;
	}
	ct->held_why = NULL;
	if (ct->cfg.mode == CFG_COST_TAGS_MANAGE && ct->held && any_inactive(ct))
		ct->held_why = ct->held(ct->held_data);
	if (ct->cfg.mode == CFG_COST_TAGS_MANAGE && !ct->held_why && activate(ct))
		return;
	finish(ct, NULL);
}

void cost_tags_hold_writes(struct cost_tags *ct, const char *(*held)(void *data), void *data)
{
	ct->held = held;
	ct->held_data = data;
}

void cost_tags_released(struct cost_tags *ct)
{
	if (!ct || !ct->held_why)
		return;
	if (ct->in_flight)
		ct->again = true;
	else
		schedule(ct, SOON_MS);
}

static void check(struct cost_tags *ct)
{
	struct aws_target t = { .account = ct->target, .region = NULL };
	int r;

	if (ct->closing)
		return;
	if (ct->in_flight) {
		ct->again = true;
		return;
	}
	if (!ct->n) {
		set_str(&ct->error, NULL);
		judge(ct);
		return; /* nothing to look at until a budget appears */
	}
	ct->asked = xcalloc(ct->n, sizeof(*ct->asked));
	for (ct->n_asked = 0; ct->n_asked < ct->n; ct->n_asked++)
		ct->asked[ct->n_asked] = xstrdup(ct->keys[ct->n_asked]);
	ct->in_flight = true;
	r = ce_list_cost_allocation_tags(ct->aws, &t, (const char *const *)ct->keys, ct->n, on_listed, ct);
	if (r < 0)
		finish(ct, call_error(ct, "ListCostAllocationTags", r, NULL));
}

void cost_tags_new(uv_loop_t *loop, struct aws_client *aws, const struct cfg_cost_tags *cfg, const char *target,
		   struct cost_tags **ret)
{
	struct cost_tags *ct = xcalloc(1, sizeof(*ct));

	ct->loop = loop;
	ct->aws = aws;
	ct->cfg = *cfg;
	ct->cfg.payer_account = xstrdup_or_null(cfg->payer_account);
	ct->target = xstrdup_or_null(target);
	uv_timer_init(loop, &ct->timer);
	ct->timer.data = ct;
	*ret = ct;
}

void cost_tags_configure(struct cost_tags *ct, const struct cfg_cost_tags *cfg, const char *target)
{
	bool same = ct->cfg.mode == cfg->mode && ct->cfg.check_interval_ms == cfg->check_interval_ms &&
		    !strcmp(ct->cfg.payer_account ? ct->cfg.payer_account : "",
			    cfg->payer_account ? cfg->payer_account : "");

	if (same)
		return;
	free(ct->cfg.payer_account);
	free(ct->target);
	ct->cfg = *cfg;
	ct->cfg.payer_account = xstrdup_or_null(cfg->payer_account);
	ct->target = xstrdup_or_null(target);
	for (size_t i = 0; i < ct->n; i++)
		ct->status[i] = KEY_UNKNOWN;
	if (ct->in_flight)
		ct->again = true;
	else
		schedule(ct, 0);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void cost_tags_set_keys(struct cost_tags *ct, const char *const *keys, size_t n)
{
	char **v = xcalloc(n ? n : 1, sizeof(*v));
	size_t m = 0;

	for (size_t i = 0; i < n; i++)
		v[i] = (char *)keys[i];
	qsort(v, n, sizeof(*v), cmp_str);
	for (size_t i = 0; i < n && m < COST_TAGS_MAX_KEYS; i++)
		if (!m || strcmp(v[m - 1], v[i]) != 0)
			v[m++] = v[i];
	if (strv_equal(v, m, ct->keys, ct->n) && ct->checked_at) {
		free(v);
		return;
	}
	if (n > m && m == COST_TAGS_MAX_KEYS)
		log_warning("cost-allocation tags: budgets filter on more than %d tag keys; only the first %d are "
			    "checked",
			    COST_TAGS_MAX_KEYS, COST_TAGS_MAX_KEYS);
	free_strs(ct->keys, ct->n);
	free(ct->status);
	ct->keys = xcalloc(m ? m : 1, sizeof(*ct->keys));
	ct->status = xcalloc(m ? m : 1, sizeof(*ct->status));
	for (size_t i = 0; i < m; i++)
		ct->keys[i] = xstrdup(v[i]);
	ct->n = m;
	free(v);
	if (ct->in_flight)
		ct->again = true;
	else
		schedule(ct, SOON_MS);
}

const char *cost_tags_key_status(const struct cost_tags *ct, const char *key)
{
	for (size_t i = 0; ct && i < ct->n; i++)
		if (!strcmp(ct->keys[i], key))
			return status_names[ct->status[i]];
	return NULL;
}

char *cost_tags_status_json(const struct cost_tags *ct)
{
	cJSON *o = cJSON_CreateObject(), *keys;
	char *text;

	cJSON_AddStringToObject(o, "mode", cfg_cost_tags_mode_name(ct->cfg.mode));
	if (ct->cfg.payer_account)
		cJSON_AddStringToObject(o, "payer_account", ct->cfg.payer_account);
	else
		cJSON_AddNullToObject(o, "payer_account");
	keys = cJSON_AddArrayToObject(o, "keys");
	for (size_t i = 0; i < ct->n; i++) {
		cJSON *k = cJSON_CreateObject();
		cJSON_AddStringToObject(k, "key", ct->keys[i]);
		cJSON_AddStringToObject(k, "status", status_names[ct->status[i]]);
		cJSON_AddItemToArray(keys, k);
	}
	if (ct->problem)
		cJSON_AddStringToObject(o, "problem", ct->problem);
	else
		cJSON_AddNullToObject(o, "problem");
	if (ct->error)
		cJSON_AddStringToObject(o, "error", ct->error);
	else
		cJSON_AddNullToObject(o, "error");
	cJSON_AddItemToObject(o, "checked_at", engine_json_time(ct->checked_at));
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

static void timer_closed(uv_handle_t *h)
{
	struct cost_tags *ct = h->data;

	ct->timer_closed = true;
	if (!ct->in_flight)
		destroy(ct);
}

void cost_tags_close(struct cost_tags *ct, void (*done)(void *data), void *data)
{
	if (!ct) {
		if (done)
			done(data);
		return;
	}
	ct->closing = true;
	ct->close_cb = done;
	ct->close_arg = data;
	uv_close((uv_handle_t *)&ct->timer, timer_closed);
}
