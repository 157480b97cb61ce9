/* The inline IAM policy that lets a tenant's roles invoke exactly its own profiles
 * (DESIGN.md "What lives in AWS for one tenant"):
 *  - bedrock:InvokeModel and bedrock:InvokeModelWithResponseStream on the profiles;
 *  - the same on the underlying foundation models (every Region in each profile's
 *    models, and the system-defined profile a profile copies) only with condition
 *    bedrock:InferenceProfileArn equal to one of the tenant's profiles;
 *  - bedrock:GetInferenceProfile on the profiles.
 * Documents are compared as JSON (order of lists, spacing and single values versus
 * one-element lists do not matter). Pure; results are owned by the caller. */
#ifndef BTD_POLICY_DOC_H
#define BTD_POLICY_DOC_H

#include <stdbool.h>
#include <stddef.h>

#include "observed.h"

#define IAM_INLINE_POLICY_MAX 10240 /* characters per role, whitespace not counted */

/* The version of policy_document's text: a record remembers a document's digest by
 * its profiles' digests across a start (state/policy_memo.h), so any change to the
 * text written for the same profiles must come with a new number, or a remembered
 * digest would vouch for a document no longer written. test_policy_doc pins the
 * digest of one document to this number. */
#define POLICY_DOC_FORMAT 1

/* policy_document: the document for these profiles (every live generation); NULL
 * when there is none. */
char *policy_document(const struct observed_profile *const *profiles, size_t n);
/* policy_size: characters IAM counts (whitespace outside strings excluded). */
size_t policy_size(const char *doc);
/* policy_role_total: what IAM counts over all inline policies of a role once doc is
 * one of them: policy_size(doc) plus the sizes of the role's other inline policies
 * (each the policy_size of its document, however they were read: one by one or in
 * bulk). Saturates at SIZE_MAX. The role fits when it is <= IAM_INLINE_POLICY_MAX. */
size_t policy_role_total(const char *doc, const size_t *other_sizes, size_t n_others);
/* policy_equal: the same policy, compared as JSON; false when either does not parse. */
bool policy_equal(const char *a, const char *b);
/* policy_hash: a digest of the document's text (32 hex). policy_document writes the
 * same text for the same grants (sets sorted, keys in a fixed order), so the digest
 * of a desired document identifies the grants without parsing it: the diff computes
 * it for every tenant on every pass. */
char *policy_hash(const char *doc);
/* policy_hash_pack: hex, policy_hash's DIGEST_HEX_SHORT lower-case hex digits, as its
 * POLICY_HASH_BYTES bytes into out; false when it is not exactly that (upper case
 * too: it would come back in lower case). policy_hash_unpack: the text again. */
bool policy_hash_pack(const char *hex, unsigned char out[POLICY_HASH_BYTES]);
void policy_hash_unpack(const unsigned char in[POLICY_HASH_BYTES], char out[POLICY_HASH_TEXT]);
/* policy_hash_packed_is: hex is the text of packed (what policy_hash_unpack writes),
 * compared in place: the diff asks it of every tenant's policy on a full pass. */
bool policy_hash_packed_is(const unsigned char packed[POLICY_HASH_BYTES], const char *hex);

#endif
