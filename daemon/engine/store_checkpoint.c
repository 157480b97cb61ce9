#include "store_checkpoint.h"

#include <stdlib.h>

#include "sqlite_open.h"
#include "xalloc.h"

struct job {
	uv_work_t work;
	struct store_checkpoint *c; /* NULL once the store_checkpoint is freed */
	char *path;
	bool cut; /* the log's file cut back after the checkpoint, if it was whole */
	int status;
};

struct store_checkpoint {
	uv_loop_t *loop;
	struct store *store;
	char *path;
	struct job *running;
	unsigned started_at; /* the log's size when the last checkpoint started */
	bool cut_owed;	     /* store_checkpoint_cut while a checkpoint ran */
	unsigned long count, failed, cuts;
};

static void start(struct store_checkpoint *c, bool cut);

/* In the thread pool: nothing here touches the loop or the store. */
static void work(uv_work_t *req)
{
	struct job *j = req->data;

	j->status = store_checkpoint_file(j->path, j->cut);
}

static void after_work(uv_work_t *req, int status)
{
	struct job *j = req->data;

	struct store_checkpoint *c = j->c;

	if (c) {
		c->running = NULL;
		c->count++;
		c->cuts += j->cut;
		c->failed += status < 0 || j->status < 0;
	}
	free(j->path);
	free(j);
	if (c && c->cut_owed)
		start(c, true);
}

static void start(struct store_checkpoint *c, bool cut)
{
	struct job *j = xcalloc(1, sizeof(*j));

	j->c = c;
	j->path = xstrdup(c->path);
	j->cut = cut;
	j->work.data = j;
	c->running = j;
	c->cut_owed = false;
	/* fails only without a work callback */
	uv_queue_work(c->loop, &j->work, work, after_work);
}

/* After each commit of the loop's connection: the log holds frames pages. */
static void on_wal(void *data, unsigned frames)
{
	struct store_checkpoint *c = data;

	if (frames < c->started_at)
		c->started_at = 0; /* the log started over */
	if (c->running || frames < c->started_at + SQLITE_OPEN_WAL_PAGES)
		return;
	c->started_at = frames;
	start(c, false);
}

void store_checkpoint_cut(struct store_checkpoint *c)
{
	if (!c)
		return;
	if (c->running)
		c->cut_owed = true;
	else
		start(c, true);
}

struct store_checkpoint *store_checkpoint_new(uv_loop_t *loop, struct store *store)
{
	struct store_checkpoint *c;

	if (!store_path(store))
		return NULL;
	c = xcalloc(1, sizeof(*c));
	c->loop = loop;
	c->store = store;
	c->path = xstrdup(store_path(store));
	store_defer_checkpoints(store, on_wal, c);
	return c;
}

unsigned long store_checkpoint_count(const struct store_checkpoint *c, unsigned long *ret_failed,
				     unsigned long *ret_cuts)
{
	if (ret_failed)
		*ret_failed = c ? c->failed : 0;
	if (ret_cuts)
		*ret_cuts = c ? c->cuts : 0;
	return c ? c->count : 0;
}

void store_checkpoint_free(struct store_checkpoint *c)
{
	if (!c)
		return;
	store_defer_checkpoints(c->store, NULL, NULL);
	if (c->running)
		c->running->c = NULL;
	free(c->path);
	free(c);
}
