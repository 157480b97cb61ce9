/* Content digests of observed entries, for carrying generations over a listing
 * (state/observed_carry.h) at one comparison per tenant group. An entry's digest is
 * SHA-256, truncated to 128 bits, of every field the carry's equality reads (strings
 * with their length, NULL apart from ""; numbers and flags); observed_store_put_*
 * computes it into its group's sum, so a listing's entries get theirs on the worker
 * thread that builds the snapshot, and the daemon's own writes at their put; the
 * entry keeps none (a profile's or a parameter's is computed again as it leaves the
 * group: an entry in a store is never changed in place). A set's digest is the sum of its members' (each 64-bit
 * half modulo 2^64): independent of order, and kept up to date as members come and
 * go. Equal digests stand for equal content; a collision is as likely as one of
 * SHA-256's truncated to 128 bits. Pure. */
#ifndef BTD_OBSERVED_DIGEST_H
#define BTD_OBSERVED_DIGEST_H

#include <stdbool.h>
#include <stdint.h>

struct observed_profile;
struct observed_parameter;
struct observed_policy;
struct observed_role;

struct content_digest {
	uint64_t w[2];
};

struct content_digest observed_profile_digest(const struct observed_profile *p);
/* observed_profile_grants_digest: of what a role policy's document reads of the
 * profile (state/policy_doc.h: its ARN, models[] and model tag) and nothing else, so
 * that the remembered digest of a document (state/policy_memo.h) outlives changes
 * to the profile's other fields. */
struct content_digest observed_profile_grants_digest(const struct observed_profile *p);
struct content_digest observed_parameter_digest(const struct observed_parameter *p);
struct content_digest observed_policy_digest(const struct observed_policy *p);
struct content_digest observed_role_digest(const struct observed_role *r);

static inline void content_digest_add(struct content_digest *sum, struct content_digest d)
{
	sum->w[0] += d.w[0];
	sum->w[1] += d.w[1];
}

static inline void content_digest_sub(struct content_digest *sum, struct content_digest d)
{
	sum->w[0] -= d.w[0];
	sum->w[1] -= d.w[1];
}

static inline bool content_digest_equal(struct content_digest a, struct content_digest b)
{
	return a.w[0] == b.w[0] && a.w[1] == b.w[1];
}

#endif
