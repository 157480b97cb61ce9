/* The instance's claim: which daemon acts for the instance.
 *
 * Two daemons with the same `instance` (two hosts, two state directories) take the
 * same resources for their own, and the one whose manifests lag behind undoes the
 * other's work and prunes the tenants it lacks. So one SSM String parameter
 * (engine_settings.claim_parameter, in the daemon's own account and default Region)
 * names the daemon that acts: each run writes its own text there (host, pid, a random
 * id: claim_value) before its first mutating call, and reads it back before mutating
 * whenever it last did so more than claim_fresh_ms (10 s) ago, and at half that while
 * calls go on. Text that is not its own means another daemon started since: this one
 * stands by (engine__standby), sending no mutating call, as when paused, until
 * `resume` claims again or it restarts. The last started wins; the other one notices
 * at its next call, within claim_fresh_ms of work, or at rest: a daemon that holds
 * the claim reads it every claim_rest_ms (a minute) and at each resync when its last
 * reading is older than claim_fresh_ms (engine__claim_check), and writes nothing.
 *
 * While the parameter cannot be read or written (no permission, SSM failing), the
 * daemon goes on as if it held the claim, says why in its status and log, and tries
 * again claim_fresh_ms later: the claim guards against a second daemon, and an SSM
 * failure in one account is no reason to stop writing in every other.
 *
 * Rounds that must wait for an answer are given back to the engine's queue once it
 * comes (engine__claim_report_fn), or after CLAIM_WAIT_MS without one: a slow SSM
 * is a failing one.
 *
 * A daemon that stops while it holds the claim marks it released: its own text with
 * "released": true first (CLAIM_RELEASED). A daemon standing by reads the claim every
 * claim_fresh_ms, and takes a released one over (writes its own and acts), as after
 * `resume`. A claim deleted by hand is not a release: the one standing by cannot tell
 * it from the holder's next write, and waits. */
#include <stdlib.h>
#include <string.h>

#include "engine_impl.h"
#include "log.h"
#include "xalloc.h"

static void ask(struct engine *e, const char *value);

/* How every daemon's released text begins (released_text). */
#define CLAIM_RELEASED "{\"released\":true"

static bool is_released(const char *value)
{
	return value && !strncmp(value, CLAIM_RELEASED, strlen(CLAIM_RELEASED));
}

/* The run's text marked released: {"released":true,"host":...} of {"host":...}. */
static char *released_text(const char *value)
{
	const char *rest = value[0] == '{' ? value + 1 : "}";

	while (*rest == ' ')
		rest++;
	return xasprintf("%s%s%s", CLAIM_RELEASED, *rest == '}' ? "" : ",", rest);
}

static void on_watch(uv_timer_t *timer)
{
	struct engine *e = timer->data;

	if (e->claim.state == CLAIM_LOST && !e->claim.in_flight && !e->closing)
		ask(e, NULL);
}

static void on_rest(uv_timer_t *timer)
{
	engine__claim_check(timer->data);
}

/* The daemon that held the claim stopped: this one, standing by, acts now. */
static void take_over(struct engine *e, const char *value)
{
	struct engine__claim *c = &e->claim;

	log_notice("claim %s released by the daemon that held it (%.400s): this daemon acts for instance %s",
		   e->set.claim_parameter, value, e->set.instance);
	uv_timer_stop(&c->watch);
	free(c->other);
	c->other = NULL;
	c->state = CLAIM_UNWRITTEN;
	c->open_until_ms = 0;
	if (!e->paused) /* paused: written at its first mutating call, as at a start */
		ask(e, e->set.claim_value);
	engine__calls_released(e);
}

static void on_claim(int status, const struct cloud_error *err, const char *value, void *data)
{
	struct engine *e = data;
	struct engine__claim *c = &e->claim;
	uint64_t now = uv_now(e->loop);
	bool wrote = c->writing;

	c->in_flight = false;
	c->writing = false;
	uv_timer_stop(&c->slow);
	if (c->release_owed) { /* stopping: what this call found is old */
		c->release_owed = false;
		ask(e, c->released_value);
		return;
	}
	if (c->renew_owed && !e->closing) { /* resumed meanwhile: what this call found is old */
		c->renew_owed = false;
		ask(e, e->set.claim_value);
		return;
	}
	if (status < 0) {
		char *why = xasprintf("%s%s%s", err && err->code[0] ? err->code : "error",
				      err && err->message[0] ? ": " : "", err ? err->message : "");
		if ((!c->error || strcmp(c->error, why)) && !e->closing) /* not a call cancelled at shutdown */
			log_warning("claim %s cannot be %s (%s): %s", e->set.claim_parameter,
				    wrote ? "written" : "read", why,
				    c->state == CLAIM_LOST ? "still standing by" : "acting without it");
		free(c->error);
		c->error = why;
		c->open_until_ms = now + c->fresh_ms;
		e->claim_report(e, false);
		return;
	}
	if (c->error)
		log_notice("claim %s answered again", e->set.claim_parameter);
	free(c->error);
	c->error = NULL;
	if (e->closing) {
		if (wrote && is_released(value))
			log_info("claim %s released", e->set.claim_parameter);
		e->claim_report(e, false);
		return;
	}
	if (is_released(value) && c->state == CLAIM_LOST) {
		take_over(e, value);
		return;
	}
	/* deleted by hand, or released by another daemon (one that stood by until it
	 * stopped, or an old run): this daemon is still the one acting, and writes its
	 * own again, unless its writes are held (a resync's reading while paused): it
	 * then holds no claim, and writes one at its first call */
	if ((!value || is_released(value)) && c->state != CLAIM_LOST) {
		if (!engine__holds_calls(e)) {
			ask(e, e->set.claim_value);
			return;
		}
		if (c->state == CLAIM_HELD)
			log_notice("claim %s %s: written again at this daemon's next call", e->set.claim_parameter,
				   value ? "released by another daemon" : "is gone");
		c->state = CLAIM_UNWRITTEN;
		c->open_until_ms = 0;
		e->claim_report(e, false);
		return;
	}
	if (!value) { /* standing by: not a release, the holder writes it again */
		e->claim_report(e, false);
		return;
	}
	if (strcmp(value, e->set.claim_value)) {
		bool was_lost = c->state == CLAIM_LOST;

		if (!was_lost)
			log_error(
				"claim %s names another daemon of instance %s: %.400s; standing by (no mutating call) "
				"until `bedrock-tenantctl resume`, a restart, or that daemon stops",
				e->set.claim_parameter, e->set.instance, value);
		free(c->other);
		c->other = xstrdup(value);
		c->state = CLAIM_LOST;
		if (!was_lost)
			uv_timer_start(&c->watch, on_watch, c->fresh_ms, c->fresh_ms);
		/* newly lost: the rounds that waited now hold back, as paused ones */
		e->claim_report(e, !was_lost);
		return;
	}
	if (c->state != CLAIM_HELD)
		log_info("claim %s holds this daemon", e->set.claim_parameter);
	c->state = CLAIM_HELD;
	c->confirmed_at = engine__wall(e);
	c->open_until_ms = now + c->fresh_ms;
	e->claim_report(e, false);
}

/* No answer within CLAIM_WAIT_MS: the waiting rounds go, as after a failure; the
 * answer, when it comes, counts as ever. */
static void on_slow(uv_timer_t *timer)
{
	struct engine *e = timer->data;
	struct engine__claim *c = &e->claim;
	char *why = xasprintf("not answered within %d ms", CLAIM_WAIT_MS);

	if (!c->error || strcmp(c->error, why))
		log_warning("claim %s %s: acting without it", e->set.claim_parameter, why);
	free(c->error);
	c->error = why;
	c->open_until_ms = uv_now(e->loop) + c->fresh_ms;
	e->claim_report(e, false);
}

static void ask(struct engine *e, const char *value)
{
	struct engine__claim *c = &e->claim;
	int r;

	c->in_flight = true;
	c->writing = value != NULL;
	if (value)
		c->writes++;
	else
		c->reads++;
	r = e->cloud->claim(e->cloud_ctx, &c->place, e->set.claim_parameter, value, on_claim, e);
	if (r == 0 && c->n_waiting && !uv_is_active((uv_handle_t *)&c->slow))
		uv_timer_start(&c->slow, on_slow, CLAIM_WAIT_MS, 0);
	if (r < 0) {
		struct cloud_error err = { .cls = ERROR_RETRYABLE };
		snprintf(err.message, sizeof(err.message), "%s", strerror(-r));
		on_claim(r, &err, NULL, e);
	}
}

void engine__claim_init(struct engine *e)
{
	struct engine__claim *c = &e->claim;
	uint64_t rest_ms;

	memset(c, 0, sizeof(*c));
	uv_timer_init(e->loop, &c->slow);
	c->slow.data = e;
	uv_timer_init(e->loop, &c->watch);
	c->watch.data = e;
	uv_timer_init(e->loop, &c->rest);
	c->rest.data = e;
	if (!e->cloud->claim || !e->set.claim_parameter || !e->set.claim_value) {
		c->state = CLAIM_OFF;
		return;
	}
	c->state = CLAIM_UNWRITTEN;
	c->fresh_ms = e->set.claim_fresh_ms ? e->set.claim_fresh_ms : CLAIM_FRESH_MS;
	rest_ms = e->set.claim_rest_ms ? e->set.claim_rest_ms : CLAIM_REST_FRESH * c->fresh_ms;
	/* it keeps nothing alive: a loop with nothing else to do may end */
	uv_timer_start(&c->rest, on_rest, rest_ms, rest_ms);
	uv_unref((uv_handle_t *)&c->rest);
	c->place.key = xasprintf("-/%s", e->set.default_region ? e->set.default_region : "");
	c->place.region = xstrdup(e->set.default_region ? e->set.default_region : "");
	c->released_value = released_text(e->set.claim_value);
}

void engine__claim_release(struct engine *e)
{
	struct engine__claim *c = &e->claim;

	free(c->place.key);
	free(c->place.region);
	free(c->other);
	free(c->error);
	free(c->released_value);
	for (size_t i = 0; i < c->n_waiting; i++)
		free(c->waiting[i]);
	free(c->waiting);
}

bool engine__standby(const struct engine *e)
{
	return e->claim.state == CLAIM_LOST;
}

bool engine__claim_wait(struct engine *e, const char *tenant)
{
	struct engine__claim *c = &e->claim;
	uint64_t now = uv_now(e->loop);

	if (c->state == CLAIM_OFF)
		return false;
	if (c->state == CLAIM_LOST)
		return true;
	if (now < c->open_until_ms) {
		/* busy: confirm it again before it goes stale, without holding anyone */
		if (!c->in_flight && !e->closing && now + c->fresh_ms / 2 >= c->open_until_ms)
			ask(e, c->state == CLAIM_UNWRITTEN ? e->set.claim_value : NULL);
		return false;
	}
	if (engine__claim_waiting(e, tenant))
		goto asked;
	if (c->n_waiting == c->alloc_waiting) {
		c->alloc_waiting = c->alloc_waiting ? 2 * c->alloc_waiting : 8;
		c->waiting = xreallocarray(c->waiting, c->alloc_waiting, sizeof(*c->waiting));
	}
	c->waiting[c->n_waiting++] = xstrdup(tenant);
asked:
	if (!c->in_flight && !e->closing)
		ask(e, c->state == CLAIM_UNWRITTEN ? e->set.claim_value : NULL);
	if (c->in_flight && !uv_is_active((uv_handle_t *)&c->slow))
		uv_timer_start(&c->slow, on_slow, CLAIM_WAIT_MS, 0);
	return true;
}

bool engine__claim_waiting(const struct engine *e, const char *tenant)
{
	const struct engine__claim *c = &e->claim;

	for (size_t i = 0; i < c->n_waiting; i++)
		if (!strcmp(c->waiting[i], tenant))
			return true;
	return false;
}

char **engine__claim_take_waiting(struct engine *e, size_t *ret_n)
{
	struct engine__claim *c = &e->claim;
	char **v = c->waiting;

	*ret_n = c->n_waiting;
	c->waiting = NULL;
	c->n_waiting = c->alloc_waiting = 0;
	return v;
}

bool engine__claim_renew(struct engine *e)
{
	struct engine__claim *c = &e->claim;
	bool lost = c->state == CLAIM_LOST;

	if (c->state == CLAIM_OFF || e->set.report_only)
		return false;
	log_notice("claim %s: claiming it for this daemon", e->set.claim_parameter);
	uv_timer_stop(&c->watch);
	c->state = CLAIM_UNWRITTEN;
	c->open_until_ms = 0;
	free(c->other);
	c->other = NULL;
	if (c->in_flight)
		c->renew_owed = true;
	else if (!e->closing)
		ask(e, e->set.claim_value);
	return lost;
}

void engine__claim_check(struct engine *e)
{
	struct engine__claim *c = &e->claim;

	if (c->state == CLAIM_HELD && !c->in_flight && !e->closing && uv_now(e->loop) >= c->open_until_ms)
		ask(e, NULL);
}

void engine__claim_stop(struct engine *e)
{
	struct engine__claim *c = &e->claim;

	uv_timer_stop(&c->watch);
	if (c->state != CLAIM_HELD)
		return; /* not this daemon's (or never written): nothing to give back */
	if (c->in_flight)
		c->release_owed = true;
	else
		ask(e, c->released_value);
}

const char *engine_claim_state(const struct engine *e)
{
	switch (e->claim.state) {
	case CLAIM_OFF:
		return "off";
	case CLAIM_UNWRITTEN:
		return "unclaimed";
	case CLAIM_HELD:
		return "held";
	case CLAIM_LOST:
		return "standby";
	}
	return "?";
}

const char *engine_claim_parameter(const struct engine *e)
{
	return e->claim.state == CLAIM_OFF ? NULL : e->set.claim_parameter;
}

const char *engine_claim_other(const struct engine *e)
{
	return e->claim.other;
}

int64_t engine_claim_confirmed_at(const struct engine *e)
{
	return e->claim.confirmed_at;
}

const char *engine_claim_error(const struct engine *e)
{
	return e->claim.error;
}
