#include "policy_memo.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy_doc.h"
#include "xalloc.h"

/* The digest as its 16 bytes, not its 32 hex digits (policy_hash writes lower-case
 * hex only; policy_memo_put keeps no other): 32 bytes a slot, not 48. */
struct slot {
	struct content_digest key; /* all zero: empty (a sum of digests is that as rarely as any) */
	unsigned char hash[POLICY_HASH_BYTES];
};

/* Set-associative: the key's low bits choose a bucket of WAYS slots. The table
 * doubles while it is more than half full, up to POLICY_MEMO_MAX slots; then a new
 * key in a full bucket replaces one of its entries. It halves, down to MIN_SLOTS,
 * while less than an eighth full (policy_memo_forget): a quarter full or less after
 * either, so that neither follows the other at once. */
#define WAYS	  4
#define MIN_SLOTS 1024

static struct {
	pthread_mutex_t lock;
	struct slot *slots;
	size_t cap; /* slots: a power of two >= WAYS, or 0 */
	/* entries; written under the lock, read without it by policy_memo_forget's
	 * shortcut (a converged daemon's memo is empty: no lock for each policy) */
	atomic_size_t n;
} memo = { .lock = PTHREAD_MUTEX_INITIALIZER };

static bool slot_empty(const struct slot *e)
{
	return !e->key.w[0] && !e->key.w[1];
}

/* The slot for key in a table of cap slots: the one holding it, else an empty one,
 * else the one it replaces. */
static struct slot *slot_for(struct slot *slots, size_t cap, struct content_digest key)
{
	struct slot *b = &slots[(key.w[0] * WAYS) & (cap - 1)], *empty = NULL;

	for (size_t i = 0; i < WAYS; i++) {
		if (content_digest_equal(b[i].key, key))
			return &b[i];
		if (!empty && slot_empty(&b[i]))
			empty = &b[i];
	}
	return empty ? empty : &b[key.w[1] % WAYS];
}

/* The table at cap slots (a power of two >= WAYS), its entries moved in (in a smaller
 * table an entry may take another's slot: the memo forgets it). */
static void resize(size_t cap)
{
	struct slot *slots = xcalloc(cap, sizeof(*slots));

	memo.n = 0;
	for (size_t i = 0; i < memo.cap; i++) {
		struct slot *to;
		if (slot_empty(&memo.slots[i]))
			continue;
		to = slot_for(slots, cap, memo.slots[i].key);
		memo.n += slot_empty(to);
		*to = memo.slots[i];
	}
	free(memo.slots);
	memo.slots = slots;
	memo.cap = cap;
}

bool policy_memo_key(const struct observed_profile *const *profiles, size_t n, struct content_digest *ret)
{
	struct content_digest sum = { { n, 0 } };

	for (size_t i = 0; i < n; i++) {
		struct content_digest d = profiles[i]->grants;
		if (!d.w[0] && !d.w[1])
			return false;
		content_digest_add(&sum, d);
	}
	if (!sum.w[0] && !sum.w[1])
		sum.w[1] = 1; /* never the empty slot's */
	*ret = sum;
	return true;
}

bool policy_memo_get(struct content_digest key, char out[DIGEST_HEX_SHORT + 1])
{
	bool found = false;

	pthread_mutex_lock(&memo.lock);
	if (memo.cap) {
		const struct slot *e = slot_for(memo.slots, memo.cap, key);
		if (content_digest_equal(e->key, key)) {
			policy_hash_unpack(e->hash, out);
			found = true;
		}
	}
	pthread_mutex_unlock(&memo.lock);
	return found;
}

void policy_memo_put(struct content_digest key, const char *hash)
{
	unsigned char packed[POLICY_HASH_BYTES];
	struct slot *e;

	if (!policy_hash_pack(hash, packed))
		return;
	pthread_mutex_lock(&memo.lock);
	if (!memo.cap || (memo.n >= memo.cap / 2 && memo.cap < POLICY_MEMO_MAX))
		resize(memo.cap ? memo.cap * 2 : MIN_SLOTS);
	e = slot_for(memo.slots, memo.cap, key);
	memo.n += slot_empty(e);
	e->key = key;
	memcpy(e->hash, packed, sizeof(packed));
	pthread_mutex_unlock(&memo.lock);
}

void policy_memo_forget(struct content_digest key)
{
	/* an entry put meanwhile by another thread may stay: the memo is a cache */
	if (!atomic_load_explicit(&memo.n, memory_order_relaxed))
		return;
	pthread_mutex_lock(&memo.lock);
	if (memo.cap) {
		struct slot *e = slot_for(memo.slots, memo.cap, key);
		if (content_digest_equal(e->key, key)) {
			memset(e, 0, sizeof(*e));
			memo.n--;
			while (memo.cap > MIN_SLOTS && memo.n < memo.cap / 8)
				resize(memo.cap / 2);
		}
	}
	pthread_mutex_unlock(&memo.lock);
}

void policy_memo_clear(void)
{
	pthread_mutex_lock(&memo.lock);
	free(memo.slots);
	memo.slots = NULL;
	memo.cap = 0;
	memo.n = 0;
	pthread_mutex_unlock(&memo.lock);
}

size_t policy_memo_bytes(void)
{
	return policy_memo_slots() * sizeof(struct slot);
}

size_t policy_memo_slots(void)
{
	size_t cap;

	pthread_mutex_lock(&memo.lock);
	cap = memo.cap;
	pthread_mutex_unlock(&memo.lock);
	return cap;
}

/* ---- the key in the record's policy facts ---- */

#define STR_(x)	 #x
#define STR(x)	 STR_(x)
#define FACT_TAG " k" STR(POLICY_DOC_FORMAT) ":"
#define KEY_HEX	 (2 * sizeof(struct content_digest))
#define FACT_LEN (DIGEST_HEX_SHORT + sizeof(FACT_TAG) - 1 + KEY_HEX)

/* " kFORMAT:" and key's 32 hex digits, NUL-terminated */
static const char hex_digits[] = "0123456789abcdef";

static void key_tail(struct content_digest key, char out[sizeof(FACT_TAG) + KEY_HEX])
{
	char *o = out + sizeof(FACT_TAG) - 1;

	memcpy(out, FACT_TAG, sizeof(FACT_TAG) - 1);
	for (size_t w = 0; w < 2; w++)
		for (int shift = 60; shift >= 0; shift -= 4)
			*o++ = hex_digits[(key.w[w] >> shift) & 0xf];
	*o = '\0';
}

char *policy_memo_fact(const char *hash, const struct content_digest *key)
{
	char tail[sizeof(FACT_TAG) + KEY_HEX];

	if (!key)
		return xstrdup(hash);
	key_tail(*key, tail);
	return xconcat(hash, tail, NULL);
}

bool policy_memo_fact_is(const char *fact, const char *hash)
{
	size_t n = strlen(hash);

	return strncmp(fact, hash, n) == 0 && (fact[n] == '\0' || fact[n] == ' ');
}

static bool holds(const char *fact, const char *tail)
{
	return strlen(fact) == FACT_LEN && memcmp(fact + DIGEST_HEX_SHORT, tail, FACT_LEN - DIGEST_HEX_SHORT) == 0;
}

bool policy_memo_fact_keyed(const char *fact, struct content_digest key)
{
	char tail[sizeof(FACT_TAG) + KEY_HEX];

	key_tail(key, tail);
	return holds(fact, tail);
}

const char *policy_memo_from_record(const struct tenant_record *r, struct content_digest key,
				    char out[DIGEST_HEX_SHORT + 1])
{
	char tail[sizeof(FACT_TAG) + KEY_HEX];
	const char *role, *policy, *v;
	size_t role_len;

	if (!r || !r->n_facts)
		return NULL;
	key_tail(key, tail);
	for (size_t at = 0; record_policy_fact_next(r, &at, &role, &role_len, &policy, &v);) {
		if (!v || !holds(v, tail))
			continue;
		memcpy(out, v, DIGEST_HEX_SHORT);
		out[DIGEST_HEX_SHORT] = '\0';
		return v;
	}
	return NULL;
}
