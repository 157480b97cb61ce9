/* Cost-allocation tags: a tag-filtered budget sees no spend until its tag keys are
 * Active in the payer account's Cost Explorer. This part keeps the keys the budgets
 * filter on (handed over after every manifest scan), reads their status with
 * ListCostAllocationTags at start, when the keys change and every check_interval,
 * and in manage mode activates the inactive ones with UpdateCostAllocationTagsStatus;
 * in observe mode (the default) it only reports them. Status shows the result
 * (cost_tags_status_json); a change of the problem is logged once. */
#ifndef BTD_COST_TAGS_H
#define BTD_COST_TAGS_H

#include <stddef.h>

#include <uv.h>

#include "aws_client.h"
#include "ce.h"
#include "daemon_config.h"

#define COST_TAGS_MAX_KEYS CE_LIST_MAX_KEYS /* ListCostAllocationTags' TagKeys filter */

struct cost_tags;

/* cost_tags_new: copies cfg; target is the AWS client's account for the payer
 * account (NULL: the default credentials, also for an alias without a role). aws is
 * borrowed and must outlive cost_tags_close's callback (calls in flight end when the
 * client closes). */
void cost_tags_new(uv_loop_t *loop, struct aws_client *aws, const struct cfg_cost_tags *cfg, const char *target,
		   struct cost_tags **ret);
/* cost_tags_configure: a reloaded configuration; checks again soon when it changed. */
void cost_tags_configure(struct cost_tags *ct, const struct cfg_cost_tags *cfg, const char *target);
/* cost_tags_hold_writes: held(data) says why no write may go out now (the daemon
 * paused, in mode: report, standing by), NULL when one may; manage mode then
 * activates nothing and says why in the problem. Unset: writes always go. */
void cost_tags_hold_writes(struct cost_tags *ct, const char *(*held)(void *data), void *data);
/* cost_tags_released: writes may go again; checks again soon if a check held any. */
void cost_tags_released(struct cost_tags *ct);
/* cost_tags_set_keys: the keys budgets filter on now (copied; duplicates and keys
 * beyond COST_TAGS_MAX_KEYS dropped); checks again soon when they changed. */
void cost_tags_set_keys(struct cost_tags *ct, const char *const *keys, size_t n);
/* cost_tags_key_status: key's status as last read ("Active", "Inactive", "NotSeen",
 * "unknown"), or NULL when no budget filters on it (or ct is NULL). Static text. */
const char *cost_tags_key_status(const struct cost_tags *ct, const char *key);
/* cost_tags_status_json: {mode, payer_account, keys: [{key, status}], problem,
 * error, checked_at}, owned by the caller. */
char *cost_tags_status_json(const struct cost_tags *ct);
/* cost_tags_close: stops; done (may be NULL) runs once nothing is in flight. */
void cost_tags_close(struct cost_tags *ct, void (*done)(void *data), void *data);

#endif
