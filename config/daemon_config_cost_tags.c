/* The `cost_allocation_tags` section of the daemon configuration: whether the daemon
 * activates the tag keys budgets filter on (manage) or only reports the inactive ones
 * (observe), in which account, and how often it looks. Checked here; done by
 * daemon/cost_tags.c. */
#include <stdlib.h>
#include <string.h>

#include "daemon_config.h"
#include "rules.h"
#include "walk.h"
#include "xalloc.h"
#include "ydoc.h"

#define DAY_MS (24ULL * 60 * 60 * 1000)

static const char *const mode_names[] = { [CFG_COST_TAGS_OBSERVE] = "observe", [CFG_COST_TAGS_MANAGE] = "manage" };

const char *cfg_cost_tags_mode_name(enum cfg_cost_tags_mode mode)
{
	return mode == CFG_COST_TAGS_MANAGE ? mode_names[CFG_COST_TAGS_MANAGE] : mode_names[CFG_COST_TAGS_OBSERVE];
}

void daemon_config_read_cost_tags(struct walk *w, const struct ynode *n, struct daemon_config *cfg)
{
	static const char *const keys[] = { "mode", "payer_account", "check_interval" };
	const struct ynode *v[3];
	struct cfg_cost_tags *ct = &cfg->cost_tags;
	int e;

	if (!walk_mapping(w, n, keys, 3, v))
		return;
	for (int k = 0; k < 3; k++) {
		size_t mark;
		char *s = NULL;
		if (!v[k])
			continue;
		mark = walk_push_key(w, keys[k]);
		switch (k) {
		case 0:
			if (walk_enum(w, v[k], mode_names, 2, &e))
				ct->mode = (enum cfg_cost_tags_mode)e;
			break;
		case 1:
			if (walk_string(w, v[k], RULE_ACCOUNT_ALIAS_MAX, &s)) {
				free(ct->payer_account);
				ct->payer_account = s;
				ct->payer_account_pos = (struct cfg_pos){ v[k]->line, v[k]->col };
			}
			break;
		default:
			walk_duration(w, v[k], 5000, DAY_MS, &ct->check_interval_ms);
			break;
		}
		walk_pop(w, mark);
	}
}

void daemon_config_check_cost_tags(struct walk *w, const struct daemon_config *cfg)
{
	const struct cfg_cost_tags *ct = &cfg->cost_tags;

	if (ct->payer_account && !daemon_config_account(cfg, ct->payer_account))
		walk_error_at(w, ct->payer_account_pos.line, ct->payer_account_pos.col,
			      "cost_allocation_tags.payer_account: %s is not an alias in accounts", ct->payer_account);
}
