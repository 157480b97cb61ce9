#include "desired.h"
#include "desired_impl.h"

#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "xalloc.h"

_Static_assert(sizeof(struct desired_entry) == 24, "a desired entry is 24 bytes (state/desired.h)");

void desired_scan_init(struct desired_scan *scan)
{
	memset(scan, 0, sizeof(*scan));
}

void desired_scan_release(struct desired_scan *scan)
{
	for (size_t i = 0; i < scan->n_files; i++) {
		free(scan->files[i].path);
		tenant_free(scan->files[i].tenant);
		free(scan->files[i].failed_id);
		free(scan->files[i].problem);
	}
	free(scan->files);
	for (size_t i = 0; i < scan->n_failed_dirs; i++) {
		free(scan->failed_dirs[i].path);
		free(scan->failed_dirs[i].problem);
	}
	free(scan->failed_dirs);
	free(scan->problem);
	desired_scan_init(scan);
}

void desired_scan_add(struct desired_scan *scan, const char *path, struct tenant *tenant, const char *failed_id,
		      const char *problem)
{
	struct desired_file *f;

	XGROW(scan->files, scan->n_files + 1, scan->alloc_files);
	f = &scan->files[scan->n_files++];
	f->path = xstrdup(path);
	f->tenant = tenant;
	f->failed_id = tenant ? NULL : xstrdup_or_null(failed_id);
	f->problem = tenant ? NULL : xstrdup_or_null(problem);
}

void desired_scan_add_failed_dir(struct desired_scan *scan, const char *path, const char *problem)
{
	XGROW(scan->failed_dirs, scan->n_failed_dirs + 1, scan->alloc_failed_dirs);
	scan->failed_dirs[scan->n_failed_dirs].path = xstrdup(path);
	scan->failed_dirs[scan->n_failed_dirs].problem = xstrdup_or_null(problem);
	scan->n_failed_dirs++;
}

void desired_scan_unavailable(struct desired_scan *scan, const char *problem)
{
	scan->status = DESIRED_SCAN_UNAVAILABLE;
	free(scan->problem);
	scan->problem = xstrdup_or_null(problem);
}

size_t desired_scan_tenants(const struct desired_scan *scan)
{
	size_t n = 0;

	for (size_t i = 0; i < scan->n_files; i++)
		n += scan->files[i].tenant != NULL;
	return n;
}

bool desired_scan_ids_unknown(const struct desired_scan *scan)
{
	if (scan->n_failed_dirs)
		return true;
	for (size_t i = 0; i < scan->n_files; i++)
		if (!scan->files[i].tenant && !scan->files[i].failed_id)
			return true;
	return false;
}

void desired_store_init(struct desired_store *store)
{
	memset(store, 0, sizeof(*store));
	hashmap_init(&store->stale);
}

void desired_store_release(struct desired_store *store)
{
	for (size_t i = 0; i < store->n; i++) {
		tenant_free(store->entries[i].tenant);
		free(store->entries[i].problem);
	}
	free(store->entries);
	hashmap_release(&store->stale, NULL);
	desired_store_init(store);
}

void desired_delta_release(struct desired_delta *d)
{
	char **lists[] = { d->added, d->changed, d->stale, d->rejected, d->looked };
	size_t counts[] = { d->n_added, d->n_changed, d->n_stale, d->n_rejected, d->n_looked };

	for (size_t l = 0; l < 5; l++) {
		for (size_t i = 0; i < counts[l]; i++)
			free(lists[l][i]);
		free(lists[l]);
	}
	for (size_t i = 0; i < d->n_removed; i++)
		tenant_free(d->removed[i]);
	free(d->removed);
	for (size_t i = 0; i < d->n_changed; i++)
		tenant_free(d->was[i]);
	free(d->was);
	memset(d, 0, sizeof(*d));
}

static int claim_cmp(const void *a, const void *b)
{
	const struct desired__claim *x = a, *y = b;
	int c = strcmp(x->id, y->id);

	return c ? c : strcmp(x->file->path, y->file->path);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void desired__push_id(char ***list, size_t *n, const char *id)
{
	*list = xreallocarray(*list, *n + 1, sizeof(**list));
	(*list)[(*n)++] = xstrdup(id);
}

struct next {
	struct desired_entry *entries;
	size_t n, alloc;
};

static int file_path_cmp(const void *a, const void *b)
{
	return strcmp((*(struct desired_file *const *)a)->path, (*(struct desired_file *const *)b)->path);
}

/* The full apply's failed files: a search of the scan's, sorted by path. */
static const struct desired_file *failed_in_scan(const struct desired__where *w, const char *path)
{
	size_t lo = 0, hi = w->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(w->files[mid]->path, path);
		if (!c)
			return w->files[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static const struct desired_failed_dir *failed_dir_above(const struct desired__where *w, const char *path)
{
	for (size_t i = 0; i < w->n_dirs; i++) {
		const char *d = w->dirs[i].path;
		size_t l = strlen(d);
		while (l > 1 && d[l - 1] == '/')
			l--;
		if (!strncmp(path, d, l) && (path[l] == '/' || path[l] == '\0'))
			return &w->dirs[i];
	}
	return NULL;
}

/* A previous tenant that no file of this scan claims: gone (DESIRED_FRESH is returned
 * for "not kept"), or kept because its file may still hold it. */
static enum desired_stale unclaimed(const struct desired__where *w, const struct tenant *t, const char **ret_problem)
{
	const struct desired_file *ff;
	const struct desired_failed_dir *fd;

	if (w->unavailable) {
		*ret_problem = w->problem;
		return DESIRED_STALE_UNAVAILABLE;
	}
	if (!t->file)
		return DESIRED_FRESH;
	ff = w->failed_file(w, t->file);
	if (ff) {
		*ret_problem = ff->problem;
		return ff->failed_id ? DESIRED_STALE_FAILED : DESIRED_STALE_UNREADABLE;
	}
	fd = failed_dir_above(w, t->file);
	if (fd) {
		*ret_problem = fd->problem;
		return DESIRED_STALE_DIRECTORY;
	}
	return DESIRED_FRESH;
}

/* Claims of one id: a single file that parsed defines the tenant; anything else keeps
 * the previous definition. Returns the new tenant (a reference of the file's), or NULL
 * with the reason in *stale and a problem in *ret_problem (heap). */
static struct tenant *resolve(const struct desired__claim *g, size_t n, enum desired_stale *stale, char **ret_problem)
{
	struct tenant *t;
	struct strbuf sb;

	if (n == 1 && g[0].file->tenant) {
		t = tenant_ref(g[0].file->tenant);
		if (!t->file || strcmp(t->file, g[0].file->path))
			tenant_set_file(t, g[0].file->path);
		return t;
	}
	*stale = n > 1 ? DESIRED_STALE_CONFLICT : DESIRED_STALE_FAILED;
	for (size_t i = 0; i < n; i++) {
		if (g[i].file->problem) {
			*ret_problem = xstrdup(g[i].file->problem);
			return NULL;
		}
	}
	strbuf_init(&sb, STRBUF_NO_CAP);
	strbuf_addf(&sb, "tenant id '%s' is declared by %zu files:", g[0].id, n);
	for (size_t i = 0; i < n; i++)
		strbuf_addf(&sb, " %s", g[i].file->path);
	*ret_problem = strbuf_detach(&sb, NULL);
	return NULL;
}

static struct desired__claim *collect_claims(struct desired_scan *scan, struct desired__where *w, size_t *ret_n)
{
	struct desired__claim *claims = xcalloc(scan->n_files ? scan->n_files : 1, sizeof(*claims));
	size_t n = 0;

	w->files = xcalloc(scan->n_files ? scan->n_files : 1, sizeof(*w->files));
	w->n = 0;
	for (size_t i = 0; i < scan->n_files; i++) {
		struct desired_file *file = &scan->files[i];
		const char *id = file->tenant ? file->tenant->id : file->failed_id;
		if (!file->tenant)
			w->files[w->n++] = file;
		if (id) {
			claims[n].id = id;
			claims[n].file = file;
			n++;
		}
	}
	qsort(claims, n, sizeof(*claims), claim_cmp);
	qsort(w->files, w->n, sizeof(*w->files), file_path_cmp);
	*ret_n = n;
	return claims;
}

static void set_entry(struct desired_entry *out, struct tenant *t, enum desired_stale stale, char *problem,
		      uint64_t changed)
{
	out->tenant = t;
	out->stale = stale;
	out->problem = stale == DESIRED_FRESH ? NULL : problem;
	out->changed_revision = changed;
	if (stale == DESIRED_FRESH)
		free(problem);
}

bool desired__decide(struct desired_entry *e, const struct desired__claim *claims, size_t g,
		     const struct desired__where *w, uint64_t rev, struct desired_entry *out, struct desired_delta *d)
{
	enum desired_stale s = DESIRED_FRESH;
	const char *problem = NULL;
	char *owned = NULL;
	struct tenant *t;

	if (!g) { /* only in the store */
		s = unclaimed(w, e->tenant, &problem);
		if (s != DESIRED_FRESH) {
			set_entry(out, e->tenant, s, xstrdup_or_null(problem), e->changed_revision);
			desired__push_id(&d->stale, &d->n_stale, e->tenant->id);
			return true;
		}
		d->removed = xreallocarray(d->removed, d->n_removed + 1, sizeof(*d->removed));
		d->removed[d->n_removed++] = e->tenant;
		return false;
	}
	t = resolve(claims, g, &s, &owned);
	if (!e && t) {
		set_entry(out, t, DESIRED_FRESH, NULL, rev);
		desired__push_id(&d->added, &d->n_added, t->id);
	} else if (!e) {
		desired__push_id(&d->rejected, &d->n_rejected, claims[0].id);
		free(owned);
		return false;
	} else if (!t) {
		set_entry(out, e->tenant, s, owned, e->changed_revision);
		desired__push_id(&d->stale, &d->n_stale, e->tenant->id);
	} else if (tenant_equal(e->tenant, t)) {
		set_entry(out, t, DESIRED_FRESH, NULL, e->changed_revision);
		tenant_free(e->tenant);
	} else {
		set_entry(out, t, DESIRED_FRESH, NULL, rev);
		desired__push_id(&d->changed, &d->n_changed, t->id);
		d->was = xreallocarray(d->was, d->n_changed, sizeof(*d->was));
		d->was[d->n_changed - 1] = e->tenant;
	}
	return true;
}

/* Walk the previous entries and this scan's claims, both sorted by id. */
static void merge(struct desired_store *store, const struct desired__claim *claims, size_t n_claims,
		  const struct desired__where *w, struct next *next, struct desired_delta *d)
{
	size_t i = 0, c = 0;

	while (i < store->n || c < n_claims) {
		struct desired_entry *e = i < store->n ? &store->entries[i] : NULL;
		struct desired_entry out;
		size_t g = c;
		int cmp = !e ? 1 : c == n_claims ? -1 : strcmp(e->tenant->id, claims[c].id);
		if (cmp >= 0)
			while (g < n_claims && !strcmp(claims[g].id, claims[c].id))
				g++;
		if (desired__decide(cmp <= 0 ? e : NULL, claims ? &claims[c] : NULL, g - c, w, store->revision, &out,
				    d)) {
			XGROW(next->entries, next->n + 1, next->alloc);
			next->entries[next->n++] = out;
		}
		if (e && cmp <= 0) {
			free(e->problem);
			i++;
		}
		c = g;
	}
}

void desired__stale_index(struct desired_store *store)
{
	hashmap_release(&store->stale, NULL);
	hashmap_init(&store->stale);
	for (size_t i = 0; i < store->n; i++)
		if (store->entries[i].stale != DESIRED_FRESH)
			hashmap_put(&store->stale, store->entries[i].tenant->id, (void *)1);
}

void desired_store_apply(struct desired_store *store, struct desired_scan *scan, struct desired_delta *ret)
{
	struct desired__where w = {
		.failed_file = failed_in_scan,
		.dirs = scan->failed_dirs,
		.n_dirs = scan->n_failed_dirs,
		.problem = scan->problem,
	};
	struct next next = { 0 };
	struct desired__claim *claims = NULL;
	size_t n_claims = 0;

	memset(ret, 0, sizeof(*ret));
	store->revision++;
	ret->revision = store->revision;
	ret->before = store->n;
	ret->unavailable = w.unavailable = scan->status == DESIRED_SCAN_UNAVAILABLE;
	/* Nothing in an unavailable scan is known to be complete: its files are ignored
	 * and every tenant keeps its definition. */
	if (!ret->unavailable)
		claims = collect_claims(scan, &w, &n_claims);
	merge(store, claims, n_claims, &w, &next, ret);
	free(claims);
	free(w.files);
	free(store->entries);
	/* exactly sized: the merge's doubling leaves up to half its slots unused */
	store->entries = next.n ? xreallocarray(next.entries, next.n, sizeof(*next.entries)) : NULL;
	if (!next.n)
		free(next.entries);
	store->n = store->alloc = next.n;
	desired__stale_index(store);
	if (!ret->unavailable)
		store->loaded = true;
	if (ret->n_rejected)
		qsort(ret->rejected, ret->n_rejected, sizeof(char *), str_cmp);
	desired_scan_release(scan);
}

size_t desired__position(const struct desired_store *store, const char *id, bool *ret_found)
{
	size_t lo = 0, hi = store->n;

	*ret_found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(store->entries[mid].tenant->id, id);
		if (!c) {
			*ret_found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct desired_entry *desired_store_find(const struct desired_store *store, const char *id)
{
	bool found;
	size_t at = desired__position(store, id, &found);

	return found ? &store->entries[at] : NULL;
}

const struct tenant *desired_store_get(const struct desired_store *store, const char *id)
{
	const struct desired_entry *e = desired_store_find(store, id);

	return e ? e->tenant : NULL;
}

const char *desired_stale_name(enum desired_stale stale)
{
	switch (stale) {
	case DESIRED_STALE_FAILED:
		return "manifest-failed";
	case DESIRED_STALE_CONFLICT:
		return "id-conflict";
	case DESIRED_STALE_UNREADABLE:
		return "file-unreadable";
	case DESIRED_STALE_DIRECTORY:
		return "directory-unreadable";
	case DESIRED_STALE_UNAVAILABLE:
		return "manifests-unavailable";
	case DESIRED_FRESH:
		break;
	}
	return "fresh";
}
