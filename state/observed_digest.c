/* Content digests of observed entries (observed_digest.h). Each field goes into one
 * buffer, prefixed so that no two different entries serialise alike (a kind byte per
 * field; strings with their length, NULL as its own kind), and the buffer into
 * SHA-256 once. When the carry's equality starts to read a field, it goes in here. */
#include "observed_digest.h"

#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "observed.h"
#include "xalloc.h"

/* Most entries fit: an ARN, a few names, ten tags. Larger ones grow on the heap. */
#define SINK_SMALL 1024

struct sink {
	unsigned char *buf;
	size_t n, alloc;
	unsigned char small[SINK_SMALL];
};

static void sink_init(struct sink *k)
{
	k->buf = k->small;
	k->n = 0;
	k->alloc = sizeof(k->small);
}

static void sink_bytes(struct sink *k, const void *p, size_t len)
{
	if (len > k->alloc - k->n) {
		size_t want = (k->n + len) * 2;
		if (k->buf == k->small) {
			k->buf = xmalloc(want);
			memcpy(k->buf, k->small, k->n);
		} else {
			k->buf = xrealloc(k->buf, want);
		}
		k->alloc = want;
	}
	memcpy(k->buf + k->n, p, len);
	k->n += len;
}

static void sink_u64(struct sink *k, uint64_t v)
{
	sink_bytes(k, &v, sizeof(v));
}

static void sink_str(struct sink *k, const char *s)
{
	size_t len = s ? strlen(s) : 0;

	sink_bytes(k, s ? "s" : "n", 1);
	if (s) {
		sink_u64(k, len);
		sink_bytes(k, s, len);
	}
}

static void sink_tags(struct sink *k, const struct tag_set *tags, bool known)
{
	sink_u64(k, known);
	sink_u64(k, tags->n);
	for (size_t i = 0; i < tags->n; i++) {
		sink_str(k, tag_set_key(tags, i));
		sink_str(k, tag_set_value(tags, i));
	}
}

static struct content_digest sink_finish(struct sink *k)
{
	unsigned char md[DIGEST_SHA256_LEN];
	struct content_digest d;

	digest_sha256(k->buf, k->n, md);
	memcpy(d.w, md, sizeof(d.w));
	if (k->buf != k->small)
		free(k->buf);
	return d;
}

struct content_digest observed_profile_digest(const struct observed_profile *p)
{
	struct sink k;

	sink_init(&k);
	sink_bytes(&k, "profile", 7);
	sink_str(&k, p->arn);
	sink_str(&k, observed_profile_id(p));
	sink_str(&k, p->name);
	sink_u64(&k, p->n_model_arns);
	for (size_t i = 0; i < p->n_model_arns; i++)
		sink_str(&k, p->model_arns[i]);
	sink_tags(&k, &p->tags, p->tags_known);
	sink_u64(&k, p->listed);
	sink_u64(&k, p->models_unknown);
	sink_u64(&k, (uint64_t)p->created_at);
	return sink_finish(&k);
}

struct content_digest observed_profile_grants_digest(const struct observed_profile *p)
{
	struct sink k;

	sink_init(&k);
	sink_bytes(&k, "grants", 6);
	sink_str(&k, p->arn);
	sink_u64(&k, p->n_model_arns);
	for (size_t i = 0; i < p->n_model_arns; i++)
		sink_str(&k, p->model_arns[i]);
	sink_str(&k, tag_set_get(&p->tags, TAG_MODEL));
	return sink_finish(&k);
}

struct content_digest observed_parameter_digest(const struct observed_parameter *p)
{
	struct sink k;

	sink_init(&k);
	sink_bytes(&k, "parameter", 9);
	sink_str(&k, p->name);
	sink_str(&k, p->value);
	sink_u64(&k, (uint64_t)p->version);
	sink_u64(&k, (uint64_t)p->modified_ms);
	sink_tags(&k, &p->tags, p->tags_known);
	return sink_finish(&k);
}

/* A policy's text is represented by its digest when it has one (put gives every kept
 * document one); whether the document is kept counts too (the diff compares a kept
 * one as JSON), and whether the policy exists (hash). */
struct content_digest observed_policy_digest(const struct observed_policy *p)
{
	struct sink k;
	char hash_buf[POLICY_HASH_TEXT], role_buf[POLICY_ROLE_TEXT];
	const char *hash = observed_policy_hash(p, hash_buf);

	sink_init(&k);
	sink_bytes(&k, "policy", 6);
	sink_str(&k, observed_policy_role(p, role_buf));
	sink_str(&k, p->name);
	sink_u64(&k, p->role_missing);
	sink_u64(&k, p->others_known);
	sink_u64(&k, (uint64_t)observed_policy_others_read_at(p));
	sink_u64(&k, observed_policy_n_others(p));
	for (size_t i = 0; i < observed_policy_n_others(p); i++)
		sink_u64(&k, observed_policy_other_sizes(p)[i]);
	sink_u64(&k, p->chars);
	sink_u64(&k, p->document != NULL);
	sink_str(&k, hash);
	if (!hash)
		sink_str(&k, p->document);
	return sink_finish(&k);
}

struct content_digest observed_role_digest(const struct observed_role *r)
{
	struct sink k;

	sink_init(&k);
	sink_bytes(&k, "role", 4);
	sink_str(&k, r->name);
	sink_u64(&k, r->policy_chars);
	return sink_finish(&k);
}
