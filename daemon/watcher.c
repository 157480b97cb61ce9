#include "watcher.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hashmap.h"
#include "xalloc.h"

#define DIR_MASK                                                                                                       \
	(IN_CREATE | IN_DELETE | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF |        \
	 IN_ATTRIB | IN_ONLYDIR | IN_DONT_FOLLOW)
#define PARENT_MASK (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB | IN_ONLYDIR)
#define MAX_WATCHES 100000

struct watcher {
	uv_loop_t *loop;
	uv_poll_t poll;
	uv_timer_t settle;
	uv_timer_t rescan;
	uv_timer_t reread;  /* watcher_reread's */
	uint64_t reread_ms; /* its last delay; 0: none since the last read that wanted none */
	int fd;
	char *root;	   /* as configured */
	char *root_parent; /* dirname(root) */
	char *root_name;   /* basename(root) */
	int parent_wd;
	struct hashmap dirs;	/* "wd" -> absolute directory path (owned) */
	char *root_real;	/* the root's real path when last watched, or NULL */
	struct hashmap links;	/* symbolic links seen, not named as manifests (their paths) */
	struct hashmap pending; /* changed file path -> (void *)1 */
	bool full_rescan;
	const char *reason;
	uint64_t settle_ms;
	watcher_fn on_batch;
	void *data;
	int closing;
	void (*done)(void *);
	void *done_data;
};

bool watcher_is_manifest_name(const char *name)
{
	size_t n = strlen(name);

	if (!n || name[0] == '.')
		return false;
	return (n > 5 && strcmp(name + n - 5, ".yaml") == 0) || (n > 4 && strcmp(name + n - 4, ".yml") == 0);
}

static void wd_key(int wd, char buf[16])
{
	snprintf(buf, 16, "%d", wd);
}

static void drop_all_watches(struct watcher *w)
{
	size_t pos = 0;
	const char *key;

	while (hashmap_next(&w->dirs, &pos, &key, NULL))
		inotify_rm_watch(w->fd, atoi(key));
	hashmap_release(&w->dirs, free);
	hashmap_init(&w->dirs);
	hashmap_release(&w->links, NULL);
	hashmap_init(&w->links);
}

/* A symbolic link to a directory whose real path lies within the root: the reader
 * follows it (config/manifest_dir.h), so the watcher does too. */
static bool link_to_dir_within(const struct watcher *w, const char *path)
{
	struct stat st;
	char *real;
	size_t n;
	bool within;

	if (lstat(path, &st) < 0 || !S_ISLNK(st.st_mode) || stat(path, &st) < 0 || !S_ISDIR(st.st_mode) ||
	    !w->root_real)
		return false;
	real = realpath(path, NULL);
	n = strlen(w->root_real);
	within = real && strncmp(real, w->root_real, n) == 0 && (real[n] == '/' || real[n] == '\0');
	free(real);
	return within;
}

/* Watch dir and every directory below it (hidden ones and .git excluded), following
 * symbolic links to directories within the root as the reader does. inotify gives one
 * watch per directory, however it is reached: a directory already watched is not
 * entered again, which rules out loops. */
static void watch_tree(struct watcher *w, const char *dir, int depth, bool follow)
{
	DIR *d;
	struct dirent *e;
	char key[16];
	int wd;

	if (depth > 64 || w->dirs.n >= MAX_WATCHES)
		return;
	wd = inotify_add_watch(w->fd, dir, follow ? (DIR_MASK & ~IN_DONT_FOLLOW) : DIR_MASK);
	if (wd < 0)
		return;
	wd_key(wd, key);
	if (hashmap_get(&w->dirs, key))
		return; /* reached before, by another path */
	hashmap_put(&w->dirs, key, xstrdup(dir));
	d = opendir(dir);
	if (!d)
		return;
	while ((e = readdir(d))) {
		char *sub;
		struct stat st;
		if (e->d_name[0] == '.')
			continue;
		sub = xasprintf("%s/%s", dir, e->d_name);
		if (lstat(sub, &st) < 0) {
			/* gone meanwhile */
		} else if (S_ISDIR(st.st_mode)) {
			watch_tree(w, sub, depth + 1, false);
		} else if (S_ISLNK(st.st_mode) && !watcher_is_manifest_name(e->d_name)) {
			hashmap_put(&w->links, sub, (void *)1);
			if (link_to_dir_within(w, sub))
				watch_tree(w, sub, depth + 1, true);
		}
		free(sub);
	}
	closedir(d);
}

static void rewatch(struct watcher *w)
{
	drop_all_watches(w);
	free(w->root_real);
	w->root_real = realpath(w->root, NULL);
	watch_tree(w, w->root, 0, true);
}

static void request_full(struct watcher *w, const char *reason)
{
	if (!w->full_rescan)
		w->reason = reason;
	w->full_rescan = true;
}

static void on_settle(uv_timer_t *t);

static void arm_settle(struct watcher *w)
{
	if (!uv_is_active((uv_handle_t *)&w->settle))
		uv_timer_start(&w->settle, on_settle, w->settle_ms, 0);
}

static void handle_event(struct watcher *w, const struct inotify_event *ev)
{
	char key[16], *path;
	const char *dir;
	struct stat st;

	if (ev->mask & IN_Q_OVERFLOW) {
		request_full(w, "overflow");
		return;
	}
	if (ev->wd == w->parent_wd) {
		if (ev->len && strcmp(ev->name, w->root_name) == 0)
			request_full(w, "root");
		return;
	}
	if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) {
		if (!(ev->mask & IN_IGNORED))
			request_full(w, "directory");
		return;
	}
	wd_key(ev->wd, key);
	dir = hashmap_get(&w->dirs, key);
	if (!dir || !ev->len || ev->name[0] == '.')
		return;
	if (ev->mask & IN_ISDIR) {
		if (ev->mask & (IN_CREATE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM))
			request_full(w, "directory");
		return;
	}
	path = xasprintf("%s/%s", dir, ev->name);
	if (watcher_is_manifest_name(ev->name)) {
		hashmap_put(&w->pending, path, (void *)1);
	} else if (((ev->mask & (IN_CREATE | IN_MOVED_TO)) && lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) ||
		   ((ev->mask & (IN_DELETE | IN_MOVED_FROM)) && hashmap_get(&w->links, path))) {
		/* a symbolic link (to a directory, or to nothing) appeared or went: the
		 * reader follows it or reports it, so the tree is read again */
		request_full(w, "link");
	}
	free(path);
}

static void on_readable(uv_poll_t *p, int status, int events)
{
	struct watcher *w = p->data;
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));

	for (;;) {
		ssize_t n = read(w->fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		for (char *c = buf; c < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)c;
			handle_event(w, ev);
			c += sizeof(*ev) + ev->len;
		}
	}
	if (w->full_rescan || w->pending.n)
		arm_settle(w);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void on_settle(uv_timer_t *t)
{
	struct watcher *w = t->data;
	struct watcher_batch batch = { 0 };
	const char **paths = NULL;
	size_t pos = 0, n = 0;
	const char *key;

	if (w->full_rescan) {
		/* the tree may have new or swapped directories: watch it afresh */
		rewatch(w);
		batch.full_rescan = true;
		batch.reason = w->reason;
	} else {
		paths = xcalloc(w->pending.n + 1, sizeof(char *));
		while (hashmap_next(&w->pending, &pos, &key, NULL))
			paths[n++] = key;
		qsort(paths, n, sizeof(char *), cmp_str);
		batch.paths = paths;
		batch.n_paths = n;
	}
	w->full_rescan = false;
	w->reason = NULL;
	w->on_batch(w, &batch, w->data);
	free(paths);
	hashmap_release(&w->pending, NULL);
	hashmap_init(&w->pending);
}

static void on_rescan_timer(uv_timer_t *t)
{
	watcher_rescan(t->data, "periodic");
}

void watcher_rescan(struct watcher *w, const char *reason)
{
	request_full(w, reason);
	arm_settle(w);
}

static void on_reread_timer(uv_timer_t *t)
{
	watcher_rescan(t->data, "reread");
}

uint64_t watcher_reread_delay(uint64_t last_ms)
{
	uint64_t ms = last_ms ? last_ms * 2 : WATCHER_REREAD_FIRST_MS;

	return ms < WATCHER_REREAD_MAX_MS ? ms : WATCHER_REREAD_MAX_MS;
}

uint64_t watcher_reread(struct watcher *w, bool wanted)
{
	if (!wanted) {
		uv_timer_stop(&w->reread);
		w->reread_ms = 0;
		return 0;
	}
	if (uv_is_active((uv_handle_t *)&w->reread))
		return 0;
	w->reread_ms = watcher_reread_delay(w->reread_ms);
	uv_timer_start(&w->reread, on_reread_timer, w->reread_ms, 0);
	return w->reread_ms;
}

int watcher_start(uv_loop_t *loop, const struct watcher_config *cfg, struct watcher **ret)
{
	struct watcher *w = xcalloc(1, sizeof(*w));
	char *slash;
	int r;

	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd < 0) {
		r = -errno;
		free(w);
		return r;
	}
	w->loop = loop;
	w->root = xstrdup(cfg->root);
	while (strlen(w->root) > 1 && w->root[strlen(w->root) - 1] == '/')
		w->root[strlen(w->root) - 1] = '\0';
	slash = strrchr(w->root, '/');
	w->root_parent = slash ? (slash == w->root ? xstrdup("/") : xstrndup(w->root, (size_t)(slash - w->root)))
			       : xstrdup(".");
	w->root_name = xstrdup(slash ? slash + 1 : w->root);
	w->settle_ms = cfg->settle_ms ? cfg->settle_ms : 200;
	w->on_batch = cfg->on_batch;
	w->data = cfg->data;
	hashmap_init(&w->dirs);
	hashmap_init(&w->links);
	hashmap_init(&w->pending);
	w->parent_wd = inotify_add_watch(w->fd, w->root_parent, PARENT_MASK);
	rewatch(w);

	uv_poll_init(loop, &w->poll, w->fd);
	w->poll.data = w;
	uv_timer_init(loop, &w->settle);
	w->settle.data = w;
	uv_timer_init(loop, &w->rescan);
	w->rescan.data = w;
	uv_timer_init(loop, &w->reread);
	w->reread.data = w;
	uv_poll_start(&w->poll, UV_READABLE, on_readable);
	if (cfg->rescan_interval_ms)
		uv_timer_start(&w->rescan, on_rescan_timer, cfg->rescan_interval_ms, cfg->rescan_interval_ms);
	watcher_rescan(w, "start");
	*ret = w;
	return 0;
}

static void on_closed(uv_handle_t *h)
{
	struct watcher *w = h->data;

	if (--w->closing)
		return;
	close(w->fd);
	hashmap_release(&w->dirs, free);
	hashmap_release(&w->links, NULL);
	hashmap_release(&w->pending, NULL);
	if (w->done)
		w->done(w->done_data);
	free(w->root);
	free(w->root_real);
	free(w->root_parent);
	free(w->root_name);
	free(w);
}

void watcher_close(struct watcher *w, void (*done)(void *data), void *data)
{
	w->done = done;
	w->done_data = data;
	w->closing = 4;
	uv_close((uv_handle_t *)&w->poll, on_closed);
	uv_close((uv_handle_t *)&w->settle, on_closed);
	uv_close((uv_handle_t *)&w->rescan, on_closed);
	uv_close((uv_handle_t *)&w->reread, on_closed);
}

void watcher_inject(struct watcher *w, uint32_t mask)
{
	/* room for the name, as the kernel's events have (an empty one here) */
	union {
		struct inotify_event ev;
		char bytes[sizeof(struct inotify_event) + NAME_MAX + 1];
	} event = { 0 };

	event.ev.wd = -1;
	event.ev.mask = mask;
	handle_event(w, &event.ev);
	if (w->full_rescan || w->pending.n)
		arm_settle(w);
}

size_t watcher_watches(const struct watcher *w)
{
	return w->dirs.n;
}
