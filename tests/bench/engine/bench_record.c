/* bench_record: the heap that N tenants' records take, part by part, as a converged
 * daemon holds them (docs/PERFORMANCE.md, "Memory, step by step"): the struct, the
 * facts (a 64-digit revision reconciled and the place, both interned by the engine
 * already; a budget's alerts digest; a policy digest per role, 1.25 roles a tenant),
 * four resources' applied tag keys, and two create intents (held until the first
 * resync). Strings that other structures hold (tenant ids, revisions, places, ARNs,
 * tag keys) are interned before counting, as the engine and the observed store hold
 * them. Deterministic: malloc's bytes in use (mallinfo2), not a process's RSS.
 *
 *   bench_record [--tenants N]
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intern.h"
#include "record.h"
#include "xalloc.h"

static size_t heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

static const char *const places[] = { "prod-a/us-east-1", "prod-a/us-west-2", "prod-b/eu-west-1", "-/us-east-1" };
static const char *const tag_keys[] = { "CostCenter", "Team", "Tenant" };

/* What the engine and the observed store hold of tenant i before its record does. */
static void hold_shared(size_t i, const char **ret_revision, const char **ret_resources)
{
	char buf[128];

	snprintf(buf, sizeof(buf), "tenant-%06zu", i);
	intern(buf);
	snprintf(buf, sizeof(buf), "%032zx%032zx", i * 2654435761u, i);
	*ret_revision = intern(buf);
	for (size_t k = 0; k < 2; k++) {
		snprintf(buf, sizeof(buf),
			 "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/%012zx", i * 2 + k);
		ret_resources[2 * k] = intern(buf);
		snprintf(buf, sizeof(buf), "/bedrock-tenants/tenant-%06zu/p%zu/profile-arn", i, k);
		ret_resources[2 * k + 1] = intern(buf);
	}
}

static void set_facts(struct tenant_record *r, size_t i, const char *revision)
{
	char key[128], value[128];

	record_set_fact(r, "reconciled-revision", revision); /* the engine's fact of it */
	record_set_fact(r, RECORD_FACT_PLACE, places[i % 4]);
	snprintf(key, sizeof(key), "alerts\ntenant-%06zu-monthly", i);
	snprintf(value, sizeof(value), "%032zx", i * 40503u);
	record_set_fact(r, key, value);
	for (size_t k = 0; k < 1 + (i % 4 == 0); k++) {
		snprintf(key, sizeof(key), "policy\ntenant-%06zu-role-%zu\nbedrock-tenantd-tenant-%06zu", i, k, i);
		snprintf(value, sizeof(value), "%032zx k2:%032zx", i * 7919u, i * 104729u);
		record_set_fact(r, key, value);
	}
}

static void set_intents(struct tenant_record *r, size_t i)
{
	char name[64], token[64];

	for (size_t k = 0; k < 2; k++) {
		snprintf(name, sizeof(name), "tenant-%06zu-p%zu-a1b2c3", i, k);
		snprintf(token, sizeof(token), "%032zx", i * 7919u + k);
		record_set_intent(r, k ? "p1" : "p0", name, token, 1700000000);
	}
}

int main(int argc, char **argv)
{
	size_t n = 20000, h[5];
	struct tenant_record **records;
	const char **revisions, **resources, *keys[3];
	char id[32];

	if (argc == 3 && strcmp(argv[1], "--tenants") == 0)
		n = strtoul(argv[2], NULL, 10);
	else if (argc != 1) {
		fprintf(stderr, "usage: bench_record [--tenants N]\n");
		return 2;
	}
	records = xcalloc(n, sizeof(*records));
	revisions = xcalloc(n, sizeof(*revisions));
	resources = xcalloc(4 * n, sizeof(*resources));
	for (size_t p = 0; p < 4; p++)
		intern(places[p]);
	for (size_t t = 0; t < 3; t++)
		keys[t] = intern(tag_keys[t]);
	intern_list(keys, 3); /* the observed store's listings hold the same list */
	for (size_t i = 0; i < n; i++)
		hold_shared(i, &revisions[i], &resources[4 * i]);
	h[0] = heap_in_use();
	for (size_t i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "tenant-%06zu", i);
		records[i] = tenant_record_new(id);
	}
	h[1] = heap_in_use();
	for (size_t i = 0; i < n; i++)
		set_facts(records[i], i, revisions[i]);
	h[2] = heap_in_use();
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < 4; k++)
			record_set_applied(records[i], resources[4 * i + k], (char *const *)tag_keys, 3);
	h[3] = heap_in_use();
	for (size_t i = 0; i < n; i++)
		set_intents(records[i], i);
	h[4] = heap_in_use();
	printf("tenants: %zu; sizeof(struct tenant_record) %zu\n", n, sizeof(struct tenant_record));
	printf("bytes a tenant: struct %zu, facts %zu, applied tags %zu, intents %zu; in all %zu (%zu without "
	       "the intents)\n",
	       (h[1] - h[0]) / n, (h[2] - h[1]) / n, (h[3] - h[2]) / n, (h[4] - h[3]) / n, (h[4] - h[0]) / n,
	       (h[3] - h[0]) / n);
	for (size_t i = 0; i < n; i++)
		tenant_record_free(records[i]);
	free(records);
	free(revisions);
	free(resources);
	return 0;
}
