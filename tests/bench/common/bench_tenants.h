/* What the benchmarks share: one realistic tenant shape (the manifests every
 * benchmark generates, docs/PERFORMANCE.md), a strict number parser for their
 * arguments and a clock. */
#ifndef BTD_BENCH_TENANTS_H
#define BTD_BENCH_TENANTS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "strbuf.h"

#define BENCH_DEPARTMENTS 4
#define BENCH_MODELS	  5

extern const char *const bench_departments[BENCH_DEPARTMENTS];
/* Model ids every benchmark configuration allows: foundation models and one
 * cross-Region system profile. */
extern const char *const bench_models[BENCH_MODELS];

/* bench_tenant_manifest: appends tenant i's manifest (tenant-%06zu): 1 + i % 3 profiles
 * with descriptions and a tag each, 2-3 tenant tags, a budget with 1-2 alerts, and 1-2
 * roles. `account` names its account. own_batch_role: its second role is
 * batch-role-i, not one batch-role shared by every fourth tenant (IAM caps a role's
 * inline policies at 10,240 characters in all, so a role shared by many tenants
 * cannot hold a policy for each of them against a faithful emulator). */
void bench_tenant_manifest(struct strbuf *sb, size_t i, const char *account, bool own_batch_role);
/* bench_tenant_manifest_at: the same with `spec.region: region` (none when NULL). */
void bench_tenant_manifest_at(struct strbuf *sb, size_t i, const char *account, const char *region,
			      bool own_batch_role);

/* bench_parse_size: arg as a number in [min, max] into *ret; else a message naming
 * prog and what, and -1. */
int bench_parse_size(const char *prog, const char *arg, const char *what, size_t min, size_t max, size_t *ret);

/* bench_clock: seconds on clock id (CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID). */
double bench_clock(clockid_t id);

#endif
