#include "plan_print.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "control_json.h"
#include "strbuf.h"
#include "xalloc.h"

void plan_print_init(struct plan_print *o, bool json)
{
	memset(o, 0, sizeof(*o));
	o->json = json;
	o->root = cJSON_CreateObject();
	cJSON_AddArrayToObject(o->root, "tenants");
}

void plan_print_release(struct plan_print *o)
{
	cJSON_Delete(o->root);
	o->root = NULL;
}

void plan_print_writes_held(struct plan_print *o, const char *what, const char *why)
{
	o->writes_held = what;
	if (!o->json)
		printf("! the daemon makes none of these writes: %s: %s; it reports the differences (tenants "
		       "show Drifted)\n",
		       what, why);
}

static void format_time(int64_t at, char *buf, size_t size)
{
	time_t t = (time_t)at;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The raw resource an action names (an ARN, a parameter or budget name, a role). */
static const char *resource_of(const struct action *a)
{
	return a->resource ? simulate_display(a->resource)
	       : a->name   ? a->name
	       : a->budget ? a->budget
	       : a->role   ? a->role
			   : "";
}

static cJSON *step_json(const struct sim_step *st, const char *place)
{
	const struct action *a = &st->action;
	cJSON *j = cJSON_CreateObject(), *ch = NULL;

	cJSON_AddStringToObject(j, "kind", action_kind_name(a->kind));
	cJSON_AddStringToObject(j, "resource", resource_of(a));
	cJSON_AddStringToObject(j, "subject", st->subject);
	cJSON_AddStringToObject(j, "place", place);
	cJSON_AddStringToObject(j, "reason", a->reason);
	cJSON_AddBoolToObject(j, "aws_call", action_calls_aws(a->kind));
	/* a move's old place: due once the new set is Ready, a time not known yet */
	cJSON_AddItemToObject(j, "after", engine_json_time(st->after_switch || st->after_move ? 0 : st->at));
	cJSON_AddBoolToObject(j, "after_switch", st->after_switch);
	/* a moving tenant's new place: once its old sets in the account are gone */
	cJSON_AddBoolToObject(j, "after_move", st->after_move);
	/* a held tenant's: what an approval of the prune gate releases */
	cJSON_AddBoolToObject(j, "after_approval", st->after_approval);
	cJSON_AddNumberToObject(j, "round", st->round);
	ch = cJSON_AddArrayToObject(j, "changes");
	for (size_t i = 0; i < st->changes.n; i++) {
		const struct change *c = &st->changes.v[i];
		cJSON *x = cJSON_CreateObject();
		char op[2] = { c->op, 0 };
		cJSON_AddStringToObject(x, "op", op);
		cJSON_AddStringToObject(x, "key", c->key);
		cJSON_AddItemToObject(x, "old", c->old_value ? cJSON_CreateString(c->old_value) : cJSON_CreateNull());
		cJSON_AddItemToObject(x, "new", c->new_value ? cJSON_CreateString(c->new_value) : cJSON_CreateNull());
		cJSON_AddItemToArray(ch, x);
	}
	return j;
}

static void step_text(const struct sim_step *st, const char *indent)
{
	const struct action *a = &st->action;
	struct strbuf line;

	strbuf_init(&line, STRBUF_NO_CAP);
	strbuf_addf(&line, "%s%c %s %s", indent, plan_render_symbol(a), action_kind_name(a->kind), st->subject);
	if (st->after_switch) {
		strbuf_adds(&line, st->at ? " (once the new set is Ready and the drain has passed)"
					  : " (once the new set is Ready)");
	} else if (st->after_move) {
		strbuf_adds(&line, " (once the old sets in this account are gone)");
	} else if (st->after_approval && st->at) {
		char when[32];
		format_time(st->at, when, sizeof(when));
		strbuf_addf(&line, " (once approved: bedrock-tenantctl approve-prune; not before %s)", when);
	} else if (st->after_approval) {
		strbuf_adds(&line, " (once approved: bedrock-tenantctl approve-prune)");
	} else if (st->at) {
		char when[32];
		format_time(st->at, when, sizeof(when));
		strbuf_addf(&line, " (after %s)", when);
	}
	if (!st->changes.n || !action_calls_aws(a->kind))
		strbuf_addf(&line, ": %s", a->reason);
	printf("%s\n", line.buf);
	for (size_t i = 0; i < st->changes.n; i++) {
		strbuf_reset(&line);
		strbuf_addf(&line, "%s    ", indent);
		change_format(&st->changes.v[i], &line);
		printf("%s\n", line.buf);
	}
	strbuf_release(&line);
}

static bool has_content(const struct simulation *sim)
{
	for (size_t i = 0; i < sim->n_steps; i++)
		if (sim_step_counts(&sim->steps[i]))
			return true;
	return sim->n_conflicts || sim->error || sim->held || sim->wake_at || sim->incomplete || sim->truncated;
}

static void section_text(const struct plan_section *s, const char *indent)
{
	const struct simulation *sim = s->sim;

	for (size_t i = 0; i < sim->n_steps; i++)
		if (sim_step_counts(&sim->steps[i]))
			step_text(&sim->steps[i], indent);
	for (size_t i = 0; i < sim->n_conflicts; i++)
		printf("%s! conflict: %s\n", indent, sim->conflicts[i].message);
	if (sim->error)
		printf("%s! error: %s\n", indent, sim->error);
	if (sim->held)
		printf("%s! deletions held by the prune gate until approved (bedrock-tenantctl approve-prune)\n",
		       indent);
	if (sim->incomplete)
		printf("%s! not all of it could be judged (the budgets of this place were not listed)\n", indent);
	if (sim->truncated)
		printf("%s! more than %d rounds: the rest is left out\n", indent, SIMULATE_MAX_ROUNDS);
	if (sim->wake_at) {
		char when[32];
		format_time(sim->wake_at, when, sizeof(when));
		printf("%s. a grace or drain timer is running until %s\n", indent, when);
	}
}

/* The sections' counts into o; returns whether any has something to do now
 * (simulation_pending), *ret_with_content how many have something to show. */
static bool count_sections(struct plan_print *o, const struct plan_section *s, size_t n, size_t *ret_with_content)
{
	bool pending = false;

	*ret_with_content = 0;
	for (size_t i = 0; i < n; i++) {
		const struct simulation *sim = s[i].sim;
		pending |= simulation_pending(sim);
		o->n_conflicts += sim->n_conflicts;
		o->n_errors += sim->error != NULL || sim->incomplete;
		for (size_t k = 0; k < sim->n_steps; k++)
			if (action_calls_aws(sim->steps[k].action.kind))
				*(sim->steps[k].after_approval ? &o->n_held_calls
				  : sim->steps[k].at || sim->steps[k].after_switch || sim->steps[k].after_move
					  ? &o->n_deferred_calls
					  : &o->n_calls) += 1;
		if (has_content(sim))
			++*ret_with_content;
	}
	return pending;
}

/* The sections' places, old places, actions and conflicts in t. */
static void sections_json(cJSON *t, const struct plan_section *s, size_t n)
{
	cJSON *places = cJSON_AddArrayToObject(t, "places"), *moving = cJSON_AddArrayToObject(t, "moving_out_of");
	cJSON *acts = cJSON_AddArrayToObject(t, "actions"), *conf = cJSON_AddArrayToObject(t, "conflicts");

	for (size_t i = 0; i < n; i++) {
		const struct simulation *sim = s[i].sim;
		cJSON_AddItemToArray(places, cJSON_CreateString(s[i].place));
		if (s[i].moving_out)
			cJSON_AddItemToArray(moving, cJSON_CreateString(s[i].place));
		for (size_t k = 0; k < sim->n_steps; k++)
			cJSON_AddItemToArray(acts, step_json(&sim->steps[k], s[i].place));
		for (size_t k = 0; k < sim->n_conflicts; k++) {
			cJSON *j = cJSON_CreateObject();
			cJSON_AddStringToObject(j, "resource", sim->conflicts[k].resource);
			cJSON_AddStringToObject(j, "message", sim->conflicts[k].message);
			cJSON_AddStringToObject(j, "place", s[i].place);
			cJSON_AddItemToArray(conf, j);
		}
	}
}

/* The sections with something to show, as text; a move's old place is always named,
 * with what it is. */
static void sections_text(const struct plan_section *s, size_t n, size_t with_content)
{
	for (size_t i = 0; i < n; i++) {
		bool named = with_content > 1 || s[i].moving_out;
		if (!has_content(s[i].sim))
			continue;
		if (named)
			printf("  in %s:\n", s[i].place);
		if (s[i].moving_out && s[i].placement)
			printf("    (%s)\n", s[i].placement);
		section_text(&s[i], named ? "    " : "  ");
	}
}

bool plan_print_tenant(struct plan_print *o, const char *id, const struct plan_section *s, size_t n)
{
	size_t with_content;
	bool pending = count_sections(o, s, n, &with_content);
	cJSON *t;
	struct strbuf head;

	o->n_pending += pending;
	if (!with_content)
		return false;

	t = cJSON_CreateObject();
	cJSON_AddStringToObject(t, "id", id);
	cJSON_AddStringToObject(t, "place", s[0].place);
	cJSON_AddItemToObject(t, "placement", s[0].placement ? cJSON_CreateString(s[0].placement) : cJSON_CreateNull());
	sections_json(t, s, n);
	strbuf_init(&head, STRBUF_NO_CAP);
	strbuf_addf(&head, "%s (", id);
	for (size_t i = 0; i < n; i++)
		strbuf_addf(&head, "%s%s", i ? ", " : "", s[i].place);
	strbuf_addf(&head, "):%s", pending ? "" : " nothing to do now");
	{
		const char *err = NULL;
		bool held = false, incomplete = false, truncated = false;
		int64_t wake = 0;
		for (size_t i = 0; i < n; i++) {
			const struct simulation *sim = s[i].sim;
			err = err ? err : sim->error;
			held |= sim->held;
			incomplete |= sim->incomplete;
			truncated |= sim->truncated;
			if (sim->wake_at && (!wake || sim->wake_at < wake))
				wake = sim->wake_at;
		}
		cJSON_AddItemToObject(t, "error", err ? cJSON_CreateString(err) : cJSON_CreateNull());
		cJSON_AddBoolToObject(t, "held", held);
		cJSON_AddBoolToObject(t, "incomplete", incomplete);
		cJSON_AddBoolToObject(t, "truncated", truncated);
		cJSON_AddBoolToObject(t, "pending", pending);
		cJSON_AddItemToObject(t, "next_timer", engine_json_time(wake));
	}
	cJSON_AddItemToArray(cJSON_GetObjectItem(o->root, "tenants"), t);
	if (!o->json) {
		printf("%s\n", head.buf);
		if (s[0].placement)
			printf("  placement: %s\n", s[0].placement);
		sections_text(s, n, with_content);
	}
	strbuf_release(&head);
	return pending;
}

void plan_print_waiting(struct plan_print *o, const char *id, const char *reason, const struct plan_section *s,
			size_t n)
{
	cJSON *t = cJSON_CreateObject();
	size_t with_content;

	count_sections(o, s, n, &with_content);
	o->n_pending++;
	cJSON_AddStringToObject(t, "id", id);
	cJSON_AddNullToObject(t, "place");
	cJSON_AddStringToObject(t, "waiting", reason);
	sections_json(t, s, n);
	cJSON_AddBoolToObject(t, "pending", true);
	cJSON_AddItemToArray(cJSON_GetObjectItem(o->root, "tenants"), t);
	if (!o->json) {
		printf("%s: waits: %s\n", id, reason);
		sections_text(s, n, with_content);
	}
}

#define ACTIVATE_MAX_KEYS 20 /* UpdateCostAllocationTagsStatus' entries (daemon/aws/ce.h) */

bool plan_print_cost_tags(struct plan_print *o, const struct plan_cost_tags *ct)
{
	cJSON *j, *keys, *acts;
	size_t inactive = 0, not_seen = 0;

	if (!ct->read) {
		cJSON_AddNullToObject(o->root, "cost_allocation_tags");
		return false;
	}
	j = cJSON_AddObjectToObject(o->root, "cost_allocation_tags");
	cJSON_AddStringToObject(j, "mode", ct->mode);
	cJSON_AddStringToObject(j, "payer_account", ct->payer);
	keys = cJSON_AddArrayToObject(j, "keys");
	acts = cJSON_AddArrayToObject(j, "actions");
	for (size_t i = 0; i < ct->n; i++) {
		cJSON *k = cJSON_CreateObject();
		cJSON_AddStringToObject(k, "key", ct->keys[i]);
		cJSON_AddStringToObject(k, "status", ct->status[i]);
		cJSON_AddItemToArray(keys, k);
		inactive += !strcmp(ct->status[i], "Inactive");
		not_seen += !strcmp(ct->status[i], "NotSeen");
	}
	if (!inactive && !not_seen)
		return false;
	if (!o->json)
		printf("cost-allocation tags (payer %s, mode %s):\n", ct->payer, ct->mode);
	/* one call per ACTIVATE_MAX_KEYS keys, as the daemon makes them */
	for (size_t i = 0, in_call = 0; i < ct->n; i++) {
		cJSON *a, *ch, *c;
		if (strcmp(ct->status[i], "Inactive"))
			continue;
		if (in_call == 0) {
			a = cJSON_CreateObject();
			cJSON_AddStringToObject(a, "kind", "activate-cost-allocation-tag");
			cJSON_AddStringToObject(a, "resource", ct->keys[i]);
			cJSON_AddStringToObject(a, "subject", ct->keys[i]);
			cJSON_AddStringToObject(a, "place", ct->payer);
			cJSON_AddStringToObject(a, "reason",
						"budgets filter on it and it is Inactive: they see no spend");
			cJSON_AddBoolToObject(a, "aws_call", true);
			cJSON_AddNullToObject(a, "after");
			cJSON_AddArrayToObject(a, "changes");
			cJSON_AddItemToArray(acts, a);
			o->n_calls++;
		}
		a = cJSON_GetArrayItem(acts, cJSON_GetArraySize(acts) - 1);
		ch = cJSON_GetObjectItem(a, "changes");
		c = cJSON_CreateObject();
		cJSON_AddStringToObject(c, "op", "~");
		cJSON_AddStringToObject(c, "key", ct->keys[i]);
		cJSON_AddStringToObject(c, "old", "Inactive");
		cJSON_AddStringToObject(c, "new", "Active");
		cJSON_AddItemToArray(ch, c);
		in_call = (in_call + 1) % ACTIVATE_MAX_KEYS;
		if (o->json)
			continue;
		printf("  ~ activate-cost-allocation-tag %s\n      ~ status: \"Inactive\" -> \"Active\"\n",
		       ct->keys[i]);
	}
	for (size_t i = 0; i < ct->n && !o->json; i++)
		if (!strcmp(ct->status[i], "NotSeen"))
			printf("  . %s: not yet seen by Cost Explorer (no spend carried it): it cannot be activated "
			       "yet\n",
			       ct->keys[i]);
	return inactive > 0;
}

void plan_print_finish(struct plan_print *o, size_t n_tenants)
{
	char *text;

	cJSON_AddNumberToObject(o->root, "tenants_with_changes", (double)o->n_pending);
	cJSON_AddNumberToObject(o->root, "aws_calls", (double)o->n_calls);
	cJSON_AddNumberToObject(o->root, "aws_calls_after_timers", (double)o->n_deferred_calls);
	cJSON_AddNumberToObject(o->root, "aws_calls_held", (double)o->n_held_calls);
	cJSON_AddNumberToObject(o->root, "conflicts", (double)o->n_conflicts);
	cJSON_AddNumberToObject(o->root, "errors", (double)o->n_errors);
	if (o->writes_held) {
		char *w = xasprintf("none: %s", o->writes_held);
		cJSON_AddStringToObject(o->root, "writes", w);
		free(w);
	} else {
		cJSON_AddNullToObject(o->root, "writes");
	}
	if (o->json) {
		text = cJSON_Print(o->root);
		printf("%s\n", text);
		free(text);
		return;
	}
	printf("plan: %zu tenant(s), %zu with changes pending, %zu AWS call(s) due now, %zu after timers, ", n_tenants,
	       o->n_pending, o->n_calls, o->n_deferred_calls);
	if (o->n_held_calls)
		printf("%zu held by the prune gate, ", o->n_held_calls);
	printf("%zu conflict(s)%s", o->n_conflicts, o->n_errors ? ", errors above" : "");
	if (o->writes_held)
		printf("; the daemon makes none of them: %s", o->writes_held);
	printf("\n");
}
