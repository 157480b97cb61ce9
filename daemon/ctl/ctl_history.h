/* bedrock-tenantctl history [TENANT]: the audit trail and state changes the daemon
 * keeps in its state store, newest first (GET /v1/history, /v1/tenants/{id}/history). */
#ifndef BTD_CTL_HISTORY_H
#define BTD_CTL_HISTORY_H

#include <stdbool.h>

/* ctl_history: prints the history (a table, or the JSON with json); returns the
 * exit status (0, 1 a problem, 3 unreachable). tenant NULL: every tenant. */
int ctl_history(const char *socket, bool json, const char *tenant);

#endif
