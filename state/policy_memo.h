/* The digest of a tenant's desired policy document, remembered by what it is made of,
 * so that a pass does not write and digest the same document again for every tenant
 * with roles (state/policy_doc.h; about 40 % of a full diff pass did).
 *
 * A document is a function of its profiles' ARNs, models[] and copied system profile
 * only, and every observed profile in a store carries a digest of exactly those
 * fields (its grants digest, state/observed_digest.h), set when it was stored and
 * never changed in place. The key of a list of profiles is the sum of those digests
 * and their count: any changed input of any profile, a profile more or less, gives
 * another key, so a changed input always builds the document again (a key collides
 * as rarely as two truncated SHA-256 sums), while a change to what the document does
 * not read (tags but the model tag, the listing's flags) keeps it. A profile without
 * a digest (not from a store) has no key: its document is always built.
 *
 * The memo is one table for the process, bounded (POLICY_MEMO_MAX slots; a new entry
 * in a full bucket takes an older one's slot), guarded by a lock. It lives as long as
 * the process. Pure otherwise. An entry lives from the pass that wrote the document
 * until the tenant's record holds its key: the policy's write (observed_apply_action)
 * or a pass that finds the key in the record forgets it, so a converged daemon's memo
 * is empty. A look-ahead diff (diff_input.lookahead: a parameter published before its
 * round, a plan's simulation) puts nothing: its keys, of part of the profiles or of
 * made-up ones, would never be in a record, and never forgotten.
 *
 * Across a start the tenant's record remembers instead: the policy fact of each role
 * (record_key_policy_fact) holds the key beside the digest applied,
 * "DIGEST kFORMAT:KEY" (FORMAT: POLICY_DOC_FORMAT, KEY: 32 hex digits), written by
 * the diff and by the policy's put (observed_apply_action). A fact that holds the key
 * of the profiles now, in this format, names the digest of their document: a start's
 * first pass takes it from there instead of writing the document. A fact without a
 * key (an older store), with another format or another key is no answer: the
 * document is written and digested, and the fact given the key again. */
#ifndef BTD_POLICY_MEMO_H
#define BTD_POLICY_MEMO_H

#include <stdbool.h>
#include <stddef.h>

#include "digest.h"
#include "observed.h"
#include "record.h"

#define POLICY_MEMO_MAX (1u << 17) /* slots at most: 32 bytes each, 4 MB */

/* policy_memo_key: the key of the document of these n (> 0) profiles; false when one
 * has no content digest. */
bool policy_memo_key(const struct observed_profile *const *profiles, size_t n, struct content_digest *ret);
/* policy_memo_get: the remembered digest of key's document (DIGEST_HEX_SHORT hex
 * digits and a NUL into out); false when none. */
bool policy_memo_get(struct content_digest key, char out[DIGEST_HEX_SHORT + 1]);
/* policy_memo_put: remember hash (policy_hash of the document) for key; nothing when
 * hash is not DIGEST_HEX_SHORT lower-case hex digits (policy_hash's form). */
void policy_memo_put(struct content_digest key, const char *hash);
/* policy_memo_forget: forget key's entry, if any: the tenant's record holds its fact
 * now (policy_memo_from_record), which answers from then on. Once every tenant's
 * record does (a converged daemon) the table is back to its least, not the slots of
 * the most documents ever written at once (up to POLICY_MEMO_MAX, 4 MB). */
void policy_memo_forget(struct content_digest key);
/* policy_memo_clear: forget every entry (tests). policy_memo_slots: the table's
 * slots now (<= POLICY_MEMO_MAX). */
void policy_memo_clear(void);
size_t policy_memo_slots(void);
/* policy_memo_bytes: the heap the table takes now. */
size_t policy_memo_bytes(void);

/* policy_memo_fact: the value of a policy fact for a document of this digest and key
 * (NULL: none; the digest alone). Caller frees. */
char *policy_memo_fact(const char *hash, const struct content_digest *key);
/* policy_memo_fact_is: the fact's digest is hash (whatever key it holds). */
bool policy_memo_fact_is(const char *fact, const char *hash);
/* policy_memo_fact_keyed: the fact holds key, in this POLICY_DOC_FORMAT. */
bool policy_memo_fact_keyed(const char *fact, struct content_digest key);
/* policy_memo_from_record: the policy fact of r that holds key (borrowed from r), its
 * digest into out (as policy_memo_get); NULL when none does. */
const char *policy_memo_from_record(const struct tenant_record *r, struct content_digest key,
				    char out[DIGEST_HEX_SHORT + 1]);

#endif
