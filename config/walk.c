#include "walk.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "units.h"
#include "xalloc.h"

void walk_init(struct walk *w, const char *file, struct diag_list *diags)
{
	memset(w, 0, sizeof(*w));
	w->file = file;
	w->diags = diags;
}

static void __attribute__((format(printf, 4, 0)))
verror(struct walk *w, unsigned line, unsigned col, const char *fmt, va_list ap)
{
	struct strbuf sb;

	w->errors++;
	if (w->errors > WALK_MAX_ERRORS)
		return;
	if (w->errors == WALK_MAX_ERRORS) {
		diag_error(w->diags, w->file, line, col, "too many errors (%d); not checking the rest of this file",
			   WALK_MAX_ERRORS);
		return;
	}
	strbuf_init(&sb, STRBUF_NO_CAP);
	if (w->path_len)
		strbuf_addf(&sb, "%s: ", w->path);
	strbuf_vaddf(&sb, fmt, ap);
	diag_error(w->diags, w->file, line, col, "%s", sb.buf);
	strbuf_release(&sb);
}

void walk_error(struct walk *w, const struct ynode *at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(w, at ? at->line : 0, at ? at->col : 0, fmt, ap);
	va_end(ap);
}

void walk_error_at(struct walk *w, unsigned line, unsigned col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(w, line, col, fmt, ap);
	va_end(ap);
}

/* Append text to the path, truncating at WALK_PATH_MAX (the path is only for messages). */
static void path_add(struct walk *w, const char *text, size_t len)
{
	if (len > sizeof(w->path) - 1 - w->path_len)
		len = sizeof(w->path) - 1 - w->path_len;
	memcpy(w->path + w->path_len, text, len);
	w->path_len += len;
	w->path[w->path_len] = '\0';
}

size_t walk_push_key(struct walk *w, const char *key)
{
	size_t old = w->path_len;

	if (old)
		path_add(w, ".", 1);
	path_add(w, key, strlen(key));
	return old;
}

size_t walk_push_index(struct walk *w, size_t index)
{
	size_t old = w->path_len;
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "[%zu]", index);

	path_add(w, buf, (size_t)n);
	return old;
}

void walk_pop(struct walk *w, size_t len)
{
	w->path_len = len;
	w->path[len] = '\0';
}

/* Edit distance for short keys, to suggest the key that was meant. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[64];

	if (la >= 63 || lb >= 63)
		return 64;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

static void unknown_key(struct walk *w, const struct ynode *key, const char *const *keys, size_t n_keys)
{
	struct strbuf sb;
	const char *best = NULL;
	size_t best_d = 3;

	if (!strcmp(key->scalar.text, "<<")) {
		walk_error(w, key, "YAML merge keys (<<) are not supported; write the keys out");
		return;
	}
	strbuf_init(&sb, STRBUF_NO_CAP);
	for (size_t i = 0; i < n_keys; i++) {
		size_t d = strcasecmp(keys[i], key->scalar.text) ? distance(keys[i], key->scalar.text) : 0;
		strbuf_addf(&sb, "%s%s", i ? ", " : "", keys[i]);
		if (d < best_d) {
			best_d = d;
			best = keys[i];
		}
	}
	if (best)
		walk_error(w, key, "unknown key '%.64s'; did you mean '%s'?", key->scalar.text, best);
	else
		walk_error(w, key, "unknown key '%.64s' (expected one of: %s)", key->scalar.text, sb.buf);
	strbuf_release(&sb);
}

bool walk_mapping(struct walk *w, const struct ynode *node, const char *const *keys, size_t n_keys,
		  const struct ynode **vals)
{
	for (size_t i = 0; i < n_keys; i++)
		vals[i] = NULL;
	if (!node || node->type != YNODE_MAPPING) {
		walk_error(w, node, "expected a mapping, found %s", ynode_type_name(node));
		return false;
	}
	for (size_t p = 0; p < node->map.n; p++) {
		const struct ynode *k = node->map.pairs[p].key;
		size_t i;
		if (k->type != YNODE_SCALAR)
			continue; /* reported by the YAML front end */
		for (i = 0; i < n_keys; i++)
			if (k->scalar.len == strlen(keys[i]) && !strcmp(k->scalar.text, keys[i]))
				break;
		if (i == n_keys)
			unknown_key(w, k, keys, n_keys);
		else if (!vals[i])
			vals[i] = node->map.pairs[p].value; /* a duplicate was reported already */
	}
	return true;
}

bool walk_require(struct walk *w, const struct ynode *parent, const struct ynode *val, const char *key)
{
	if (val)
		return true;
	walk_error(w, parent, "missing required key '%s'", key);
	return false;
}

bool walk_sequence(struct walk *w, const struct ynode *node, size_t min, size_t max, const char *items)
{
	if (!node || node->type != YNODE_SEQUENCE) {
		walk_error(w, node, "expected a sequence of %s, found %s", items, ynode_type_name(node));
		return false;
	}
	if (node->seq.n < min) {
		if (min == 1)
			walk_error(w, node, "expected at least one entry, found an empty list");
		else
			walk_error(w, node, "expected at least %zu %s, found %zu", min, items, node->seq.n);
		return false;
	}
	if (node->seq.n > max) {
		walk_error(w, node, "at most %zu %s are allowed, found %zu", max, items, node->seq.n);
		return false;
	}
	return true;
}

bool walk_string(struct walk *w, const struct ynode *node, size_t max_len, char **ret)
{
	if (!node || node->type != YNODE_SCALAR || ynode_is_null(node)) {
		walk_error(w, node, "expected a string, found %s", ynode_type_name(node));
		return false;
	}
	if (!node->scalar.len) {
		walk_error(w, node, "expected a non-empty string");
		return false;
	}
	if (memchr(node->scalar.text, '\0', node->scalar.len)) {
		walk_error(w, node, "the string contains a NUL character");
		return false;
	}
	if (node->scalar.len > max_len) {
		walk_error(w, node, "the string is %zu bytes long; at most %zu are allowed", node->scalar.len, max_len);
		return false;
	}
	*ret = xstrndup(node->scalar.text, node->scalar.len);
	return true;
}

bool walk_bool(struct walk *w, const struct ynode *node, bool *ret)
{
	if (node && node->type == YNODE_SCALAR && node->scalar.plain) {
		if (!strcmp(node->scalar.text, "true")) {
			*ret = true;
			return true;
		}
		if (!strcmp(node->scalar.text, "false")) {
			*ret = false;
			return true;
		}
	}
	if (node && node->type == YNODE_SCALAR && !node->scalar.plain &&
	    (!strcmp(node->scalar.text, "true") || !strcmp(node->scalar.text, "false")))
		walk_error(w, node, "expected true or false, found the quoted string '%s' (write it without quotes)",
			   node->scalar.text);
	else if (node && node->type == YNODE_SCALAR && !ynode_is_null(node))
		walk_error(w, node, "expected true or false, found '%.64s'", node->scalar.text);
	else
		walk_error(w, node, "expected true or false, found %s", ynode_type_name(node));
	return false;
}

bool walk_enum(struct walk *w, const struct ynode *node, const char *const *names, size_t n, int *ret)
{
	struct strbuf sb;

	if (node && node->type == YNODE_SCALAR && !ynode_is_null(node)) {
		for (size_t i = 0; i < n; i++) {
			if (node->scalar.len == strlen(names[i]) && !strcmp(node->scalar.text, names[i])) {
				*ret = (int)i;
				return true;
			}
		}
	}
	strbuf_init(&sb, STRBUF_NO_CAP);
	for (size_t i = 0; i < n; i++)
		strbuf_addf(&sb, "%s%s", i ? (i + 1 == n ? " or " : ", ") : "", names[i]);
	if (node && node->type == YNODE_SCALAR && !ynode_is_null(node))
		walk_error(w, node, "expected %s, found '%.64s'", sb.buf, node->scalar.text);
	else
		walk_error(w, node, "expected %s, found %s", sb.buf, ynode_type_name(node));
	strbuf_release(&sb);
	return false;
}

/* A plain scalar that is a number, or NULL with the complaint already made. */
static const char *number_text(struct walk *w, const struct ynode *node, const char *what)
{
	if (!node || node->type != YNODE_SCALAR || ynode_is_null(node)) {
		walk_error(w, node, "expected %s, found %s", what, ynode_type_name(node));
		return NULL;
	}
	if (!node->scalar.plain) {
		walk_error(w, node, "expected %s, found a quoted string (write the number without quotes)", what);
		return NULL;
	}
	return node->scalar.text;
}

bool walk_number(struct walk *w, const struct ynode *node, double min, double max, double *ret)
{
	const char *t = number_text(w, node, "a number");
	char *canon = NULL;
	double v;

	if (!t)
		return false;
	if (units_decimal(t, 6, &canon)) {
		walk_error(w, node, "expected a number such as 80 or 12.5, found '%.64s'", t);
		return false;
	}
	v = strtod(canon, NULL);
	free(canon);
	if (!(v >= min && v <= max)) {
		walk_error(w, node, "%s is out of range (%g to %g)", t, min, max);
		return false;
	}
	*ret = v;
	return true;
}

bool walk_uint(struct walk *w, const struct ynode *node, uint64_t min, uint64_t max, uint64_t *ret)
{
	const char *t = number_text(w, node, "a whole number");
	uint64_t v = 0;

	if (!t)
		return false;
	for (const char *p = t; *p; p++) {
		if (*p < '0' || *p > '9' || v > (UINT64_MAX - 9) / 10) {
			walk_error(w, node, "expected a whole number, found '%.64s'", t);
			return false;
		}
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v < min || v > max) {
		walk_error(w, node, "%s is out of range (%llu to %llu)", t, (unsigned long long)min,
			   (unsigned long long)max);
		return false;
	}
	*ret = v;
	return true;
}

bool walk_decimal(struct walk *w, const struct ynode *node, unsigned max_frac, char **ret)
{
	const char *t = number_text(w, node, "an amount");
	const char *why;
	char *canon = NULL;

	if (!t)
		return false;
	why = units_decimal(t, max_frac, &canon);
	if (why) {
		walk_error(w, node, "'%.64s': %s", t, why);
		return false;
	}
	if (units_decimal_is_zero(canon)) {
		walk_error(w, node, "the amount must be greater than 0");
		free(canon);
		return false;
	}
	*ret = canon;
	return true;
}

/* walk_units: a scalar read by parse (units.h), whose message names what it is not;
 * expected: what one looks like, for a node that is no scalar. */
static bool walk_units(struct walk *w, const struct ynode *node, const char *expected,
		       const char *(*parse)(const char *s, uint64_t *ret), uint64_t *ret)
{
	const char *why;

	if (!node || node->type != YNODE_SCALAR || ynode_is_null(node)) {
		walk_error(w, node, "expected %s, found %s", expected, ynode_type_name(node));
		return false;
	}
	why = parse(node->scalar.text, ret);
	if (why) {
		walk_error(w, node, "'%.64s': %s", node->scalar.text, why);
		return false;
	}
	return true;
}

bool walk_duration(struct walk *w, const struct ynode *node, uint64_t min_ms, uint64_t max_ms, uint64_t *ret_ms)
{
	uint64_t ms;
	struct strbuf lo, hi;

	if (!walk_units(w, node, "a duration such as 30s, 10m or 1h", units_duration, &ms))
		return false;
	if (ms >= min_ms && ms <= max_ms) {
		*ret_ms = ms;
		return true;
	}
	strbuf_init(&lo, 64);
	strbuf_init(&hi, 64);
	units_format_duration(min_ms, &lo);
	units_format_duration(max_ms, &hi);
	walk_error(w, node, "%s is out of range (%s to %s)", node->scalar.text, lo.buf, hi.buf);
	strbuf_release(&lo);
	strbuf_release(&hi);
	return false;
}

bool walk_size(struct walk *w, const struct ynode *node, uint64_t min, uint64_t max, uint64_t *ret_bytes)
{
	uint64_t n;

	if (!walk_units(w, node, "a size such as 512KiB, 32MiB or 1GiB", units_size, &n))
		return false;
	if (n < min || n > max) {
		walk_error(w, node, "%s is out of range (%llu to %llu bytes)", node->scalar.text,
			   (unsigned long long)min, (unsigned long long)max);
		return false;
	}
	*ret_bytes = n;
	return true;
}
