/* Schema walker: typed reads of YAML nodes with errors that name the place.
 *
 * A walk carries the file, the diagnostics list and the dotted path of the node being
 * read (`spec.profiles[1].model`), which prefixes every message. Readers return true
 * when the node had the expected type and value (and then write their ret_ argument),
 * false after reporting why not. After WALK_MAX_ERRORS errors the walk stops adding
 * messages (one last message says so) so a pathological file cannot flood the list.
 * Strings returned are heap copies owned by the caller. */
#ifndef BTD_WALK_H
#define BTD_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "ydoc.h"

#define WALK_MAX_ERRORS 100
#define WALK_PATH_MAX	256

struct walk {
	const char *file;
	struct diag_list *diags;
	unsigned errors;
	char path[WALK_PATH_MAX];
	size_t path_len;
};

void walk_init(struct walk *w, const char *file, struct diag_list *diags);

/* walk_error: report at the node (NULL: the whole file), prefixed with the path. */
void walk_error(struct walk *w, const struct ynode *at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* walk_error_at: the same at an explicit position. */
void walk_error_at(struct walk *w, unsigned line, unsigned col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Path segments: push returns the length to pop back to. */
size_t walk_push_key(struct walk *w, const char *key);
size_t walk_push_index(struct walk *w, size_t index);
void walk_pop(struct walk *w, size_t len);

/* walk_mapping: node must be a mapping whose keys are all in keys[0..n_keys); vals[i]
 * receives the value of keys[i] or NULL. Unknown keys are reported with the expected
 * ones (and a suggestion for a likely typo); the known ones are still read. */
bool walk_mapping(struct walk *w, const struct ynode *node, const char *const *keys, size_t n_keys,
		  const struct ynode **vals);
/* walk_require: report a missing required key of the mapping `parent`. */
bool walk_require(struct walk *w, const struct ynode *parent, const struct ynode *val, const char *key);

/* walk_sequence: node must be a sequence of min..max items. */
bool walk_sequence(struct walk *w, const struct ynode *node, size_t min, size_t max, const char *items);
/* walk_string: a non-null scalar without NUL characters, 1..max_len bytes. */
bool walk_string(struct walk *w, const struct ynode *node, size_t max_len, char **ret);
/* walk_bool: plain true or false. */
bool walk_bool(struct walk *w, const struct ynode *node, bool *ret);
/* walk_enum: one of names[]; *ret is its index. */
bool walk_enum(struct walk *w, const struct ynode *node, const char *const *names, size_t n, int *ret);
/* walk_number: a plain decimal number in [min, max]. */
bool walk_number(struct walk *w, const struct ynode *node, double min, double max, double *ret);
/* walk_uint: a plain non-negative integer in [min, max]. */
bool walk_uint(struct walk *w, const struct ynode *node, uint64_t min, uint64_t max, uint64_t *ret);
/* walk_decimal: a plain decimal amount > 0 with at most max_frac fraction digits; *ret
 * is its canonical string (no leading zeros, no trailing fraction zeros). */
bool walk_decimal(struct walk *w, const struct ynode *node, unsigned max_frac, char **ret);
/* walk_duration: `1h30m`, `10m`, `30s`, `200ms` in [min_ms, max_ms]. */
bool walk_duration(struct walk *w, const struct ynode *node, uint64_t min_ms, uint64_t max_ms, uint64_t *ret_ms);
/* walk_size: `512KiB`, `32MiB` in [min, max] bytes (units.h, units_size). */
bool walk_size(struct walk *w, const struct ynode *node, uint64_t min, uint64_t max, uint64_t *ret_bytes);

#endif
