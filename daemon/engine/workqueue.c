#include "workqueue.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

enum item_state {
	ITEM_IDLE,
	ITEM_READY,
	ITEM_DELAYED,
	ITEM_IN_FLIGHT,
};

struct wq_item {
	char *key;
	enum item_state state;
	enum wq_lane lane;
	wq_time at;		     /* ITEM_DELAYED: when ready */
	size_t heap_index;	     /* ITEM_DELAYED: position in the heap */
	struct wq_item *next, *prev; /* ITEM_READY: lane FIFO links */
	bool again;		     /* added while in flight: run once more */
	enum wq_lane again_lane;
	wq_time again_at;  /* added_at while in flight (0: none) */
	unsigned attempts; /* consecutive failures */
	bool stalled;	   /* terminal failure: only an urgent add revives it */
};

void workqueue_init(struct workqueue *q)
{
	memset(q, 0, sizeof(*q));
	hashmap_init(&q->items);
	q->backoff_base = 1000;
	q->backoff_cap = 15 * 60 * 1000;
}

static void free_item(void *p)
{
	struct wq_item *it = p;

	free(it->key);
	free(it);
}

void workqueue_release(struct workqueue *q)
{
	hashmap_release(&q->items, free_item);
	free(q->heap);
	memset(q, 0, sizeof(*q));
}

/* ---- ready lanes (intrusive FIFO per lane) ---- */

static void lane_push(struct workqueue *q, struct wq_item *it, enum wq_lane lane)
{
	struct wq_item **head = &q->lanes[lane][0], **tail = &q->lanes[lane][1];

	it->state = ITEM_READY;
	it->lane = lane;
	it->next = NULL;
	it->prev = *tail;
	if (*tail)
		(*tail)->next = it;
	else
		*head = it;
	*tail = it;
	q->ready++;
}

static void lane_unlink(struct workqueue *q, struct wq_item *it)
{
	struct wq_item **head = &q->lanes[it->lane][0], **tail = &q->lanes[it->lane][1];

	if (it->prev)
		it->prev->next = it->next;
	else
		*head = it->next;
	if (it->next)
		it->next->prev = it->prev;
	else
		*tail = it->prev;
	it->next = it->prev = NULL;
	it->state = ITEM_IDLE;
	q->ready--;
}

/* ---- delayed items (binary min-heap on `at`) ---- */

static void heap_swap(struct workqueue *q, size_t a, size_t b)
{
	struct wq_item *t = q->heap[a];

	q->heap[a] = q->heap[b];
	q->heap[b] = t;
	q->heap[a]->heap_index = a;
	q->heap[b]->heap_index = b;
}

static void heap_up(struct workqueue *q, size_t i)
{
	while (i > 0 && q->heap[(i - 1) / 2]->at > q->heap[i]->at) {
		heap_swap(q, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void heap_down(struct workqueue *q, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < q->n_heap && q->heap[l]->at < q->heap[m]->at)
			m = l;
		if (r < q->n_heap && q->heap[r]->at < q->heap[m]->at)
			m = r;
		if (m == i)
			return;
		heap_swap(q, i, m);
		i = m;
	}
}

static void heap_push(struct workqueue *q, struct wq_item *it, wq_time at)
{
	XGROW(q->heap, q->n_heap + 1, q->alloc_heap);
	it->state = ITEM_DELAYED;
	it->at = at;
	it->heap_index = q->n_heap;
	q->heap[q->n_heap++] = it;
	heap_up(q, it->heap_index);
}

static void heap_remove(struct workqueue *q, struct wq_item *it)
{
	size_t i = it->heap_index;

	heap_swap(q, i, q->n_heap - 1);
	q->n_heap--;
	if (i < q->n_heap) {
		heap_up(q, i);
		heap_down(q, i);
	}
	it->state = ITEM_IDLE;
}

/* ---- the queue ---- */

static struct wq_item *item_for(struct workqueue *q, const char *key)
{
	struct wq_item *it = hashmap_get(&q->items, key);

	if (!it) {
		it = xcalloc(1, sizeof(*it));
		it->key = xstrdup(key);
		hashmap_put(&q->items, key, it);
	}
	return it;
}

void workqueue_add(struct workqueue *q, const char *key, enum wq_lane lane)
{
	struct wq_item *it = item_for(q, key);

	if (lane >= WQ_URGENT) {
		it->attempts = 0;
		it->stalled = false;
	} else if (it->stalled) {
		return; /* a stalled tenant waits for a change, not for the periodic resync */
	}
	switch (it->state) {
	case ITEM_IN_FLIGHT:
		if (!it->again || lane > it->again_lane)
			it->again_lane = lane;
		it->again = true;
		return;
	case ITEM_READY:
		if (lane > it->lane) {
			lane_unlink(q, it);
			lane_push(q, it, lane);
		}
		return;
	case ITEM_DELAYED:
		/* a backoff delay holds normal work back; urgent work goes now */
		if (lane == WQ_NORMAL && it->attempts)
			return;
		heap_remove(q, it);
		lane_push(q, it, lane);
		return;
	case ITEM_IDLE:
		lane_push(q, it, lane);
		return;
	}
}

void workqueue_add_at(struct workqueue *q, const char *key, wq_time at)
{
	struct wq_item *it = item_for(q, key);

	if (it->stalled)
		return;
	switch (it->state) {
	case ITEM_IN_FLIGHT:
		if (!it->again_at || at < it->again_at)
			it->again_at = at;
		return;
	case ITEM_READY:
		return;
	case ITEM_DELAYED:
		if (at < it->at) {
			it->at = at;
			heap_up(q, it->heap_index);
		}
		return;
	case ITEM_IDLE:
		heap_push(q, it, at);
		return;
	}
}

const char *workqueue_pop(struct workqueue *q, wq_time now)
{
	enum wq_lane lane;

	return workqueue_pop_lane(q, now, &lane);
}

const char *workqueue_pop_lane(struct workqueue *q, wq_time now, enum wq_lane *lane)
{
	struct wq_item *it;

	/* delayed items whose time has come join the normal lane */
	while (q->n_heap && q->heap[0]->at <= now) {
		it = q->heap[0];
		heap_remove(q, it);
		lane_push(q, it, WQ_NORMAL);
	}
	it = q->lanes[WQ_CHANGE][0]   ? q->lanes[WQ_CHANGE][0]
	     : q->lanes[WQ_URGENT][0] ? q->lanes[WQ_URGENT][0]
				      : q->lanes[WQ_NORMAL][0];
	if (!it)
		return NULL;
	*lane = it->lane;
	lane_unlink(q, it);
	it->state = ITEM_IN_FLIGHT;
	q->in_flight++;
	return it->key;
}

wq_time workqueue_backoff(const struct workqueue *q, unsigned attempt, double random01)
{
	wq_time ceiling = q->backoff_base;

	for (unsigned i = 1; i < attempt && ceiling < q->backoff_cap; i++)
		ceiling *= 2;
	if (ceiling > q->backoff_cap)
		ceiling = q->backoff_cap;
	return (wq_time)(random01 * (double)ceiling);
}

wq_time workqueue_done(struct workqueue *q, const char *key, enum wq_result result, wq_time now, double random01)
{
	struct wq_item *it = hashmap_get(&q->items, key);
	bool urgent_again;
	wq_time retry_at = 0;

	if (!it || it->state != ITEM_IN_FLIGHT)
		return 0;
	it->state = ITEM_IDLE;
	q->in_flight--;
	urgent_again = it->again && it->again_lane >= WQ_URGENT;
	switch (result) {
	case WQ_OK:
		it->attempts = 0;
		break;
	case WQ_RETRY:
		it->attempts++;
		retry_at = now + workqueue_backoff(q, it->attempts, random01);
		break;
	case WQ_TERMINAL:
		/* a change that arrived meanwhile deserves a try; nothing else does */
		it->stalled = !urgent_again;
		break;
	}
	if (urgent_again)
		lane_push(q, it, it->again_lane);
	else if (it->stalled)
		; /* waits for a change */
	else if (retry_at)
		heap_push(q, it, retry_at); /* the backoff holds normal work back */
	else if (it->again)
		lane_push(q, it, WQ_NORMAL);
	else if (it->again_at)
		heap_push(q, it, it->again_at);
	it->again = false;
	it->again_at = 0;
	/* idle with nothing to remember (no backoff, not stalled): an item of its own
	 * for every converged tenant would hold a copy of its key for nothing, and an
	 * add makes it again */
	if (it->state == ITEM_IDLE && !it->stalled)
		free_item(hashmap_remove(&q->items, it->key));
	return retry_at;
}

wq_time workqueue_next_wake(const struct workqueue *q)
{
	return q->n_heap ? q->heap[0]->at : 0;
}

wq_time workqueue_pump_delay(const struct workqueue *q, wq_time now, size_t slots)
{
	if (!slots)
		return 0;
	if (q->ready || (q->n_heap && q->heap[0]->at <= now))
		return 1;
	return q->n_heap ? q->heap[0]->at - now : 0;
}

void workqueue_forget(struct workqueue *q, const char *key)
{
	struct wq_item *it = hashmap_get(&q->items, key);

	if (!it || it->state == ITEM_IN_FLIGHT)
		return;
	if (it->state == ITEM_READY)
		lane_unlink(q, it);
	else if (it->state == ITEM_DELAYED)
		heap_remove(q, it);
	free_item(hashmap_remove(&q->items, key));
}

size_t workqueue_depth(const struct workqueue *q)
{
	return q->ready + q->n_heap;
}

size_t workqueue_in_flight(const struct workqueue *q)
{
	return q->in_flight;
}

unsigned workqueue_attempts(const struct workqueue *q, const char *key)
{
	struct wq_item *it = hashmap_get(&q->items, key);

	return it ? it->attempts : 0;
}

enum wq_lane workqueue_lane(const struct workqueue *q, const char *key)
{
	struct wq_item *it = hashmap_get(&q->items, key);

	return it ? it->lane : WQ_NORMAL;
}

wq_time workqueue_wake_at(const struct workqueue *q, const char *key)
{
	struct wq_item *it = hashmap_get(&q->items, key);

	return it && it->state == ITEM_DELAYED ? it->at : 0;
}
