/* The digest of a tenant's desired policy document, remembered by what it is made of,
 * so that a pass does not write and digest the same document again for every tenant
 * with roles (state/policy_doc.h; about 40 % of a full diff pass did).
 *
 * A document is a function of its profiles' ARNs, models[] and copied system profile
 * only, and every observed profile in a store carries a content digest of all its
 * fields, set when it was stored and never changed in place (state/observed_digest.h).
 * The key of a list of profiles is the sum of their digests and their count: any
 * changed field of any profile, a profile more or less, gives another key, so a
 * changed input always builds the document again (a key collides as rarely as two
 * truncated SHA-256 sums). A profile without a digest (not from a store) has no key:
 * its document is always built.
 *
 * The memo is one table for the process, bounded (POLICY_MEMO_MAX slots; a new entry
 * in a full bucket takes an older one's slot), guarded by a lock. It lives as long as
 * the process: a restart's first pass writes every document again. Pure otherwise. */
#ifndef BTD_POLICY_MEMO_H
#define BTD_POLICY_MEMO_H

#include <stdbool.h>
#include <stddef.h>

#include "digest.h"
#include "observed.h"

#define POLICY_MEMO_MAX (1u << 17) /* slots at most: 48 bytes each, 6 MB */

/* policy_memo_key: the key of the document of these n (> 0) profiles; false when one
 * has no content digest. */
bool policy_memo_key(const struct observed_profile *const *profiles, size_t n, struct content_digest *ret);
/* policy_memo_get: the remembered digest of key's document (DIGEST_HEX_SHORT hex
 * digits and a NUL into out); false when none. */
bool policy_memo_get(struct content_digest key, char out[DIGEST_HEX_SHORT + 1]);
/* policy_memo_put: remember hash (policy_hash of the document) for key. */
void policy_memo_put(struct content_digest key, const char *hash);
/* policy_memo_clear: forget every entry (tests). policy_memo_slots: the table's
 * slots now (<= POLICY_MEMO_MAX). */
void policy_memo_clear(void);
size_t policy_memo_slots(void);

#endif
