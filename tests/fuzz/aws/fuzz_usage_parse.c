/* An invocation-log object (gzip'd or plain JSON lines) through the usage parser
 * (state/usage.c, state/usage_scan.c), then attributed. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "usage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool profile(void *ctx, const char *arn, const char **t, const char **p, const char **m)
{
	(void)ctx;
	*t = "acme";
	*p = "p1";
	*m = arn;
	return strlen(arn) % 2 == 0;
}

static bool known(void *ctx, const char *id)
{
	(void)ctx;
	return id[0] == 'a';
}

static const struct usage_price price = { 1, 2, 3, 4 };

static const struct usage_price *price_of(void *ctx, const char *model)
{
	(void)ctx;
	return model[0] == 'a' ? &price : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct usage_resolver r = { profile, known, price_of, NULL };
	struct usage_batch b;
	struct usage_agg a;

	usage_batch_init(&b);
	usage_parse_object(data, size, "tenantId", &b);
	usage_agg_init(&a);
	usage_attribute(&b, &r, &a);
	usage_agg_release(&a);
	usage_batch_release(&b);
	return 0;
}
