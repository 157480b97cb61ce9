/* The instance's claim (engine/claim.c): one SSM String parameter in the daemon's own
 * account, read (GetParameter) or written over (PutParameter with Overwrite). */
#include <stdlib.h>
#include <string.h>

#include "cloud_aws_impl.h"
#include "ssm.h"
#include "xalloc.h"

struct claiming {
	cloud_claim_cb cb;
	void *data;
	char *region, *account, *value;
};

static void claiming_free(struct claiming *k)
{
	free(k->region);
	free(k->account);
	free(k->value);
	free(k);
}

static void answer(struct claiming *k, int status, const struct aws_error *err, const char *value)
{
	struct cloud_error ce;

	if (status < 0)
		cloud_error_from_aws(&ce, status, err);
	k->cb(status, status < 0 ? &ce : NULL, status < 0 ? NULL : value, k->data);
	claiming_free(k);
}

static void on_read(void *arg, int status, const struct aws_error *err, const struct ssm_parameter *p)
{
	if (status < 0 && cloud_aws__code_is(err, "ParameterNotFound"))
		answer(arg, 0, NULL, NULL);
	else
		answer(arg, status, err, status < 0 ? NULL : p->value);
}

static void on_written(void *arg, int status, const struct aws_error *err, const struct ssm_put_result *res)
{
	struct claiming *k = arg;

	(void)res;
	answer(k, status, err, k->value);
}

int cloud_aws__claim(void *ctx, const struct place *p, const char *name, const char *value, cloud_claim_cb cb,
		     void *data)
{
	struct cloud_aws *c = ctx;
	struct claiming *k = xcalloc(1, sizeof(*k));
	struct aws_target t;
	int r;

	k->cb = cb;
	k->data = data;
	k->region = xstrdup(p->region);
	k->account = cloud_aws__target_account(c, p->account);
	k->value = xstrdup_or_null(value);
	t = (struct aws_target){ .account = k->account, .region = k->region };
	if (value) {
		/* no tier: a new parameter is Standard, and one made Advanced by hand stays so */
		struct ssm_put_input in = { .name = name, .value = value, .overwrite = true };
		r = ssm_put_parameter(c->client, &t, &in, on_written, k);
	} else {
		r = ssm_get_parameter(c->client, &t, name, on_read, k);
	}
	if (r < 0)
		claiming_free(k);
	return r;
}
