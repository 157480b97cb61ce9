/* An in-memory cloud for engine tests: one world (profiles and parameters, all in
 * one place), answers delivered asynchronously from the loop, Bedrock-like
 * clientRequestToken idempotency, and injectable faults. */
#ifndef BTD_FAKE_CLOUD_H
#define BTD_FAKE_CLOUD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "cloud.h"
#include "hashmap.h"

struct fake_cloud {
	uv_loop_t *loop;
	struct observed_store world;
	struct hashmap tokens; /* clientRequestToken -> ARN */
	unsigned next_id;
	unsigned calls[ACT__COUNT];
	unsigned priority_calls;  /* applies asked as priority calls */
	unsigned unordered_calls; /* applies asked without a reconcile's order */
	struct fake_apply_note {  /* the first applies: their reconcile's order and subject */
		uint64_t order;
		enum action_kind kind;
		char subject[96]; /* the profile's name, the parameter's path */
	} notes[32];
	unsigned n_notes;
	unsigned lists;
	const char *watch_account; /* listings of places of this account are counted ... */
	unsigned watch_lists;	   /* ... here */
	unsigned lists_in_flight, most_lists_in_flight;
	/* listings started while one of the same account and account_epoch was in flight
	 * (which a real cloud would let share the account's reading) */
	unsigned lists_joined;
	struct fake_list_flight {
		const struct place *place; /* NULL: a free slot */
		uint64_t epoch;
	} list_flights[64];
	unsigned pending;	/* answers not delivered yet */
	unsigned replayed_dead; /* creates answered with the ARN of a profile gone since */
	/* faults */
	unsigned fail_next;	   /* the next N applies fail ... */
	enum error_class fail_cls; /* ... with this class */
	const char *fail_code;
	unsigned lose_next;	   /* the next N applies happen, but answer with an error */
	bool hide_new_profiles;	   /* listings omit profiles created since the last fake_cloud_settle */
	unsigned fail_lists;	   /* the next N listings fail */
	const char *budgets_error; /* listings cannot read the budgets, for this reason (NULL: they can) */
	uint64_t apply_latency_ms; /* applies that succeed are answered this late */
	uint64_t list_latency_ms;  /* listings that succeed are answered this late (what they show: at the call) */
	unsigned list_at_once;	   /* every Nth listing is answered from within the call (0: none) */
	const char *hold_create;   /* the create of the profile of this name is done, its answer held ... */
	void *held;		   /* ... here, not counted in pending, until fake_cloud_answer_held */
	/* the instance's claim: its live text (owned; NULL: none), the calls for it, the
	 * mutations made before its first write, and a failure to answer them with */
	char *claim;
	unsigned claim_reads, claim_writes;
	unsigned mutations_before_claim;
	const char *claim_fail; /* an error code: every claim call fails with it */
};

extern const struct cloud_ops fake_cloud_ops;

void fake_cloud_init(struct fake_cloud *c, uv_loop_t *loop);
void fake_cloud_release(struct fake_cloud *c);
/* fake_cloud_settle: listings show every profile from now on. */
void fake_cloud_settle(struct fake_cloud *c);
size_t fake_cloud_profiles_of(const struct fake_cloud *c, const char *tenant);
unsigned fake_cloud_mutations(const struct fake_cloud *c);
/* fake_cloud_answer_held: the held create's answer goes out (from the loop). */
void fake_cloud_answer_held(struct fake_cloud *c);
/* Every owned parameter names a live profile. */
bool fake_cloud_parameters_consistent(const struct fake_cloud *c, const char *instance);

#endif
