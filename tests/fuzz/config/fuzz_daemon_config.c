/* libFuzzer target for the daemon configuration parser: any input gives a
 * configuration (defaults where the input is wrong) and clean or explained problems,
 * without a crash, a leak or undefined behaviour. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon_config.h"
#include "diag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct daemon_config *cfg = NULL;
	struct diag_list diags;
	int r;

	diag_list_init(&diags);
	r = daemon_config_parse("/etc/bedrock-tenantd/config.yaml", (const char *)data, size, &cfg, &diags);
	if (!cfg || (r == 0) != (diags.n_errors == 0))
		abort();
	/* What is kept must be usable: sorted accounts, valid lookups, limits in range. */
	for (size_t i = 1; i < cfg->n_accounts; i++)
		if (strcmp(cfg->accounts[i - 1].alias, cfg->accounts[i].alias) >= 0)
			abort();
	for (size_t i = 0; i < cfg->n_accounts; i++)
		if (daemon_config_account(cfg, cfg->accounts[i].alias) != &cfg->accounts[i] ||
		    strlen(cfg->accounts[i].id) != 12)
			abort();
	if (!cfg->manifests || !cfg->instance || !cfg->policy.naming.profile_name || cfg->max_in_flight < 1 ||
	    cfg->safety.max_deletions_percent > 100)
		abort();
	daemon_config_free(cfg);
	diag_list_release(&diags);
	return 0;
}
