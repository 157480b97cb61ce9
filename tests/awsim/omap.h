/* Ordered map from strings to pointers (an AVL tree).
 *
 * awsim keeps every collection in one of these: lookups are O(log n), and listings
 * page through keys in order ("the next key after the last one returned"), which is
 * stable while entries come and go between pages. The map owns copies of its keys;
 * values are borrowed pointers that the caller frees (omap_clear takes a destructor). */
#ifndef AWSIM_OMAP_H
#define AWSIM_OMAP_H

#include <stddef.h>

struct omap_node {
	struct omap_node *left, *right;
	char *key;
	void *value;
	int height;
};

struct omap {
	struct omap_node *root;
	size_t n;
};

void omap_init(struct omap *m);
/* omap_clear: removes every entry, calling free_value (may be NULL) on each value. */
void omap_clear(struct omap *m, void (*free_value)(void *value));

void *omap_get(const struct omap *m, const char *key);
/* omap_put: inserts or replaces; returns the value replaced, or NULL. */
void *omap_put(struct omap *m, const char *key, void *value);
/* omap_del: removes key; returns its value, or NULL when absent. */
void *omap_del(struct omap *m, const char *key);

/* omap_next: the entry with the smallest key strictly greater than key, or with
 * key NULL the first entry; NULL after the last. Borrowed; valid until the map
 * changes. */
const struct omap_node *omap_next(const struct omap *m, const char *key);
/* omap_walk: calls fn on every entry in key order; a non-zero return stops the walk
 * and is returned. fn must not change the map. */
int omap_walk(const struct omap *m, int (*fn)(const char *key, void *value, void *ctx), void *ctx);

#endif
