/* The `usage:` and `prices:` sections of the daemon configuration: where Bedrock's
 * invocation logs land per place, how they are read, and the price table that turns
 * tokens into an estimated cost. Internal to config/ (daemon_config_parse.c calls it). */
#ifndef BTD_DAEMON_CONFIG_USAGE_H
#define BTD_DAEMON_CONFIG_USAGE_H

#include "daemon_config.h"
#include "walk.h"
#include "ydoc.h"

void daemon_config__read_usage(struct walk *w, const struct ynode *n, struct daemon_config *cfg);
void daemon_config__read_prices(struct walk *w, const struct ynode *n, struct daemon_config *cfg);
void daemon_config__usage_release(struct daemon_config *cfg);
/* Whether a reload changes these sections (both restart-only). */
bool daemon_config__usage_differ(const struct daemon_config *a, const struct daemon_config *b);
bool daemon_config__prices_differ(const struct daemon_config *a, const struct daemon_config *b);

#endif
