#include "desired.h"

#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "xalloc.h"

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

void desired_store_init(struct desired_store *store)
{
	memset(store, 0, sizeof(*store));
}

void desired_store_release(struct desired_store *store)
{
	for (size_t i = 0; i < store->n; i++) {
		tenant_free(store->entries[i].tenant);
		free(store->entries[i].problem);
	}
	free(store->entries);
	desired_store_init(store);
}

void desired_delta_release(struct desired_delta *d)
{
	char **lists[] = { d->added, d->changed, d->stale, d->rejected };
	size_t counts[] = { d->n_added, d->n_changed, d->n_stale, d->n_rejected };

	for (size_t l = 0; l < 4; l++) {
		for (size_t i = 0; i < counts[l]; i++)
			free(lists[l][i]);
		free(lists[l]);
	}
	for (size_t i = 0; i < d->n_removed; i++)
		tenant_free(d->removed[i]);
	free(d->removed);
	memset(d, 0, sizeof(*d));
}

/* A file's claim on a tenant id. */
struct claim {
	const char *id;
	struct desired_file *file;
};

static int claim_cmp(const void *a, const void *b)
{
	const struct claim *x = a, *y = b;
	int c = strcmp(x->id, y->id);

	return c ? c : strcmp(x->file->path, y->file->path);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Growable lists of the delta. */
static void push_id(char ***list, size_t *n, const char *id)
{
	*list = xreallocarray(*list, *n + 1, sizeof(**list));
	(*list)[(*n)++] = xstrdup(id);
}

struct next {
	struct desired_entry *entries;
	size_t n, alloc;
};

/* problem is copied. */
static void push_entry(struct next *next, struct tenant *t, enum desired_stale stale, const char *problem,
		       uint64_t changed)
{
	struct desired_entry *e;

	XGROW(next->entries, next->n + 1, next->alloc);
	e = &next->entries[next->n++];
	e->tenant = t;
	e->stale = stale;
	e->problem = stale == DESIRED_FRESH ? NULL : xstrdup_or_null(problem);
	e->changed_revision = changed;
}

/* The files of this scan that failed, by path; and the unreadable subtrees. */
struct failures {
	struct desired_file **files; /* sorted by path */
	size_t n;
	const struct desired_scan *scan;
};

static int file_path_cmp(const void *a, const void *b)
{
	return strcmp((*(struct desired_file *const *)a)->path, (*(struct desired_file *const *)b)->path);
}

static const struct desired_file *failed_file(const struct failures *f, const char *path)
{
	size_t lo = 0, hi = f->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(f->files[mid]->path, path);
		if (!c)
			return f->files[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static const struct desired_failed_dir *failed_dir_above(const struct failures *f, const char *path)
{
	for (size_t i = 0; i < f->scan->n_failed_dirs; i++) {
		const char *d = f->scan->failed_dirs[i].path;
		size_t l = strlen(d);
		while (l > 1 && d[l - 1] == '/')
			l--;
		if (!strncmp(path, d, l) && (path[l] == '/' || path[l] == '\0'))
			return &f->scan->failed_dirs[i];
	}
	return NULL;
}

/* A previous tenant that no file of this scan claims: gone (DESIRED_FRESH is returned
 * for "not kept"), or kept because its file may still hold it. */
static enum desired_stale unclaimed(const struct failures *f, const struct tenant *t, const char **ret_problem)
{
	const struct desired_file *ff;
	const struct desired_failed_dir *fd;

	if (f->scan->status == DESIRED_SCAN_UNAVAILABLE) {
		*ret_problem = f->scan->problem;
		return DESIRED_STALE_UNAVAILABLE;
	}
	if (!t->file)
		return DESIRED_FRESH;
	ff = failed_file(f, t->file);
	if (ff) {
		*ret_problem = ff->problem;
		return ff->failed_id ? DESIRED_STALE_FAILED : DESIRED_STALE_UNREADABLE;
	}
	fd = failed_dir_above(f, t->file);
	if (fd) {
		*ret_problem = fd->problem;
		return DESIRED_STALE_DIRECTORY;
	}
	return DESIRED_FRESH;
}

/* Claims of one id: a single file that parsed defines the tenant; anything else keeps
 * the previous definition. Returns the new tenant (taken from the scan), or NULL with
 * the reason in *stale and a problem in *ret_problem (heap). */
static struct tenant *resolve(struct claim *g, size_t n, enum desired_stale *stale, char **ret_problem)
{
	struct tenant *t;
	struct strbuf sb;

	if (n == 1 && g[0].file->tenant) {
		t = g[0].file->tenant;
		g[0].file->tenant = NULL;
		if (!t->file || strcmp(t->file, g[0].file->path)) {
			free(t->file);
			t->file = xstrdup(g[0].file->path);
		}
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

static struct claim *collect_claims(struct desired_scan *scan, struct failures *f, size_t *ret_n)
{
	struct claim *claims = xcalloc(scan->n_files ? scan->n_files : 1, sizeof(*claims));
	size_t n = 0;

	f->files = xcalloc(scan->n_files ? scan->n_files : 1, sizeof(*f->files));
	f->n = 0;
	f->scan = scan;
	for (size_t i = 0; i < scan->n_files; i++) {
		struct desired_file *file = &scan->files[i];
		const char *id = file->tenant ? file->tenant->id : file->failed_id;
		if (!file->tenant)
			f->files[f->n++] = file;
		if (id) {
			claims[n].id = id;
			claims[n].file = file;
			n++;
		}
	}
	qsort(claims, n, sizeof(*claims), claim_cmp);
	qsort(f->files, f->n, sizeof(*f->files), file_path_cmp);
	*ret_n = n;
	return claims;
}

static void keep_stale(struct next *next, struct desired_delta *d, struct desired_entry *e, enum desired_stale s,
		       const char *problem)
{
	push_entry(next, e->tenant, s, problem, e->changed_revision);
	push_id(&d->stale, &d->n_stale, e->tenant->id);
}

/* Previous entry e (may be NULL) against the claims of one id (g items, may be 0). */
static void merge_one(struct desired_entry *e, struct claim *claims, size_t g, const struct failures *f, uint64_t rev,
		      struct next *next, struct desired_delta *d)
{
	enum desired_stale s = DESIRED_FRESH;
	const char *problem = NULL;
	char *owned = NULL;
	struct tenant *t;

	if (!g) { /* only in the store */
		s = unclaimed(f, e->tenant, &problem);
		if (s != DESIRED_FRESH) {
			keep_stale(next, d, e, s, problem);
			return;
		}
		d->removed = xreallocarray(d->removed, d->n_removed + 1, sizeof(*d->removed));
		d->removed[d->n_removed++] = e->tenant;
		return;
	}
	t = resolve(claims, g, &s, &owned);
	if (!e && t) {
		push_entry(next, t, DESIRED_FRESH, NULL, rev);
		push_id(&d->added, &d->n_added, t->id);
	} else if (!e) {
		push_id(&d->rejected, &d->n_rejected, claims[0].id);
	} else if (!t) {
		keep_stale(next, d, e, s, owned);
	} else if (tenant_equal(e->tenant, t)) {
		push_entry(next, t, DESIRED_FRESH, NULL, e->changed_revision);
		tenant_free(e->tenant);
	} else {
		push_entry(next, t, DESIRED_FRESH, NULL, rev);
		push_id(&d->changed, &d->n_changed, t->id);
		tenant_free(e->tenant);
	}
	free(owned);
}

/* Walk the previous entries and this scan's claims, both sorted by id. */
static void merge(struct desired_store *store, struct claim *claims, size_t n_claims, const struct failures *f,
		  struct next *next, struct desired_delta *d)
{
	size_t i = 0, c = 0;

	while (i < store->n || c < n_claims) {
		struct desired_entry *e = i < store->n ? &store->entries[i] : NULL;
		size_t g = c;
		int cmp = !e ? 1 : c == n_claims ? -1 : strcmp(e->tenant->id, claims[c].id);
		if (cmp >= 0)
			while (g < n_claims && !strcmp(claims[g].id, claims[c].id))
				g++;
		merge_one(cmp <= 0 ? e : NULL, claims ? &claims[c] : NULL, g - c, f, store->revision, next, d);
		if (e && cmp <= 0) {
			free(e->problem);
			i++;
		}
		c = g;
	}
}

void desired_store_apply(struct desired_store *store, struct desired_scan *scan, struct desired_delta *ret)
{
	struct failures f;
	struct next next = { 0 };
	struct claim *claims;
	size_t n_claims = 0;

	memset(ret, 0, sizeof(*ret));
	store->revision++;
	ret->revision = store->revision;
	ret->before = store->n;
	ret->unavailable = scan->status == DESIRED_SCAN_UNAVAILABLE;
	if (ret->unavailable) {
		/* Nothing in such a scan is known to be complete: its files are ignored and
		 * every tenant keeps its definition. */
		claims = NULL;
		f.files = NULL;
		f.n = 0;
		f.scan = scan;
	} else {
		claims = collect_claims(scan, &f, &n_claims);
	}
	merge(store, claims, n_claims, &f, &next, ret);
	free(claims);
	free(f.files);
	free(store->entries);
	store->entries = next.entries;
	store->n = next.n;
	store->alloc = next.alloc;
	if (!ret->unavailable)
		store->loaded = true;
	if (ret->n_rejected)
		qsort(ret->rejected, ret->n_rejected, sizeof(char *), str_cmp);
	desired_scan_release(scan);
}

const struct desired_entry *desired_store_find(const struct desired_store *store, const char *id)
{
	size_t lo = 0, hi = store->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(store->entries[mid].tenant->id, id);
		if (!c)
			return &store->entries[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
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
