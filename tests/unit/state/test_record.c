#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "intern.h"
#include "record.h"
#include "xalloc.h"

/* record_fact_next with the key as text (its prefix and name; the buffer is reused by
 * the next call). */
static bool next_fact(const struct tenant_record *r, size_t *at, const char **ret_key, const char **ret_value)
{
	static char key[512];
	struct record_fact f;

	if (!record_fact_next(r, at, &f))
		return false;
	snprintf(key, sizeof(key), "%s%s", f.prefix, f.name);
	*ret_key = key;
	if (ret_value)
		*ret_value = f.value;
	return true;
}

/* One record per tenant, 100,000 of them: its counts take 16 bits beside its two
 * flags and it keeps no count of slots, its arrays being exactly sized (56 bytes: a
 * 64-byte chunk, not 80 with 32-bit counts nor 96 with the slots' counts), and they
 * still count past what a tenant ever holds. */
static void test_record_packed(void **state)
{
	struct tenant_record *r = tenant_record_new("t1");
	char key[32];

	(void)state;
	assert_true(sizeof(struct tenant_record) <= 56);
	for (int i = 0; i < 300; i++) {
		snprintf(key, sizeof(key), "fact-%d", i);
		record_set_fact(r, key, "v");
	}
	assert_int_equal(r->n_facts, 300);
	assert_string_equal(record_fact(r, "fact-299"), "v");
	/* the two flags beside the 16-bit counts */
	r->known = true;
	r->deletion_policy = DELETION_RETAIN;
	assert_true(r->known);
	assert_int_equal(r->deletion_policy, DELETION_RETAIN);
	assert_int_equal(r->n_facts, 300);
	r->deletion_policy = DELETION_DELETE;
	assert_int_equal(r->deletion_policy, DELETION_DELETE);
	assert_true(r->known);
	tenant_record_free(r);
}

/* The four facts every tenant of the daemon has (place, pool, account, reconciled
 * revision) keep no key text: a byte and a 3-byte handle each. Read back by their
 * keys and through record_fact_next as the same strings, in the order set, among
 * facts with text keys; replaced in place by a value too long for a handle (then
 * kept as text with its key) and back; cleared. */
static void test_facts_shared_keys_hold_no_text(void **state)
{
	static const char *const keys[] = { RECORD_FACT_RECONCILED_REVISION, RECORD_FACT_PLACE, RECORD_FACT_POOL,
					    RECORD_FACT_ACCOUNT };
	static const char *const values[] = { "0123456789abcdef0123456789abcdef01234567", "prod-a/us-east-1", "default",
					      "111122223333" };
	struct tenant_record *r = tenant_record_new("acme");
	const char *key, *value;
	char long_value[300];
	size_t at = 0, i = 0;

	(void)state;
	record_set_fact(r, "policy\napp\nbedrock-tenantd-acme", "digest");
	for (size_t k = 0; k < 4; k++)
		record_set_fact(r, keys[k], values[k]);
	record_set_fact(r, "alerts\nacme-monthly", "");
	assert_int_equal(r->n_facts, 6);
	assert_true(next_fact(r, &at, &key, &value));
	assert_string_equal(key, "policy\napp\nbedrock-tenantd-acme");
	for (size_t k = 0; k < 4; k++) {
		size_t was = at;
		assert_true(next_fact(r, &at, &key, &value));
		assert_string_equal(key, keys[k]);
		assert_string_equal(value, values[k]);
		assert_int_equal(at - was, 4); /* the kind byte and the handle, in 3 bytes */
		assert_string_equal(record_fact(r, keys[k]), values[k]);
	}
	assert_true(next_fact(r, &at, &key, &value));
	assert_string_equal(key, "alerts\nacme-monthly");
	assert_string_equal(value, "");
	assert_false(next_fact(r, &at, &key, &value));
	/* a shared key's value too long for a handle: its text, in its place */
	memset(long_value, 'p', sizeof(long_value) - 1);
	long_value[sizeof(long_value) - 1] = '\0';
	record_set_fact(r, RECORD_FACT_POOL, long_value);
	assert_string_equal(record_fact(r, RECORD_FACT_POOL), long_value);
	record_set_fact(r, RECORD_FACT_POOL, "blue");
	for (at = 0, i = 0; next_fact(r, &at, &key, &value); i++)
		if (i == 3)
			assert_string_equal(key, RECORD_FACT_POOL);
	assert_int_equal(i, 6);
	assert_string_equal(record_fact(r, RECORD_FACT_POOL), "blue");
	/* a key that only begins like one of them is text */
	record_set_fact(r, "placement", "x");
	record_set_fact(r, "pla", "y");
	assert_string_equal(record_fact(r, "placement"), "x");
	assert_string_equal(record_fact(r, "pla"), "y");
	assert_string_equal(record_fact(r, RECORD_FACT_PLACE), "prod-a/us-east-1");
	for (size_t k = 0; k < 4; k++)
		assert_true(record_clear_fact(r, keys[k]));
	assert_null(record_fact(r, RECORD_FACT_PLACE));
	assert_int_equal(r->n_facts, 4);
	assert_string_equal(record_fact(r, "alerts\nacme-monthly"), "");
	tenant_record_free(r);
}

/* The facts of a record are one allocation, each key's name followed by its value and
 * the next fact right after its kind byte; the policy and alerts facts' fixed prefixes
 * are that byte, not text ("policy\nrole\np": its name "role\np"). Set again with its
 * own key or its own value (strings of the block being replaced), replaced, cleared,
 * the record freed: the block freed once (ASan), the values right. */
static void test_facts_one_allocation(void **state)
{
	struct tenant_record *r = tenant_record_new("t1");
	struct record_fact f1, f2, f3;
	size_t at = 0;

	(void)state;
	record_set_fact(r, "policy\nrole\np", "digest-1");
	record_set_fact(r, "alerts\nb", "a");
	record_set_fact(r, "enforce\nd", "v");
	assert_true(record_fact_next(r, &at, &f1));
	assert_true(record_fact_next(r, &at, &f2));
	assert_true(record_fact_next(r, &at, &f3));
	assert_false(record_fact_next(r, &at, &f3));
	assert_ptr_equal(f1.name, r->facts + 1); /* after the kind byte */
	assert_string_equal(f1.prefix, "policy\n");
	assert_string_equal(f1.name, "role\np");
	assert_ptr_equal(f1.value, f1.name + strlen(f1.name) + 1);
	assert_string_equal(f2.prefix, "alerts\n");
	assert_ptr_equal(f2.name, f1.value + strlen(f1.value) + 1 + 1); /* after the value's NUL, a kind byte */
	assert_string_equal(f2.name, "b");
	assert_ptr_equal(f2.value, f2.name + strlen(f2.name) + 1);
	assert_string_equal(f3.prefix, ""); /* any other key: its text whole */
	assert_string_equal(f3.name, "enforce\nd");
	assert_ptr_equal(f3.name, f2.value + strlen(f2.value) + 1 + 1);
	assert_int_equal(f3.value + strlen(f3.value) + 1 - r->facts, 1 + 7 + 9 + 1 + 2 + 2 + 1 + 10 + 2);
	assert_int_equal(r->facts[at], 0); /* the end */
	record_clear_fact(r, f3.name);	   /* its own key */
	assert_int_equal(r->n_facts, 2);
	record_set_fact(r, "policy\nrole\np", "digest-2");
	assert_string_equal(record_fact(r, "policy\nrole\np"), "digest-2");
	record_set_fact(r, "policy\nrole\np", record_fact(r, "policy\nrole\np")); /* the same value again */
	assert_string_equal(record_fact(r, "policy\nrole\np"), "digest-2");
	record_set_fact(r, "alerts\nb", "longer than the value before");
	assert_string_equal(record_fact(r, "alerts\nb"), "longer than the value before");
	record_set_fact(r, "alerts\nc", record_fact(r, "alerts\nb")); /* another fact's value */
	assert_string_equal(record_fact(r, "alerts\nc"), "longer than the value before");
	assert_true(record_clear_fact(r, "policy\nrole\np"));
	assert_false(record_clear_fact(r, "policy\nrole\np"));
	assert_null(record_fact(r, "policy\nrole\np"));
	assert_string_equal(record_fact(r, "alerts\nb"), "longer than the value before");
	at = 0;
	assert_true(record_fact_next(r, &at, &f1));
	assert_true(record_clear_fact(r, "alerts\nb"));
	assert_true(record_clear_fact(r, "alerts\nc"));
	assert_int_equal(r->n_facts, 0);
	assert_null(r->facts); /* no facts, no block */
	at = 0;
	assert_false(record_fact_next(r, &at, &f1));
	assert_true(record_is_empty(r));
	tenant_record_free(r);
}

/* The value test_facts_prefix_kinds gives its i-th fact: empty for every third. */
static void fact_value(size_t i, char *buf, size_t size)
{
	snprintf(buf, size, "v%zu", i);
	if (i % 3 == 0)
		buf[0] = '\0';
}

/* The policy and alerts facts keep their fixed prefix as their kind byte: the facts of
 * a benchmark tenant at 100,000 (tests/bench/common/bench_tenants.c: place, account and
 * revision reached, its budget's alerts, a policy fact a role) take 191 bytes with one
 * role, jemalloc's 192-byte class (208 with the prefixes' text and 4-byte handles, 224),
 * and 241 with two whose values are the same, its 256-byte class (332 before, 384:
 * test_facts_same_policy_value). Every key comes back as the text it was
 * set with, whatever it holds: the prefixes alone, a name with another newline, the longest role and policy names IAM
 * allows, odd bytes, empty values; keys that only look like one of them stay text; a policy fact's name without its
 * second newline is no policy fact to record_policy_fact_next (nor was it to record_key_policy_fact_split). */
static void test_facts_prefix_kinds(void **state)
{
	char role[65], policy[129], long_key[256];
	const char *keys[] = { "policy\napp-role-12345\nbedrock-tenantd-tenant-012345",
			       "alerts\nbedrock-tenant-tenant-012345",
			       "policy\n",
			       "alerts\n",
			       "policy\nno-second-newline",
			       "alerts\na\nb",
			       "policy",
			       "alerts",
			       "policyx\na\nb",
			       "Policy\na\nb",
			       "policy\nr\xc3\xa9le\tx\nn\xc3\xa4me",
			       "enforce\npolicy\nx",
			       long_key };
	const size_t n = sizeof(keys) / sizeof(keys[0]);
	struct tenant_record *r = tenant_record_new("tenant-012345");
	struct record_fact f;
	const char *k_role, *k_policy, *value;
	size_t at = 0, i = 0, role_len;
	char vbuf[16];

	(void)state;
	/* the benchmark tenant's block */
	record_set_fact(r, RECORD_FACT_ACCOUNT, "111122223333");
	record_set_fact(r, keys[1], "0ac9f2c978091c8318dc53a8b26ac1b7");
	record_set_fact(r, RECORD_FACT_PLACE, "acct-00/us-east-1");
	record_set_fact(r, keys[0], "18c727558cdbaefc04e33592b91511a2 k1:b9a531f19898174b4682bcbe70f79d7e");
	record_set_fact(r, RECORD_FACT_RECONCILED_REVISION,
			"29f3bec0fb4f67732ac2e4235a08e3213d29f8e05f8efc47d1754a8c0c5ff969");
	assert_true(malloc_usable_size(r->facts) >= 191);
	at = 0;
	while (record_fact_next(r, &at, &f))
		;
	assert_int_equal(at + 1, 191); /* and FACT_END */
	record_set_fact(r, "policy\nbatch-role-12345\nbedrock-tenantd-tenant-012345",
			"18c727558cdbaefc04e33592b91511a2 k1:b9a531f19898174b4682bcbe70f79d7e");
	at = 0;
	while (record_fact_next(r, &at, &f))
		;
	assert_int_equal(at + 1, 241);
	tenant_record_free(r);

	memset(role, 'r', sizeof(role) - 1);
	role[sizeof(role) - 1] = '\0';
	memset(policy, 'p', sizeof(policy) - 1);
	policy[sizeof(policy) - 1] = '\0';
	snprintf(long_key, sizeof(long_key), "policy\n%s\n%s", role, policy);
	r = tenant_record_new("acme");
	for (i = 0; i < n; i++) {
		fact_value(i, vbuf, sizeof(vbuf));
		record_set_fact(r, keys[i], vbuf);
	}
	assert_int_equal(r->n_facts, n);
	for (at = 0, i = 0; record_fact_next(r, &at, &f); i++) {
		char *key = record_fact_key(&f);
		assert_true(i < n);
		assert_string_equal(key, keys[i]);
		fact_value(i, vbuf, sizeof(vbuf));
		assert_string_equal(f.value, vbuf);
		assert_string_equal(record_fact(r, key), vbuf);
		assert_string_equal(f.prefix, i == 0 || i == 2 || i == 4 || i == 10 || i == 12 ? "policy\n"
					      : i == 1 || i == 3 || i == 5		       ? "alerts\n"
											       : "");
		free(key);
	}
	assert_int_equal(i, n);
	/* the policy facts that split: keys 0, 10 and 12, in order */
	at = 0;
	assert_true(record_policy_fact_next(r, &at, &k_role, &role_len, &k_policy, &value));
	assert_int_equal(role_len, strlen("app-role-12345"));
	assert_memory_equal(k_role, "app-role-12345", role_len);
	assert_string_equal(k_policy, "bedrock-tenantd-tenant-012345");
	assert_string_equal(value, "");
	assert_true(record_policy_fact_next(r, &at, &k_role, &role_len, &k_policy, NULL));
	assert_memory_equal(k_role, "r\xc3\xa9le\tx", role_len);
	assert_string_equal(k_policy, "n\xc3\xa4me");
	assert_true(record_policy_fact_next(r, &at, &k_role, &role_len, &k_policy, &value));
	assert_int_equal(role_len, 64);
	assert_string_equal(k_policy, policy);
	assert_string_equal(record_policy_fact(r, role, policy), value);
	assert_false(record_policy_fact_next(r, &at, &k_role, &role_len, &k_policy, &value));
	/* a policy fact whose role is "enforce" is no enforce fact, nor the reverse */
	assert_null(record_enforce_fact(r, "x"));
	assert_string_equal(record_enforce_fact(r, "policy\nx"), "v11");
	assert_null(record_policy_fact(r, "policy", "x"));
	/* cleared by their text, one by one */
	for (i = 0; i < n; i++) {
		assert_true(record_clear_fact(r, keys[i]));
		assert_null(record_fact(r, keys[i]));
	}
	assert_null(r->facts);
	tenant_record_free(r);
}

/* A policy fact whose value is the value of the policy fact before it keeps no copy of
 * it (the same document on each of a tenant's roles): record_fact gives the first's
 * text for both. Whatever changes around them (the first replaced or cleared, a fact
 * before them grown or gone, a third role, another value between, short values), each
 * reads its own value, through record_fact, record_fact_next and
 * record_policy_fact_next, and the record is freed once (ASan). */
static void test_facts_same_policy_value(void **state)
{
	static const char digest[] = "18c727558cdbaefc04e33592b91511a2 k1:b9a531f19898174b4682bcbe70f79d7e";
	struct tenant_record *r = tenant_record_new("acme");
	struct record_fact f;
	const char *role, *policy, *value;
	size_t at, role_len, n;

	(void)state;
	record_set_fact(r, "enforce\ndeny", "x");
	record_set_fact(r, "policy\napp\npol", digest);
	record_set_fact(r, "policy\nbatch\npol", digest);
	assert_ptr_equal(record_fact(r, "policy\napp\npol"), record_fact(r, "policy\nbatch\npol"));
	assert_string_equal(record_fact(r, "policy\nbatch\npol"), digest);
	at = 0;
	while (record_fact_next(r, &at, &f))
		;
	/* enforce (1 + 13 + 2), the first policy (1 + 8 + 69), the second without its value (1 + 10 + 2) */
	assert_int_equal(at + 1, 16 + 78 + 13 + 1);
	record_set_fact(r, "policy\nthird\npol", digest);
	assert_ptr_equal(record_fact(r, "policy\nthird\npol"), record_fact(r, "policy\napp\npol"));
	for (at = 0, n = 0; record_policy_fact_next(r, &at, &role, &role_len, &policy, &value); n++)
		assert_string_equal(value, digest);
	assert_int_equal(n, 3);
	/* a fact before them grown: the offsets follow */
	record_set_fact(r, "enforce\ndeny", "a longer value than before");
	assert_string_equal(record_fact(r, "policy\nbatch\npol"), digest);
	assert_string_equal(record_fact(r, "policy\nthird\npol"), digest);
	/* the first replaced: the others keep theirs, the second now holding its text */
	record_set_fact(r, "policy\napp\npol", "other");
	assert_string_equal(record_fact(r, "policy\napp\npol"), "other");
	assert_string_equal(record_fact(r, "policy\nbatch\npol"), digest);
	assert_ptr_equal(record_fact(r, "policy\nthird\npol"), record_fact(r, "policy\nbatch\npol"));
	/* set with its own value, with the value of a fact it shares */
	record_set_fact(r, "policy\nbatch\npol", record_fact(r, "policy\nbatch\npol"));
	record_set_fact(r, "policy\napp\npol", record_fact(r, "policy\nthird\npol"));
	assert_string_equal(record_fact(r, "policy\napp\npol"), digest);
	assert_string_equal(record_fact(r, "policy\nthird\npol"), digest);
	/* the one holding the text cleared, then the one before everything */
	assert_true(record_clear_fact(r, "policy\napp\npol"));
	assert_true(record_clear_fact(r, "enforce\ndeny"));
	assert_string_equal(record_fact(r, "policy\nbatch\npol"), digest);
	assert_string_equal(record_fact(r, "policy\nthird\npol"), digest);
	/* an alerts fact with the same value between: not shared with it, nor short values */
	record_set_fact(r, "alerts\nb", digest);
	record_set_fact(r, "policy\nlast\npol", digest);
	assert_ptr_not_equal(record_fact(r, "alerts\nb"), record_fact(r, "policy\nbatch\npol"));
	assert_ptr_equal(record_fact(r, "policy\nlast\npol"), record_fact(r, "policy\nbatch\npol"));
	record_set_fact(r, "policy\ns1\npol", "");
	record_set_fact(r, "policy\ns2\npol", "");
	record_set_fact(r, "policy\ns3\npol", "a");
	record_set_fact(r, "policy\ns4\npol", "a");
	assert_ptr_not_equal(record_fact(r, "policy\ns1\npol"), record_fact(r, "policy\ns2\npol"));
	assert_ptr_not_equal(record_fact(r, "policy\ns3\npol"), record_fact(r, "policy\ns4\npol"));
	assert_string_equal(record_fact(r, "policy\ns4\npol"), "a");
	assert_int_equal(r->n_facts, 8);
	tenant_record_free(r);
}

/* Facts keep the order they were first set in: replaced in their place, new ones
 * last, the others' order kept when one is cleared (the old places of a move are
 * numbered in it: record_moving_from). */
static void test_facts_order(void **state)
{
	struct tenant_record *r = tenant_record_new("t1");
	const char *want[] = { "a", "b2", "d" }, *key, *value;
	size_t at = 0, n = 0;

	(void)state;
	record_set_fact(r, "a", "a");
	record_set_fact(r, "b", "b");
	record_set_fact(r, "c", "c");
	record_set_fact(r, "b", "b2");
	assert_true(record_clear_fact(r, "c"));
	record_set_fact(r, "d", "d");
	while (next_fact(r, &at, &key, &value)) {
		assert_true(n < 3);
		assert_string_equal(value, want[n++]);
	}
	assert_int_equal(n, 3);
	assert_int_equal(r->n_facts, 3);
	tenant_record_free(r);
}

/* A shared fact whose value's handle needs more than 24 bits (a string pool past 128
 * MB: 2,048 blocks of 64 KB) is written with its kind byte and the handle's 4 bytes,
 * not 3, and read back the same; one written before, in 3, stays so beside it. The pool
 * is filled with strings of 248 bytes each (31 slots) until a handle passes 2^24. */
static void test_facts_shared_handle_past_24_bits(void **state)
{
	struct tenant_record *r = tenant_record_new("acme");
	const char **filler = NULL, *key, *value;
	size_t n = 0, alloc = 0, at = 0, was;
	char text[248], account[248];

	(void)state;
	record_set_fact(r, RECORD_FACT_PLACE, "prod-a/us-east-1");
	for (uint32_t h = 0; h < 1u << 24; n++) {
		if (n == alloc) {
			alloc = alloc ? 2 * alloc : 4096;
			filler = xreallocarray(filler, alloc, sizeof(*filler));
		}
		snprintf(text, sizeof(text), "%0*zu", (int)sizeof(text) - 1, n);
		filler[n] = intern(text);
		h = intern_handle(filler[n]);
		assert_int_not_equal(h, 0);
	}
	/* of the fillers' size: its slot is the newest block's (that size has no free slot) */
	snprintf(account, sizeof(account), "%-*s", (int)sizeof(account) - 1, "past-24-bits");
	record_set_fact(r, RECORD_FACT_ACCOUNT, account);
	assert_true(intern_handle(record_fact(r, RECORD_FACT_ACCOUNT)) >= 1u << 24);
	assert_true(next_fact(r, &at, &key, &value));
	assert_string_equal(key, RECORD_FACT_PLACE);
	assert_int_equal(at, 4); /* the kind byte and 3 */
	was = at;
	assert_true(next_fact(r, &at, &key, &value));
	assert_string_equal(key, RECORD_FACT_ACCOUNT);
	assert_string_equal(value, account);
	assert_int_equal(at - was, 5); /* the kind byte and 4 */
	assert_false(next_fact(r, &at, &key, &value));
	/* a text fact before them: both shared facts written again, each in its form */
	record_set_fact(r, "alerts\nacme-monthly", "digest");
	record_clear_fact(r, "alerts\nacme-monthly");
	assert_string_equal(record_fact(r, RECORD_FACT_PLACE), "prod-a/us-east-1");
	assert_string_equal(record_fact(r, RECORD_FACT_ACCOUNT), account);
	tenant_record_free(r);
	for (size_t i = 0; i < n; i++)
		intern_unref(filler[i]);
	free(filler);
}

/* The place and the reconciled revision are the same for many tenants, or interned by
 * the engine already: the records hold references to one copy. Replaced with their
 * own value, cleared, the records freed: every reference dropped (the pool holds
 * what it held before). */
static void test_facts_shared_values(void **state)
{
	const char *place = intern("prod-a/us-east-1");
	struct tenant_record *a, *b;
	char long_place[300];
	size_t strings, bytes, strings_after, bytes_after;

	(void)state;
	intern_stats(&strings, &bytes);
	a = tenant_record_new("acme");
	b = tenant_record_new("globex");
	record_set_fact(a, RECORD_FACT_PLACE, "prod-a/us-east-1");
	record_set_fact(b, RECORD_FACT_PLACE, "prod-a/us-east-1");
	assert_ptr_equal(record_fact(a, RECORD_FACT_PLACE), place);
	assert_ptr_equal(record_fact(b, RECORD_FACT_PLACE), place);
	record_set_fact(a, RECORD_FACT_PLACE, record_fact(a, RECORD_FACT_PLACE)); /* its own value */
	assert_ptr_equal(record_fact(a, RECORD_FACT_PLACE), place);
	record_set_fact(a, RECORD_FACT_RECONCILED_REVISION, "0123abcd");
	record_set_fact(b, RECORD_FACT_RECONCILED_REVISION, "0123abcd");
	assert_ptr_equal(record_fact(a, RECORD_FACT_RECONCILED_REVISION),
			 record_fact(b, RECORD_FACT_RECONCILED_REVISION));
	record_set_fact(a, "alerts\nx", "prod-a/us-east-1"); /* any other fact: its own copy */
	assert_ptr_not_equal(record_fact(a, "alerts\nx"), place);
	record_set_fact(a, RECORD_FACT_PLACE, "prod-b/eu-west-1");
	assert_string_equal(record_fact(a, RECORD_FACT_PLACE), "prod-b/eu-west-1");
	assert_string_equal(record_fact(a, "alerts\nx"), "prod-a/us-east-1");
	/* too long for a handle: kept as text */
	memset(long_place, 'p', sizeof(long_place) - 1);
	long_place[sizeof(long_place) - 1] = '\0';
	record_set_fact(b, RECORD_FACT_PLACE, long_place);
	assert_string_equal(record_fact(b, RECORD_FACT_PLACE), long_place);
	record_set_fact(b, RECORD_FACT_PLACE, "prod-a/us-east-1");
	assert_ptr_equal(record_fact(b, RECORD_FACT_PLACE), place);
	assert_true(record_clear_fact(b, RECORD_FACT_PLACE));
	tenant_record_free(a);
	tenant_record_free(b);
	intern_stats(&strings_after, &bytes_after);
	assert_int_equal(strings_after, strings);
	assert_int_equal(bytes_after, bytes);
	intern_unref(place);
}

/* p was allocated with exactly n bytes (ASan's malloc_usable_size says so; glibc's
 * rounds up to its chunk). */
static void assert_block_of(const void *p, size_t n)
{
	assert_true(malloc_usable_size((void *)p) >= n);
	assert_true(malloc_usable_size((void *)p) < n + 24);
}

/* A record's intents in one allocation, the array then each one's strings, found from
 * the struct (32 bytes an intent); the ARN its create answered interned, one copy with
 * the store's profile. Set again, answered again, cleared: each freed once (ASan). */
static void test_intent_one_allocation(void **state)
{
	struct tenant_record *r = tenant_record_new("acme");
	const char *arn = intern("arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/p1");
	const struct create_intent *in;
	char buf[CREATE_INTENT_TOKEN_BUF];

	(void)state;
	record_set_intent(r, "chat", "acme-chat-aaaaaa", "tok1", 10);
	in = record_intent(r, "chat");
	assert_int_equal(sizeof(struct create_intent), 32);
	assert_ptr_equal(create_intent_key(in), (const char *)(r->intents + 1)); /* after the array */
	assert_ptr_equal(create_intent_name(in), create_intent_key(in) + strlen("chat") + 1);
	assert_string_equal(create_intent_name(in), "acme-chat-aaaaaa");
	assert_ptr_equal(create_intent_token(in, buf), create_intent_name(in) + strlen("acme-chat-aaaaaa") + 1);
	assert_string_equal(create_intent_token(in, buf), "tok1");
	assert_block_of(r->intents, 32 + sizeof("chat\0acme-chat-aaaaaa\0tok1"));
	record_note_intent_answer(r, "chat", "tok1", arn, true, 20);
	assert_ptr_equal(in->arn, arn); /* the interned ARN, not a copy */
	record_note_intent_answer(r, "chat", "tok1", "arn:other", false, 30);
	assert_string_equal(in->arn, "arn:other");
	record_set_intent(r, create_intent_key(in), create_intent_name(in), "tok2", 40); /* its own strings again */
	in = record_intent(r, "chat");
	assert_string_equal(create_intent_key(in), "chat");
	assert_string_equal(create_intent_name(in), "acme-chat-aaaaaa");
	assert_string_equal(create_intent_token(in, buf), "tok2");
	assert_int_equal(in->since, 40);
	assert_null(in->arn);
	assert_false(in->confirmed);
	record_note_intent_answer(r, "chat", "tok2", arn, true, 50);
	record_set_intent(r, "batch", "acme-batch-aaaaaa", "tok3", 60);
	/* the chat intent moved with the block, its answer kept */
	in = record_intent(r, "chat");
	assert_ptr_equal(in->arn, arn);
	assert_true(in->confirmed);
	assert_int_equal(in->answered_at, 50);
	assert_string_equal(create_intent_token(in, buf), "tok2");
	assert_true(record_clear_intent(r, "chat"));
	assert_string_equal(create_intent_key(record_intent(r, "batch")), "batch");
	assert_string_equal(create_intent_token(record_intent(r, "batch"), buf), "tok3");
	record_note_intent_answer(r, "batch", "tok3", arn, true, 70);
	tenant_record_free(r); /* the batch intent's ARN unreferenced with it */
	intern_unref(arn);
}

/* A token of the daemon's form (diff_client_token: 32 lowercase hex digits) held as
 * its 16 bytes; every token comes back as it was set, whatever its form: hex digits
 * in upper case, odd in number, too many, none, other characters (held as text). */
static void test_intent_token_forms(void **state)
{
	static const char *const tokens[] = {
		"0123456789abcdef0123456789abcdef", /* the daemon's */
		"00000000000000000000000000000000",
		"ffffffffffffffffffffffffffffffff",
		"0a",
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", /* the most held as bytes */
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef00",
		"0123456789ABCDEF0123456789abcdef",
		"0123456789abcdef0123456789abcde",
		"",
		"tok",
		"0123456789abcdef0123456789abcdeg",
		"caf\xc3\xa9 token\t-_",
	};
	static const size_t bytes[] = { 16, 16, 16, 1, 32, 0, 0, 0, 0, 0, 0, 0 };
	char buf[CREATE_INTENT_TOKEN_BUF], key[16], name[300];

	(void)state;
	for (size_t i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++) {
		struct tenant_record *r = tenant_record_new("acme");
		const struct create_intent *in;

		memset(name, 'n', sizeof(name) - 1); /* the longest names a profile may have, and more */
		name[sizeof(name) - 1] = '\0';
		record_set_intent(r, "first", name, tokens[i], 1);
		snprintf(key, sizeof(key), "k%zu", i);
		record_set_intent(r, key, "", tokens[i], 2); /* an empty name */
		for (size_t j = 0; j < 2; j++) {
			in = record_intent(r, j ? key : "first");
			assert_non_null(in);
			assert_int_equal(in->token_bytes, bytes[i]);
			memset(buf, 'x', sizeof(buf));
			assert_string_equal(create_intent_token(in, buf), tokens[i]);
			assert_string_equal(create_intent_name(in), j ? "" : name);
			assert_int_equal(in->since, j ? 2 : 1);
		}
		in = record_intent(r, key);
		record_note_intent_answer(r, key, tokens[i], "arn:1", true, 5); /* compared as text */
		assert_string_equal(in->arn, "arn:1");
		assert_true(record_clear_intent(r, "first"));
		assert_string_equal(create_intent_token(record_intent(r, key), buf), tokens[i]);
		assert_string_equal(record_intent(r, key)->arn, "arn:1");
		tenant_record_free(r);
	}
}

static void test_intents_and_timers(void **state)
{
	struct tenant_record *r = tenant_record_new("acme");

	assert_true(record_is_empty(r));
	record_set_intent(r, "chat", "acme-chat-aaaaaa", "tok1", 10);
	record_set_intent(r, "chat", "acme-chat-bbbbbb", "tok2", 20);
	assert_int_equal(r->n_intents, 1);
	/* arrays sized to what they hold: intents live until a listing confirms them */
	record_set_intent(r, "batch", "acme-batch-aaaaaa", "tok3", 20);
	assert_int_equal(r->n_intents, 2);
	/* the block is the array and the strings, exactly */
	assert_block_of(r->intents, 2 * sizeof(*r->intents) +
					    sizeof("chat\0acme-chat-bbbbbb\0tok2\0batch\0acme-batch-aaaaaa\0tok3"));
	assert_true(record_clear_intent(r, "batch"));
	assert_block_of(r->intents, sizeof(*r->intents) + sizeof("chat\0acme-chat-bbbbbb\0tok2")); /* shrunk again */
	record_start_timer(r, TIMER_GRACE, "arn:9", 100);
	record_start_timer(r, TIMER_GRACE, "arn:10", 100);
	assert_true(malloc_usable_size(r->timers) < 3 * sizeof(*r->timers));
	assert_true(record_clear_timer(r, "arn:10"));
	assert_true(malloc_usable_size(r->timers) < 2 * sizeof(*r->timers));
	assert_true(record_clear_timer(r, "arn:9"));
	assert_string_equal(create_intent_token(record_intent(r, "chat"), (char[CREATE_INTENT_TOKEN_BUF]){ 0 }),
			    "tok2");
	assert_true(record_clear_intent(r, "chat"));
	assert_false(record_clear_intent(r, "chat"));

	record_start_timer(r, TIMER_GRACE, "arn:1", 100);
	record_start_timer(r, TIMER_DRAIN, "arn:1", 200);
	assert_int_equal(r->n_timers, 1);
	assert_int_equal(record_timer(r, "arn:1")->kind, TIMER_DRAIN);
	assert_int_equal(record_timer(r, "arn:1")->since, 200);
	assert_true(record_clear_timer(r, "arn:1"));
	assert_null(record_timer(r, "arn:1"));
	assert_true(record_is_empty(r));
	/* passing intents and timers leave no array behind (100,000 converged tenants) */
	assert_null(r->intents);
	assert_null(r->timers);
	tenant_record_free(r);
}

static void test_applied_keys_follow_tag_calls(void **state)
{
	struct tenant_record *r = tenant_record_new("acme");
	struct tag_set tags;
	char *gone[] = { "Team" };

	tag_set_init(&tags);
	tag_set_put(&tags, "Team", "a");
	tag_set_put(&tags, "CostCenter", "eng");
	tag_set_put(&tags, TAG_MANAGED_BY, "x"); /* reserved keys are not recorded */
	record_note_tagged(r, "arn:1", &tags);
	assert_int_equal(applied_tags_n_keys(record_applied(r, "arn:1")), 2);
	assert_true(record_applied_has(r, "arn:1", "Team"));
	assert_false(record_applied_has(r, "arn:1", TAG_MANAGED_BY));
	record_note_untagged(r, "arn:1", gone, 1);
	assert_false(record_applied_has(r, "arn:1", "Team"));
	assert_true(record_applied_has(r, "arn:1", "CostCenter"));
	record_note_tagged(r, "arn:2", &tags);
	assert_true(malloc_usable_size(r->applied) < 3 * sizeof(*r->applied));
	record_note_tagged(r, "arn:1", &tags); /* replaced: the array keeps its size */
	assert_int_equal(r->n_applied, 2);
	record_start_timer(r, TIMER_GRACE, "arn:1", 5);
	record_forget_resource(r, "arn:1");
	assert_null(record_applied(r, "arn:1"));
	assert_int_equal(r->n_applied, 1);
	record_forget_resource(r, "arn:2");
	assert_null(r->applied);
	assert_true(record_is_empty(r));
	tag_set_release(&tags);
	tenant_record_free(r);
}

/* Resources tagged with the same keys share one list of them, whatever the record; the
 * list keeps its length (an entry: its resource and its list, 16 bytes). */
static void test_applied_keys_shared(void **state)
{
	struct tenant_record *a = tenant_record_new("acme"), *b = tenant_record_new("globex");
	struct tag_set tags;
	char *gone[] = { "Team" };

	(void)state;
	tag_set_init(&tags);
	tag_set_put(&tags, "Team", "a");
	tag_set_put(&tags, "CostCenter", "eng");
	record_note_tagged(a, "arn:1", &tags);
	tag_set_put(&tags, "Team", "b"); /* values do not count */
	record_note_tagged(b, "arn:2", &tags);
	record_note_tagged(b, "/param", &tags);
	assert_true(sizeof(struct applied_tags) <= 16);
	assert_ptr_equal(record_applied(a, "arn:1")->keys, record_applied(b, "arn:2")->keys);
	assert_ptr_equal(record_applied(b, "/param")->keys, record_applied(b, "arn:2")->keys);
	record_note_untagged(b, "arn:2", gone, 1);
	assert_ptr_not_equal(record_applied(a, "arn:1")->keys, record_applied(b, "arn:2")->keys);
	assert_int_equal(applied_tags_n_keys(record_applied(b, "arn:2")), 1);
	assert_true(record_applied_has(a, "arn:1", "Team"));
	assert_true(record_applied_has(b, "/param", "Team"));
	tag_set_release(&tags);
	tenant_record_free(a);
	tenant_record_free(b);
}

/* A record holds its tenant id and its resources' ARNs and names as interned
 * references: the observed store's index and a listing's entries hold the same
 * strings, so 100,000 tenants' records add no copy of them. */
static void test_record_strings_interned(void **state)
{
	const char *tenant = intern("acme"),
		   *arn = intern("arn:aws:bedrock:us-east-1:1:application-inference-profile/x");
	struct tenant_record *r = tenant_record_new("acme");
	struct tag_set tags;
	char *arn_copy = xstrdup(arn);

	(void)state;
	assert_ptr_equal(r->tenant, tenant);
	tag_set_init(&tags);
	tag_set_put(&tags, "Team", "a");
	record_note_tagged(r, arn_copy, &tags);
	free(arn_copy);
	assert_ptr_equal(record_applied(r, arn)->resource, arn);
	record_note_tagged(r, "/bedrock-tenants/acme/chat/profile-arn", &tags);
	/* the entry's own string as the argument: its only reference, replaced safely */
	record_note_tagged(r, record_applied(r, "/bedrock-tenants/acme/chat/profile-arn")->resource, &tags);
	assert_int_equal(applied_tags_n_keys(record_applied(r, "/bedrock-tenants/acme/chat/profile-arn")), 1);
	record_forget_resource(r, arn);
	assert_null(record_applied(r, arn));
	tag_set_release(&tags);
	tenant_record_free(r);
	intern_unref(tenant);
	intern_unref(arn);
}

/* The keys of timers and facts that are not a resource are built in one place. */
static void test_record_keys(void **state)
{
	char *k, *role = NULL;
	const char *policy = NULL;

	assert_string_equal(k = record_key_budget_timer("acme-claims"), "budget:acme-claims");
	free(k);
	assert_string_equal(k = record_key_policy_timer("app"), "policy:app");
	free(k);
	assert_string_equal(k = record_key_alerts_fact("acme-claims"), "alerts\nacme-claims");
	free(k);
	k = record_key_policy_fact("app-role", "bedrock-tenant");
	assert_string_equal(k, "policy\napp-role\nbedrock-tenant");
	assert_true(record_key_policy_fact_parse(k, &role, &policy));
	assert_string_equal(role, "app-role");
	assert_string_equal(policy, "bedrock-tenant");
	free(role);
	free(k);
	assert_false(record_key_policy_fact_parse("alerts\nacme", &role, &policy));
	assert_false(record_key_policy_fact_parse("policy\nno-name", &role, &policy));
	assert_false(record_key_policy_fact_parse("policy:app", &role, &policy));
}

/* The policy and enforcement facts found without building their keys: the same as
 * record_fact of the built key. */
static void test_facts_found_without_keys(void **state)
{
	struct tenant_record *r = tenant_record_new("acme");
	char *k1 = record_key_policy_fact("app", "pol"), *k2 = record_key_policy_fact("app-2", "pol"),
	     *k3 = record_key_enforce_fact("deny"), *k4 = record_key_policy_fact(NULL, NULL);
	const char *role, *policy;
	size_t len;

	assert_null(record_policy_fact(NULL, "app", "pol"));
	record_set_fact(r, k1, "one");
	record_set_fact(r, k2, "two");
	record_set_fact(r, k3, "three");
	record_set_fact(r, k4, "four");
	assert_string_equal(record_policy_fact(r, "app", "pol"), "one");
	assert_string_equal(record_policy_fact(r, "app-2", "pol"), "two");
	assert_string_equal(record_policy_fact(r, NULL, NULL), "four");
	assert_null(record_policy_fact(r, "ap", "pol"));
	assert_null(record_policy_fact(r, "app", "po"));
	assert_null(record_policy_fact(r, "app", "pol2"));
	assert_string_equal(record_enforce_fact(r, "deny"), "three");
	assert_null(record_enforce_fact(r, "den"));
	assert_null(record_enforce_fact(r, "pol"));
	assert_true(record_key_policy_fact_split(k2, &role, &len, &policy));
	assert_int_equal(len, 5);
	assert_memory_equal(role, "app-2", 5);
	assert_string_equal(policy, "pol");
	assert_false(record_key_policy_fact_split(k3, &role, &len, &policy));
	assert_true(record_key_is_policy_fact(k1));
	assert_false(record_key_is_policy_fact(k3));
	free(k1);
	free(k2);
	free(k3);
	free(k4);
	tenant_record_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_keys),
		cmocka_unit_test(test_facts_found_without_keys),
		cmocka_unit_test(test_intents_and_timers),
		cmocka_unit_test(test_record_packed),
		cmocka_unit_test(test_facts_one_allocation),
		cmocka_unit_test(test_facts_prefix_kinds),
		cmocka_unit_test(test_facts_same_policy_value),
		cmocka_unit_test(test_facts_order),
		cmocka_unit_test(test_facts_shared_values),
		cmocka_unit_test(test_facts_shared_keys_hold_no_text),
		cmocka_unit_test(test_intent_one_allocation),
		cmocka_unit_test(test_intent_token_forms),
		cmocka_unit_test(test_applied_keys_follow_tag_calls),
		cmocka_unit_test(test_applied_keys_shared),
		cmocka_unit_test(test_record_strings_interned),
		/* last: it leaves the string pool past 2^24 slots, where every later string's
		 * handle is 4 bytes */
		cmocka_unit_test(test_facts_shared_handle_past_24_bits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
