/* One time budget for the work of a loop turn, shared by the parts that do it in
 * bounded shares: the AWS answers' callbacks (after the poll), the engine's reconcile
 * starts (a timer) and the state store's commit of the turn's writes (before the next
 * poll). Each begins its share with turn_budget_begin and asks turn_budget_more before
 * each unit of work after its first, against one clock started by the first part that
 * began after the turn ended; what does not fit waits for the
 * next turn, and the loop polls (the control socket is read) in between. The commit,
 * whose cost is known only once it ran, is reserved from the next turns' budget (its
 * cost, smoothed, at most the whole budget). Each part still does one unit a turn
 * whatever the budget says, so that none starves: a turn is about one budget long,
 * plus at most one unit of each part.
 *
 * The owner (the daemon) keeps it; the parts borrow it. The clock is the owner's
 * (nanoseconds, monotonic), a fake one in the tests. Pure: no libuv. */
#ifndef BTD_TURN_BUDGET_H
#define BTD_TURN_BUDGET_H

#include <stdbool.h>
#include <stdint.h>

struct turn_budget {
	uint64_t (*now)(void *data); /* nanoseconds */
	void *data;
	uint64_t budget_ns;
	uint64_t start_ns;   /* of the open turn */
	uint64_t reserve_ns; /* the commit's, taken off each turn's budget */
	bool open;
};

void turn_budget_init(struct turn_budget *t, uint64_t budget_ns, uint64_t (*now)(void *data), void *data);
/* turn_budget_begin: a part begins its share: the turn opens (its clock starts) unless
 * open already. Then its first unit, whatever the budget. */
void turn_budget_begin(struct turn_budget *t);
/* turn_budget_more: whether the turn has time left for another unit of work. */
bool turn_budget_more(struct turn_budget *t);
/* turn_budget_now: the budget's clock (for a part to time itself by). */
uint64_t turn_budget_now(const struct turn_budget *t);
/* turn_budget_end: the turn's work is done (before the loop polls again); commit_ns
 * what its commit took (0: none). */
void turn_budget_end(struct turn_budget *t, uint64_t commit_ns);

#endif
