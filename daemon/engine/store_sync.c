#include "store_sync.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xalloc.h"

struct waiter {
	store_sync_cb done;
	void *arg;
};

struct waiters {
	struct waiter *w;
	size_t n, alloc;
};

struct job {
	uv_work_t work;
	struct store_sync *s; /* NULL once the store_sync was freed */
	char *wal_path;
	char *dir_path; /* NULL: the directory was synced before */
	struct waiters batch;
	int status;
	bool dir_synced;
};

struct store_sync {
	uv_loop_t *loop;
	char *wal_path;
	char *dir_path;
	bool dir_synced;
	struct job *running;
	struct waiters next; /* asked while `running` was under way */
};

struct store_sync *store_sync_new(uv_loop_t *loop, const char *wal_path)
{
	struct store_sync *s = xcalloc(1, sizeof(*s));
	const char *slash = strrchr(wal_path, '/');

	s->loop = loop;
	s->wal_path = xstrdup(wal_path);
	s->dir_path = slash ? xstrndup(wal_path, slash == wal_path ? 1 : (size_t)(slash - wal_path)) : xstrdup(".");
	return s;
}

static int sync_path(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	/* fsync and fdatasync act on the file, not on the descriptor: a descriptor of
	 * our own carries what SQLite's descriptor wrote */
	if (fdatasync(fd) < 0)
		r = -errno;
	close(fd);
	return r;
}

/* In the thread pool: nothing here touches the loop or the store_sync. */
static void work(uv_work_t *req)
{
	struct job *j = req->data;

	j->status = sync_path(j->wal_path, O_RDONLY);
	if (j->status == 0 && j->dir_path) {
		j->status = sync_path(j->dir_path, O_RDONLY | O_DIRECTORY);
		j->dir_synced = j->status == 0;
	}
}

static void job_free(struct job *j)
{
	free(j->wal_path);
	free(j->dir_path);
	free(j->batch.w);
	free(j);
}

static void after_work(uv_work_t *req, int status);

static void start(struct store_sync *s)
{
	struct job *j = xcalloc(1, sizeof(*j));

	j->s = s;
	j->wal_path = xstrdup(s->wal_path);
	j->dir_path = s->dir_synced ? NULL : xstrdup(s->dir_path);
	j->batch = s->next;
	memset(&s->next, 0, sizeof(s->next));
	j->work.data = j;
	s->running = j;
	/* fails only without a work callback */
	uv_queue_work(s->loop, &j->work, work, after_work);
}

static void after_work(uv_work_t *req, int status)
{
	struct job *j = req->data;
	struct store_sync *s = j->s;

	if (!s) {
		job_free(j);
		return;
	}
	s->running = NULL;
	if (status < 0 && j->status == 0)
		j->status = status; /* cancelled: nothing was synced */
	if (j->dir_synced)
		s->dir_synced = true;
	/* a waiter may ask again from its callback: it then waits for a sync started
	 * after this one */
	for (size_t i = 0; i < j->batch.n; i++)
		j->batch.w[i].done(j->batch.w[i].arg, j->status);
	job_free(j);
	if (!s->running && s->next.n)
		start(s);
}

void store_sync_wait(struct store_sync *s, store_sync_cb done, void *arg)
{
	XGROW(s->next.w, s->next.n + 1, s->next.alloc);
	s->next.w[s->next.n++] = (struct waiter){ done, arg };
	if (!s->running)
		start(s);
}

void store_sync_free(struct store_sync *s)
{
	if (!s)
		return;
	if (s->running) {
		s->running->s = NULL;
		s->running->batch.n = 0;
	}
	free(s->next.w);
	free(s->wal_path);
	free(s->dir_path);
	free(s);
}
