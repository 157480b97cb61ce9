/* Content digests of observed entries (state/observed_digest.h): every field the
 * carry's equality reads changes an entry's digest, copies digest alike, and the
 * sums a store keeps follow its entries whatever their order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "intern.h"
#include "observed.h"
#include "observed_digest.h"
#include "policy_doc.h"
#include "xalloc.h"

#define ARN "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/abc"

static struct observed_profile *base_profile(void)
{
	struct observed_profile *p = xcalloc(1, sizeof(*p));

	p->arn = xstrdup(ARN);
	p->name = xstrdup("acme-chat");
	p->model_arns = xcalloc(2, sizeof(char *));
	p->model_arns[0] = intern("arn:model/a");
	p->model_arns[1] = intern("arn:model/b");
	p->n_model_arns = 2;
	tag_set_put(&p->tags, TAG_TENANT, "acme");
	tag_set_put(&p->tags, "team", "ml");
	p->tags_known = true;
	p->listed = true;
	p->created_at = 1700000000;
	return p;
}

static void set_str(char **field, const char *v)
{
	free(*field);
	*field = v ? xstrdup(v) : NULL;
}

/* Each changes one field of a copy of the base profile. */
static void pf_arn(struct observed_profile *p)
{
	set_str(&p->arn, ARN "x");
}
static void pf_id(struct observed_profile *p) /* the ARN's tail */
{
	set_str(&p->arn, "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/abd");
}
static void pf_name(struct observed_profile *p)
{
	set_str(&p->name, "acme-chat2");
}
static void pf_model(struct observed_profile *p)
{
	intern_unref(p->model_arns[1]);
	p->model_arns[1] = intern("arn:model/c");
}
static void pf_models_order(struct observed_profile *p)
{
	const char *m = p->model_arns[0];
	p->model_arns[0] = p->model_arns[1];
	p->model_arns[1] = m;
}
static void pf_models_fewer(struct observed_profile *p)
{
	intern_unref(p->model_arns[1]);
	p->n_model_arns = 1;
}
static void pf_tag_value(struct observed_profile *p)
{
	tag_set_put(&p->tags, "team", "ops");
}
static void pf_tag_more(struct observed_profile *p)
{
	tag_set_put(&p->tags, "cost", "1");
}
static void pf_tag_gone(struct observed_profile *p)
{
	tag_set_remove(&p->tags, "team");
}
static void pf_tags_known(struct observed_profile *p)
{
	p->tags_known = false;
}
static void pf_listed(struct observed_profile *p)
{
	p->listed = false;
}
static void pf_models_unknown(struct observed_profile *p)
{
	p->models_unknown = true;
}
static void pf_created_at(struct observed_profile *p)
{
	p->created_at++;
}

static void test_profile_fields(void **state)
{
	static void (*const change[])(struct observed_profile *) = {
		pf_arn,	     pf_id,	  pf_name,	 pf_model,  pf_models_order,   pf_models_fewer, pf_tag_value,
		pf_tag_more, pf_tag_gone, pf_tags_known, pf_listed, pf_models_unknown, pf_created_at,
	};
	struct observed_profile *base = base_profile(), *copy = observed_profile_dup(base);
	struct content_digest d = observed_profile_digest(base);

	(void)state;
	assert_true(content_digest_equal(d, observed_profile_digest(copy)));
	observed_profile_free(copy);
	for (size_t i = 0; i < sizeof(change) / sizeof(change[0]); i++) {
		struct observed_profile *c = observed_profile_dup(base);
		change[i](c);
		if (content_digest_equal(d, observed_profile_digest(c)))
			fail_msg("change %zu of a profile keeps its digest", i);
		observed_profile_free(c);
	}
	observed_profile_free(base);
}

static struct observed_parameter *base_parameter(void)
{
	struct observed_parameter *p = xcalloc(1, sizeof(*p));

	p->name = xstrdup("/acme/chat/arn");
	p->value = xstrdup(ARN);
	p->version = 3;
	p->modified_ms = 1700000000000;
	tag_set_put(&p->tags, TAG_TENANT, "acme");
	p->tags_known = true;
	return p;
}

static void qf_name(struct observed_parameter *p)
{
	set_str(&p->name, "/acme/chat/arm");
}
static void qf_value(struct observed_parameter *p)
{
	set_str(&p->value, ARN "x");
}
static void qf_value_null(struct observed_parameter *p)
{
	set_str(&p->value, NULL);
}
static void qf_version(struct observed_parameter *p)
{
	p->version++;
}
static void qf_modified(struct observed_parameter *p)
{
	p->modified_ms = 0;
}
static void qf_tag(struct observed_parameter *p)
{
	tag_set_put(&p->tags, TAG_TENANT, "globex");
}
static void qf_tags_known(struct observed_parameter *p)
{
	p->tags_known = false;
}
/* a field's end moves into the next, across what would separate them without the
 * lengths: the name and value would read alike */
static void qf_boundary(struct observed_parameter *p)
{
	set_str(&p->name, "/acme/chat/arn"
			  "s"
			  "arn:aw");
	set_str(&p->value, &ARN[strlen("arn:aws")]);
}

static void test_parameter_fields(void **state)
{
	static void (*const change[])(struct observed_parameter *) = {
		qf_name, qf_value, qf_value_null, qf_version, qf_modified, qf_tag, qf_tags_known, qf_boundary,
	};
	struct observed_parameter *base = base_parameter(), *copy = observed_parameter_dup(base);
	struct content_digest d = observed_parameter_digest(base);

	(void)state;
	assert_true(content_digest_equal(d, observed_parameter_digest(copy)));
	observed_parameter_free(copy);
	for (size_t i = 0; i < sizeof(change) / sizeof(change[0]); i++) {
		struct observed_parameter *c = observed_parameter_dup(base);
		change[i](c);
		if (content_digest_equal(d, observed_parameter_digest(c)))
			fail_msg("change %zu of a parameter keeps its digest", i);
		observed_parameter_free(c);
	}
	observed_parameter_free(base);
}

#define DOC "{\"Version\":\"2012-10-17\",\"Statement\":[]}"

/* p's others malloc'd: freed by the caller */
static void base_policy(struct observed_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->role = "role-acme";
	p->name = "bedrock";
	p->document = DOC;
	p->has_hash = true;
	p->hash.text = "h1";
	p->chars = 40;
	p->others_known = true;
	observed_policy_add_other(p, 10);
	observed_policy_add_other(p, 20);
	observed_policy_set_others_read_at(p, 17);
}

/* A role as the store holds one: its name within. */
static struct observed_role *role_of(const char *name, uint32_t policy_chars)
{
	struct observed_role *r = xcalloc(1, sizeof(*r) + strlen(name) + 1);

	strcpy(r->name, name);
	r->policy_chars = policy_chars;
	return r;
}

static void test_policy_and_role_fields(void **state)
{
	struct observed_policy p, c;
	struct observed_role *r = role_of("role-acme", 40), *r2 = role_of("role-acme", 40);
	struct content_digest d;

	(void)state;
	base_policy(&p);
	d = observed_policy_digest(&p);
	for (int i = 0; i < 12; i++) {
		base_policy(&c);
		switch (i) {
		case 0:
			c.role = "role-acmf";
			break;
		case 1:
			c.name = "bedrocl";
			break;
		case 2:
			c.role_missing = true;
			break;
		case 3:
			c.others_known = false;
			break;
		case 4:
			c.others->read_at++;
			break;
		case 5:
			c.others->sizes[1]++;
			break;
		case 6:
			c.others->n = 1;
			break;
		case 7:
			c.chars++;
			break;
		case 8:
			c.hash.text = "h2";
			break;
		case 9:
			c.document = NULL;
			break; /* kept or not */
		case 10:
			c.has_hash = false;
			c.document = NULL;
			break; /* gone */
		default:
			c.role = "role-acmebedrock";
			c.name = "";
			break;
		}
		if (content_digest_equal(d, observed_policy_digest(&c)))
			fail_msg("change %d of a policy keeps its digest", i);
		free(c.others);
	}
	/* without a digest of its text, the text itself counts */
	free(p.others);
	base_policy(&p);
	base_policy(&c);
	p.has_hash = c.has_hash = false;
	c.document = "{}";
	assert_false(content_digest_equal(observed_policy_digest(&p), observed_policy_digest(&c)));
	free(p.others);
	free(c.others);

	assert_true(content_digest_equal(observed_role_digest(r), observed_role_digest(r2)));
	r2->policy_chars++;
	assert_false(content_digest_equal(observed_role_digest(r), observed_role_digest(r2)));
	free(r2);
	r2 = role_of("role-acmf", 40);
	assert_false(content_digest_equal(observed_role_digest(r), observed_role_digest(r2)));
	free(r);
	free(r2);
}

static struct observed_parameter *param(const char *name, const char *tenant, int64_t version)
{
	struct observed_parameter *p = xcalloc(1, sizeof(*p));

	p->name = xstrdup(name);
	p->value = xstrdup("v");
	p->version = version;
	tag_set_put(&p->tags, TAG_TENANT, tenant);
	p->tags_known = true;
	return p;
}

static struct observed_policy *policy(const char *role, const char *name, const char *doc)
{
	struct observed_policy *p = xcalloc(1, sizeof(*p));

	p->role = xstrdup(role);
	p->name = xstrdup(name);
	p->document = xstrdup(doc);
	return p;
}

/* A listing's entries (in the store's arena, interned strings, packed tags) keep no
 * digest of their own: their group's sum is computed as they come and again as they go,
 * and comes back to that of a store built with the same entries whatever was put,
 * replaced and removed between. */
static struct observed_profile *listed_profile(struct observed_store *s, const char *id, const char *tenant)
{
	char arn[128];
	struct observed_profile *p;

	snprintf(arn, sizeof(arn), "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/%s", id);
	p = observed_store_new_profile(s, arn, id, 1);
	p->model_arns[0] = intern("arn:model/a");
	tag_set_put(&p->tags, TAG_TENANT, tenant);
	tag_set_put(&p->tags, "team", "");
	p->tags_known = p->listed = true;
	return p;
}

static struct observed_parameter *listed_param(struct observed_store *s, const char *name, const char *tenant)
{
	struct observed_parameter *q = observed_store_new_parameter(s, name, "");

	tag_set_put(&q->tags, TAG_TENANT, tenant);
	q->tags_known = true;
	q->version = 1;
	return q;
}

static void test_listed_entries_sums(void **state)
{
	struct observed_store a, b;
	struct observed_profile *p;

	(void)state;
	observed_store_init(&a);
	observed_store_init(&b);
	observed_store_put_profile(&a, listed_profile(&a, "p1", "acme"));
	observed_store_put_parameter(&a, listed_param(&a, "/acme/p1", "acme"));

	observed_store_put_parameter(&b, listed_param(&b, "/acme/p2", "acme"));
	observed_store_put_profile(&b, listed_profile(&b, "p2", "acme"));
	observed_store_put_profile(&b, listed_profile(&b, "p1", "acme"));
	observed_store_put_parameter(&b, listed_param(&b, "/acme/p1", "acme"));
	observed_store_put_parameter(&b, listed_param(&b, "/acme/p0", "globex"));
	assert_false(content_digest_equal(observed_store_group(&a, "acme")->digest,
					  observed_store_group(&b, "acme")->digest));
	assert_true(observed_store_remove_profile(&b, "arn:aws:bedrock:us-east-1:111122223333:"
						      "application-inference-profile/p2"));
	assert_true(observed_store_remove_parameter(&b, "/acme/p2"));
	assert_true(content_digest_equal(observed_store_group(&a, "acme")->digest,
					 observed_store_group(&b, "acme")->digest));
	/* replaced by the daemon's own write (a copy, changed) and back */
	p = observed_profile_dup(observed_store_profile(&b, "arn:aws:bedrock:us-east-1:111122223333:"
							    "application-inference-profile/p1"));
	tag_set_put(&p->tags, "team", "ml");
	observed_store_put_profile(&b, p);
	assert_false(content_digest_equal(observed_store_group(&a, "acme")->digest,
					  observed_store_group(&b, "acme")->digest));
	observed_store_put_profile(&b, listed_profile(&b, "p1", "acme"));
	assert_true(content_digest_equal(observed_store_group(&a, "acme")->digest,
					 observed_store_group(&b, "acme")->digest));
	/* the last entry of a group out: the group goes */
	assert_true(observed_store_remove_parameter(&b, "/acme/p0"));
	assert_null(observed_store_group(&b, "globex"));
	observed_store_release(&a);
	observed_store_release(&b);
}

/* What 500,000 entries at 100,000 tenants cost each, with the padding. */
static void test_entry_sizes(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct observed_profile), 72);
	assert_int_equal(sizeof(struct observed_parameter), 56);
	assert_int_equal(sizeof(struct observed_budget), 112);
}

/* The sums a store keeps: independent of order, back where they were when an entry
 * goes, changed by a replacement, by a kept document dropped, by a role's policies. */
static void test_store_sums(void **state)
{
	struct observed_store a, b;
	struct observed_profile *p = base_profile();
	struct content_digest before;

	(void)state;
	observed_store_init(&a);
	observed_store_init(&b);
	observed_store_put_parameter(&a, param("/acme/1", "acme", 1));
	observed_store_put_parameter(&a, param("/acme/2", "acme", 1));
	observed_store_put_profile(&a, observed_profile_dup(p));
	observed_store_put_profile(&b, p);
	observed_store_put_parameter(&b, param("/acme/2", "acme", 1));
	observed_store_put_parameter(&b, param("/acme/1", "acme", 1));
	assert_true(content_digest_equal(observed_store_group(&a, "acme")->digest,
					 observed_store_group(&b, "acme")->digest));
	before = observed_store_group(&b, "acme")->digest;
	observed_store_put_parameter(&b, param("/acme/3", "acme", 1));
	assert_false(content_digest_equal(before, observed_store_group(&b, "acme")->digest));
	observed_store_remove_parameter(&b, "/acme/3");
	assert_true(content_digest_equal(before, observed_store_group(&b, "acme")->digest));
	observed_store_put_parameter(&b, param("/acme/1", "acme", 2)); /* a new version */
	assert_false(content_digest_equal(before, observed_store_group(&b, "acme")->digest));
	observed_store_put_parameter(&b, param("/acme/1", "globex", 1)); /* moved to another tenant */
	assert_false(content_digest_equal(before, observed_store_group(&b, "acme")->digest));
	observed_store_put_parameter(&b, param("/acme/1", "acme", 1));
	assert_true(content_digest_equal(before, observed_store_group(&b, "acme")->digest));
	p = observed_profile_dup(observed_store_profile(&b, ARN)); /* a profile replaced */
	tag_set_put(&p->tags, "team", "ops");
	observed_store_put_profile(&b, p);
	assert_false(content_digest_equal(before, observed_store_group(&b, "acme")->digest));
	p = observed_profile_dup(observed_store_profile(&a, ARN));
	observed_store_put_profile(&b, p);
	assert_true(content_digest_equal(before, observed_store_group(&b, "acme")->digest));

	/* policies and roles */
	observed_store_put_role(&a, "r1");
	observed_store_put_role(&b, "r1");
	observed_store_put_policy(&a, policy("r1", "p1", DOC));
	observed_store_put_policy(&a, policy("r1", "p2", "{}"));
	observed_store_put_policy(&b, policy("r1", "p2", "{}"));
	observed_store_put_policy(&b, policy("r1", "p1", DOC));
	assert_true(content_digest_equal(a.policies_digest, b.policies_digest));
	assert_true(content_digest_equal(a.roles_digest, b.roles_digest));
	observed_store_policy_digest_only(&b, "r1", "p1");
	assert_false(content_digest_equal(a.policies_digest, b.policies_digest));
	observed_store_policy_digest_only(&a, "r1", "p1");
	assert_true(content_digest_equal(a.policies_digest, b.policies_digest));
	{ /* as a bulk read puts them: digest and size, no document */
		struct observed_store c;
		struct observed_policy *q = policy("r1", "p1", DOC);
		observed_store_init(&c);
		observed_store_put_role(&c, "r1");
		observed_policy_set_hash(q, policy_hash(q->document));
		q->chars = policy_size(q->document);
		free(q->document);
		q->document = NULL;
		observed_store_put_policy(&c, q);
		observed_store_put_policy(&c, policy("r1", "p2", "{}"));
		assert_true(content_digest_equal(a.policies_digest, c.policies_digest));
		assert_true(content_digest_equal(a.roles_digest, c.roles_digest));
		observed_store_release(&c);
	}
	before = b.roles_digest;
	observed_store_remove_policy(&b, "r1", "p2");
	assert_false(content_digest_equal(a.policies_digest, b.policies_digest));
	assert_false(content_digest_equal(before, b.roles_digest));
	observed_store_put_policy(&b, policy("r1", "p2", "{}"));
	assert_true(content_digest_equal(a.policies_digest, b.policies_digest));
	assert_true(content_digest_equal(before, b.roles_digest));

	/* policies moved into a listing's store keep their sum */
	{
		struct observed_store next;
		observed_store_init(&next);
		observed_store_take_policies(&next, &a);
		assert_true(content_digest_equal(next.policies_digest, b.policies_digest));
		assert_true(content_digest_equal(a.policies_digest, (struct content_digest){ { 0, 0 } }));
		observed_store_put_policy(&a, policy("r1", "p3", "{}"));
		observed_store_take_policies(&next, &a); /* into one that has some */
		observed_store_put_policy(&b, policy("r1", "p3", "{}"));
		assert_true(content_digest_equal(next.policies_digest, b.policies_digest));
		observed_store_release(&next);
	}
	observed_store_release(&a);
	observed_store_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_profile_fields),	       cmocka_unit_test(test_parameter_fields),
		cmocka_unit_test(test_policy_and_role_fields), cmocka_unit_test(test_store_sums),
		cmocka_unit_test(test_listed_entries_sums),    cmocka_unit_test(test_entry_sizes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
