#include "manifest_dir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "manifest.h"
#include "textfile.h"
#include "xalloc.h"

/* Below this many manifests one thread reads them all. */
#define PARALLEL_MIN 256
#define MAX_JOBS     8

/* One manifest file to read and parse, and what came of it. */
struct job {
	char *path;
	char *real; /* a symbolic link's checked target, read instead of path; NULL: path */
	struct tenant *tenant;
	struct manifest_id mid;
	struct diag_list diags;
};

/* Where a file declared its tenant id, for duplicate messages. */
struct declared {
	const char *id; /* borrowed from the scan file (tenant->id or failed_id) */
	unsigned line, col;
	size_t file;
};

struct reader {
	const struct daemon_config *cfg;
	const char *root_real;
	struct desired_scan *scan;
	struct diag_list *diags;
	struct {
		dev_t dev;
		ino_t ino;
	} ancestors[MANIFEST_DIR_MAX_DEPTH + 1];
	struct job *jobs;
	size_t n_jobs, alloc_jobs;
	atomic_size_t next_job;
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

/* The diagnostic at index i, formatted, for the desired store; NULL when none. */
static char *problem_at(const struct diag_list *diags, size_t i)
{
	struct strbuf sb;

	if (i >= diags->n)
		return NULL;
	strbuf_init(&sb, 4096);
	diag_format(&diags->items[i], &sb);
	return strbuf_detach(&sb, NULL);
}

static void add_failed(struct reader *r, const char *path, size_t since)
{
	char *problem = problem_at(r->diags, since);

	desired_scan_add(r->scan, path, NULL, NULL, problem);
	free(problem);
}

static void add_failed_dir(struct reader *r, const char *path, size_t since)
{
	char *problem = problem_at(r->diags, since);

	desired_scan_add_failed_dir(r->scan, path, problem);
	free(problem);
}

static void add_job(struct reader *r, const char *path, char *real)
{
	if (++r->manifests > MANIFEST_DIR_MAX_FILES) {
		r->too_many = true;
		free(real);
		return;
	}
	XGROW(r->jobs, r->n_jobs + 1, r->alloc_jobs);
	memset(&r->jobs[r->n_jobs], 0, sizeof(r->jobs[0]));
	r->jobs[r->n_jobs].path = xstrdup(path);
	r->jobs[r->n_jobs].real = real;
	diag_list_init(&r->jobs[r->n_jobs].diags);
	r->n_jobs++;
}

struct entry {
	char *name;
	unsigned char type;
};

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

static void walk_dir(struct reader *r, const char *path, size_t depth);

int manifest_dir_root(const char *root, char **ret_real)
{
	char *real = realpath(root, NULL);

	if (!real)
		return -errno;
	*ret_real = real;
	return 0;
}

static bool below(const char *root_real, const char *real)
{
	size_t n = strlen(root_real);

	if (n == 1 && root_real[0] == '/')
		return true;
	return !strncmp(real, root_real, n) && (real[n] == '/' || real[n] == '\0');
}

/* The real path of path when it lies below root_real (owned by the caller); -EXDEV
 * with a diagnostic naming only path (a file or a directory) when it does not. */
static int confine(const char *root_real, const char *path, bool dir, char **ret_real, struct diag_list *diags)
{
	char *real = realpath(path, NULL);

	if (!real)
		return -errno;
	if (!below(root_real, real)) {
		free(real);
		diag_error(diags, path, 0, 0,
			   "refused: a symbolic link to a %s outside the manifest directory (not read)",
			   dir ? "directory" : "file");
		return -EXDEV;
	}
	*ret_real = real;
	return 0;
}

/* An entry whose type needs stat(2): a directory, a symbolic link, or unknown. A link
 * is followed only to a real path below the root. */
static void stat_entry(struct reader *r, int dfd, const char *path, const char *name, size_t depth)
{
	size_t since = r->diags->n;
	char *real = NULL;
	struct stat st;
	bool link = fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode);

	if (fstatat(dfd, name, &st, 0) < 0) {
		int err = errno;
		diag_note_errno(r->diags, err);
		if (err == ELOOP)
			diag_error(r->diags, path, 0, 0, "symbolic link loop");
		else if (err == ENOENT)
			diag_error(r->diags, path, 0, 0, "broken symbolic link");
		else
			diag_error(r->diags, path, 0, 0, "cannot stat: %s", textfile_strerror(err));
		goto failed;
	}
	if (link && (S_ISDIR(st.st_mode) || manifest_dir_is_manifest(name))) {
		int err = confine(r->root_real, path, S_ISDIR(st.st_mode), &real, r->diags);
		diag_note_errno(r->diags, -err);
		if (err < 0 && err != -EXDEV)
			diag_error(r->diags, path, 0, 0, "cannot resolve: %s", textfile_strerror(-err));
		if (err < 0)
			goto failed;
	}
	if (!S_ISDIR(st.st_mode)) {
		if (manifest_dir_is_manifest(name))
			add_job(r, path, real);
		else
			free(real);
		return;
	}
	free(real);
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
	walk_dir(r, path, depth + 1);
	return;
failed:
	/* It may have been a manifest or a directory of manifests. */
	if (manifest_dir_is_manifest(name)) {
		r->manifests++;
		add_failed(r, path, since);
	} else {
		add_failed_dir(r, path, since);
	}
}

/* Collect the manifests below path, in name order (depth first). */
static void walk_dir(struct reader *r, const char *path, size_t depth)
{
	size_t since = r->diags->n, n = 0, alloc = 0;
	struct entry *entries = NULL;
	struct dirent *de;
	DIR *d = opendir(path);

	if (!d) {
		diag_note_errno(r->diags, errno);
		diag_error(r->diags, path, 0, 0, "cannot read directory: %s", textfile_strerror(errno));
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
	if (n)
		qsort(entries, n, sizeof(*entries), entry_cmp);
	for (size_t i = 0; i < n && !r->too_many; i++) {
		char *child = xasprintf("%s/%s", strcmp(path, "/") ? path : "", entries[i].name);
		unsigned char t = entries[i].type;
		if (t == DT_DIR || t == DT_LNK || t == DT_UNKNOWN)
			stat_entry(r, dirfd(d), child, entries[i].name, depth);
		else if (manifest_dir_is_manifest(entries[i].name))
			add_job(r, child, NULL); /* a FIFO or device is refused when read, unopened */
		free(child);
	}
	for (size_t i = 0; i < n; i++)
		free(entries[i].name);
	free(entries);
	closedir(d);
}

/* Read and parse one manifest into its job; touches nothing shared. The path was
 * checked by the walk: its last component is read without following a link, so a
 * link put there since is not followed. */
static void run_job(const struct daemon_config *cfg, struct job *job)
{
	char *text = NULL;
	size_t len = 0;

	if (textfile_read_nofollow(job->real ? job->real : job->path, job->path, MANIFEST_MAX_BYTES, &text, &len,
				   &job->diags) < 0)
		return;
	manifest_parse(cfg, job->path, text, len, &job->tenant, &job->mid, &job->diags);
	free(text);
}

static void *worker(void *arg)
{
	struct reader *r = arg;
	size_t i;

	while ((i = atomic_fetch_add(&r->next_job, 1)) < r->n_jobs)
		run_job(r->cfg, &r->jobs[i]);
	return NULL;
}

/* Parse every job, on up to MAX_JOBS threads (the results do not depend on it). */
static void run_jobs(struct reader *r)
{
	pthread_t threads[MAX_JOBS];
	sigset_t all, old;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t n = cpus > 1 ? (size_t)cpus : 1, started = 0;

	if (n > MAX_JOBS)
		n = MAX_JOBS;
	if (r->n_jobs < PARALLEL_MIN)
		n = 1;
	atomic_store(&r->next_job, 0);
	/* The helpers start with every signal blocked, so signals keep going to the
	 * threads of the program that calls us. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (size_t t = 1; t < n; t++)
		if (pthread_create(&threads[started], NULL, worker, r) == 0)
			started++;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	worker(r);
	for (size_t t = 0; t < started; t++)
		pthread_join(threads[t], NULL);
}

/* Move the results into the scan, in the order of the walk. */
static void collect(struct reader *r)
{
	for (size_t i = 0; i < r->n_jobs; i++) {
		struct job *job = &r->jobs[i];
		size_t since = r->diags->n;
		diag_list_splice(r->diags, &job->diags);
		if (job->tenant) {
			desired_scan_add(r->scan, job->path, job->tenant, NULL, NULL);
		} else {
			char *problem = problem_at(r->diags, since);
			desired_scan_add(r->scan, job->path, NULL, job->mid.id, problem);
			free(problem);
		}
		if (job->mid.id) {
			struct declared *d;
			XGROW(r->declared, r->n_declared + 1, r->alloc_declared);
			d = &r->declared[r->n_declared++];
			d->line = job->mid.line;
			d->col = job->mid.col;
			d->file = r->scan->n_files - 1;
		}
		manifest_id_release(&job->mid);
		free(job->path);
		free(job->real);
	}
	free(r->jobs);
	r->jobs = NULL;
	r->n_jobs = 0;
}

static int declared_cmp(const void *a, const void *b)
{
	const struct declared *x = a, *y = b;
	int c = strcmp(x->id, y->id);

	return c ? c : (x->file > y->file) - (x->file < y->file);
}

static void duplicate_error(struct reader *r, size_t first, size_t end, size_t k)
{
	struct desired_file *f = &r->scan->files[r->declared[k].file];
	size_t since = r->diags->n, shown = 0;
	struct strbuf others;

	strbuf_init(&others, STRBUF_NO_CAP);
	for (size_t o = first; o < end; o++) {
		const struct declared *d = &r->declared[o];
		if (o == k)
			continue;
		if (shown++ == 3) {
			strbuf_addf(&others, " and %zu more", end - first - 4);
			break;
		}
		strbuf_addf(&others, "%s%s:%u", shown > 1 ? ", " : "", r->scan->files[d->file].path, d->line);
	}
	diag_error(r->diags, f->path, r->declared[k].line, r->declared[k].col,
		   "tenant id '%s' is also declared in %s; each tenant has one manifest", r->declared[k].id,
		   others.buf);
	strbuf_release(&others);
	if (f->tenant) {
		f->failed_id = xstrdup(f->tenant->id);
		tenant_free(f->tenant);
		f->tenant = NULL;
	}
	free(f->problem);
	f->problem = problem_at(r->diags, since);
	r->declared[k].id = f->failed_id;
}

/* A tenant id declared by several files: an error on each, naming the others; none of
 * them defines the tenant. */
static void check_duplicates(struct reader *r)
{
	for (size_t i = 0; i < r->n_declared; i++) {
		struct desired_file *f = &r->scan->files[r->declared[i].file];
		r->declared[i].id = f->tenant ? f->tenant->id : f->failed_id;
	}
	if (r->n_declared)
		qsort(r->declared, r->n_declared, sizeof(*r->declared), declared_cmp);
	for (size_t i = 0, g; i < r->n_declared; i = g) {
		for (g = i + 1; g < r->n_declared && !strcmp(r->declared[g].id, r->declared[i].id); g++)
			;
		for (size_t k = i; g - i > 1 && k < g; k++)
			duplicate_error(r, i, g, k);
	}
}

static void release_jobs(struct reader *r)
{
	for (size_t i = 0; i < r->n_jobs; i++) {
		free(r->jobs[i].path);
		free(r->jobs[i].real);
		diag_list_release(&r->jobs[i].diags);
	}
	free(r->jobs);
	free(r->declared);
}

static int open_root(const char *path, struct stat *st, struct diag_list *diags)
{
	if (stat(path, st) < 0) {
		int err = errno;
		diag_note_errno(diags, err);
		diag_error(diags, path, 0, 0, "cannot read the manifest directory: %s", textfile_strerror(err));
		return -err;
	}
	if (!S_ISDIR(st->st_mode)) {
		diag_error(diags, path, 0, 0, "the manifest directory is not a directory");
		return -ENOTDIR;
	}
	return 0;
}

int manifest_dir_read(const struct daemon_config *cfg, const char *root, struct desired_scan *scan,
		      struct diag_list *diags)
{
	struct reader r = { .cfg = cfg, .scan = scan, .diags = diags };
	char *path = xstrdup(root), *problem, *root_real = NULL;
	size_t len = strlen(path);
	struct stat st;
	int ret;

	desired_scan_init(scan);
	while (len > 1 && path[len - 1] == '/')
		path[--len] = '\0';
	ret = open_root(path, &st, diags);
	if (ret < 0)
		goto unavailable;
	ret = manifest_dir_root(path, &root_real);
	if (ret < 0) {
		diag_note_errno(diags, -ret);
		diag_error(diags, path, 0, 0, "cannot resolve the manifest directory: %s", textfile_strerror(-ret));
		goto unavailable;
	}
	r.root_real = root_real;
	r.ancestors[0].dev = st.st_dev;
	r.ancestors[0].ino = st.st_ino;
	walk_dir(&r, path, 0);
	if (r.too_many) {
		ret = -E2BIG;
		diag_error(diags, path, 0, 0, "more than %d manifests below the directory", MANIFEST_DIR_MAX_FILES);
		goto unavailable;
	}
	if (!r.manifests) {
		/* An empty or unreadable directory is never "every tenant deleted". */
		ret = scan->n_failed_dirs ? -EACCES : -ENODATA;
		diag_error(diags, path, 0, 0, "no manifests (*.yaml or *.yml files) below the manifest directory");
		goto unavailable;
	}
	/* The walk grew the array by doubling; 10^5 jobs should not carry 10^5 spare. */
	r.jobs = xreallocarray(r.jobs, r.n_jobs, sizeof(*r.jobs));
	r.alloc_jobs = r.n_jobs;
	run_jobs(&r);
	collect(&r);
	check_duplicates(&r);
	release_jobs(&r);
	free(root_real);
	free(path);
	return 0;
unavailable:
	release_jobs(&r);
	free(root_real);
	problem = problem_at(diags, diags->n - 1);
	desired_scan_release(scan);
	desired_scan_unavailable(scan, problem);
	free(problem);
	free(path);
	return ret;
}

int manifest_dir_read_file(const struct daemon_config *cfg, const char *root_real, const char *path,
			   struct tenant **ret, struct manifest_id *ret_id, struct diag_list *diags)
{
	char *real = NULL, *text = NULL;
	struct stat st;
	size_t len = 0;
	int r;

	if (ret_id)
		memset(ret_id, 0, sizeof(*ret_id));
	r = confine(root_real, path, false, &real, diags);
	if (r == -ENOENT && (lstat(path, &st) < 0 || !S_ISLNK(st.st_mode)))
		return r; /* gone */
	if (r < 0) {
		/* the words of a full reading (stat_entry), whichever way the file was read */
		if (r == -ENOENT) {
			diag_error(diags, path, 0, 0, "broken symbolic link");
			r = -ENOLINK; /* a problem, not a file gone */
		} else if (r == -ELOOP)
			diag_error(diags, path, 0, 0, "symbolic link loop");
		else if (r != -EXDEV)
			diag_error(diags, path, 0, 0, "cannot resolve: %s", textfile_strerror(-r));
		diag_note_errno(diags, -r);
		return r;
	}
	r = textfile_read_nofollow(real, path, MANIFEST_MAX_BYTES, &text, &len, diags);
	free(real);
	if (r < 0)
		return r;
	r = manifest_parse(cfg, path, text, len, ret, ret_id, diags);
	free(text);
	return r;
}
