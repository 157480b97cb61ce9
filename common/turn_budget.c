#include "turn_budget.h"

void turn_budget_init(struct turn_budget *t, uint64_t budget_ns, uint64_t (*now)(void *data), void *data)
{
	*t = (struct turn_budget){ .now = now, .data = data, .budget_ns = budget_ns };
}

void turn_budget_begin(struct turn_budget *t)
{
	if (!t->open) {
		t->open = true;
		t->start_ns = t->now(t->data);
	}
}

bool turn_budget_more(struct turn_budget *t)
{
	turn_budget_begin(t); /* a part that did not begin: counted from here */
	return t->now(t->data) - t->start_ns + t->reserve_ns < t->budget_ns;
}

uint64_t turn_budget_now(const struct turn_budget *t)
{
	return t->now(t->data);
}

void turn_budget_end(struct turn_budget *t, uint64_t commit_ns)
{
	t->open = false;
	if (commit_ns > t->budget_ns)
		commit_ns = t->budget_ns;
	/* smoothed: one slow commit (a page split, the log's start over) does not take
	 * the next turn's whole budget, a run of them does */
	t->reserve_ns = (t->reserve_ns * 3 + commit_ns) / 4;
}
