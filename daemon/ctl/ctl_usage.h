/* `bedrock-tenantctl usage [TENANT] [--since 7d] [--until DAY] [--limit N]`: the
 * request and the rendering of its answer (the usage routes of control_api.h);
 * cmd_usage (ctl.h) runs it from the command table. */
#ifndef BTD_CTL_USAGE_H
#define BTD_CTL_USAGE_H

#include <cjson/cJSON.h>

#include <stdbool.h>

/* ctl_usage: asks the daemon and prints a table (or, with json, the answer). The exit
 * status of bedrock-tenantctl: 0, 1 a problem answered, 2 wrong arguments, 3 the
 * daemon cannot be reached, 4 no such tenant (or usage not configured). */
int ctl_usage(const char *socket, bool json, const char *tenant, const char *since, const char *until,
	      const char *limit);

#endif
