/* A histogram with fixed bucket bounds, as Prometheus exposes one: counts per bucket,
 * the sum and the count of every observation. Fixed size (no allocation), so one can
 * live in any struct and be copied as a snapshot. histogram_print writes the text
 * exposition's cumulative _bucket lines, _sum and _count. */
#ifndef BTD_HISTOGRAM_H
#define BTD_HISTOGRAM_H

#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

#define HISTOGRAM_MAX_BOUNDS 16

struct histogram {
	const double *bounds;			   /* ascending upper bounds, borrowed (static tables) */
	size_t n_bounds;			   /* at most HISTOGRAM_MAX_BOUNDS */
	uint64_t counts[HISTOGRAM_MAX_BOUNDS + 1]; /* per bucket, not cumulative; the last is +Inf */
	uint64_t count;
	double sum;
};

/* histogram_init: empty, with bounds (borrowed; n_bounds is cut to the maximum). */
void histogram_init(struct histogram *h, const double *bounds, size_t n_bounds);
/* histogram_observe: one value (a negative one counts as 0). */
void histogram_observe(struct histogram *h, double v);
/* histogram_print: `name_bucket{labels,le="b"} n` for every bound and +Inf, then
 * name_sum and name_count. labels is "" or already formatted label pairs
 * (`service="ssm"`), without braces. */
void histogram_print(const struct histogram *h, const char *name, const char *labels, struct strbuf *out);

#endif
