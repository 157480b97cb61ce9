#include "histogram.h"

#include <string.h>

void histogram_init(struct histogram *h, const double *bounds, size_t n_bounds)
{
	memset(h, 0, sizeof(*h));
	h->bounds = bounds;
	h->n_bounds = n_bounds < HISTOGRAM_MAX_BOUNDS ? n_bounds : HISTOGRAM_MAX_BOUNDS;
}

void histogram_observe(struct histogram *h, double v)
{
	size_t i = 0;

	if (!(v > 0)) /* negative, zero or NaN */
		v = 0;
	while (i < h->n_bounds && v > h->bounds[i])
		i++;
	h->counts[i]++;
	h->count++;
	h->sum += v;
}

void histogram_print(const struct histogram *h, const char *name, const char *labels, struct strbuf *out)
{
	const char *sep = labels[0] ? "," : "";
	uint64_t cum = 0;

	for (size_t i = 0; i < h->n_bounds; i++) {
		cum += h->counts[i];
		strbuf_addf(out, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, labels, sep, h->bounds[i],
			    (unsigned long long)cum);
	}
	strbuf_addf(out, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels, sep, (unsigned long long)h->count);
	if (labels[0]) {
		strbuf_addf(out, "%s_sum{%s} %.6f\n", name, labels, h->sum);
		strbuf_addf(out, "%s_count{%s} %llu\n", name, labels, (unsigned long long)h->count);
	} else {
		strbuf_addf(out, "%s_sum %.6f\n%s_count %llu\n", name, h->sum, name, (unsigned long long)h->count);
	}
}
