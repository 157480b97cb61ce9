/* A minimal intrusive doubly-linked list (circular, with a head node), for the
 * queues of the AWS layer: transfers waiting for a connection slot, calls waiting for
 * credentials or a rate token; and a queue of two such lists, priority entries
 * before the others. Header-only; nodes are embedded in their owners. */
#ifndef BTD_AWS_LIST_H
#define BTD_AWS_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct list_node {
	struct list_node *prev, *next;
};

#define list_entry(node, type, member) ((type *)(void *)((char *)(node)-offsetof(type, member)))

static inline void list_init(struct list_node *head)
{
	head->prev = head->next = head;
}

static inline bool list_empty(const struct list_node *head)
{
	return head->next == head;
}

/* list_linked: whether a node initialised with list_init is currently in a list. */
static inline bool list_linked(const struct list_node *node)
{
	return node->next != node;
}

static inline void list_add_tail(struct list_node *head, struct list_node *node)
{
	node->prev = head->prev;
	node->next = head;
	head->prev->next = node;
	head->prev = node;
}

/* list_insert_before: node joins the list of pos just before it (pos may be the
 * head: at the end). */
static inline void list_insert_before(struct list_node *pos, struct list_node *node)
{
	list_add_tail(pos, node);
}

/* list_del: unlinks node and re-initialises it (so list_linked() is false). */
static inline void list_del(struct list_node *node)
{
	node->prev->next = node->next;
	node->next->prev = node->prev;
	list_init(node);
}

static inline struct list_node *list_first(const struct list_node *head)
{
	return list_empty(head) ? NULL : head->next;
}

static inline size_t list_count(const struct list_node *head)
{
	size_t n = 0;

	for (const struct list_node *p = head->next; p != head; p = p->next)
		n++;
	return n;
}

/* A queue with two lanes: every priority entry leaves before the ordinary ones, each
 * lane first come, first served (a rate bucket's waiters join theirs by rank:
 * list_insert_before, aws_call.c). An entry leaves with list_del(). */
struct lane_queue {
	struct list_node priority, ordinary;
};

static inline void lane_queue_init(struct lane_queue *q)
{
	list_init(&q->priority);
	list_init(&q->ordinary);
}

static inline bool lane_queue_empty(const struct lane_queue *q)
{
	return list_empty(&q->priority) && list_empty(&q->ordinary);
}

static inline void lane_queue_add(struct lane_queue *q, struct list_node *node, bool priority)
{
	list_add_tail(priority ? &q->priority : &q->ordinary, node);
}

/* lane_queue_first: the entry to leave next, of a queue that is not empty. */
static inline struct list_node *lane_queue_first(const struct lane_queue *q)
{
	return list_empty(&q->priority) ? q->ordinary.next : q->priority.next;
}

#endif
