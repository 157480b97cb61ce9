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

struct cached_file {
	struct tenant *tenant; /* NULL when the file failed */
	char *failed_id;
	char *problem;
	char **problems; /* this file's diagnostics, formatted */
	size_t n_problems;
	unsigned id_line, id_col; /* where the tenant id is declared; 0: not known */
};

static void cached_free(void *p)
{
	struct cached_file *f = p;

	if (!f)
		return;
	tenant_free(f->tenant);
	free(f->failed_id);
	free(f->problem);
	for (size_t i = 0; i < f->n_problems; i++)
		free(f->problems[i]);
	free(f->problems);
	free(f);
}

void manifest_cache_init(struct manifest_cache *c)
{
	memset(c, 0, sizeof(*c));
	hashmap_init(&c->files);
	hashmap_init(&c->reported);
	hashmap_init(&c->ids);
}

static void clear_problems(struct manifest_cache *c)
{
	for (size_t i = 0; i < c->n_problems; i++)
		free(c->problems[i]);
	free(c->problems);
	c->problems = NULL;
	c->n_problems = 0;
}

void manifest_cache_release(struct manifest_cache *c)
{
	hashmap_release(&c->files, cached_free);
	for (size_t i = 0; i < c->n_failed_dirs; i++)
		free(c->failed_dirs[i]);
	free(c->failed_dirs);
	free(c->unavailable_problem);
	clear_problems(c);
	hashmap_release(&c->reported, NULL);
	hashmap_release(&c->ids, NULL);
	memset(c, 0, sizeof(*c));
}

static char *format_diag(const struct diag *d)
{
	struct strbuf sb;

	strbuf_init(&sb, STRBUF_NO_CAP);
	diag_format(d, &sb);
	return strbuf_detach(&sb, NULL);
}

static const char *declared_id(const struct cached_file *f)
{
	return f->tenant ? f->tenant->id : f->failed_id;
}

static bool has_duplicate_problem(const struct cached_file *f)
{
	for (size_t i = 0; i < f->n_problems; i++)
		if (strstr(f->problems[i], DUPLICATE_TEXT))
			return true;
	return false;
}

/* The counts of struct manifest_cache, as file f enters (step 1) or leaves (-1). */
static void count_file(struct manifest_cache *c, const struct cached_file *f, int step)
{
	const char *id = declared_id(f);

	c->n_with_problems += (size_t)(f->n_problems ? step : 0);
	c->n_failed_duplicates += (size_t)(!f->tenant && id && has_duplicate_problem(f) ? step : 0);
	if (id) {
		uintptr_t n = (uintptr_t)hashmap_get(&c->ids, id), now = n + (uintptr_t)step;
		if (now)
			hashmap_put(&c->ids, id, (void *)now);
		else
			hashmap_remove(&c->ids, id);
		if (n < 2 && now >= 2)
			c->n_duplicated_ids++;
		else if (n >= 2 && now < 2)
			c->n_duplicated_ids--;
	}
}

static void count_all(struct manifest_cache *c)
{
	size_t pos = 0;
	void *v;

	hashmap_release(&c->ids, NULL);
	hashmap_init(&c->ids);
	c->n_duplicated_ids = c->n_with_problems = c->n_failed_duplicates = 0;
	while (hashmap_next(&c->files, &pos, NULL, &v))
		count_file(c, v, 1);
}

/* A tenant id declared by several files is a problem of each of them. A full scan
 * reports it (with the position of the id); between full scans, a change that
 * makes a second file declare an id is found here. */
static void add_duplicates(struct manifest_cache *c, size_t *alloc)
{
	struct hashmap by_id; /* id -> struct strbuf * of "\0"-separated paths */
	size_t pos = 0;
	const char *path, *id;
	void *v;

	if (!c->n_duplicated_ids)
		return; /* the common case: no id declared twice, no walk */
	hashmap_init(&by_id);
	while (hashmap_next(&c->files, &pos, &path, &v)) {
		struct strbuf *sb;
		if (!declared_id(v))
			continue;
		sb = hashmap_get(&by_id, declared_id(v));
		if (!sb) {
			sb = xcalloc(1, sizeof(*sb));
			strbuf_init(sb, STRBUF_NO_CAP);
			hashmap_put(&by_id, declared_id(v), sb);
		}
		strbuf_add(sb, path, strlen(path) + 1);
	}
	pos = 0;
	while (hashmap_next(&c->files, &pos, &path, &v)) {
		struct strbuf *sb, others;
		if (!declared_id(v) || has_duplicate_problem(v))
			continue;
		id = declared_id(v);
		sb = hashmap_get(&by_id, id);
		strbuf_init(&others, STRBUF_NO_CAP);
		for (const char *p = sb->buf; p < sb->buf + sb->len; p += strlen(p) + 1)
			if (strcmp(p, path))
				strbuf_addf(&others, "%s%s", others.len ? ", " : "", p);
		if (others.len) {
			const struct cached_file *f = v;
			struct diag d = { .file = (char *)path, .line = f->id_line, .col = f->id_col };
			d.message = xasprintf("tenant id '%s' " DUPLICATE_TEXT " %s; each tenant has one manifest", id,
					      others.buf);
			XGROW(c->problems, c->n_problems + 1, *alloc);
			c->problems[c->n_problems++] = format_diag(&d);
			free(d.message);
		}
		strbuf_release(&others);
	}
	pos = 0;
	while (hashmap_next(&by_id, &pos, NULL, &v)) {
		strbuf_release(v);
		free(v);
	}
	hashmap_release(&by_id, NULL);
}

/* Gather every file's problems (and the directory's) into one list for status. */
static void collect_problems(struct manifest_cache *c, const struct diag_list *dir_diags)
{
	size_t pos = 0;
	const char *path;
	void *v;
	size_t alloc = 0;

	clear_problems(c);
	while (c->n_with_problems && hashmap_next(&c->files, &pos, &path, &v)) {
		struct cached_file *f = v;
		for (size_t i = 0; i < f->n_problems; i++) {
			XGROW(c->problems, c->n_problems + 1, alloc);
			c->problems[c->n_problems++] = xstrdup(f->problems[i]);
		}
	}
	add_duplicates(c, &alloc);
	for (size_t i = 0; dir_diags && i < dir_diags->n; i++) {
		if (dir_diags->items[i].line || hashmap_get(&c->files, dir_diags->items[i].file))
			continue; /* file problems are already there */
		XGROW(c->problems, c->n_problems + 1, alloc);
		c->problems[c->n_problems++] = format_diag(&dir_diags->items[i]);
	}
}

void manifest_cache_take_full(struct manifest_cache *c, const struct desired_scan *scan, const struct diag_list *diags)
{
	hashmap_release(&c->files, cached_free);
	hashmap_init(&c->files);
	for (size_t i = 0; i < c->n_failed_dirs; i++)
		free(c->failed_dirs[i]);
	free(c->failed_dirs);
	c->failed_dirs = NULL;
	c->n_failed_dirs = 0;
	free(c->unavailable_problem);
	c->unavailable = scan->status == DESIRED_SCAN_UNAVAILABLE;
	c->unavailable_problem = xstrdup_or_null(scan->problem);
	for (size_t i = 0; i < scan->n_files; i++) {
		const struct desired_file *df = &scan->files[i];
		struct cached_file *f = xcalloc(1, sizeof(*f));
		f->tenant = df->tenant ? tenant_ref(df->tenant) : NULL;
		f->failed_id = xstrdup_or_null(df->failed_id);
		f->problem = xstrdup_or_null(df->problem);
		cached_free(hashmap_put(&c->files, df->path, f));
	}
	for (size_t k = 0; diags && k < diags->n; k++) {
		struct cached_file *f = hashmap_get(&c->files, diags->items[k].file);
		if (!f)
			continue;
		f->problems = xreallocarray(f->problems, f->n_problems + 1, sizeof(char *));
		f->problems[f->n_problems++] = format_diag(&diags->items[k]);
	}
	c->failed_dirs = xcalloc(scan->n_failed_dirs + 1, sizeof(char *));
	for (size_t i = 0; i < scan->n_failed_dirs; i++)
		c->failed_dirs[i] = xasprintf("%s\t%s", scan->failed_dirs[i].path, scan->failed_dirs[i].problem);
	c->n_failed_dirs = scan->n_failed_dirs;
	count_all(c);
	collect_problems(c, diags);
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
	r = manifest_dir_read_file(cfg, root_real, path, &f->tenant, &mid, &diags);
	if (r == -ENOENT) {
		diag_list_release(&diags);
		free(f);
		return NULL;
	}
	f->id_line = mid.line;
	f->id_col = mid.col;
	if (!f->tenant) {
		f->failed_id = mid.id ? xstrdup(mid.id) : NULL;
		f->problem = diags.n ? format_diag(&diags.items[0]) : xasprintf("%s: cannot be read", path);
	}
	f->problems = xcalloc(diags.n + 1, sizeof(char *));
	for (size_t i = 0; i < diags.n; i++)
		f->problems[f->n_problems++] = format_diag(&diags.items[i]);
	manifest_id_release(&mid);
	diag_list_release(&diags);
	return f;
}

static void put_file(struct manifest_cache *c, const char *path, struct cached_file *f)
{
	struct cached_file *old = hashmap_get(&c->files, path);

	if (old)
		count_file(c, old, -1);
	if (f) {
		count_file(c, f, 1);
		cached_free(hashmap_put(&c->files, path, f));
	} else {
		cached_free(hashmap_remove(&c->files, path));
	}
}

/* A full scan leaves every file of a duplicated id failing, which only reading them
 * again undoes: once a change touched that id, the other files that failed for it
 * are read again (the duplicate, if it remains, is found in collect_problems). */
static void reread_duplicates(struct manifest_cache *c, const struct daemon_config *cfg, const char *root_real,
			      const struct hashmap *touched)
{
	char **again = NULL;
	size_t n = 0, alloc = 0, pos = 0;
	const char *path;
	void *v;

	while (c->n_failed_duplicates && hashmap_next(&c->files, &pos, &path, &v)) {
		const struct cached_file *f = v;
		if (!f->tenant && declared_id(f) && has_duplicate_problem(f) && hashmap_get(touched, declared_id(f))) {
			XGROW(again, n + 1, alloc);
			again[n++] = xstrdup(path);
		}
	}
	for (size_t i = 0; i < n; i++) {
		put_file(c, again[i], read_one(cfg, root_real, again[i]));
		free(again[i]);
	}
	free(again);
}

bool manifest_cache_update(struct manifest_cache *c, const struct daemon_config *cfg, const char *root,
			   const char *const *paths, size_t n)
{
	struct hashmap touched; /* tenant ids declared by the changed files, before or now */
	char *root_real = NULL;

	if (c->unavailable || manifest_dir_root(root, &root_real) < 0)
		return false;
	hashmap_init(&touched);
	for (size_t i = 0; i < n; i++) {
		const struct cached_file *old = hashmap_get(&c->files, paths[i]);
		struct cached_file *f;
		if (old && declared_id(old))
			hashmap_put(&touched, declared_id(old), (void *)1);
		f = read_one(cfg, root_real, paths[i]);
		if (f && declared_id(f))
			hashmap_put(&touched, declared_id(f), (void *)1);
		put_file(c, paths[i], f);
	}
	reread_duplicates(c, cfg, root_real, &touched);
	hashmap_release(&touched, NULL);
	free(root_real);
	if (!c->files.n)
		return false; /* no manifest left: only a full scan may judge that */
	collect_problems(c, NULL);
	return true;
}

void manifest_cache_report(struct manifest_cache *c, void (*fn)(const char *problem, bool added, void *data),
			   void *data)
{
	struct hashmap now;
	size_t pos = 0;
	const char *line;

	hashmap_init(&now);
	for (size_t i = 0; i < c->n_problems; i++) {
		if (hashmap_put(&now, c->problems[i], (void *)1))
			continue;
		if (!hashmap_get(&c->reported, c->problems[i]))
			fn(c->problems[i], true, data);
	}
	while (hashmap_next(&c->reported, &pos, &line, NULL))
		if (!hashmap_get(&now, line))
			fn(line, false, data);
	hashmap_release(&c->reported, NULL);
	c->reported = now;
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
		desired_scan_add(ret, path, f->tenant ? tenant_ref(f->tenant) : NULL, f->failed_id, f->problem);
	}
	for (size_t i = 0; i < c->n_failed_dirs; i++) {
		char *tab = strchr(c->failed_dirs[i], '\t');
		char *dir = xstrndup(c->failed_dirs[i], (size_t)(tab - c->failed_dirs[i]));
		desired_scan_add_failed_dir(ret, dir, tab + 1);
		free(dir);
	}
}
