#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "fixtures.h"
#include "intern.h"
#include "policy_doc.h"
#include "policy_memo.h"
#include "xalloc.h"

/* policy_hash of the document of test_document_text_is_pinned_to_its_format, format 1 */
#define PINNED_DIGEST "0ea18b67dd6b2381779180c6b1481e00"

static struct observed_profile *profile(const char *id, const char *model_arn, const char *copy_from)
{
	struct observed_profile *p = xcalloc(1, sizeof(*p));

	p->arn = xasprintf("arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/%s", id);
	p->model_arns = xcalloc(1, sizeof(char *));
	p->model_arns[0] = intern(model_arn);
	p->n_model_arns = 1;
	tag_set_init(&p->tags);
	if (copy_from)
		tag_set_put(&p->tags, TAG_MODEL, copy_from);
	return p;
}

/* Two profiles: one on a system-defined profile (its foundation model and the
 * profile's ARN), one on a foundation model, in reverse order of their ids. */
static void two_profiles(struct observed_profile *v[2])
{
	v[0] = profile("bbbbbbbbbbbb",
		       "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0",
		       "arn:aws:bedrock:us-east-1:111122223333:inference-profile/"
		       "us.anthropic.claude-3-5-haiku-20241022-v1:0");
	v[1] = profile("aaaaaaaaaaaa", "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0", NULL);
}

static void test_statements(void **state)
{
	struct observed_profile *v[2];
	char *doc;
	cJSON *j, *sts, *fm;

	two_profiles(v);
	doc = policy_document((const struct observed_profile *const *)v, 2);
	j = cJSON_Parse(doc);
	sts = cJSON_GetObjectItem(j, "Statement");
	assert_non_null(j);
	assert_string_equal(cJSON_GetObjectItem(j, "Version")->valuestring, "2012-10-17");
	assert_int_equal(cJSON_GetArraySize(sts), 3);
	/* profiles first, sorted */
	assert_non_null(
		strstr(cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(sts, 0), "Resource"), 0)->valuestring,
		       "aaaaaaaaaaaa"));
	fm = cJSON_GetArrayItem(sts, 1);
	/* both foundation models and the system-defined profile, only through our profiles */
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(fm, "Resource")), 3);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(
				 cJSON_GetObjectItem(cJSON_GetObjectItem(fm, "Condition"), "StringEquals"),
				 "bedrock:InferenceProfileArn")),
			 2);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(sts, 2), "Action")->valuestring,
			    "bedrock:GetInferenceProfile");
	cJSON_Delete(j);
	/* the same grants, the same text (policy_hash relies on it) */
	struct observed_profile *swapped[2] = { v[1], v[0] };
	char *again = policy_document((const struct observed_profile *const *)swapped, 2);
	assert_string_equal(doc, again);
	free(again);
	assert_null(policy_document(NULL, 0));
	free(doc);
	for (int i = 0; i < 2; i++)
		observed_profile_free(v[i]);
}

/* The document is written by hand, so it must stay JSON whatever an ARN holds. */
static void test_strings_are_escaped(void **state)
{
	struct observed_profile *p = profile("odd", "model\"with\\quote\n", NULL);
	char *doc = policy_document((const struct observed_profile *const *)&p, 1);
	cJSON *j = cJSON_Parse(doc);
	cJSON *fm = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "Statement"), 1);

	assert_non_null(j);
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(fm, "Resource"), 0)->valuestring,
			    "model\"with\\quote\n");
	cJSON_Delete(j);
	free(doc);
	observed_profile_free(p);
}

static void test_equal_as_json(void **state)
{
	const char *a = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"S\",\"Effect\":\"Allow\","
			"\"Action\":[\"b:x\",\"b:a\"],\"Resource\":\"r1\"}]}";
	const char *b = "{ \"Statement\": [ { \"Resource\": [\"r1\"], \"Effect\": \"Allow\",\n"
			"  \"Action\": [\"b:a\", \"b:x\"], \"Sid\": \"S\" } ],\n \"Version\": \"2012-10-17\" }";
	const char *c = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"S\",\"Effect\":\"Allow\","
			"\"Action\":[\"b:a\"],\"Resource\":\"r1\"}]}";
	char *ha = policy_hash(a), *hc = policy_hash(c), *again = policy_hash(a);

	assert_true(policy_equal(a, b));
	assert_false(policy_equal(a, c));
	assert_false(policy_equal(a, "not json"));
	assert_string_equal(ha, again);
	assert_string_not_equal(ha, hc);
	assert_int_equal(strlen(ha), 32);
	free(ha);
	free(hc);
	free(again);
}

static void test_size_ignores_whitespace(void **state)
{
	assert_int_equal(policy_size("{ \"a\" : \"b c\" }"), 11); /* {"a":"b c"}: spaces inside strings count */
	assert_int_equal(policy_size("{\"a\":\"x\\\" y\"}"), 13);
}

static void test_many_profiles_exceed_the_limit(void **state)
{
	struct observed_profile *v[60];
	char id[16];
	char *doc;

	for (int i = 0; i < 60; i++) {
		snprintf(id, sizeof(id), "%012d", i);
		v[i] = profile(id, "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0", NULL);
	}
	doc = policy_document((const struct observed_profile *const *)v, 60);
	assert_true(policy_size(doc) > IAM_INLINE_POLICY_MAX);
	free(doc);
	for (int i = 0; i < 60; i++)
		observed_profile_free(v[i]);
}

/* The memo's key: every profile's content digest counts, in any order; a profile
 * without one (not from a store) has no key; the table stays within its bound. */
static void test_memo_key_and_bound(void **state)
{
	struct observed_profile a = { 0 }, b = { 0 };
	const struct observed_profile *ab[] = { &a, &b }, *ba[] = { &b, &a }, *only_a[] = { &a };
	struct content_digest k1, k2, k3;
	char hash[DIGEST_HEX_SHORT + 1];
	char want[DIGEST_HEX_SHORT + 1];

	assert_false(policy_memo_key(ab, 2, &k1)); /* no digests */
	a.grants = (struct content_digest){ { 11, 12 } };
	assert_false(policy_memo_key(ab, 2, &k1));
	b.grants = (struct content_digest){ { 21, 22 } };
	assert_true(policy_memo_key(ab, 2, &k1));
	assert_true(policy_memo_key(ba, 2, &k2));
	assert_true(content_digest_equal(k1, k2));
	assert_true(policy_memo_key(only_a, 1, &k3));
	assert_false(content_digest_equal(k1, k3));
	b.grants.w[1]++; /* one profile changed in what its document reads */
	assert_true(policy_memo_key(ab, 2, &k2));
	assert_false(content_digest_equal(k1, k2));

	policy_memo_clear();
	assert_false(policy_memo_get(k1, hash));
	policy_memo_put(k1, "0123456789abcdef0123456789abcdef");
	assert_true(policy_memo_get(k1, hash));
	assert_string_equal(hash, "0123456789abcdef0123456789abcdef");
	assert_false(policy_memo_get(k2, hash));
	/* every digit comes back as it went in (the slot holds the 16 bytes) */
	policy_memo_put(k1, "fedcba9876543210ffffffff0000000a");
	assert_true(policy_memo_get(k1, hash));
	assert_string_equal(hash, "fedcba9876543210ffffffff0000000a");
	policy_memo_put(k2, "00000000000000000000000000000000");
	assert_true(policy_memo_get(k2, hash));
	assert_string_equal(hash, "00000000000000000000000000000000");
	/* what policy_hash never writes is not remembered: not a digest, upper case, too
	 * short or too long; the entry for k3 stays absent */
	policy_memo_put(k3, "0123456789ABCDEF0123456789abcdef");
	policy_memo_put(k3, "0123456789abcdef0123456789abcdeg");
	policy_memo_put(k3, "0123456789abcdef0123456789abcde");
	policy_memo_put(k3, "0123456789abcdef0123456789abcdef0");
	policy_memo_put(k3, "");
	assert_false(policy_memo_get(k3, hash));
	assert_int_equal(policy_memo_bytes(), policy_memo_slots() * 32);
	for (uint64_t i = 1; i <= 2 * POLICY_MEMO_MAX; i++) {
		struct content_digest k = { { i * 0x9e3779b97f4a7c15ull, i } };
		snprintf(want, sizeof(want), "%032" PRIx64, i);
		policy_memo_put(k, want);
		assert_true(policy_memo_get(k, hash));
		assert_string_equal(hash, want);
	}
	assert_true(policy_memo_slots() <= POLICY_MEMO_MAX);
	policy_memo_clear();
	assert_int_equal(policy_memo_slots(), 0);
}

/* policy_memo_forget: the entry goes, the others stay; the table halves as it empties,
 * down to its least (1024 slots, 32 KB), not to nothing. */
static void test_memo_forget(void **state)
{
	char hash[DIGEST_HEX_SHORT + 1], want[DIGEST_HEX_SHORT + 1];
	const uint64_t n = 40000, kept = 7;

	policy_memo_clear();
	policy_memo_forget((struct content_digest){ { 1, 2 } }); /* an empty memo: nothing */
	assert_int_equal(policy_memo_slots(), 0);
	for (uint64_t i = 1; i <= n; i++) {
		struct content_digest k = { { i * 0x9e3779b97f4a7c15ull, i } };
		snprintf(want, sizeof(want), "%032" PRIx64, i);
		policy_memo_put(k, want);
	}
	assert_int_equal(policy_memo_slots(), POLICY_MEMO_MAX);
	policy_memo_forget((struct content_digest){ { 1, 2 } }); /* no such key */
	assert_int_equal(policy_memo_slots(), POLICY_MEMO_MAX);
	for (uint64_t i = 1; i <= n; i++) {
		struct content_digest k = { { i * 0x9e3779b97f4a7c15ull, i } };
		if (i % (n / kept))
			policy_memo_forget(k);
		else
			assert_true(policy_memo_get(k, hash));
		assert_true(policy_memo_slots() >= 1024);
	}
	assert_int_equal(policy_memo_slots(), 1024);
	assert_int_equal(policy_memo_bytes(), 1024 * 32);
	for (uint64_t i = 1; i <= n; i++) {
		struct content_digest k = { { i * 0x9e3779b97f4a7c15ull, i } };
		snprintf(want, sizeof(want), "%032" PRIx64, i);
		if (i % (n / kept)) {
			assert_false(policy_memo_get(k, hash));
		} else {
			assert_true(policy_memo_get(k, hash));
			assert_string_equal(hash, want);
			policy_memo_forget(k);
			assert_false(policy_memo_get(k, hash));
		}
	}
	assert_int_equal(policy_memo_slots(), 1024);
	policy_memo_clear();
}

/* The grants digest: every field the document reads of a profile counts, no other. */
static void test_grants_digest(void **state)
{
	struct observed_profile *p = profile("aaaaaaaaaaaa",
					     "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0", NULL);
	struct content_digest d0 = observed_profile_grants_digest(p), d;

	/* not read: other tags, the listing's flags, the name */
	tag_set_put(&p->tags, "CostCenter", "x");
	p->listed = true;
	p->created_at = 5;
	p->name = xstrdup("n");
	assert_true(content_digest_equal(observed_profile_grants_digest(p), d0));
	/* read: the model tag (a copied system profile), models[], the ARN */
	tag_set_put(&p->tags, TAG_MODEL, "arn:aws:bedrock:us-east-1:111122223333:inference-profile/us.x");
	d = observed_profile_grants_digest(p);
	assert_false(content_digest_equal(d, d0));
	p->model_arns = xreallocarray(p->model_arns, 2, sizeof(char *));
	p->model_arns[p->n_model_arns++] = intern("arn:aws:bedrock:us-west-2::foundation-model/amazon.nova-lite-v1:0");
	assert_false(content_digest_equal(observed_profile_grants_digest(p), d));
	d = observed_profile_grants_digest(p);
	p->arn[strlen(p->arn) - 1] = 'b';
	assert_false(content_digest_equal(observed_profile_grants_digest(p), d));
	observed_profile_free(p);
}

/* A record remembers a document's digest by its profiles across a start
 * (state/policy_memo.h): the text written for the same profiles must not change
 * without a new POLICY_DOC_FORMAT. This pins the digest of one document to the
 * format's number: a change to policy_document's text fails here; bump
 * POLICY_DOC_FORMAT and the digest below together. */
static void test_document_text_is_pinned_to_its_format(void **state)
{
	struct observed_profile *v[2];
	char *doc, *hash;

	two_profiles(v);
	doc = policy_document((const struct observed_profile *const *)v, 2);
	hash = policy_hash(doc);
	assert_int_equal(POLICY_DOC_FORMAT, 1);
	assert_string_equal(hash, PINNED_DIGEST);
	free(hash);
	free(doc);
	for (int i = 0; i < 2; i++)
		observed_profile_free(v[i]);
}

/* The policy fact's value: the digest, and the key in this format; only a fact that
 * holds the same key in the same format answers for it. */
static void test_memo_fact(void **state)
{
	static const char hash[] = "0123456789abcdef0123456789abcdef";
	struct content_digest key = { { 0x0102030405060708ull, 0xa0b0c0d0e0f00010ull } }, other = key;
	struct tenant_record *r = tenant_record_new("acme");
	char *fact = policy_memo_fact(hash, &key), *plain = policy_memo_fact(hash, NULL);
	char *fkey = record_key_policy_fact("app-role", "bedrock-tenantd-acme");
	char out[DIGEST_HEX_SHORT + 1];

	assert_string_equal(fact, "0123456789abcdef0123456789abcdef k1:0102030405060708a0b0c0d0e0f00010");
	assert_string_equal(plain, hash);
	assert_true(policy_memo_fact_is(fact, hash));
	assert_true(policy_memo_fact_is(plain, hash));
	assert_false(policy_memo_fact_is(fact, "0123456789abcdef0123456789abcdee"));
	assert_true(policy_memo_fact_keyed(fact, key));
	assert_false(policy_memo_fact_keyed(plain, key));
	other.w[1] ^= 1;
	assert_false(policy_memo_fact_keyed(fact, other));
	fact[DIGEST_HEX_SHORT + 2] = '0'; /* "k0:": another format of the document */
	assert_false(policy_memo_fact_keyed(fact, key));
	fact[DIGEST_HEX_SHORT + 2] = '1';

	/* from the record: only a policy fact holding the key */
	assert_false(policy_memo_from_record(NULL, key, out));
	record_set_fact(r, "enforce\nbedrock-tenantd-deny-acme", fact); /* not a policy fact */
	assert_false(policy_memo_from_record(r, key, out));
	record_set_fact(r, fkey, plain);
	assert_false(policy_memo_from_record(r, key, out));
	record_set_fact(r, fkey, fact);
	assert_true(policy_memo_from_record(r, key, out));
	assert_string_equal(out, hash);
	assert_false(policy_memo_from_record(r, other, out));
	tenant_record_free(r);
	free(fkey);
	free(fact);
	free(plain);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_statements),
		cmocka_unit_test(test_memo_key_and_bound),
		cmocka_unit_test(test_memo_forget),
		cmocka_unit_test(test_document_text_is_pinned_to_its_format),
		cmocka_unit_test(test_memo_fact),
		cmocka_unit_test(test_grants_digest),
		cmocka_unit_test(test_strings_are_escaped),
		cmocka_unit_test(test_equal_as_json),
		cmocka_unit_test(test_size_ignores_whitespace),
		cmocka_unit_test(test_many_profiles_exceed_the_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
