/* The apply of a change of a few manifest files (desired.h): the tenants the change
 * can concern are decided as the full apply decides them, through the view, and put
 * in place in the sorted entries; the others are not looked at. */
#include <stdlib.h>
#include <string.h>

#include "desired.h"
#include "desired_impl.h"
#include "xalloc.h"

static const struct desired_file *failed_in_view(const struct desired__where *w, const char *path)
{
	const struct desired_file *f = w->view->file(w->view->data, path);

	return f && !f->tenant ? f : NULL;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int claim_path_cmp(const void *a, const void *b)
{
	return strcmp(((const struct desired__claim *)a)->file->path, ((const struct desired__claim *)b)->file->path);
}

/* The ids to look at: those the changed files declared or declare, and the stale
 * tenants whose file changed (a tenant kept because its file failed is judged again
 * when that file changes, whatever the file declares now). Sorted, each once. */
static char **candidates(const struct desired_store *store, const char *const *paths, size_t n_paths,
			 const char *const *ids, size_t n_ids, size_t *ret_n)
{
	struct hashmap changed;
	char **v = xcalloc(n_ids + store->stale.n + 1, sizeof(*v));
	size_t n = 0, m = 0, pos = 0;
	const char *id;

	for (size_t i = 0; i < n_ids; i++)
		v[n++] = (char *)ids[i];
	hashmap_init(&changed);
	for (size_t i = 0; i < n_paths; i++)
		hashmap_put(&changed, paths[i], (void *)1);
	while (store->stale.n && hashmap_next(&store->stale, &pos, &id, NULL)) {
		const struct tenant *t = desired_store_get(store, id);
		if (t && t->file && hashmap_get(&changed, t->file))
			v[n++] = (char *)id;
	}
	hashmap_release(&changed, NULL);
	qsort(v, n, sizeof(*v), str_cmp);
	for (size_t i = 0; i < n; i++)
		if (!m || strcmp(v[m - 1], v[i]))
			v[m++] = v[i];
	for (size_t i = 0; i < m; i++)
		v[i] = xstrdup(v[i]); /* the stale set's keys may go while deciding */
	*ret_n = m;
	return v;
}

/* The claims of id in the view, sorted by path. */
static struct desired__claim *claims_of(const struct desired_view *view, const char *id, size_t *ret_n)
{
	const struct desired_file *one[4], **files = one;
	size_t n = view->claims(view->data, id, one, 4);
	struct desired__claim *c;

	if (n > 4) {
		files = xcalloc(n, sizeof(*files));
		n = view->claims(view->data, id, files, n);
	}
	c = xcalloc(n ? n : 1, sizeof(*c));
	for (size_t i = 0; i < n; i++) {
		c[i].id = id;
		c[i].file = files[i];
	}
	if (files != one)
		free(files);
	qsort(c, n, sizeof(*c), claim_path_cmp);
	*ret_n = n;
	return c;
}

/* Decide id and put its entry in place: replaced, inserted or taken out. */
static void apply_one(struct desired_store *store, const struct desired__where *w, const char *id,
		      struct desired_delta *d)
{
	struct desired_entry out;
	size_t n_claims, at;
	struct desired__claim *claims = claims_of(w->view, id, &n_claims);
	bool found;
	struct desired_entry *e;

	at = desired__position(store, id, &found);
	e = found ? &store->entries[at] : NULL;
	if (e)
		hashmap_remove(&store->stale, id);
	if (!e && !n_claims) {
		free(claims);
		return; /* nothing of it, before or now */
	}
	desired__push_id(&d->looked, &d->n_looked, id);
	if (desired__decide(e, claims, n_claims, w, store->revision, &out, d)) {
		if (e) {
			free(e->problem);
		} else {
			if (store->n + 1 > store->alloc) { /* an eighth spare (state/desired.h) */
				store->alloc = store->n + 1 + store->n / 8;
				store->entries = xreallocarray(store->entries, store->alloc, sizeof(*store->entries));
			}
			memmove(&store->entries[at + 1], &store->entries[at],
				(store->n - at) * sizeof(*store->entries));
			store->n++;
		}
		store->entries[at] = out;
		if (out.stale != DESIRED_FRESH)
			hashmap_put(&store->stale, out.tenant->id, (void *)1);
	} else if (e) {
		free(e->problem);
		memmove(&store->entries[at], &store->entries[at + 1], (store->n - at - 1) * sizeof(*store->entries));
		store->n--;
	}
	free(claims);
}

void desired_store_apply_changes(struct desired_store *store, const struct desired_view *view, const char *const *paths,
				 size_t n_paths, const char *const *ids, size_t n_ids, struct desired_delta *ret)
{
	struct desired__where w = {
		.failed_file = failed_in_view,
		.view = view,
		.dirs = view->failed_dirs,
		.n_dirs = view->n_failed_dirs,
	};
	size_t n;
	char **look;

	memset(ret, 0, sizeof(*ret));
	store->revision++;
	ret->revision = store->revision;
	ret->before = store->n;
	ret->partial = true;
	look = candidates(store, paths, n_paths, ids, n_ids, &n);
	for (size_t i = 0; i < n; i++) {
		apply_one(store, &w, look[i], ret);
		free(look[i]);
	}
	free(look);
}
