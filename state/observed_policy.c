/* The observed inline role policies and roles (observed.h): policies keyed by their
 * role in lower case and their name (a listing's packed in the store's policies
 * arena, handed over whole by observed_store_take_policies); each role's characters
 * summed over its policies; the store's digests of both. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "generation.h"
#include "observed_impl.h"
#include "policy_doc.h"
#include "xalloc.h"

/* IAM's role names are unique without regard to case ("App" and "app" are one role,
 * and a manifest may write either): the maps key a role by its name in lower case.
 * A name longer than IAM allows is kept as it is. */
#define ROLE_KEY_MAX 128
_Static_assert(POLICY_ROLE_TEXT == ROLE_KEY_MAX + 1, "a role kept as its key's head fits POLICY_ROLE_TEXT");
static const char *role_key(const char *role, char buf[ROLE_KEY_MAX + 1])
{
	size_t n = 0;

	while (role[n] && !(role[n] >= 'A' && role[n] <= 'Z'))
		n++;
	if (!role[n]) /* in lower case already (most names): no copy */
		return role;
	n += strlen(role + n);
	if (n > ROLE_KEY_MAX)
		return role;
	for (size_t i = 0; i <= n; i++)
		buf[i] = (char)tolower((unsigned char)role[i]);
	return buf;
}

char *observed_policy_key(const char *role, const char *name)
{
	char buf[ROLE_KEY_MAX + 1];

	return xasprintf("%s\n%s", role_key(role, buf), name);
}

struct observed_policy *observed_policy_dup(const struct observed_policy *p)
{
	struct observed_policy *c = xcalloc(1, sizeof(*c));
	char role_buf[POLICY_ROLE_TEXT];

	c->role = xstrdup(observed_policy_role(p, role_buf));
	c->name = xstrdup(p->name);
	c->document = xstrdup_or_null(p->document);
	c->has_hash = p->has_hash;
	c->hash_packed = p->hash_packed;
	if (p->hash_packed)
		memcpy(c->hash.packed, p->hash.packed, sizeof(c->hash.packed));
	else if (p->has_hash)
		c->hash.text = xstrdup(p->hash.text);
	c->chars = p->chars;
	c->role_missing = p->role_missing;
	observed_policy_copy_others(c, p);
	return c;
}

void observed_policy_free(struct observed_policy *p)
{
	if (!p)
		return;
	if (p->in_arena) { /* its memory goes with its store's policies arena */
		free(p->document);
		free(p->others);
		return;
	}
	free(p->key);
	free(p->role);
	free(p->name);
	free(p->document);
	free(p->others);
	if (p->has_hash && !p->hash_packed)
		free(p->hash.text);
	free(p);
}

/* A policy's size in its 32 bits (IAM's documents are a few KB: never reached). */
static uint32_t policy_chars32(size_t chars)
{
	return chars < UINT32_MAX ? (uint32_t)chars : UINT32_MAX;
}

struct observed_policy *observed_store_new_policy(struct observed_store *s, const char *role, const char *name,
						  const char *hash, size_t chars)
{
	char buf[ROLE_KEY_MAX + 1];
	const char *lower = role_key(role, buf);
	size_t n_lower = strlen(lower), n_name = strlen(name), n_role = strlen(role), n_text = 0;
	/* the key's head is the role as written (no copy was made to lower it), and
	 * observed_policy_role's buffer holds it */
	bool role_is_head = lower == role && n_role <= ROLE_KEY_MAX && strcspn(role, "\n") == n_role;
	size_t n_own_role = role_is_head ? 0 : n_role + 1;
	struct observed_policy *p;
	char *str;
	unsigned char packed[POLICY_HASH_BYTES];
	bool is_packed = hash && policy_hash_pack(hash, packed);

	if (hash && !is_packed)
		n_text = strlen(hash) + 1;

	if (!s->policies_arena)
		s->policies_arena = arena_new();
	p = arena_alloc(s->policies_arena, sizeof(*p));
	p->in_arena = true;
	/* one string, "lowerrole\nNAME\0ROLE\0" (the key, the role as written unless
	 * it is the key's head; a hash not of policy_hash's form after them): the name
	 * is the key's tail, not interned (a tenant's own, by default:
	 * bedrock-tenantd-{tenant}); one allocation, not the key's malloc and two
	 * copies */
	str = arena_alloc(s->policies_arena, n_lower + 1 + n_name + 1 + n_own_role + n_text);
	p->key = str;
	memcpy(str, lower, n_lower);
	str[n_lower] = '\n';
	p->name = str + n_lower + 1;
	memcpy(p->name, name, n_name + 1);
	str = p->name + n_name + 1;
	if (!role_is_head) {
		p->role = str;
		memcpy(p->role, role, n_own_role);
		str += n_own_role;
	}
	p->has_hash = hash != NULL;
	p->hash_packed = is_packed;
	if (is_packed) {
		memcpy(p->hash.packed, packed, sizeof(packed));
	} else if (hash) {
		p->hash.text = str;
		memcpy(p->hash.text, hash, n_text);
	}
	p->chars = policy_chars32(chars);
	return p;
}

/* r's characters: plus `add`, less `sub` (never below 0); of them elsewhere, plus
 * `add_elsewhere` less `sub_elsewhere`. */
static void role_chars(struct observed_store *s, struct observed_role *r, size_t add, size_t sub, size_t add_elsewhere,
		       size_t sub_elsewhere)
{
	content_digest_sub(&s->roles_digest, observed_role_digest(r));
	r->policy_chars -= sub < r->policy_chars ? (uint32_t)sub : r->policy_chars;
	r->policy_chars += (uint32_t)add;
	r->elsewhere_chars -= sub_elsewhere < r->elsewhere_chars ? (uint32_t)sub_elsewhere : r->elsewhere_chars;
	r->elsewhere_chars += (uint32_t)add_elsewhere;
	content_digest_add(&s->roles_digest, observed_role_digest(r));
}

/* The role's aggregate follows every change of one of its policies. */
static void count_role(struct observed_store *s, const char *role, const struct observed_policy *gone,
		       const struct observed_policy *added)
{
	char buf[ROLE_KEY_MAX + 1];
	struct observed_role *r = hashmap_get(&s->roles, role_key(role, buf));

	if (r)
		role_chars(s, r, added ? added->chars : 0, gone ? gone->chars : 0, 0, 0);
}

void observed_store_count_policy_elsewhere(struct observed_store *s, const char *role, size_t chars)
{
	char buf[ROLE_KEY_MAX + 1];
	struct observed_role *r = hashmap_get(&s->roles, role_key(role, buf));

	if (r) {
		s->policies_gen = generation_next();
		role_chars(s, r, chars, 0, chars, 0);
	}
}

void observed_store_bring_policy(struct observed_store *s, const struct observed_policy *p)
{
	char buf[ROLE_KEY_MAX + 1], role_buf[POLICY_ROLE_TEXT];
	struct observed_role *r = hashmap_get(&s->roles, role_key(observed_policy_role(p, role_buf), buf));

	/* its count stood for it: the policy itself replaces it */
	if (r && r->elsewhere_chars >= p->chars)
		role_chars(s, r, 0, p->chars, 0, p->chars);
	observed_store_put_policy(s, observed_policy_dup(p));
}

/* Policies in and out of s->policies go through these, for its digest. */
static void policy_in(struct observed_store *s, struct observed_policy *p)
{
	p->digest = observed_policy_digest(p);
	content_digest_add(&s->policies_digest, p->digest);
}

static void policy_out(struct observed_store *s, const struct observed_policy *p)
{
	if (p)
		content_digest_sub(&s->policies_digest, p->digest);
}

void observed_policy_copy_others(struct observed_policy *dst, const struct observed_policy *src)
{
	size_t bytes;

	free(dst->others);
	dst->others = NULL;
	dst->others_known = src && src->others_known;
	if (src && src->others) {
		bytes = sizeof(*src->others) + src->others->n * sizeof(size_t);
		dst->others = xmalloc(bytes);
		memcpy(dst->others, src->others, bytes);
	}
}

size_t observed_policy_n_others(const struct observed_policy *p)
{
	return p->others ? p->others->n : 0;
}

const size_t *observed_policy_other_sizes(const struct observed_policy *p)
{
	return p->others ? p->others->sizes : NULL;
}

int64_t observed_policy_others_read_at(const struct observed_policy *p)
{
	return p->others ? p->others->read_at : 0;
}

void observed_policy_add_other(struct observed_policy *p, size_t size)
{
	size_t n = observed_policy_n_others(p);
	bool fresh = !p->others;

	p->others = xrealloc(p->others, sizeof(*p->others) + (n + 1) * sizeof(size_t));
	if (fresh) /* its time not noted yet */
		p->others->read_at = 0;
	p->others->n = n + 1;
	p->others->sizes[n] = size;
}

void observed_policy_set_others_read_at(struct observed_policy *p, int64_t at)
{
	if (!p->others)
		p->others = xcalloc(1, sizeof(*p->others));
	p->others->read_at = at;
}

void observed_store_put_policy(struct observed_store *s, struct observed_policy *p)
{
	struct observed_policy *old;
	char role_buf[POLICY_ROLE_TEXT];

	if (!p->key)
		p->key = observed_policy_key(p->role, p->name);
	if (p->document) {
		p->chars = policy_chars32(policy_size(p->document));
		if (!p->has_hash)
			observed_policy_set_hash(p, policy_hash(p->document));
	} else if (!p->has_hash) {
		p->chars = 0;
	}
	s->policies_gen = generation_next();
	policy_in(s, p);
	old = hashmap_put(&s->policies, p->key, p);
	policy_out(s, old);
	count_role(s, observed_policy_role(p, role_buf), old, p);
	observed_policy_free(old);
}

void observed_store_policy_digest_only(struct observed_store *s, const char *role, const char *name)
{
	char *key = observed_policy_key(role, name);
	struct observed_policy *p = hashmap_get(&s->policies, key);

	if (p && p->has_hash && p->document) {
		policy_out(s, p);
		free(p->document);
		p->document = NULL;
		policy_in(s, p);
	}
	free(key);
}

bool observed_policy_exists(const struct observed_policy *p)
{
	return p && p->has_hash;
}

const char *observed_policy_role(const struct observed_policy *p, char buf[POLICY_ROLE_TEXT])
{
	size_t n;

	if (p->role)
		return p->role;
	n = strcspn(p->key, "\n"); /* at most ROLE_KEY_MAX (observed_store_new_policy) */
	memcpy(buf, p->key, n);
	buf[n] = '\0';
	return buf;
}

const char *observed_policy_hash(const struct observed_policy *p, char buf[POLICY_HASH_TEXT])
{
	if (!observed_policy_exists(p))
		return NULL;
	if (!p->hash_packed)
		return p->hash.text;
	policy_hash_unpack(p->hash.packed, buf);
	return buf;
}

bool observed_policy_hash_is(const struct observed_policy *p, const char *hash)
{
	if (!observed_policy_exists(p))
		return false;
	if (p->hash_packed)
		return policy_hash_packed_is(p->hash.packed, hash);
	return strcmp(p->hash.text, hash) == 0;
}

void observed_policy_set_hash(struct observed_policy *p, char *hash)
{
	if (p->has_hash && !p->hash_packed && !p->in_arena)
		free(p->hash.text);
	p->has_hash = hash != NULL;
	p->hash_packed = hash && policy_hash_pack(hash, p->hash.packed);
	if (p->hash_packed)
		free(hash);
	else if (hash)
		p->hash.text = hash;
}

bool observed_policy_same(const struct observed_policy *p, const char *doc, const char *hash)
{
	if (!observed_policy_exists(p))
		return false;
	if (observed_policy_hash_is(p, hash))
		return true;
	return p->document && policy_equal(p->document, doc); /* the same grants, written otherwise */
}

void observed_store_remove_policy(struct observed_store *s, const char *role, const char *name)
{
	char *key = observed_policy_key(role, name);
	struct observed_policy *old = hashmap_remove(&s->policies, key);

	s->policies_gen = generation_next();
	policy_out(s, old);
	count_role(s, role, old, NULL);
	observed_policy_free(old);
	free(key);
}

void observed_store_put_role(struct observed_store *s, const char *name)
{
	char buf[ROLE_KEY_MAX + 1];
	struct observed_role *r;

	name = role_key(name, buf);
	if (hashmap_get(&s->roles, name))
		return;
	s->policies_gen = generation_next();
	/* the store's arena: a bulk read's roles live as long as its store (one per
	 * tenant and role) and are never removed alone */
	r = arena_alloc(observed__store_arena(s), sizeof(*r) + strlen(name) + 1);
	strcpy(r->name, name);
	content_digest_add(&s->roles_digest, observed_role_digest(r));
	hashmap_put(&s->roles, r->name, r);
}

const struct observed_role *observed_store_role(const struct observed_store *s, const char *name)
{
	char buf[ROLE_KEY_MAX + 1];

	return hashmap_get(&s->roles, role_key(name, buf));
}

bool observed_store_role_other_policy_chars(const struct observed_store *s, const char *role, const char *policy,
					    size_t *ret)
{
	const struct observed_role *r = observed_store_role(s, role);
	const struct observed_policy *own;

	if (!r)
		return false;
	own = observed_store_policy(s, role, policy);
	*ret = r->policy_chars - (own && own->chars <= r->policy_chars ? own->chars : 0);
	return true;
}

const struct observed_policy *observed_store_policy(const struct observed_store *s, const char *role, const char *name)
{
	/* IAM's names fit (a role's 64 characters, a policy's 128): no allocation per look-up */
	char buf[256], role_buf[ROLE_KEY_MAX + 1];
	int n = snprintf(buf, sizeof(buf), "%s\n%s", role_key(role, role_buf), name);
	char *key;
	const struct observed_policy *p;

	if (n >= 0 && (size_t)n < sizeof(buf))
		return hashmap_get(&s->policies, buf);
	key = observed_policy_key(role, name);
	p = hashmap_get(&s->policies, key);
	free(key);
	return p;
}

void observed_store_take_policies(struct observed_store *dst, struct observed_store *src)
{
	size_t pos = 0;
	const char *key;
	void *v;

	dst->policies_gen = generation_next();
	src->policies_gen = generation_next();
	if (!dst->policies.n) {
		/* a listing has none: the whole map changes hands, nothing is copied */
		struct hashmap empty = dst->policies;
		struct arena *arena = dst->policies_arena; /* the entries go with their arena */
		dst->policies = src->policies;
		src->policies = empty;
		dst->policies_arena = src->policies_arena;
		src->policies_arena = arena;
		dst->policies_digest = src->policies_digest;
		memset(&src->policies_digest, 0, sizeof(src->policies_digest));
		return;
	}
	while (hashmap_next(&src->policies, &pos, &key, &v)) {
		struct observed_policy *old = hashmap_put(&dst->policies, key, v);
		policy_out(dst, old);
		content_digest_add(&dst->policies_digest, ((struct observed_policy *)v)->digest);
		observed_policy_free(old);
	}
	hashmap_release(&src->policies, NULL); /* empty again, keyed still */
	memset(&src->policies_digest, 0, sizeof(src->policies_digest));
	if (!dst->policies_arena)
		dst->policies_arena = src->policies_arena;
	else
		arena_adopt(dst->policies_arena, src->policies_arena);
	src->policies_arena = NULL;
}
