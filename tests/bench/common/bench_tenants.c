#include "bench_tenants.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

const char *const bench_departments[BENCH_DEPARTMENTS] = { "claims", "engineering", "marketing", "research" };
const char *const bench_models[BENCH_MODELS] = {
	"anthropic.claude-3-5-haiku-20241022-v1:0",
	"us.anthropic.claude-3-5-haiku-20241022-v1:0",
	"amazon.nova-lite-v1:0",
	"amazon.nova-micro-v1:0",
	"meta.llama3-1-8b-instruct-v1:0",
};

void bench_tenant_manifest(struct strbuf *sb, size_t i, const char *account, bool own_batch_role)
{
	bench_tenant_manifest_at(sb, i, account, NULL, own_batch_role);
}

void bench_tenant_manifest_at(struct strbuf *sb, size_t i, const char *account, const char *region, bool own_batch_role)
{
	const char *dept = bench_departments[i % BENCH_DEPARTMENTS];
	size_t profiles = 1 + i % 3;

	strbuf_addf(sb,
		    "apiVersion: bedrock-tenantd/v1\nkind: Tenant\nmetadata:\n  name: tenant-%06zu\nspec:\n"
		    "  department: %s\n  project: project_%zu\n  account: %s\n  tags:\n    CostCenter: %s\n"
		    "    Project: project_%zu\n",
		    i, dept, i % 500, account, dept, i % 500);
	if (i % 2)
		strbuf_addf(sb, "    Owner: team-%zu@example.com\n", i % 97);
	if (region)
		strbuf_addf(sb, "  region: %s\n", region);
	strbuf_adds(sb, "  profiles:\n");
	for (size_t p = 0; p < profiles; p++)
		strbuf_addf(sb,
			    "    - name: p%zu\n      model: %s\n      description: Workload %zu of tenant %zu\n"
			    "      tags: {app: app-%zu}\n",
			    p, bench_models[(i + p) % BENCH_MODELS], p, i, p);
	strbuf_addf(sb,
		    "  budget:\n    limit_usd: %zu\n    period: monthly\n    alerts:\n"
		    "      - threshold_percent: 80\n        emails: [owner-%zu@example.com]\n",
		    100 + i % 4900, i % 1000);
	if (i % 3 == 0)
		strbuf_adds(sb, "      - threshold_percent: 100\n        type: forecasted\n"
				"        sns_topic: arn:aws:sns:us-east-1:111122223333:budget-alerts\n");
	if (i % 4)
		strbuf_addf(sb, "  access:\n    roles: [app-role-%zu]\n", i);
	else if (own_batch_role)
		strbuf_addf(sb, "  access:\n    roles: [app-role-%zu, batch-role-%zu]\n", i, i);
	else
		strbuf_addf(sb, "  access:\n    roles: [app-role-%zu, batch-role]\n", i);
}

int bench_parse_size(const char *prog, const char *arg, const char *what, size_t min, size_t max, size_t *ret)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno || end == arg || *end || v < min || v > max) {
		fprintf(stderr, "%s: %s must be a number from %zu to %zu\n", prog, what, min, max);
		return -1;
	}
	*ret = (size_t)v;
	return 0;
}

double bench_clock(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
