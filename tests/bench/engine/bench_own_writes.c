/* bench_own_writes: the heap a place's observed store gives to the daemon's own writes
 * of budgets and role policies, and to the roles of a bulk IAM read, at N tenants in
 * the shape of the benchmarks' manifests (tests/bench/common: a budget with one alert,
 * a second one for every third tenant; a role each, a second for every fourth).
 *
 *     bench_own_writes [--tenants N]
 *
 * The store starts as a cold start's listing of an empty account with a bulk IAM read
 * leaves it: the roles (observed_store_put_role, as the listing's build_roles does)
 * and nothing else. Then each tenant's ACT_BUDGET_CREATE and each role's
 * ACT_POLICY_PUT are applied as the engine applies them (observed_apply_action; the
 * document then dropped, observed_store_policy_digest_only). Prints the heap
 * (mallinfo2) each step added, in all and per tenant. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_tenants.h"
#include "intern.h"
#include "observed_apply.h"
#include "xalloc.h"

#define INSTANCE "bedrock-tenantd"

static size_t heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: bench_own_writes [--tenants N]\n");
}

static char *role_of(size_t i, unsigned k)
{
	return k == 0 ? xasprintf("app-role-%zu", i) : xasprintf("batch-role-%zu", i);
}

static unsigned roles_of(size_t i)
{
	return i % 4 ? 1 : 2;
}

/* The alerts of tenant i's manifest, as the diff's create carries them. */
static void alerts_of(size_t i, struct observed_alert *v, size_t *ret_n)
{
	memset(v, 0, 2 * sizeof(*v));
	v[0].type = xstrdup("ACTUAL");
	v[0].comparison = xstrdup("GREATER_THAN");
	v[0].threshold = 80;
	v[0].threshold_type = xstrdup("PERCENTAGE");
	v[0].subscribers = xcalloc(1, sizeof(char *));
	v[0].subscribers[0] = xasprintf("EMAIL:owner-%zu@example.com", i % 1000);
	v[0].n_subscribers = 1;
	*ret_n = 1;
	if (i % 3)
		return;
	v[1].type = xstrdup("FORECASTED");
	v[1].comparison = xstrdup("GREATER_THAN");
	v[1].threshold = 100;
	v[1].threshold_type = xstrdup("PERCENTAGE");
	v[1].subscribers = xcalloc(1, sizeof(char *));
	v[1].subscribers[0] = xstrdup("SNS:arn:aws:sns:us-east-1:111122223333:budget-alerts");
	v[1].n_subscribers = 1;
	*ret_n = 2;
}

static void create_budget(struct observed_store *s, size_t i)
{
	struct observed_alert alerts[2];
	struct action a;
	char *id = xasprintf("tenant-%06zu", i), *limit = xasprintf("%zu", 100 + i % 4900);
	char *name = xasprintf("bedrock-tenant-%s", id);
	char *arn = xasprintf("arn:aws:budgets::111122223333:budget/%s", name);

	memset(&a, 0, sizeof(a));
	a.kind = ACT_BUDGET_CREATE;
	a.budget = name;
	a.limit = limit;
	a.time_unit = "MONTHLY";
	a.filter = "{\"Tags\":{\"Key\":\"user:bedrock-tenant\",\"Values\":[\"x\"]}}";
	alerts_of(i, alerts, &a.n_alerts);
	a.alerts = alerts;
	tag_set_init(&a.tags);
	tag_set_put(&a.tags, TAG_MANAGED_BY, INSTANCE);
	tag_set_put(&a.tags, TAG_TENANT, id);
	if (observed_apply_action(s, NULL, &a, NULL, arn) != 0)
		abort();
	tag_set_release(&a.tags);
	for (size_t k = 0; k < a.n_alerts; k++)
		observed_alert_release(&alerts[k]);
	free(arn);
	free(name);
	free(limit);
	free(id);
}

static void put_policy(struct observed_store *s, size_t i, unsigned k, const char *doc)
{
	struct action a;
	char *role = role_of(i, k), *name = xasprintf("bedrock-tenantd-tenant-%06zu", i);

	memset(&a, 0, sizeof(a));
	a.kind = ACT_POLICY_PUT;
	a.role = role;
	a.name = name;
	a.value = (char *)doc;
	if (observed_apply_action(s, NULL, &a, NULL, NULL) != 0)
		abort();
	observed_store_policy_digest_only(s, role, name);
	free(role);
	free(name);
}

static void report(const char *what, size_t bytes, size_t n)
{
	printf("%-34s %8.2f MB  %6.1f bytes a tenant\n", what, (double)bytes / 1e6, (double)bytes / (double)n);
}

int main(int argc, char **argv)
{
	struct observed_store s;
	size_t n = 20000, start, roles, budgets, policies;
	char *doc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--tenants") == 0 && i + 1 < argc) {
			if (bench_parse_size("bench_own_writes", argv[++i], "--tenants", 1, 20000, &n) < 0)
				return 2;
		} else {
			usage(strcmp(argv[i], "--help") == 0 ? stdout : stderr);
			return strcmp(argv[i], "--help") == 0 ? 0 : 2;
		}
	}
	/* a document of the usual size (about 1.2 KB), dropped after each write */
	doc = xmalloc(1201);
	memset(doc, ' ', 1200);
	doc[1200] = '\0';
	memcpy(doc, "{\"Version\":\"2012-10-17\",\"Statement\":[]}", 39);

	observed_store_init(&s);
	start = heap_in_use();
	for (size_t i = 0; i < n; i++)
		for (unsigned k = 0; k < roles_of(i); k++) {
			char *role = role_of(i, k);
			observed_store_put_role(&s, role);
			free(role);
		}
	s.policies_listed = true;
	s.budgets_listed = true;
	roles = heap_in_use();
	for (size_t i = 0; i < n; i++)
		create_budget(&s, i);
	budgets = heap_in_use();
	for (size_t i = 0; i < n; i++)
		for (unsigned k = 0; k < roles_of(i); k++)
			put_policy(&s, i, k, doc);
	policies = heap_in_use();

	printf("tenants: %zu, roles and policies: %zu, budgets: %zu\n", n, s.roles.n, s.budgets.n);
	report("roles (the bulk read)", roles - start, n);
	report("budgets created (alerts, groups)", budgets - roles, n);
	report("policies written", policies - budgets, n);
	report("in all", policies - start, n);
	observed_store_release(&s);
	free(doc);
	return 0;
}
