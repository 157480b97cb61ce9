#include "manifest_cache.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"
#include "manifest_dir.h"
#include "textfile.h"
#include "xalloc.h"

/* The words of the duplicate-id problem, as manifest_dir words it too. */
#define DUPLICATE_TEXT "is also declared in"

/* A file's diagnostics, formatted: apart, since nearly every file has none. */
struct file_problems {
	size_t n;
	bool reread; /* its read failed for want of file descriptors or memory */
	char *v[];
};

/* 56 bytes, a 64-byte malloc chunk (80 with the problems' pointer, count and flags
 * in it): one a manifest file. */
struct cached_file {
	struct desired_file df;		/* path (the files map's key), tenant or failure */
	struct file_problems *problems; /* NULL: none */
	struct cached_file *next_same;	/* the next file declaring the same id */
	unsigned id_line, id_col;	/* where the tenant id is declared; 0: not known */
};

_Static_assert(sizeof(struct cached_file) == 56, "a cached file is 56 bytes");

static size_t n_problems(const struct cached_file *f)
{
	return f->problems ? f->problems->n : 0;
}

/* Appends a problem (taken) to f's. */
static void add_problem(struct cached_file *f, char *problem)
{
	size_t n = n_problems(f);
	struct file_problems *p = xrealloc(f->problems, sizeof(*p) + (n + 1) * sizeof(char *));

	if (!f->problems)
		p->reread = false;
	p->v[n] = problem;
	p->n = n + 1;
	f->problems = p;
}

/* df.path is df.tenant's own file (borrowed: the tenant is held; see set_path). */
static bool path_is_tenants(const struct cached_file *f)
{
	return f->df.tenant && f->df.path == f->df.tenant->file;
}

/* A cached file's path: its tenant's own copy when it has one (100,000 files: one
 * copy of each path, not two), else a copy of its own. The desired store replaces a
 * tenant's file only when it differs from its file's path (state/desired.c,
 * resolve): never for a tenant whose file is this path, so the two stay the same
 * pointer (path_is_tenants). */
static void set_path(struct cached_file *f, const char *path)
{
	const struct tenant *t = f->df.tenant;

	f->df.path = t && t->file && strcmp(t->file, path) == 0 ? t->file : xstrdup(path);
}

static const char *file_path(const void *f)
{
	return ((const struct cached_file *)f)->df.path;
}

static void cached_free(void *p)
{
	struct cached_file *f = p;

	if (!f)
		return;
	if (!path_is_tenants(f))
		free(f->df.path);
	tenant_free(f->df.tenant);
	free(f->df.failed_id);
	free(f->df.problem);
	for (size_t i = 0; i < n_problems(f); i++)
		free(f->problems->v[i]);
	free(f->problems);
	free(f);
}

/* A problem string the cache lets go: freed, unless the last report handed it (the
 * reported set borrows it), in which case it waits for the next report to be told
 * gone and freed there. */
static void drop_problem(struct manifest_cache *c, char *problem)
{
	if (hashmap_get(&c->reported, problem) != problem) {
		free(problem);
		return;
	}
	c->retired = xreallocarray(c->retired, c->n_retired + 1, sizeof(*c->retired));
	c->retired[c->n_retired++] = problem;
}

/* Lets go of file f's problems (f keeps an empty list, its flags and count). */
static void drop_file_problems(struct manifest_cache *c, struct cached_file *f)
{
	for (size_t i = 0; i < n_problems(f); i++)
		drop_problem(c, f->problems->v[i]);
	if (f->problems)
		f->problems->n = 0;
}

static const char *declared_id(const struct cached_file *f)
{
	return f->df.tenant ? f->df.tenant->id : f->df.failed_id;
}

/* The ids map's key: the id its file (the head of a list of files declaring that
 * id) declares; no copy of the id per file. */
static const char *ids_key(const void *f)
{
	return declared_id(f);
}

void manifest_cache_init(struct manifest_cache *c)
{
	memset(c, 0, sizeof(*c));
	hashmap_init_keyed(&c->files, file_path);
	hashmap_init_borrowed(&c->reported);
	hashmap_init_keyed(&c->ids, ids_key);
	hashmap_init(&c->dup_ids);
	hashmap_init_borrowed(&c->problem_files);
}

static void clear_problems(struct manifest_cache *c)
{
	for (size_t i = 0; i < c->n_dup_problems; i++)
		drop_problem(c, c->dup_problems[i]);
	free(c->dup_problems);
	c->dup_problems = NULL;
	c->n_dup_problems = 0;
	free(c->problems);
	c->problems = NULL;
	c->n_problems = 0;
}

static void clear_retired(struct manifest_cache *c)
{
	for (size_t i = 0; i < c->n_retired; i++)
		free(c->retired[i]);
	free(c->retired);
	c->retired = NULL;
	c->n_retired = 0;
}

static void clear_dir_problems(struct manifest_cache *c)
{
	for (size_t i = 0; i < c->n_dir_problems; i++)
		drop_problem(c, c->dir_problems[i]);
	free(c->dir_problems);
	c->dir_problems = NULL;
	c->n_dir_problems = 0;
}

static void clear_failed_dirs(struct manifest_cache *c)
{
	for (size_t i = 0; i < c->n_failed_dirs; i++) {
		free(c->failed_dirs[i].path);
		free(c->failed_dirs[i].problem);
	}
	free(c->failed_dirs);
	c->failed_dirs = NULL;
	c->n_failed_dirs = 0;
}

static void clear_changes(struct manifest_cache *c)
{
	for (size_t i = 0; i < c->n_changed_paths; i++)
		free(c->changed_paths[i]);
	for (size_t i = 0; i < c->n_changed_ids; i++)
		free(c->changed_ids[i]);
	free(c->changed_paths);
	free(c->changed_ids);
	c->changed_paths = c->changed_ids = NULL;
	c->n_changed_paths = c->n_changed_ids = 0;
}

void manifest_cache_release(struct manifest_cache *c)
{
	/* the reported set goes first: every problem string is then freed at once */
	hashmap_release(&c->reported, NULL);
	hashmap_init_borrowed(&c->reported);
	hashmap_release(&c->files, cached_free);
	clear_failed_dirs(c);
	clear_changes(c);
	free(c->unavailable_problem);
	clear_problems(c);
	clear_dir_problems(c);
	clear_retired(c);
	hashmap_release(&c->reported, NULL);
	hashmap_release(&c->ids, NULL);
	hashmap_release(&c->dup_ids, NULL);
	hashmap_release(&c->problem_files, NULL);
	memset(c, 0, sizeof(*c));
}

static char *format_diag(const struct diag *d)
{
	struct strbuf sb;

	strbuf_init(&sb, STRBUF_NO_CAP);
	diag_format(d, &sb);
	return strbuf_detach(&sb, NULL);
}

static bool has_duplicate_problem(const struct cached_file *f)
{
	for (size_t i = 0; i < n_problems(f); i++)
		if (strstr(f->problems->v[i], DUPLICATE_TEXT))
			return true;
	return false;
}

/* File f joins the list of the files declaring its id (at its head). */
static void link_id(struct manifest_cache *c, struct cached_file *f, const char *id)
{
	struct cached_file *head = hashmap_get(&c->ids, id);

	f->next_same = head;
	hashmap_put(&c->ids, id, f);
	if (head && !head->next_same) { /* one file before, two now */
		c->n_duplicated_ids++;
		hashmap_put(&c->dup_ids, id, (void *)1);
	}
}

static void unlink_id(struct manifest_cache *c, struct cached_file *f, const char *id)
{
	struct cached_file *head = hashmap_get(&c->ids, id), **p = &head;
	size_t n = 0;

	for (const struct cached_file *g = head; g; g = g->next_same)
		n++;
	while (*p && *p != f)
		p = &(*p)->next_same;
	if (!*p)
		return;
	*p = f->next_same;
	f->next_same = NULL;
	if (head)
		hashmap_put(&c->ids, id, head);
	else
		hashmap_remove(&c->ids, id);
	if (n == 2) {
		c->n_duplicated_ids--;
		hashmap_remove(&c->dup_ids, id);
	}
}

/* The counts and lists of struct manifest_cache, as file f enters (step 1) or leaves (-1). */
static void count_file(struct manifest_cache *c, struct cached_file *f, int step)
{
	const char *id = declared_id(f);

	c->n_with_problems += (size_t)(f->problems ? step : 0);
	if (f->problems && step > 0)
		hashmap_put(&c->problem_files, f->df.path, f);
	else if (f->problems)
		hashmap_remove(&c->problem_files, f->df.path);
	c->n_failed_duplicates += (size_t)(!f->df.tenant && id && has_duplicate_problem(f) ? step : 0);
	c->n_failed_without_id += (size_t)(!f->df.tenant && !id ? step : 0);
	if (id && step > 0)
		link_id(c, f, id);
	else if (id)
		unlink_id(c, f, id);
}

static void count_all(struct manifest_cache *c)
{
	size_t pos = 0;
	void *v;

	hashmap_release(&c->ids, NULL);
	hashmap_init_keyed(&c->ids, ids_key);
	hashmap_release(&c->dup_ids, NULL);
	hashmap_init(&c->dup_ids);
	hashmap_release(&c->problem_files, NULL);
	hashmap_init_borrowed(&c->problem_files);
	c->n_duplicated_ids = c->n_with_problems = c->n_failed_duplicates = c->n_failed_without_id = 0;
	while (hashmap_next(&c->files, &pos, NULL, &v))
		count_file(c, v, 1);
}

/* A tenant id declared by several files is a problem of each of them. A full scan
 * reports it (with the position of the id); between full scans, a change that
 * makes a second file declare an id is found here. */
static void add_duplicates(struct manifest_cache *c, size_t *alloc)
{
	size_t pos = 0;
	const char *id;

	/* only the ids declared twice or more: none, in the common case */
	while (hashmap_next(&c->dup_ids, &pos, &id, NULL)) {
		const struct cached_file *head = hashmap_get(&c->ids, id);
		for (const struct cached_file *f = head; f; f = f->next_same) {
			struct strbuf others;
			if (has_duplicate_problem(f))
				continue;
			strbuf_init(&others, STRBUF_NO_CAP);
			for (const struct cached_file *g = head; g; g = g->next_same)
				if (strcmp(g->df.path, f->df.path))
					strbuf_addf(&others, "%s%s", others.len ? ", " : "", g->df.path);
			if (others.len) {
				struct diag d = { .file = f->df.path, .line = f->id_line, .col = f->id_col };
				d.message = xasprintf("tenant id '%s' " DUPLICATE_TEXT
						      " %s; each tenant has one manifest",
						      id, others.buf);
				XGROW(c->dup_problems, c->n_dup_problems + 1, *alloc);
				c->dup_problems[c->n_dup_problems++] = format_diag(&d);
				free(d.message);
			}
			strbuf_release(&others);
		}
	}
}

bool manifest_cache_ids_unknown(const struct manifest_cache *c)
{
	return c->n_failed_without_id || c->n_failed_dirs;
}

const char *manifest_cache_id_problem(const struct manifest_cache *c, const char *id)
{
	for (const struct cached_file *f = hashmap_get(&c->ids, id); f; f = f->next_same)
		if (!f->df.tenant && f->problems)
			return f->problems->v[0];
	return NULL;
}

bool manifest_cache_wants_reread(const struct manifest_cache *c)
{
	size_t pos = 0;
	void *v;

	if (c->reread_all)
		return true;
	while (hashmap_next(&c->problem_files, &pos, NULL, &v)) /* not every file */
		if (((const struct cached_file *)v)->problems->reread)
			return true;
	return false;
}

/* Gather every file's problems (and the directories') into one list for status. */
static void collect_problems(struct manifest_cache *c)
{
	size_t pos = 0;
	const char *path;
	void *v;
	size_t alloc = 0;

	size_t alloc_dups = 0;

	c->problems_changed = true;
	clear_problems(c);
	while (hashmap_next(&c->problem_files, &pos, &path, &v)) { /* not every file */
		struct cached_file *f = v;
		for (size_t i = 0; i < f->problems->n; i++) {
			XGROW(c->problems, c->n_problems + 1, alloc);
			c->problems[c->n_problems++] = f->problems->v[i];
		}
	}
	add_duplicates(c, &alloc_dups);
	for (size_t i = 0; i < c->n_dup_problems; i++) {
		XGROW(c->problems, c->n_problems + 1, alloc);
		c->problems[c->n_problems++] = c->dup_problems[i];
	}
	for (size_t i = 0; i < c->n_dir_problems; i++) {
		XGROW(c->problems, c->n_problems + 1, alloc);
		c->problems[c->n_problems++] = c->dir_problems[i];
	}
}

void manifest_cache_take_full(struct manifest_cache *c, const struct desired_scan *scan, const struct diag_list *diags)
{
	size_t pos = 0;
	void *v;

	while (hashmap_next(&c->problem_files, &pos, NULL, &v)) /* not every file */
		drop_file_problems(c, v);
	clear_problems(c); /* it borrows from the files */
	hashmap_release(&c->files, cached_free);
	hashmap_init_keyed(&c->files, file_path);
	clear_failed_dirs(c);
	clear_changes(c);
	free(c->unavailable_problem);
	c->unavailable = scan->status == DESIRED_SCAN_UNAVAILABLE;
	c->unavailable_problem = xstrdup_or_null(scan->problem);
	c->reread_all = diags && diags->transient;
	for (size_t i = 0; i < scan->n_files; i++) {
		const struct desired_file *df = &scan->files[i];
		struct cached_file *f = xcalloc(1, sizeof(*f));
		f->df.tenant = df->tenant ? tenant_ref(df->tenant) : NULL;
		set_path(f, df->path);
		f->df.failed_id = xstrdup_or_null(df->failed_id);
		f->df.problem = xstrdup_or_null(df->problem);
		cached_free(hashmap_put(&c->files, f->df.path, f));
	}
	for (size_t k = 0; diags && k < diags->n; k++) {
		struct cached_file *f = hashmap_get(&c->files, diags->items[k].file);
		if (!f)
			continue;
		add_problem(f, format_diag(&diags->items[k]));
	}
	c->failed_dirs = xcalloc(scan->n_failed_dirs + 1, sizeof(*c->failed_dirs));
	for (size_t i = 0; i < scan->n_failed_dirs; i++) {
		c->failed_dirs[i].path = xstrdup(scan->failed_dirs[i].path);
		c->failed_dirs[i].problem = xstrdup_or_null(scan->failed_dirs[i].problem);
	}
	c->n_failed_dirs = scan->n_failed_dirs;
	clear_dir_problems(c);
	for (size_t i = 0; diags && i < diags->n; i++) {
		if (diags->items[i].line || hashmap_get(&c->files, diags->items[i].file))
			continue; /* a file's problem: the file has it */
		c->dir_problems = xreallocarray(c->dir_problems, c->n_dir_problems + 1, sizeof(*c->dir_problems));
		c->dir_problems[c->n_dir_problems++] = format_diag(&diags->items[i]);
	}
	count_all(c);
	collect_problems(c);
}

/* Read and parse one file into a cache entry; NULL when the file is gone. */
static struct cached_file *read_one(const struct daemon_config *cfg, const char *root_real, const char *path)
{
	struct cached_file *f;
	struct diag_list diags;
	struct manifest_id mid = { 0 };
	int r;

	diag_list_init(&diags);
	f = xcalloc(1, sizeof(*f));
	r = manifest_dir_read_file(cfg, root_real, path, &f->df.tenant, &mid, &diags);
	if (r == -ENOENT) {
		diag_list_release(&diags);
		free(f);
		return NULL;
	}
	set_path(f, path);
	f->id_line = mid.line;
	f->id_col = mid.col;
	if (!f->df.tenant) {
		f->df.failed_id = mid.id ? xstrdup(mid.id) : NULL;
		f->df.problem = diags.n ? format_diag(&diags.items[0]) : xasprintf("%s: cannot be read", path);
	}
	for (size_t i = 0; i < diags.n; i++)
		add_problem(f, format_diag(&diags.items[i]));
	/* only a file with problems is asked (manifest_cache_wants_reread) */
	if (f->problems)
		f->problems->reread = diags.transient;
	manifest_id_release(&mid);
	diag_list_release(&diags);
	return f;
}

static void put_file(struct manifest_cache *c, const char *path, struct cached_file *f)
{
	struct cached_file *old = hashmap_get(&c->files, path);

	if (old) {
		count_file(c, old, -1);
		drop_file_problems(c, old);
	}
	if (f) {
		count_file(c, f, 1);
		cached_free(hashmap_put(&c->files, f->df.path, f));
	} else {
		cached_free(hashmap_remove(&c->files, path));
	}
}

/* A full scan leaves every file of a duplicated id failing, which only reading them
 * again undoes: once a change touched that id, the other files that failed for it
 * are read again (the duplicate, if it remains, is found in collect_problems). */
static void reread_duplicates(struct manifest_cache *c, const struct daemon_config *cfg, const char *root_real,
			      struct hashmap *touched, size_t *alloc_paths)
{
	char **again = NULL;
	size_t n = 0, alloc = 0, pos = 0;
	const char *id;

	while (c->n_failed_duplicates && hashmap_next(touched, &pos, &id, NULL)) {
		for (const struct cached_file *f = hashmap_get(&c->ids, id); f; f = f->next_same) {
			if (!f->df.tenant && has_duplicate_problem(f)) {
				XGROW(again, n + 1, alloc);
				again[n++] = xstrdup(f->df.path);
			}
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct cached_file *f = read_one(cfg, root_real, again[i]);
		if (f && declared_id(f))
			hashmap_put(touched, declared_id(f), (void *)1);
		put_file(c, again[i], f);
		XGROW(c->changed_paths, c->n_changed_paths + 1, *alloc_paths);
		c->changed_paths[c->n_changed_paths++] = again[i];
	}
	free(again);
}

bool manifest_cache_update(struct manifest_cache *c, const struct daemon_config *cfg, const char *root,
			   const char *const *paths, size_t n)
{
	struct hashmap touched; /* tenant ids declared by the changed files, before or now */
	char *root_real = NULL;
	size_t alloc_paths = 0, pos = 0;
	const char *id;
	/* whether the list of problems can change: gathered again only then, since it
	 * costs every problem (2,000 failing files hold 200,000) */
	bool problems = c->dup_ids.n || c->n_failed_duplicates;

	clear_changes(c);
	if (c->unavailable || manifest_dir_root(root, &root_real) < 0)
		return false;
	hashmap_init(&touched);
	for (size_t i = 0; i < n; i++) {
		const struct cached_file *old = hashmap_get(&c->files, paths[i]);
		struct cached_file *f;
		if (old && declared_id(old))
			hashmap_put(&touched, declared_id(old), (void *)1);
		problems |= old && old->problems;
		f = read_one(cfg, root_real, paths[i]);
		if (f && declared_id(f))
			hashmap_put(&touched, declared_id(f), (void *)1);
		problems |= f && f->problems;
		put_file(c, paths[i], f);
		XGROW(c->changed_paths, c->n_changed_paths + 1, alloc_paths);
		c->changed_paths[c->n_changed_paths++] = xstrdup(paths[i]);
	}
	reread_duplicates(c, cfg, root_real, &touched, &alloc_paths);
	c->changed_ids = xcalloc(touched.n + 1, sizeof(*c->changed_ids));
	while (hashmap_next(&touched, &pos, &id, NULL))
		c->changed_ids[c->n_changed_ids++] = xstrdup(id);
	hashmap_release(&touched, NULL);
	free(root_real);
	/* the list borrows the problems of the files read again: gathered before any
	 * return */
	if (problems || c->dup_ids.n)
		collect_problems(c);
	return c->files.n > 0; /* no manifest left: only a full scan may judge that */
}

void manifest_cache_report(struct manifest_cache *c, size_t max,
			   void (*fn)(const char *problem, bool added, void *data), void *data,
			   struct manifest_report *ret)
{
	struct manifest_report n = { 0 };
	struct hashmap now;
	size_t pos = 0;
	const char *line;

	if (ret)
		*ret = n;
	if (!c->problems_changed)
		return; /* the same list as at the last call */
	c->problems_changed = false;
	hashmap_init_borrowed(&now);
	for (size_t i = 0; i < c->n_problems; i++) {
		const char *p = c->problems[i];
		if (hashmap_get(&now, p))
			continue; /* the same words twice: told once */
		hashmap_put(&now, p, (void *)p);
		if (!hashmap_get(&c->reported, p) && n.added++ < max)
			fn(p, true, data);
	}
	while (hashmap_next(&c->reported, &pos, &line, NULL))
		if (!hashmap_get(&now, line) && n.gone++ < max)
			fn(line, false, data);
	hashmap_release(&c->reported, NULL);
	c->reported = now;
	clear_retired(c); /* told gone, or back under another copy of its words */
	if (ret)
		*ret = n;
}

void manifest_cache_scan(const struct manifest_cache *c, struct desired_scan *ret)
{
	size_t pos = 0;
	const char *path;
	void *v;

	desired_scan_init(ret);
	if (c->unavailable) {
		desired_scan_unavailable(ret, c->unavailable_problem ? c->unavailable_problem : "unavailable");
		return;
	}
	while (hashmap_next(&c->files, &pos, &path, &v)) {
		const struct cached_file *f = v;
		desired_scan_add(ret, path, f->df.tenant ? tenant_ref(f->df.tenant) : NULL, f->df.failed_id,
				 f->df.problem);
	}
	for (size_t i = 0; i < c->n_failed_dirs; i++)
		desired_scan_add_failed_dir(ret, c->failed_dirs[i].path, c->failed_dirs[i].problem);
}

static size_t view_claims(void *data, const char *id, const struct desired_file **ret, size_t max)
{
	const struct manifest_cache *c = data;
	size_t n = 0;

	for (const struct cached_file *f = hashmap_get(&c->ids, id); f; f = f->next_same, n++)
		if (n < max)
			ret[n] = &f->df;
	return n;
}

static const struct desired_file *view_file(void *data, const char *path)
{
	const struct manifest_cache *c = data;
	const struct cached_file *f = hashmap_get(&c->files, path);

	return f ? &f->df : NULL;
}

void manifest_cache_view(const struct manifest_cache *c, struct desired_view *ret)
{
	*ret = (struct desired_view){
		.claims = view_claims,
		.file = view_file,
		.failed_dirs = c->failed_dirs,
		.n_failed_dirs = c->n_failed_dirs,
		.data = (void *)c,
	};
}
