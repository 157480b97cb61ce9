/* Call counters per operation ("service:Operation"): answered successfully,
 * throttled (a throttling error, injected or not), failed (any other error), and
 * dropped (the connection was reset or the answer lost); plus whether the
 * operation changes state, so tests can count mutating calls. */
#include "awsim.h"

#include <stdio.h>
#include <stdlib.h>

#include "xalloc.h"

struct op_stats {
	uint64_t n[4];
	bool mutating;
};

void stats_count(struct awsim *sim, const char *service, const char *op, bool mutating, enum stat_kind kind)
{
	char key[128];
	struct op_stats *s;

	snprintf(key, sizeof(key), "%s:%s", service, op);
	s = omap_get(&sim->stats, key);
	if (!s) {
		s = xcalloc(1, sizeof(*s));
		omap_put(&sim->stats, key, s);
	}
	s->mutating = mutating;
	s->n[kind]++;
}

static int add_one(const char *key, void *value, void *ctx)
{
	const struct op_stats *s = value;
	cJSON *o = cJSON_AddObjectToObject(ctx, key);

	cJSON_AddNumberToObject(o, "ok", (double)s->n[STAT_OK]);
	cJSON_AddNumberToObject(o, "throttled", (double)s->n[STAT_THROTTLED]);
	cJSON_AddNumberToObject(o, "failed", (double)s->n[STAT_FAILED]);
	cJSON_AddNumberToObject(o, "dropped", (double)s->n[STAT_DROPPED]);
	cJSON_AddBoolToObject(o, "mutating", s->mutating);
	return 0;
}

cJSON *stats_to_json(const struct awsim *sim)
{
	cJSON *doc = cJSON_CreateObject();

	omap_walk(&sim->stats, add_one, doc);
	return doc;
}

void stats_reset(struct awsim *sim)
{
	omap_clear(&sim->stats, free);
}
