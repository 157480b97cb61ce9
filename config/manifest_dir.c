#include "manifest_dir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "manifest.h"
#include "textfile.h"
#include "xalloc.h"

/* Where a file declared its tenant id, for duplicate messages. */
struct declared {
	const char *id; /* borrowed from the scan file (tenant->id or failed_id) */
	unsigned line, col;
	size_t file;
};

struct reader {
	const struct daemon_config *cfg;
	struct desired_scan *scan;
	struct diag_list *diags;
	struct {
		dev_t dev;
		ino_t ino;
	} ancestors[MANIFEST_DIR_MAX_DEPTH + 1];
	struct declared *declared;
	size_t n_declared, alloc_declared;
	size_t manifests;
	bool too_many;
};

bool manifest_dir_is_manifest(const char *name)
{
	size_t len = strlen(name);

	if (name[0] == '.')
		return false;
	return (len > 5 && !strcmp(name + len - 5, ".yaml")) || (len > 4 && !strcmp(name + len - 4, ".yml"));
}

/* The first diagnostic added since `since`, formatted, for the desired store. */
static char *first_problem(const struct diag_list *diags, size_t since)
{
	struct strbuf sb;

	if (diags->n <= since)
		return NULL;
	strbuf_init(&sb, 4096);
	diag_format(&diags->items[since], &sb);
	return strbuf_detach(&sb, NULL);
}

static void add_failed(struct reader *r, const char *path, const char *id, size_t since)
{
	char *problem = first_problem(r->diags, since);

	desired_scan_add(r->scan, path, NULL, id, problem);
	free(problem);
}

static void add_failed_dir(struct reader *r, const char *path, size_t since)
{
	char *problem = first_problem(r->diags, since);

	desired_scan_add_failed_dir(r->scan, path, problem);
	free(problem);
}

static void declare(struct reader *r, const struct manifest_id *mid)
{
	struct declared *d;

	XGROW(r->declared, r->n_declared + 1, r->alloc_declared);
	d = &r->declared[r->n_declared++];
	d->id = NULL; /* set once the scan stops growing (its array may move) */
	d->line = mid->line;
	d->col = mid->col;
	d->file = r->scan->n_files - 1;
}

static void read_manifest(struct reader *r, const char *path)
{
	size_t since = r->diags->n;
	struct manifest_id mid;
	struct tenant *t = NULL;
	char *text = NULL;
	size_t len = 0;

	if (++r->manifests > MANIFEST_DIR_MAX_FILES) {
		r->too_many = true;
		return;
	}
	if (textfile_read(path, MANIFEST_MAX_BYTES, &text, &len, r->diags) < 0) {
		add_failed(r, path, NULL, since);
		return;
	}
	if (manifest_parse(r->cfg, path, text, len, &t, &mid, r->diags) == 0)
		desired_scan_add(r->scan, path, t, NULL, NULL);
	else
		add_failed(r, path, mid.id, since);
	if (mid.id)
		declare(r, &mid);
	manifest_id_release(&mid);
	free(text);
}

struct entry {
	char *name;
	unsigned char type;
};

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

static void read_dir(struct reader *r, const char *path, size_t depth);

/* An entry whose type needs stat(2): a directory, a symbolic link, or unknown. */
static void stat_entry(struct reader *r, int dfd, const char *path, const char *name, size_t depth)
{
	size_t since = r->diags->n;
	struct stat st;

	if (fstatat(dfd, name, &st, 0) < 0) {
		int err = errno;
		if (err == ELOOP)
			diag_error(r->diags, path, 0, 0, "symbolic link loop");
		else if (err == ENOENT)
			diag_error(r->diags, path, 0, 0, "broken symbolic link");
		else
			diag_error(r->diags, path, 0, 0, "cannot stat: %s", strerror(err));
		/* It may have been a manifest or a directory of manifests. */
		if (manifest_dir_is_manifest(name))
			add_failed(r, path, NULL, since);
		else
			add_failed_dir(r, path, since);
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		if (manifest_dir_is_manifest(name))
			read_manifest(r, path);
		return;
	}
	for (size_t i = 0; i <= depth; i++) {
		if (r->ancestors[i].dev == st.st_dev && r->ancestors[i].ino == st.st_ino) {
			/* Its files are read through the ancestor already. */
			diag_error(r->diags, path, 0, 0, "symbolic link loop: this directory contains itself");
			return;
		}
	}
	if (depth + 1 >= MANIFEST_DIR_MAX_DEPTH) {
		diag_error(r->diags, path, 0, 0, "directories nested deeper than %d levels", MANIFEST_DIR_MAX_DEPTH);
		add_failed_dir(r, path, since);
		return;
	}
	r->ancestors[depth + 1].dev = st.st_dev;
	r->ancestors[depth + 1].ino = st.st_ino;
	read_dir(r, path, depth + 1);
}

static void read_dir(struct reader *r, const char *path, size_t depth)
{
	size_t since = r->diags->n, n = 0, alloc = 0;
	struct entry *entries = NULL;
	struct dirent *de;
	DIR *d = opendir(path);

	if (!d) {
		diag_error(r->diags, path, 0, 0, "cannot read directory: %s", strerror(errno));
		add_failed_dir(r, path, since);
		return;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		XGROW(entries, n + 1, alloc);
		entries[n].name = xstrdup(de->d_name);
		entries[n].type = de->d_type;
		n++;
	}
	qsort(entries, n, sizeof(*entries), entry_cmp);
	for (size_t i = 0; i < n && !r->too_many; i++) {
		char *child = xasprintf("%s/%s", strcmp(path, "/") ? path : "", entries[i].name);
		unsigned char t = entries[i].type;
		if (t == DT_DIR || t == DT_LNK || t == DT_UNKNOWN)
			stat_entry(r, dirfd(d), child, entries[i].name, depth);
		else if (manifest_dir_is_manifest(entries[i].name))
			read_manifest(r, child); /* a FIFO or device is refused there, unopened */
		free(child);
	}
	for (size_t i = 0; i < n; i++)
		free(entries[i].name);
	free(entries);
	closedir(d);
}

static int declared_cmp(const void *a, const void *b)
{
	const struct declared *x = a, *y = b;
	int c = strcmp(x->id, y->id);

	return c ? c : (x->file > y->file) - (x->file < y->file);
}

/* A tenant id declared by several files: an error on each, naming the others; none of
 * them defines the tenant. */
static void check_duplicates(struct reader *r)
{
	struct desired_scan *scan = r->scan;

	for (size_t i = 0; i < r->n_declared; i++) {
		struct desired_file *f = &scan->files[r->declared[i].file];
		r->declared[i].id = f->tenant ? f->tenant->id : f->failed_id;
	}
	qsort(r->declared, r->n_declared, sizeof(*r->declared), declared_cmp);
	for (size_t i = 0, g; i < r->n_declared; i = g) {
		for (g = i + 1; g < r->n_declared && !strcmp(r->declared[g].id, r->declared[i].id); g++)
			;
		if (g - i < 2)
			continue;
		for (size_t k = i; k < g; k++) {
			struct desired_file *f = &scan->files[r->declared[k].file];
			size_t since = r->diags->n, shown = 0;
			struct strbuf others;
			strbuf_init(&others, STRBUF_NO_CAP);
			for (size_t o = i; o < g; o++) {
				const struct declared *d = &r->declared[o];
				if (o == k)
					continue;
				if (shown++ == 3) {
					strbuf_addf(&others, " and %zu more", g - i - 4);
					break;
				}
				strbuf_addf(&others, "%s%s:%u", shown > 1 ? ", " : "", scan->files[d->file].path,
					    d->line);
			}
			diag_error(r->diags, f->path, r->declared[k].line, r->declared[k].col,
				   "tenant id '%s' is also declared in %s; each tenant has one manifest",
				   r->declared[k].id, others.buf);
			strbuf_release(&others);
			if (f->tenant) {
				f->failed_id = xstrdup(f->tenant->id);
				tenant_free(f->tenant);
				f->tenant = NULL;
			}
			free(f->problem);
			f->problem = first_problem(r->diags, since);
			r->declared[k].id = f->failed_id;
		}
	}
}

int manifest_dir_read(const struct daemon_config *cfg, const char *root, struct desired_scan *scan,
		      struct diag_list *diags)
{
	struct reader r = { .cfg = cfg, .scan = scan, .diags = diags };
	size_t since = diags->n;
	char *path = xstrdup(root);
	size_t len = strlen(path);
	struct stat st;
	int ret = 0;

	desired_scan_init(scan);
	while (len > 1 && path[len - 1] == '/')
		path[--len] = '\0';
	if (stat(path, &st) < 0) {
		ret = -errno;
		diag_error(diags, path, 0, 0, "cannot read the manifest directory: %s", strerror(errno));
		goto unavailable;
	}
	if (!S_ISDIR(st.st_mode)) {
		ret = -ENOTDIR;
		diag_error(diags, path, 0, 0, "the manifest directory is not a directory");
		goto unavailable;
	}
	if (access(path, R_OK | X_OK) < 0) {
		ret = -errno;
		diag_error(diags, path, 0, 0, "cannot read the manifest directory: %s", strerror(errno));
		goto unavailable;
	}
	r.ancestors[0].dev = st.st_dev;
	r.ancestors[0].ino = st.st_ino;
	read_dir(&r, path, 0);
	check_duplicates(&r);
	free(r.declared);
	if (r.too_many) {
		ret = -E2BIG;
		diag_error(diags, path, 0, 0, "more than %d manifests below the directory", MANIFEST_DIR_MAX_FILES);
		goto unavailable;
	}
	if (!r.manifests) {
		ret = -ENODATA;
		diag_error(diags, path, 0, 0, "no manifests (*.yaml or *.yml files) below the manifest directory");
		goto unavailable;
	}
	free(path);
	return 0;
unavailable : {
	char *problem = first_problem(diags, diags->n > since ? diags->n - 1 : since);
	desired_scan_release(scan);
	desired_scan_unavailable(scan, problem);
	free(problem);
}
	free(path);
	return ret;
}
