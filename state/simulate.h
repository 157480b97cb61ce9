/* What the reconcile of one tenant in one place would do from here on, computed
 * without touching AWS: rounds of diff -> "as if the action succeeded", on private
 * copies of the tenant's slice of the observed model and of its record, until a round
 * brings nothing new. The diff emits only what is safe now (a parameter waits for its
 * profile); the rounds bring out the whole change set, in the order the daemon would
 * make it. `bedrock-tenantd plan` is built on it.
 *
 * Time: when only timers (grace, drain) remain, the clock jumps to the earliest one
 * and the actions that follow are marked deferred (`at`), so a replacement shows as
 * "create the new profile ... delete the old one after the drain".
 *
 * Reads (ownership tags, a budget's alerts, a role's policy) cannot be simulated: they
 * always concern resources that exist in AWS. A simulation that needs one stops and
 * hands the reads back; the caller performs them, folds the answers into its model
 * (observed_apply_read) and simulates again. Pure: no I/O, time is a parameter. */
#ifndef BTD_SIMULATE_H
#define BTD_SIMULATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diff.h"
#include "plan.h"
#include "plan_render.h"

#define SIMULATE_MAX_ROUNDS 16 /* rounds that do something, timer jumps included */

/* The ARN a simulated create gives its profile: "(known after create)#NAME", unique
 * per name, shown as SIMULATE_KNOWN_AFTER_CREATE. */
#define SIMULATE_ARN_PREFIX	    "(known after create)#"
#define SIMULATE_KNOWN_AFTER_CREATE "(known after create)"

struct sim_step {
	struct action action; /* moved out of its round's plan; owned */
	unsigned round;
	int64_t at;		    /* 0: due now; else the time the timer it waited for expires */
	char *subject;		    /* the resource as people know it (profile name, budget, role/policy) */
	struct change_list changes; /* attribute-level diff against the model before the step */
	/* a move's old place (simulate_move): due only once the new place's set is Ready,
	 * `at` then counted from a switch made at the simulation's `now` */
	bool after_switch;
	/* a moving tenant's current place (simulate_input.also_granted): due only once its
	 * old sets in this account are gone and its role policies stop granting them */
	bool after_move;
	/* a tenant whose deletions the prune gate holds (simulate_input.deletions_held):
	 * what an approval would do, from the moment it is given */
	bool after_approval;
};

struct simulate_input {
	const char *tenant_id;
	const struct tenant *desired; /* NULL: the tenant is gone here */
	enum deletion_policy deletion_policy;
	const struct tenant_record *record;    /* NULL: nothing remembered; copied */
	const struct observed_store *observed; /* the place's model; only read (a slice is copied) */
	const char *region;		       /* the place's region (budget ARNs) */
	/* the prune gate holds the tenant's deletions: the rounds stop at them, then what
	 * an approval would release follows, each step after_approval */
	bool deletions_held;
	int64_t now;
	/* as struct diff_input's: a moving tenant's profiles in its old places of this
	 * account, which its role policies grant too until they are gone; the rounds
	 * once they are gone follow (steps after_move: the policies without them) */
	const struct observed_profile *const *also_granted;
	size_t n_also_granted;
	/* the reads the daemon makes (earlier simulations' `reads`, not reads_shown_only,
	 * their answers folded into `observed`), done_reads[i] in round done_rounds[i]: the
	 * daemon reads in that round instead of acting on what the read concerns (a role's
	 * policy, a resource's tags, a budget's alerts), which waits for the next round */
	const struct action *done_reads;
	const unsigned *done_rounds;
	size_t n_done_reads;
};

struct simulation {
	struct sim_step *steps;
	size_t n_steps, alloc_steps;
	struct conflict *conflicts; /* each once, from whichever round found it */
	size_t n_conflicts, alloc_conflicts;
	struct action *reads; /* reads needed before the result is exact (then steps is empty) */
	size_t n_reads, alloc_reads;
	unsigned reads_round; /* the round that needs them */
	/* the reads only show what a policy holds: the daemon makes none (no round of its) */
	bool reads_shown_only;
	char *error;	 /* the diff's terminal problem, or a step that could not be simulated */
	int64_t wake_at; /* a timer already running that nothing in the steps waits for */
	bool held;	 /* deletions are held by the prune gate */
	bool incomplete; /* part of the tenant could not be judged (e.g. budgets not listed) */
	bool truncated;	 /* SIMULATE_MAX_ROUNDS reached with actions still coming */
};

/* simulate_tenant: fills *ret (release with simulation_release). Returns 0. */
int simulate_tenant(const struct diff_settings *s, const struct simulate_input *in, struct simulation *ret);
void simulation_release(struct simulation *sim);
/* simulation_pending: the daemon has something to do that it has not begun: an AWS
 * change due now, a timer to start (a deletion it has not yet accepted), deletions
 * held by the prune gate, or a conflict. A timer already running is not a change:
 * what waits only for it is deferred, and so is what waits for a move's old sets to
 * go (after_move), and what waits for an approval (after_approval; `held` says it). */
bool simulation_pending(const struct simulation *sim);
/* sim_step_counts: the step is shown to people (AWS changes, a timer started, a
 * deletion cancelled; not reads or the store's bookkeeping). */
bool sim_step_counts(const struct sim_step *st);

/* The end of a move in one of its old places (state/move.h), as simulate_tenant
 * simulates a place's reconcile: before the switch (switched false: the new place's set
 * is not Ready yet) first what the old set may not keep while it serves
 * (move_serving_diff), due now; then the rounds that follow the switch (move_out_diff:
 * the drain, the parameters, the profiles, and what leaves the account), each step
 * marked after_switch, with the clock started at now. Switched: those rounds are due
 * from now, the record's timers as they run. A record without the move's fact gets it,
 * as the daemon notes a changed place at its first reconcile. */
struct simulate_move_input {
	const char *tenant_id;
	const char *from;	      /* the old place's key */
	const char *to;		      /* the current place's key; NULL: none yet (a pool tenant waiting for
					 a place): the old set serves, nothing follows */
	const struct tenant *desired; /* NULL: none known */
	enum deletion_policy deletion_policy;
	const struct tenant_record *record;    /* NULL: nothing remembered; copied */
	const struct observed_store *observed; /* the old place's model; only read */
	const char *region;		       /* the old place's region */
	bool same_account;		       /* the old place is in the current place's account */
	bool keep_account;		       /* as struct move_input's */
	bool deletions_held;
	bool switched;
	int64_t now;
};

/* simulate_move: fills *ret (release with simulation_release). Returns 0. */
int simulate_move(const struct diff_settings *s, const struct simulate_move_input *in, struct simulation *ret);

/* simulate_apply: what a successful action does to the observed model and the record,
 * as the engine notes it (store-only actions change the record only). Returns
 * -EAGAIN for a read (its answer comes from AWS), -ENOENT when the resource it changes
 * is not in the model. */
int simulate_apply(struct observed_store *s, struct tenant_record *r, const struct action *a, const char *region,
		   const char *account_id, int64_t now);

/* simulate_display: v as people should read it (a simulated ARN is
 * SIMULATE_KNOWN_AFTER_CREATE). Borrowed. */
const char *simulate_display(const char *v);

#endif
