/* The JSON documents of the control API, built from the engine's state. Every
 * function returns a new cJSON tree owned by the caller. */
#ifndef BTD_CONTROL_JSON_H
#define BTD_CONTROL_JSON_H

#include <cjson/cJSON.h>

#include "control.h"
#include "engine.h"

/* At most this many manifest problems in GET /v1/status, then a line counting the
 * rest: a directory of failing files would otherwise make every status request an
 * answer of tens of megabytes, built on the loop. */
#define STATUS_MAX_PROBLEMS 1000

cJSON *control_json_status(const struct engine *e, const struct control_info *info);
/* control_json_tenants: the tenants in one of states (a mask of 1 << enum
 * tenant_state; 0: every tenant). */
cJSON *control_json_tenants(const struct engine *e, unsigned states);
/* control_json_tenant: its history the lines kept (NULL: none; the state store's,
 * audit_tenant_lines) and those t holds, by time, the last HISTORY_LINES; with
 * history_error (NULL: none) when the kept ones could not be read. */
cJSON *control_json_tenant(const struct engine *e, const struct tenant_entry *t, const struct history_lines *kept,
			   const char *history_error);
cJSON *control_json_desired(const struct tenant *t);
/* control_json_resolve: NULL with *ret_status 404 (unknown) or 503 (not created yet). */
cJSON *control_json_resolve(const struct engine *e, const char *tenant, const char *profile, int *ret_status,
			    const char **ret_error);
/* control_metrics: the Prometheus text exposition of the engine's (and the AWS
 * layer's) counters and of the daemon's manifest and configuration problems (info),
 * appended to out. */
void control_metrics(const struct engine *e, const struct control_info *info, struct strbuf *out);

#endif
