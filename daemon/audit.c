/* The audit trail: one record per AWS mutation (daemon/audit.h). */
#include "audit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "plan_render.h"
#include "strbuf.h"
#include "xalloc.h"

/* CHANGES= and the history's text stay short; the detail keeps every change. */
#define CHANGES_TEXT_MAX 1024

/* The tenant's newest entries read for its history's lines (audit_tenant_lines): a
 * change that failed tells no line, so more than the lines shown. */
#define TENANT_LINES_ENTRIES (HISTORY_LINES * 4)

struct audit {
	struct store *store;
	struct events *events;
	const struct engine *engine;
	unsigned long store_failures; /* logged once per burst */
	/* a change's record waiting for the lines of the tenant's history its answer
	 * makes (audit_action_done); tenant NULL: none */
	struct {
		char *tenant, *text;
		int64_t at;
		cJSON *detail;
	} pending;
};

struct audit *audit_new(struct store *store, struct events *events)
{
	struct audit *a = xcalloc(1, sizeof(*a));

	a->store = store;
	a->events = events;
	return a;
}

static int flush_pending(struct audit *a, const char *const *lines, size_t n);

void audit_free(struct audit *a)
{
	if (!a)
		return; /* a start that failed before making it */
	flush_pending(a, NULL, 0);
	free(a);
}

void audit_set_engine(struct audit *a, const struct engine *e)
{
	a->engine = e;
}

void audit_set_events(struct audit *a, struct events *events)
{
	if (a)
		a->events = events;
}

bool audit_is_mutation(enum action_kind k)
{
	return action_calls_aws(k) && k != ACT_PROFILE_READ_TAGS && k != ACT_PARAM_READ_TAGS &&
	       k != ACT_BUDGET_READ_TAGS && k != ACT_BUDGET_READ_ALERTS && k != ACT_POLICY_READ;
}

const char *audit_cause(const struct engine_action_report *r)
{
	const struct action *a = r->action;

	if (r->orphan)
		return "orphan";
	if (r->removed)
		return "prune";
	if (a->origin == ORIGIN_MOVE)
		return "move";
	if (a->origin == ORIGIN_REPLACEMENT)
		return "replacement";
	if (a->destructive) /* a repair of drift never deletes: this is a resource no longer desired */
		return "prune";
	if (r->drift && a->origin == ORIGIN_DIFF)
		return "drift";
	return "manifest";
}

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void add_time(cJSON *o, int64_t ms)
{
	char stamp[40];
	time_t s = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&s, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(stamp + strlen(stamp), sizeof(stamp) - strlen(stamp), ".%03dZ", (int)(ms % 1000));
	cJSON_AddStringToObject(o, "time", stamp);
}

/* The resource an action concerns: the live ARN when the answer told it (a create),
 * else what the action names. */
static char *resource_of(const struct engine_action_report *r)
{
	const struct action *a = r->action;

	if (r->status == 0 && r->res && r->res->profile && r->res->profile->arn)
		return xstrdup(r->res->profile->arn);
	if (a->role)
		return xasprintf("%s/%s", a->role, a->name ? a->name : "");
	if (a->resource)
		return xstrdup(a->resource);
	if (a->budget)
		return xstrdup(a->budget);
	return xstrdup(a->name ? a->name : "");
}

/* store_entry: 0 when the store keeps the entry, -1 when not (no store, a failure). */
static int store_entry(struct audit *a, const char *tenant, int64_t at, const char *kind, const char *text,
		       const char *detail)
{
	if (!a->store)
		return -1;
	if (store_add_history(a->store, tenant, at, kind, text, detail) < 0) {
		if (!a->store_failures++)
			log_warning("the state store cannot keep the history: %s", store_error(a->store));
		return -1;
	}
	if (a->store_failures) {
		log_notice("the state store keeps the history again (%lu entries were lost)", a->store_failures);
		a->store_failures = 0;
	}
	return 0;
}

/* The change's record waiting for its lines, with them (under "events"). */
static int flush_pending(struct audit *a, const char *const *lines, size_t n)
{
	char *detail;
	int r;

	if (!a->pending.tenant)
		return n ? -1 : 0;
	if (n) {
		cJSON *events = cJSON_AddArrayToObject(a->pending.detail, "events");
		for (size_t i = 0; i < n; i++)
			cJSON_AddItemToArray(events, cJSON_CreateString(lines[i]));
	}
	detail = cJSON_PrintUnformatted(a->pending.detail);
	r = store_entry(a, a->pending.tenant, a->pending.at, "change", a->pending.text, detail);
	free(detail);
	cJSON_Delete(a->pending.detail);
	free(a->pending.tenant);
	free(a->pending.text);
	memset(&a->pending, 0, sizeof(a->pending));
	return r;
}

int audit_action_done(struct audit *a, const char *tenant, const char *const *lines, size_t n)
{
	if (a->pending.tenant && strcmp(a->pending.tenant, tenant) != 0)
		flush_pending(a, NULL, 0); /* not this answer's: kept without lines */
	return flush_pending(a, lines, n);
}

void audit_action(struct audit *au, const struct engine_action_report *r)
{
	const struct action *a = r->action;
	bool gone = r->status != 0 && r->res && r->res->gone;
	/* no answer at all (a transport error, a timeout, a cancel at shutdown): AWS may
	 * or may not have made the change; the next listing tells */
	bool unanswered = r->status != 0 && !gone && (!r->err || r->err->status == 0);
	const char *outcome = r->status == 0 ? "ok" : gone ? "gone" : unanswered ? "unknown" : "failed";
	const char *cause = audit_cause(r);
	const char *request_id = r->status == 0 || gone ? (r->res ? r->res->request_id : "")
				 : r->err		? r->err->request_id
							: "";
	const char *commit = au->engine ? engine_revision(au->engine) : NULL;
	struct change_list changes = { 0 };
	struct strbuf summary, text;
	char *resource, *subject, *detail;
	int64_t at = wall_ms();
	cJSON *o, *list;

	if (!audit_is_mutation(a->kind))
		return;
	resource = resource_of(r);
	subject = plan_render_subject(a, r->before);
	plan_render_changes(a, r->before, &changes);
	/* a create that succeeded knows the ARN the plan could only announce */
	for (size_t i = 0; r->status == 0 && r->res && r->res->profile && i < changes.n; i++)
		if (changes.v[i].op == '+' && !strcmp(changes.v[i].key, "arn") && r->res->profile->arn) {
			free(changes.v[i].new_value);
			changes.v[i].new_value = xstrdup(r->res->profile->arn);
		}
	strbuf_init(&summary, CHANGES_TEXT_MAX);
	list = cJSON_CreateArray();
	for (size_t i = 0; i < changes.n; i++) {
		struct strbuf one;
		strbuf_init(&one, STRBUF_NO_CAP);
		change_format(&changes.v[i], &one);
		cJSON_AddItemToArray(list, cJSON_CreateString(one.buf));
		if (summary.len + one.len + 2 < CHANGES_TEXT_MAX)
			strbuf_addf(&summary, "%s%s", summary.len ? ", " : "", one.buf);
		else if (summary.len + 4 < CHANGES_TEXT_MAX && !strstr(summary.buf, ", ..."))
			strbuf_adds(&summary, ", ...");
		strbuf_release(&one);
	}
	change_list_release(&changes);

	strbuf_init(&text, STRBUF_NO_CAP);
	strbuf_addf(&text, "%s %s", action_kind_name(a->kind), subject);
	if (summary.len)
		strbuf_addf(&text, ": %s", summary.buf);
	strbuf_addf(&text, " (%s)", cause);
	if (gone)
		strbuf_adds(&text, ": already gone");
	else if (r->status != 0)
		strbuf_addf(&text, " %s: %s%s%s", unanswered ? "got no answer" : "failed",
			    r->err && r->err->code[0] ? r->err->code : strerror(-r->status),
			    r->err && r->err->message[0] ? ": " : "", r->err ? r->err->message : "");

	log_msg(r->status == 0 || gone ? LOG_LVL_NOTICE : LOG_LVL_WARNING,
		&(struct log_fields){ .tenant = r->tenant,
				      .request_id = request_id,
				      .message_id = MSGID_AWS_CHANGE,
				      .resource = resource,
				      .action = action_kind_name(a->kind),
				      .cause = cause,
				      .revision = r->revision,
				      .outcome = outcome,
				      .changes = summary.buf,
				      .error_code = r->status != 0 && !gone && r->err ? r->err->code : NULL },
		"%s", text.buf);

	o = cJSON_CreateObject();
	add_time(o, at);
	cJSON_AddStringToObject(o, "tenant", r->tenant);
	cJSON_AddStringToObject(o, "action", action_kind_name(a->kind));
	cJSON_AddStringToObject(o, "resource", resource);
	cJSON_AddStringToObject(o, "subject", subject);
	cJSON_AddItemToObject(o, "changes", list);
	cJSON_AddStringToObject(o, "cause", cause);
	if (a->reason)
		cJSON_AddStringToObject(o, "reason", a->reason);
	if (r->revision)
		cJSON_AddStringToObject(o, "revision", r->revision);
	if (commit && commit[0])
		cJSON_AddStringToObject(o, "manifests_revision", commit);
	cJSON_AddStringToObject(o, "outcome", outcome);
	cJSON_AddStringToObject(o, "request_id", request_id ? request_id : "");
	if (r->status != 0 && !gone) {
		cJSON *e = cJSON_AddObjectToObject(o, "error");
		cJSON_AddStringToObject(e, "code", r->err ? r->err->code : "");
		cJSON_AddStringToObject(e, "message", r->err ? r->err->message : strerror(-r->status));
		if (r->err && r->err->status)
			cJSON_AddNumberToObject(e, "http_status", r->err->status);
	}
	cJSON_AddStringToObject(o, "text", text.buf);
	detail = cJSON_PrintUnformatted(o);
	flush_pending(au, NULL, 0);
	if (r->lines_follow) {
		au->pending.tenant = xstrdup(r->tenant);
		au->pending.text = xstrdup(text.buf);
		au->pending.at = at;
		au->pending.detail = o; /* stored by audit_action_done, with the lines */
	} else {
		store_entry(au, r->tenant, at, "change", text.buf, detail);
		cJSON_Delete(o);
	}
	events_publish(au->events, "change", detail);
	free(detail);
	strbuf_release(&text);
	strbuf_release(&summary);
	free(subject);
	free(resource);
}

/* Only the notable changes go to the history: not the start of every reconcile,
 * nor Pending -> Ready after a start (every tenant has one). */
static bool notable(enum tenant_state from, enum tenant_state to)
{
	return to != TENANT_RECONCILING && !(from == TENANT_PENDING && to == TENANT_READY);
}

int audit_state(struct audit *au, const struct tenant_entry *t, enum tenant_state from)
{
	int64_t at = wall_ms();
	const char *last_error = tenant_entry_last_error(t);
	bool failing = last_error && t->state >= TENANT_ERROR;
	char *text, *detail;
	int r = au->store ? 0 : -1; /* not notable: not kept, on purpose */
	cJSON *o;

	if (!notable(from, t->state) && !events_clients(au->events))
		return r; /* the common case at a start: nothing to keep, nobody listening */

	text = xasprintf("%s -> %s%s%s", tenant_state_name(from), tenant_state_name(t->state), failing ? ": " : "",
			 failing ? last_error : "");
	o = cJSON_CreateObject();
	add_time(o, at);
	cJSON_AddStringToObject(o, "tenant", t->id);
	cJSON_AddStringToObject(o, "from", tenant_state_name(from));
	cJSON_AddStringToObject(o, "to", tenant_state_name(t->state));
	if (failing)
		cJSON_AddStringToObject(o, "error", last_error);
	if (t->desired && t->desired->revision)
		cJSON_AddStringToObject(o, "revision", t->desired->revision);
	cJSON_AddStringToObject(o, "text", text);
	detail = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (notable(from, t->state))
		r = store_entry(au, t->id, at, "state", text, detail);
	events_publish(au->events, "state", detail);
	free(detail);
	free(text);
	return r;
}

int audit_note(struct audit *au, const char *tenant, int64_t at, const char *text)
{
	int64_t ms = at * 1000;
	char *detail;
	cJSON *o = cJSON_CreateObject();
	int r;

	add_time(o, ms);
	cJSON_AddStringToObject(o, "tenant", tenant);
	cJSON_AddStringToObject(o, "text", text);
	detail = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	r = store_entry(au, tenant, ms, "note", text, detail);
	free(detail);
	return r;
}

cJSON *audit_history_json(struct audit *a, const char *tenant, size_t limit, const char **ret_error)
{
	struct store_history_entry *v;
	size_t n;
	cJSON *arr;

	*ret_error = NULL;
	if (!a->store)
		return cJSON_CreateArray();
	if (store_load_history(a->store, tenant, limit, &v, &n) < 0) {
		*ret_error = "the state store cannot be read";
		return NULL;
	}
	arr = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject(), *d = v[i].detail ? cJSON_Parse(v[i].detail) : NULL;
		cJSON_AddNumberToObject(o, "id", (double)v[i].id);
		add_time(o, v[i].at);
		cJSON_AddStringToObject(o, "tenant", v[i].tenant);
		cJSON_AddStringToObject(o, "kind", v[i].kind);
		cJSON_AddStringToObject(o, "text", v[i].text);
		cJSON_DeleteItemFromObjectCaseSensitive(d, "events"); /* the tenant's lines (audit_tenant_lines) */
		if (d)
			cJSON_AddItemToObject(o, "detail", d);
		cJSON_AddItemToArray(arr, o);
	}
	store_history_free(v, n);
	return arr;
}

/* The lines of one entry, as the engine wrote them: a note's or a state change's text,
 * the lines a change's answer made (none when it failed, or in a store older than
 * them). */
static void entry_lines(const struct store_history_entry *h, struct history_lines *into)
{
	int64_t at = h->at / 1000;
	const cJSON *line;
	cJSON *d;

	if (!strcmp(h->kind, "note") || !strcmp(h->kind, "state")) {
		history_lines_add(into, at, h->text);
		return;
	}
	if (strcmp(h->kind, "change") || !h->detail || !strstr(h->detail, "\"events\""))
		return;
	d = cJSON_Parse(h->detail);
	cJSON_ArrayForEach(line, cJSON_GetObjectItemCaseSensitive(d, "events")) if (cJSON_IsString(line))
		history_lines_add(into, at, line->valuestring);
	cJSON_Delete(d);
}

int audit_tenant_lines(struct audit *a, const char *tenant, struct history_lines *into, const char **ret_error)
{
	struct store_history_entry *v;
	size_t n;

	*ret_error = NULL;
	if (!a->store)
		return 0;
	flush_pending(a, NULL, 0); /* not expected between an answer and its lines */
	if (store_load_history(a->store, tenant, TENANT_LINES_ENTRIES, &v, &n) < 0) {
		*ret_error = "the state store cannot be read: the lines it keeps are not shown";
		return -1;
	}
	for (size_t i = n; i-- > 0;) /* oldest first */
		entry_lines(&v[i], into);
	store_history_free(v, n);
	return 0;
}
