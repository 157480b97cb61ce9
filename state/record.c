#include "record.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "generation.h"
#include "intern.h"
#include "xalloc.h"

/* Resize an array to exactly n elements, NULL for none: a tenant's record holds a few
 * applied tag sets for as long as the tenant lives, and an intent per profile and a
 * timer or two while they pass, 100,000 times over, where XGROW's first eight slots
 * would mostly stay empty. Exact at every change, so the record keeps no count of
 * slots (struct tenant_record: 56 bytes, a 64-byte chunk, not 96). */
static void *resize_exact(void *ptr, size_t n, size_t size)
{
	if (!n) {
		free(ptr);
		return NULL;
	}
	return xreallocarray(ptr, n, size);
}

/* The fixed prefixes of the policy and alerts facts' keys (their kind byte in the
 * facts' block, below). */
#define POLICY_FACT_PREFIX "policy\n"
#define ALERTS_FACT_PREFIX "alerts\n"

#define RESIZE_EXACT(ptr, n) ((ptr) = resize_exact((ptr), (n), sizeof(*(ptr))))

/* Every change takes a new generation (state/generation.h). The lookups below accept
 * a NULL record, so this does too. */
static void touched(struct tenant_record *r)
{
	if (r)
		r->gen = generation_next();
}

struct tenant_record *tenant_record_new(const char *tenant)
{
	struct tenant_record *r = xcalloc(1, sizeof(*r));

	r->tenant = intern(tenant);
	r->gen = generation_next();
	return r;
}

static void release_applied(struct applied_tags *a)
{
	intern_list_unref((const char *const *)a->keys);
	intern_unref(a->resource);
}

static void release_facts(struct tenant_record *r);

void tenant_record_free(struct tenant_record *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_intents; i++)
		intern_unref(r->intents[i].arn);
	free(r->intents); /* and their strings */
	for (size_t i = 0; i < r->n_timers; i++)
		free(r->timers[i].resource);
	free(r->timers);
	for (size_t i = 0; i < r->n_applied; i++)
		release_applied(&r->applied[i]);
	free(r->applied);
	release_facts(r);
	intern_unref(r->tenant);
	free(r);
}

const struct create_intent *record_intent(const struct tenant_record *r, const char *profile_key)
{
	for (size_t i = 0; r && i < r->n_intents; i++)
		if (strcmp(create_intent_key(&r->intents[i]), profile_key) == 0)
			return &r->intents[i];
	return NULL;
}

const struct resource_timer *record_timer(const struct tenant_record *r, const char *resource)
{
	for (size_t i = 0; r && i < r->n_timers; i++)
		if (strcmp(r->timers[i].resource, resource) == 0)
			return &r->timers[i];
	return NULL;
}

const struct applied_tags *record_applied(const struct tenant_record *r, const char *resource)
{
	for (size_t i = 0; r && i < r->n_applied; i++)
		if (strcmp(r->applied[i].resource, resource) == 0)
			return &r->applied[i];
	return NULL;
}

bool record_applied_has(const struct tenant_record *r, const char *resource, const char *key)
{
	const struct applied_tags *a = record_applied(r, resource);

	for (size_t i = 0, n = a ? applied_tags_n_keys(a) : 0; i < n; i++)
		if (strcmp(a->keys[i], key) == 0)
			return true;
	return false;
}

/* A token held as bytes: lowercase hex digits, an even number of them, at most
 * CREATE_INTENT_TOKEN_BYTES_MAX bytes' worth (so its text comes back the same);
 * returns the bytes' count, 0 when the token is held as text. */
static size_t token_bytes(const char *token)
{
	size_t n = strlen(token);

	if (n == 0 || n % 2 || n > 2 * CREATE_INTENT_TOKEN_BYTES_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((token[i] >= '0' && token[i] <= '9') || (token[i] >= 'a' && token[i] <= 'f')))
			return 0;
	return n / 2;
}

static unsigned hex_value(char c)
{
	return c <= '9' ? (unsigned)(c - '0') : (unsigned)(c - 'a' + 10);
}

const char *create_intent_token(const struct create_intent *in, char buf[CREATE_INTENT_TOKEN_BUF])
{
	static const char digits[] = "0123456789abcdef";
	const char *name = create_intent_name(in);
	const unsigned char *bytes = (const unsigned char *)name + strlen(name) + 1;

	if (!in->token_bytes)
		return (const char *)bytes;
	for (size_t i = 0; i < in->token_bytes; i++) {
		buf[2 * i] = digits[bytes[i] >> 4];
		buf[2 * i + 1] = digits[bytes[i] & 15];
	}
	buf[2 * in->token_bytes] = '\0';
	return buf;
}

/* One intent as the block is built from it: its in-memory fields and its strings
 * (which may be in the block being replaced). */
struct intent_src {
	struct create_intent meta;
	const char *key, *name, *token;
};

static size_t intent_strings_size(const struct intent_src *s)
{
	size_t t = token_bytes(s->token);

	return strlen(s->key) + 1 + strlen(s->name) + 1 + (t ? t : strlen(s->token) + 1);
}

/* Builds the record's intents block anew from src[0..n) (the array, then each one's
 * strings) and frees the old one after: src's strings may be in it. Intents come and
 * go once a create, so building the whole block each time costs nothing that shows. */
static void intents_build(struct tenant_record *r, const struct intent_src *src, size_t n)
{
	size_t total = n * sizeof(struct create_intent);
	struct create_intent *out;
	char *p;

	for (size_t i = 0; i < n; i++)
		total += intent_strings_size(&src[i]);
	out = n ? xmalloc(total) : NULL;
	p = n ? (char *)(out + n) : NULL;
	for (size_t i = 0; i < n; i++) {
		size_t k = strlen(src[i].key) + 1, m = strlen(src[i].name) + 1, t = token_bytes(src[i].token);

		out[i] = src[i].meta;
		out[i].strings = (uint32_t)(p - (char *)&out[i]);
		out[i].token_bytes = (uint8_t)t;
		memcpy(p, src[i].key, k);
		memcpy(p + k, src[i].name, m);
		p += k + m;
		if (t) {
			for (size_t j = 0; j < t; j++)
				p[j] = (char)(hex_value(src[i].token[2 * j]) << 4 | hex_value(src[i].token[2 * j + 1]));
			p += t;
		} else {
			size_t len = strlen(src[i].token) + 1;
			memcpy(p, src[i].token, len);
			p += len;
		}
	}
	free(r->intents);
	r->intents = out;
	r->n_intents = (uint16_t)n;
}

/* The record's intents as sources for intents_build, with room for `more`;
 * tokens[i] receives the bytes' text. Freed by the caller. */
static struct intent_src *intents_sources(const struct tenant_record *r, char (*tokens)[CREATE_INTENT_TOKEN_BUF],
					  size_t more)
{
	struct intent_src *src = xcalloc((size_t)r->n_intents + more, sizeof(*src));

	for (size_t i = 0; i < r->n_intents; i++) {
		src[i].meta = r->intents[i];
		src[i].key = create_intent_key(&r->intents[i]);
		src[i].name = create_intent_name(&r->intents[i]);
		src[i].token = create_intent_token(&r->intents[i], tokens[i]);
	}
	return src;
}

void record_set_intent(struct tenant_record *r, const char *profile_key, const char *name, const char *token,
		       int64_t since)
{
	const struct create_intent *old = record_intent(r, profile_key);
	size_t i = old ? (size_t)(old - r->intents) : r->n_intents;
	char(*tokens)[CREATE_INTENT_TOKEN_BUF];
	struct intent_src *src;

	touched(r);
	if (!old && r->n_intents == RECORD_ITEMS_MAX)
		return;
	tokens = xcalloc((size_t)r->n_intents + 1, sizeof(*tokens));
	src = intents_sources(r, tokens, 1);
	if (old)
		intern_unref(old->arn);
	/* the arguments may be the old intent's own strings: read before the block goes */
	src[i] = (struct intent_src){ .meta = { .since = since }, .key = profile_key, .name = name, .token = token };
	intents_build(r, src, r->n_intents + !old);
	free(src);
	free(tokens);
}

void record_note_intent_answer(struct tenant_record *r, const char *profile_key, const char *token, const char *arn,
			       bool confirmed, int64_t now)
{
	struct create_intent *in = (struct create_intent *)record_intent(r, profile_key);
	char buf[CREATE_INTENT_TOKEN_BUF];

	touched(r);
	if (!in || !token || strcmp(create_intent_token(in, buf), token) != 0)
		return;
	if (!in->arn || strcmp(in->arn, arn) != 0) {
		const char *old = in->arn;
		in->arn = intern(arn);
		intern_unref(old);
		in->answered_at = now;
		in->confirmed = false;
	}
	in->confirmed |= confirmed;
	in->dead = false;
}

void record_confirm_intent(struct tenant_record *r, const char *profile_key, const char *arn)
{
	struct create_intent *in = (struct create_intent *)record_intent(r, profile_key);

	touched(r);
	if (in && in->arn && strcmp(in->arn, arn) == 0)
		in->confirmed = true;
}

int record_mark_intent_dead(struct tenant_record *r, const char *profile_key, const char *arn, int64_t now)
{
	struct create_intent *in = (struct create_intent *)record_intent(r, profile_key);

	touched(r);
	if (!in || !in->arn || strcmp(in->arn, arn) != 0)
		return -ENOENT;
	if (!in->confirmed && now < in->answered_at + RECORD_UNCONFIRMED_GRACE)
		return -EAGAIN;
	in->dead = true;
	return 0;
}

bool record_clear_intent(struct tenant_record *r, const char *profile_key)
{
	const struct create_intent *in = record_intent(r, profile_key);
	size_t i = in ? (size_t)(in - r->intents) : 0;
	char(*tokens)[CREATE_INTENT_TOKEN_BUF];
	struct intent_src *src;

	touched(r);
	if (!in)
		return false;
	intern_unref(in->arn);
	tokens = xcalloc(r->n_intents, sizeof(*tokens));
	src = intents_sources(r, tokens, 1);
	src[i] = src[r->n_intents - 1];		  /* the last takes its place, as before */
	intents_build(r, src, r->n_intents - 1u); /* intents are passing: the last leaves no block */
	free(src);
	free(tokens);
	return true;
}

void record_start_timer(struct tenant_record *r, enum timer_kind kind, const char *resource, int64_t since)
{
	struct resource_timer *t = (struct resource_timer *)record_timer(r, resource);

	touched(r);
	if (!t) {
		if (r->n_timers == RECORD_ITEMS_MAX)
			return;
		RESIZE_EXACT(r->timers, r->n_timers + 1);
		t = &r->timers[r->n_timers++];
		t->resource = xstrdup(resource);
	}
	t->kind = kind;
	t->since = since;
}

bool record_clear_timer(struct tenant_record *r, const char *resource)
{
	struct resource_timer *t = (struct resource_timer *)record_timer(r, resource);

	touched(r);
	if (!t)
		return false;
	free(t->resource);
	*t = r->timers[--r->n_timers];
	RESIZE_EXACT(r->timers, r->n_timers);
	return true;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* a: resource (interned, its reference a's) with keys[0..n) (n > 0), sorted, each once */
static void applied_fill(struct applied_tags *a, const char *resource, char *const *keys, size_t n)
{
	const char **v = xcalloc(n, sizeof(char *));
	size_t out = 0;

	for (size_t i = 0; i < n; i++)
		v[i] = intern(keys[i]);
	qsort(v, n, sizeof(char *), cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (out && v[out - 1] == v[i]) { /* interned: equal strings, equal pointers */
			intern_unref(v[i]);
			continue;
		}
		v[out++] = v[i];
	}
	a->resource = resource; /* the listing's entry holds the same ARN or name */
	/* resources of the same shape share one list (the list holds its own references) */
	a->keys = (char **)intern_list(v, out);
	for (size_t i = 0; i < out; i++)
		intern_unref(v[i]);
	free(v);
}

void record_set_applied(struct tenant_record *r, const char *resource, char *const *keys, size_t n)
{
	struct applied_tags *a = (struct applied_tags *)record_applied(r, resource);
	const char *res;

	touched(r);
	if (!a && n && r->n_applied == RECORD_ITEMS_MAX)
		return;
	/* taken first: resource may be the entry's own, released below */
	res = n ? intern(resource) : NULL;
	if (a) {
		release_applied(a);
		*a = r->applied[--r->n_applied];
	}
	if (!n) {
		RESIZE_EXACT(r->applied, r->n_applied);
		return;
	}
	RESIZE_EXACT(r->applied, r->n_applied + 1); /* the same size when it replaced an entry */
	applied_fill(&r->applied[r->n_applied++], res, keys, n);
}

/* Replace resource's applied keys with the keys of `set` (values unused). */
static void set_applied_from(struct tenant_record *r, const char *resource, const struct tag_set *set)
{
	char **keys = xcalloc(set->n + 1, sizeof(char *));

	for (size_t i = 0; i < set->n; i++)
		keys[i] = (char *)tag_set_key(set, i);
	record_set_applied(r, resource, keys, set->n);
	free(keys);
}

static void applied_as_set(const struct tenant_record *r, const char *resource, struct tag_set *ret)
{
	const struct applied_tags *a = record_applied(r, resource);

	tag_set_init(ret);
	for (size_t i = 0, n = a ? applied_tags_n_keys(a) : 0; i < n; i++)
		tag_set_put(ret, a->keys[i], "");
}

void record_note_tagged(struct tenant_record *r, const char *resource, const struct tag_set *tags)
{
	struct tag_set keys;

	applied_as_set(r, resource, &keys);
	for (size_t i = 0; i < tags->n; i++)
		if (strncmp(tag_set_key(tags, i), TAG_RESERVED_PREFIX, strlen(TAG_RESERVED_PREFIX)) != 0)
			tag_set_put(&keys, tag_set_key(tags, i), "");
	set_applied_from(r, resource, &keys);
	tag_set_release(&keys);
}

void record_note_untagged(struct tenant_record *r, const char *resource, char *const *keys, size_t n)
{
	struct tag_set set;

	applied_as_set(r, resource, &set);
	for (size_t i = 0; i < n; i++)
		tag_set_remove(&set, keys[i]);
	set_applied_from(r, resource, &set);
	tag_set_release(&set);
}

void record_forget_resource(struct tenant_record *r, const char *resource)
{
	touched(r);
	record_clear_timer(r, resource);
	record_set_applied(r, resource, NULL, 0);
}

/* ---- facts ----
 *
 * A record's facts are one allocation, r->facts (NULL when it has none): each fact is
 * a kind byte, its key's name with its NUL, then its value, back to back, and FACT_END
 * after the last. A value is its text with its NUL (FACT_TEXT, FACT_POLICY,
 * FACT_ALERTS) or, for the facts whose value many tenants repeat (shared_keys), the
 * handle of an interned string the record holds a reference to, in 3 bytes while it
 * is below 2^24 (the pool's first 128 MB of slots: FACT_SHARED3), in 4 otherwise; the
 * key of such a fact is its kind byte (FACT_SHARED or FACT_SHARED3 + its index in
 * shared_keys), with no text.
 * The policy and alerts facts' fixed prefixes ("policy\n", "alerts\n": fact_prefixes)
 * are their kind byte too, their key's name the rest of it: a benchmark tenant at
 * 100,000 (place, account and revision reached, its budget's alerts, one policy fact a
 * role) takes 194 bytes with one role, not 208, and 311 with two, jemalloc's 320-byte
 * class, not 332 in a 384-byte one (test_record's test_facts_prefix_kinds). A policy
 * fact whose value is the value of the policy fact before it (the same document put
 * on each of a tenant's roles) keeps no copy of it: FACT_POLICY_SAME, its name then
 * the 2-byte offset of that value's text in the block, which record_fact still
 * returns (a tenant with two roles: 311 -> 244 bytes, jemalloc's 256-byte class).
 * With the shared values' handles in 3 bytes, 191 and 241: one role fits jemalloc's
 * 192-byte class, not 224 (test_facts_prefix_kinds). A record holds a handful of facts: a walk finds one, and setting
 * or clearing one writes the block anew, exactly sized. */
enum {
	FACT_END = 0,
	FACT_TEXT = 1,	      /* the key's text whole */
	FACT_POLICY = 2,      /* "policy\n" then the name */
	FACT_ALERTS = 3,      /* "alerts\n" then the name */
	FACT_POLICY_SAME = 4, /* FACT_POLICY, its value the offset of another's */
	FACT_SHARED = 5,      /* to 8: + the index of its key, a 4-byte handle */
	FACT_SHARED3 = 9      /* to 12: + the index of its key, a 3-byte handle */
};

static const char *const fact_prefixes[FACT_SHARED] = {
	[FACT_TEXT] = "",
	[FACT_POLICY] = POLICY_FACT_PREFIX,
	[FACT_ALERTS] = ALERTS_FACT_PREFIX,
	[FACT_POLICY_SAME] = POLICY_FACT_PREFIX,
};

/* The facts whose value many tenants repeat or the engine interns anyway: the place,
 * its account id and the pool (a few distinct ones for all tenants) and the reconciled
 * revision (the engine and the desired model hold the same interned string). Other
 * values are unique to their tenant (digests of its policies and alerts): interned,
 * they would cost a pool entry besides. */
static const char *const shared_keys[] = {
	RECORD_FACT_RECONCILED_REVISION,
	RECORD_FACT_PLACE,
	RECORD_FACT_POOL,
	RECORD_FACT_ACCOUNT,
};
#define N_SHARED_KEYS (sizeof(shared_keys) / sizeof(shared_keys[0]))

/* The index of key in shared_keys, or -1. */
static int shared_key(const char *key)
{
	for (size_t i = 0; i < N_SHARED_KEYS; i++)
		if (strcmp(key, shared_keys[i]) == 0)
			return (int)i;
	return -1;
}

/* The kind key is written with in the block when its value is text (FACT_TEXT,
 * FACT_POLICY or FACT_ALERTS), and the name it keeps of key (*ret_name). */
static char text_kind(const char *key, const char **ret_name)
{
	for (char k = FACT_POLICY; k <= FACT_ALERTS; k++) {
		size_t n = strlen(fact_prefixes[(int)k]);
		if (strncmp(key, fact_prefixes[(int)k], n) == 0) {
			*ret_name = key + n;
			return k;
		}
	}
	*ret_name = key;
	return FACT_TEXT;
}

struct fact {
	char kind;	   /* FACT_POLICY for FACT_POLICY_SAME too */
	const char *key;   /* its name: after its prefix (FACT_POLICY, FACT_ALERTS), whole otherwise */
	const char *value; /* the text, or the interned string of a shared one */
	uint32_t handle;   /* a shared one's */
	size_t size;	   /* its bytes in the block, kind byte included */
};

/* Whether f's key is the key whose kind and name text_kind gave. A shared fact's key
 * and a text one's are compared as text (a shared key's value too long for a handle
 * is kept as FACT_TEXT). */
static bool fact_is(const struct fact *f, char kind, const char *name)
{
	if (f->kind == FACT_POLICY || f->kind == FACT_ALERTS || kind != FACT_TEXT)
		return f->kind == kind && strcmp(f->key, name) == 0;
	return strcmp(f->key, name) == 0;
}

/* The fact at p of the block at base into *ret; false at FACT_END. */
static bool fact_read(const char *base, const char *p, struct fact *ret)
{
	size_t key_size;

	if (*p == FACT_END)
		return false;
	ret->kind = *p;
	ret->handle = 0;
	if (ret->kind == FACT_POLICY_SAME) {
		uint16_t off;
		ret->kind = FACT_POLICY;
		ret->key = p + 1;
		key_size = strlen(ret->key) + 1;
		memcpy(&off, ret->key + key_size, sizeof(off)); /* unaligned */
		ret->value = base + off;
		ret->size = 1 + key_size + sizeof(off);
		return true;
	}
	if (ret->kind >= FACT_SHARED3) {
		const unsigned char *h = (const unsigned char *)p + 1;
		ret->handle = (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16;
		ret->kind = (char)(FACT_SHARED + ret->kind - FACT_SHARED3);
		ret->key = shared_keys[ret->kind - FACT_SHARED];
		ret->value = intern_handle_str(ret->handle);
		ret->size = 1 + 3;
		return true;
	}
	if (ret->kind >= FACT_SHARED) {
		memcpy(&ret->handle, p + 1, sizeof(ret->handle)); /* unaligned */
		ret->key = shared_keys[ret->kind - FACT_SHARED];
		ret->value = intern_handle_str(ret->handle);
		ret->size = 1 + sizeof(ret->handle);
		return true;
	}
	ret->key = p + 1;
	key_size = strlen(ret->key) + 1;
	ret->value = ret->key + key_size;
	ret->size = 1 + key_size + strlen(ret->value) + 1;
	return true;
}

bool record_fact_next(const struct tenant_record *r, size_t *cursor, struct record_fact *ret)
{
	struct fact f;

	if (!r || !r->facts || !fact_read(r->facts, r->facts + *cursor, &f))
		return false;
	*cursor += f.size;
	ret->prefix = f.kind < FACT_SHARED ? fact_prefixes[(int)f.kind] : "";
	ret->name = f.key;
	ret->value = f.value;
	return true;
}

char *record_fact_key(const struct record_fact *f)
{
	return xconcat(f->prefix, f->name, NULL);
}

bool record_policy_fact_next(const struct tenant_record *r, size_t *cursor, const char **ret_role, size_t *ret_role_len,
			     const char **ret_policy, const char **ret_value)
{
	struct fact f;
	const char *nl;

	while (r && r->facts && fact_read(r->facts, r->facts + *cursor, &f)) {
		*cursor += f.size;
		if (f.kind != FACT_POLICY || !(nl = strchr(f.key, '\n')))
			continue;
		*ret_role = f.key;
		*ret_role_len = (size_t)(nl - f.key);
		*ret_policy = nl + 1;
		if (ret_value)
			*ret_value = f.value;
		return true;
	}
	return false;
}

/* The fact key in r's block, or NULL. */
static const char *fact_lookup(const struct tenant_record *r, const char *key)
{
	struct fact f;
	const char *name;
	char kind = text_kind(key, &name);

	for (const char *q = r ? r->facts : NULL; q && fact_read(r->facts, q, &f); q += f.size)
		if (fact_is(&f, kind, name))
			return f.value;
	return NULL;
}

const char *record_fact(const struct tenant_record *r, const char *key)
{
	return fact_lookup(r, key);
}

/* The fact key = value as it goes into the block: keyed by its kind byte, its value
 * shared, when its key is one of shared_keys and the pool gives the value a handle
 * (*ret_handle, a reference taken); as text otherwise (a value too long for a handle:
 * FACT_TEXT with its key's text), its key's fixed prefix as its kind byte when it has
 * one. */
static struct fact fact_new(const char *key, const char *value, uint32_t *ret_handle)
{
	struct fact f = { .value = value };
	int shared = shared_key(key);

	*ret_handle = 0;
	if (shared >= 0) {
		const char *s = intern(value);
		if ((*ret_handle = intern_handle(s)) != 0) {
			f.kind = (char)(FACT_SHARED + shared);
			f.key = shared_keys[shared];
			return f;
		}
		intern_unref(s);
	}
	f.kind = text_kind(key, &f.key);
	return f;
}

/* A fact as facts_rewrite writes it anew, and the handle of a shared one. */
struct fact_out {
	struct fact f;
	uint32_t handle;
};

/* The facts v[0..n) and FACT_END written at mem (NULL: only measured); returns their
 * size. A policy fact whose value is the value of the policy fact before it is written
 * FACT_POLICY_SAME when that value's offset fits in 16 bits and its text is longer
 * than the offset. */
static size_t facts_write(char *mem, const struct fact_out *v, size_t n)
{
	const char *prev = NULL; /* the value of the last policy fact written as text */
	size_t at = 0, prev_at = 0;

	for (size_t i = 0; i < n; i++) {
		const struct fact *f = &v[i].f;
		size_t key_size, value_size;
		bool same;
		if (f->kind >= FACT_SHARED && v[i].handle < 1u << 24) {
			if (mem) {
				mem[at] = (char)(FACT_SHARED3 + f->kind - FACT_SHARED);
				mem[at + 1] = (char)(v[i].handle & 0xff);
				mem[at + 2] = (char)(v[i].handle >> 8 & 0xff);
				mem[at + 3] = (char)(v[i].handle >> 16);
			}
			at += 1 + 3;
			continue;
		}
		if (f->kind >= FACT_SHARED) {
			if (mem) {
				mem[at] = f->kind;
				memcpy(mem + at + 1, &v[i].handle, sizeof(v[i].handle));
			}
			at += 1 + sizeof(v[i].handle);
			continue;
		}
		key_size = strlen(f->key) + 1;
		value_size = strlen(f->value) + 1;
		same = f->kind == FACT_POLICY && prev && prev_at <= UINT16_MAX && value_size > sizeof(uint16_t) &&
		       strcmp(prev, f->value) == 0;
		if (mem) {
			mem[at] = same ? FACT_POLICY_SAME : f->kind;
			memcpy(mem + at + 1, f->key, key_size);
		}
		at += 1 + key_size;
		if (same) {
			uint16_t off = (uint16_t)prev_at;
			if (mem)
				memcpy(mem + at, &off, sizeof(off));
			at += sizeof(off);
			continue;
		}
		if (f->kind == FACT_POLICY) {
			prev = f->value;
			prev_at = at;
		}
		if (mem)
			memcpy(mem + at, f->value, value_size);
		at += value_size;
	}
	if (mem)
		mem[at] = FACT_END;
	return at + 1;
}

/* r's facts written anew: the fact `key` replaced in its place by key = value, or
 * added last when absent (value NULL: removed). Returns whether key was there. The
 * new block is written before the old one is freed: key and value may be strings of
 * the old block. Every fact is written again (not copied): a FACT_POLICY_SAME's
 * offset moves with what is before it. */
static bool facts_rewrite(struct tenant_record *r, const char *key, const char *value)
{
	struct fact old = { 0 }, f;
	struct fact_out small[16], *v;
	size_t n = 0;
	bool found = false;
	const char *name;
	char kind = text_kind(key, &name), *mem = NULL;

	for (const char *q = r->facts; q && fact_read(r->facts, q, &f); q += f.size) {
		if (fact_is(&f, kind, name)) {
			old = f;
			found = true;
			break;
		}
	}
	if (!found && (!value || r->n_facts == RECORD_FACTS_MAX))
		return false;
	v = r->n_facts + 1 <= 16 ? small : xcalloc(r->n_facts + 1, sizeof(*v));
	for (const char *q = r->facts; q && fact_read(r->facts, q, &f); q += f.size) {
		if (found && f.key == old.key) {
			if (value)
				v[n].f = fact_new(key, value, &v[n].handle), n++;
			continue;
		}
		v[n].f = f;
		v[n].handle = f.handle;
		n++;
	}
	if (value && !found)
		v[n].f = fact_new(key, value, &v[n].handle), n++;
	if (n) {
		mem = xmalloc(facts_write(NULL, v, n));
		facts_write(mem, v, n);
	}
	if (v != small)
		free(v);
	if (found && old.kind >= FACT_SHARED)
		intern_unref(old.value);
	free(r->facts);
	r->facts = mem;
	r->n_facts = r->n_facts - found + (value != NULL);
	return found;
}

static void release_facts(struct tenant_record *r)
{
	struct fact f;

	for (const char *q = r->facts; q && fact_read(r->facts, q, &f); q += f.size)
		if (f.kind >= FACT_SHARED)
			intern_unref(f.value);
	free(r->facts);
}

void record_set_fact(struct tenant_record *r, const char *key, const char *value)
{
	touched(r);
	facts_rewrite(r, key, value);
}

bool record_clear_fact(struct tenant_record *r, const char *key)
{
	touched(r);
	return facts_rewrite(r, key, NULL);
}

bool record_is_empty(const struct tenant_record *r)
{
	return !r->n_intents && !r->n_timers && !r->n_applied && !r->n_facts;
}

/* ---- loading ---- */

/* How many of n rows a record holding `held` of a kind takes (at most max in all). */
static size_t load_room(size_t held, size_t n, size_t max)
{
	return held >= max ? 0 : n < max - held ? n : max - held;
}

size_t record_load_intents(struct tenant_record *r, const struct record_intent_row *rows, size_t n)
{
	size_t held = r->n_intents;
	char(*tokens)[CREATE_INTENT_TOKEN_BUF];
	struct intent_src *src;

	n = load_room(held, n, RECORD_ITEMS_MAX);
	if (!n)
		return 0;
	touched(r);
	tokens = xcalloc(held + 1, sizeof(*tokens));
	src = intents_sources(r, tokens, n);
	for (size_t i = 0; i < n; i++)
		src[held + i] = (struct intent_src){ .meta = { .since = rows[i].since },
						     .key = rows[i].profile_key,
						     .name = rows[i].name,
						     .token = rows[i].token };
	intents_build(r, src, held + n);
	free(src);
	free(tokens);
	return n;
}

size_t record_load_timers(struct tenant_record *r, const struct resource_timer *rows, size_t n)
{
	size_t held = r->n_timers;

	n = load_room(held, n, RECORD_ITEMS_MAX);
	if (!n)
		return 0;
	touched(r);
	RESIZE_EXACT(r->timers, held + n);
	for (size_t i = 0; i < n; i++)
		r->timers[held + i] = (struct resource_timer){ rows[i].kind, xstrdup(rows[i].resource), rows[i].since };
	r->n_timers = (uint16_t)(held + n);
	return n;
}

size_t record_load_applied(struct tenant_record *r, const struct record_applied_row *rows, size_t n)
{
	size_t held = r->n_applied;

	n = load_room(held, n, RECORD_ITEMS_MAX);
	if (!n)
		return 0;
	touched(r);
	RESIZE_EXACT(r->applied, held + n);
	for (size_t i = 0; i < n; i++)
		applied_fill(&r->applied[held + i], intern(rows[i].resource), rows[i].keys, rows[i].n_keys);
	r->n_applied = (uint16_t)(held + n);
	return n;
}

size_t record_load_facts(struct tenant_record *r, const char *const *keys, const char *const *values, size_t n)
{
	size_t held = r->n_facts, k = 0;
	struct fact_out *v;
	struct fact f;
	char *mem;

	n = load_room(held, n, RECORD_FACTS_MAX);
	if (!n)
		return 0;
	touched(r);
	v = xcalloc(held + n, sizeof(*v));
	/* the facts held keep their references; the new block is written before the old goes */
	for (const char *q = r->facts; q && fact_read(r->facts, q, &f); q += f.size)
		v[k++] = (struct fact_out){ f, f.handle };
	for (size_t i = 0; i < n; i++, k++)
		v[k].f = fact_new(keys[i], values[i], &v[k].handle);
	mem = xmalloc(facts_write(NULL, v, k));
	facts_write(mem, v, k);
	free(v);
	free(r->facts);
	r->facts = mem;
	r->n_facts = (uint16_t)k;
	return n;
}

const char *timer_kind_name(enum timer_kind k)
{
	return k == TIMER_DRAIN ? "drain" : "grace";
}

/* ---- record keys ---- */

char *record_key_budget_timer(const char *budget)
{
	return xasprintf("budget:%s", budget);
}

char *record_key_policy_timer(const char *role)
{
	return xconcat("policy:", role ? role : "(null)", NULL);
}

char *record_key_alerts_fact(const char *budget)
{
	return xconcat(ALERTS_FACT_PREFIX, budget ? budget : "(null)", NULL);
}

char *record_key_policy_fact(const char *role, const char *policy)
{
	return xconcat(POLICY_FACT_PREFIX, role ? role : "(null)", "\n", policy ? policy : "(null)", NULL);
}

bool record_key_policy_fact_parse(const char *key, char **ret_role, const char **ret_policy)
{
	const char *role, *nl;

	if (strncmp(key, POLICY_FACT_PREFIX, strlen(POLICY_FACT_PREFIX)) != 0 ||
	    !(nl = strchr(role = key + strlen(POLICY_FACT_PREFIX), '\n')))
		return false;
	*ret_role = xstrndup(role, (size_t)(nl - role));
	*ret_policy = nl + 1;
	return true;
}

bool record_key_policy_fact_split(const char *key, const char **ret_role, size_t *ret_role_len, const char **ret_policy)
{
	const char *role, *nl;

	if (strncmp(key, POLICY_FACT_PREFIX, strlen(POLICY_FACT_PREFIX)) != 0 ||
	    !(nl = strchr(role = key + strlen(POLICY_FACT_PREFIX), '\n')))
		return false;
	*ret_role = role;
	*ret_role_len = (size_t)(nl - role);
	*ret_policy = nl + 1;
	return true;
}

const char *record_policy_fact(const struct tenant_record *r, const char *role, const char *policy)
{
	const char *k_role, *k_policy, *value;
	size_t role_len, k_len;

	role = role ? role : "(null)";
	policy = policy ? policy : "(null)";
	role_len = strlen(role);
	for (size_t at = 0; record_policy_fact_next(r, &at, &k_role, &k_len, &k_policy, &value);)
		if (k_len == role_len && memcmp(k_role, role, role_len) == 0 && strcmp(k_policy, policy) == 0)
			return value;
	return NULL;
}

const char *record_enforce_fact(const struct tenant_record *r, const char *policy)
{
	static const char prefix[] = "enforce\n";
	struct record_fact f;

	/* its key is text (no prefix kept as a kind byte): its name is the whole key */
	for (size_t at = 0; record_fact_next(r, &at, &f);)
		if (!*f.prefix && strncmp(f.name, prefix, sizeof(prefix) - 1) == 0 &&
		    strcmp(f.name + sizeof(prefix) - 1, policy) == 0)
			return f.value;
	return NULL;
}

bool record_key_is_policy_fact(const char *key)
{
	return strncmp(key, POLICY_FACT_PREFIX, strlen(POLICY_FACT_PREFIX)) == 0;
}

char *record_key_enforce_fact(const char *policy)
{
	return xconcat("enforce\n", policy, NULL);
}

char *record_key_enforce_timer(const char *policy)
{
	return xconcat("enforce:", policy, NULL);
}

#define MOVING_FROM_PREFIX "moving-from\n"

char *record_key_moving_from(const char *place)
{
	return xconcat(MOVING_FROM_PREFIX, place ? place : "(null)", NULL);
}

const char *record_key_moving_from_parse(const char *key)
{
	if (strncmp(key, MOVING_FROM_PREFIX, strlen(MOVING_FROM_PREFIX)) != 0)
		return NULL;
	return key + strlen(MOVING_FROM_PREFIX);
}

char *record_key_move_timer(const char *place)
{
	return xconcat("move:", place ? place : "(null)", NULL);
}

bool record_key_is_move_timer(const char *key)
{
	return strncmp(key, "move:", 5) == 0;
}

const char *record_moving_from(const struct tenant_record *r, size_t i)
{
	struct record_fact f;

	for (size_t at = 0; record_fact_next(r, &at, &f);) {
		const char *place = *f.prefix ? NULL : record_key_moving_from_parse(f.name);
		if (place && i-- == 0)
			return place;
	}
	return NULL;
}
