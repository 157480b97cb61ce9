/* The profile-to-tenant map the daemon exports (GET /v1/profile-map, `bedrock-tenantctl
 * profile-map`): every application profile it manages with its tenant, profile key,
 * model and place, sorted by ARN, as JSON or as CSV for an Athena table that attributes
 * invocation logs past one machine's reach (docs/operations.md, "Usage"). */
#ifndef BTD_USAGE_MAP_H
#define BTD_USAGE_MAP_H

#include <stdbool.h>

#include "engine.h"
#include "strbuf.h"

#define USAGE_MAP_CSV_HEADER "profile_arn,tenant,profile,model,place"

/* usage_map: appends the map to out, CSV (with USAGE_MAP_CSV_HEADER) or JSON
 * {"profiles": [{arn, tenant, profile, model, place}], "count": N}. The model is its
 * id, as the invocation logs and `prices` name it. */
void usage_map(const struct engine *e, bool csv, struct strbuf *out);

#endif
