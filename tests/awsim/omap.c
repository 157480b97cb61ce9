#include "omap.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

void omap_init(struct omap *m)
{
	m->root = NULL;
	m->n = 0;
}

static void clear(struct omap_node *n, void (*free_value)(void *))
{
	while (n) {
		struct omap_node *right = n->right;
		clear(n->left, free_value);
		if (free_value)
			free_value(n->value);
		free(n->key);
		free(n);
		n = right;
	}
}

void omap_clear(struct omap *m, void (*free_value)(void *value))
{
	clear(m->root, free_value);
	omap_init(m);
}

void *omap_get(const struct omap *m, const char *key)
{
	const struct omap_node *n = m->root;

	while (n) {
		int c = strcmp(key, n->key);
		if (!c)
			return n->value;
		n = c < 0 ? n->left : n->right;
	}
	return NULL;
}

static int height(const struct omap_node *n)
{
	return n ? n->height : 0;
}

static void update(struct omap_node *n)
{
	int l = height(n->left), r = height(n->right);

	n->height = 1 + (l > r ? l : r);
}

static struct omap_node *rotate_right(struct omap_node *n)
{
	struct omap_node *l = n->left;

	n->left = l->right;
	l->right = n;
	update(n);
	update(l);
	return l;
}

static struct omap_node *rotate_left(struct omap_node *n)
{
	struct omap_node *r = n->right;

	n->right = r->left;
	r->left = n;
	update(n);
	update(r);
	return r;
}

static struct omap_node *balance(struct omap_node *n)
{
	int bf;

	update(n);
	bf = height(n->left) - height(n->right);
	if (bf > 1) {
		if (height(n->left->left) < height(n->left->right))
			n->left = rotate_left(n->left);
		return rotate_right(n);
	}
	if (bf < -1) {
		if (height(n->right->right) < height(n->right->left))
			n->right = rotate_right(n->right);
		return rotate_left(n);
	}
	return n;
}

static struct omap_node *insert(struct omap *m, struct omap_node *n, const char *key, void *value, void **old)
{
	int c;

	if (!n) {
		n = xcalloc(1, sizeof(*n));
		n->key = xstrdup(key);
		n->value = value;
		n->height = 1;
		m->n++;
		return n;
	}
	c = strcmp(key, n->key);
	if (!c) {
		*old = n->value;
		n->value = value;
		return n;
	}
	if (c < 0)
		n->left = insert(m, n->left, key, value, old);
	else
		n->right = insert(m, n->right, key, value, old);
	return balance(n);
}

void *omap_put(struct omap *m, const char *key, void *value)
{
	void *old = NULL;

	m->root = insert(m, m->root, key, value, &old);
	return old;
}

/* Detach the smallest node of subtree n into *ret; returns the new subtree. */
static struct omap_node *take_min(struct omap_node *n, struct omap_node **ret)
{
	if (!n->left) {
		*ret = n;
		return n->right;
	}
	n->left = take_min(n->left, ret);
	return balance(n);
}

static struct omap_node *delete (struct omap *m, struct omap_node *n, const char *key, void **ret)
{
	struct omap_node *min;
	int c;

	if (!n)
		return NULL;
	c = strcmp(key, n->key);
	if (c < 0) {
		n->left = delete (m, n->left, key, ret);
		return balance(n);
	}
	if (c > 0) {
		n->right = delete (m, n->right, key, ret);
		return balance(n);
	}
	*ret = n->value;
	m->n--;
	if (!n->right) {
		struct omap_node *l = n->left;
		free(n->key);
		free(n);
		return l;
	}
	n->right = take_min(n->right, &min);
	min->left = n->left;
	min->right = n->right;
	free(n->key);
	free(n);
	return balance(min);
}

void *omap_del(struct omap *m, const char *key)
{
	void *ret = NULL;

	m->root = delete (m, m->root, key, &ret);
	return ret;
}

const struct omap_node *omap_next(const struct omap *m, const char *key)
{
	const struct omap_node *n = m->root, *best = NULL;

	while (n) {
		if (!key || strcmp(n->key, key) > 0) {
			best = n;
			n = n->left;
		} else {
			n = n->right;
		}
	}
	return best;
}

static int walk(const struct omap_node *n, int (*fn)(const char *, void *, void *), void *ctx)
{
	while (n) {
		int r = walk(n->left, fn, ctx);
		if (r)
			return r;
		r = fn(n->key, n->value, ctx);
		if (r)
			return r;
		n = n->right;
	}
	return 0;
}

int omap_walk(const struct omap *m, int (*fn)(const char *key, void *value, void *ctx), void *ctx)
{
	return walk(m->root, fn, ctx);
}
