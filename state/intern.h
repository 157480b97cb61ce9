/* Interned strings: one shared, immutable, reference-counted copy of each distinct
 * string, for the strings that 100,000 tenants repeat by the million (tag keys and
 * values, model ARNs) or several structures hold for one resource (tenant ids,
 * parameter names, profile ARNs): the desired model's tag sets, the observed store's
 * and the records' applied tag keys all hold references into one pool.
 *
 * intern() returns the pool's copy of s with one more reference (adding it when
 * absent); intern_ref() adds a reference to a string that is interned already (no
 * look-up); intern_unref() drops one and frees the copy with the last. Each
 * reference is owned by whoever took it and is released exactly once with
 * intern_unref(), never with free(). Two interned strings are equal exactly when
 * they are the same pointer. NULL in, NULL out (intern_unref accepts NULL).
 *
 * The pool is the process's one global besides logging, on purpose: like malloc it is
 * an allocator that every structure holding a tag set uses, and a pool pointer in
 * every tag_set call would change every module for no gain. Thread safety: one mutex
 * guards the table and every count; every function may be called from any thread
 * (manifests are read and listings turned into snapshots on worker threads while the
 * loop frees old ones). An uncontended lock costs tens of nanoseconds, small beside
 * the allocation it saves. Each distinct string costs its text plus 8 bytes rounded up
 * to 8, in a slot of the pool's own blocks (no malloc chunk each; past 256 bytes, a
 * malloc'd entry), and a table slot of 8 bytes at most three quarters full; the
 * table and the blocks grow with the peak number of distinct strings and never
 * shrink, a freed slot taken by the next entry of its size (bench_diff's world of 20,000 tenants:
 * 140,625 strings, 9.7 MB with the tables, most of them the profiles' ARNs, the
 * parameter names, the spec hashes and the tenant ids). */
#ifndef BTD_INTERN_H
#define BTD_INTERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

const char *intern(const char *s);
const char *intern_ref(const char *s);
/* intern_take: intern(s), then free(s) (a string just built, now shared). */
const char *intern_take(char *s);
void intern_unref(const char *s);

/* Interned lists: one shared, immutable, reference-counted copy of each distinct list
 * of interned strings (the same strings in the same order), for the lists 100,000
 * tenants repeat (the tag keys the daemon applied to each resource and those of a
 * listing's tag sets: one list per shape of manifest, not one per resource; a
 * manifest's whole tag set as its pairs: state/model.h). A list costs 16 bytes and its
 * pointers, and a slot in a table of its own (at most three quarters full, never
 * shrinking). intern_list(v, n) returns the pool's copy with one more reference (made
 * when absent; the copy holds a reference to each of its strings, the caller keeps its
 * own); n == 0 gives NULL. intern_list_unref drops one (NULL-safe). Lists live in the
 * strings' slots. Never write to a
 * list nor free() it. */
const char *const *intern_list(const char *const *v, size_t n);
void intern_list_unref(const char *const *list);
/* intern_list_len: how many strings an interned list holds (0 for NULL), without a
 * look-up: whoever holds a list needs not keep its length beside it. */
size_t intern_list_len(const char *const *list);

/* Handles: a 32-bit name for an interned string, for the structures that hold
 * millions of references (a packed tag set's values: 4 bytes each, not 8).
 * intern_handle: the handle of s (interned), 0 when it has none (a string longer than
 * 263 characters, or NULL); intern_handle_str: the string of a handle, without a
 * look-up. A handle is not a reference: whoever keeps one keeps the reference it
 * stands for, and drops it with intern_unref(intern_handle_str(h)). */
uint32_t intern_handle(const char *s);
/* intern_handles: the handles of v[0..n) into ret[], under one lock (a tag set's
 * values as a listing packs them); false as soon as one has none. */
bool intern_handles(const char *const *v, size_t n, uint32_t *ret);
extern const char *intern__blocks[];
static inline const char *intern_handle_str(uint32_t h)
{
	return intern__blocks[h >> 13] + (size_t)(h & 8191) * 8;
}

/* Pool statistics (tests, benchmarks): distinct strings held and their bytes
 * (entries and tables, lists included; free slots and blocks' tails not). */
void intern_stats(size_t *ret_strings, size_t *ret_bytes);

#endif
