/* The control socket's API: every route's path and method, in one table that the
 * daemon's router (control.c) and bedrock-tenantctl both include, so that neither
 * spells a path of its own. A pattern's "{id}" stands for one path segment (a tenant
 * id, percent-encoded). docs/control-api.md describes each route. */
#ifndef BTD_CONTROL_API_H
#define BTD_CONTROL_API_H

enum { CONTROL_GET = 1, CONTROL_POST = 2 }; /* GET routes answer HEAD too */

/* X(NAME, pattern, method) for every route. */
#define CONTROL_ROUTES(X)                                                                                              \
	X(HEALTH, "/v1/health", CONTROL_GET)                                                                           \
	X(READY, "/v1/ready", CONTROL_GET)                                                                             \
	X(STATUS, "/v1/status", CONTROL_GET)                                                                           \
	X(TENANTS, "/v1/tenants", CONTROL_GET)                                                                         \
	X(TENANT, "/v1/tenants/{id}", CONTROL_GET)                                                                     \
	X(TENANT_RECONCILE, "/v1/tenants/{id}/reconcile", CONTROL_POST)                                                \
	X(RESOLVE, "/v1/resolve", CONTROL_GET)                                                                         \
	X(RECONCILE, "/v1/reconcile", CONTROL_POST)                                                                    \
	X(RESYNC, "/v1/resync", CONTROL_POST)                                                                          \
	X(PAUSE, "/v1/pause", CONTROL_POST)                                                                            \
	X(RESUME, "/v1/resume", CONTROL_POST)                                                                          \
	X(PRUNE_APPROVE, "/v1/prune/approve", CONTROL_POST)                                                            \
	X(METRICS, "/metrics", CONTROL_GET)                                                                            \
	X(TENANT_HISTORY, "/v1/tenants/{id}/history", CONTROL_GET)                                                     \
	X(HISTORY, "/v1/history", CONTROL_GET)                                                                         \
	X(EVENTS, "/v1/events", CONTROL_GET)                                                                           \
	X(USAGE, "/v1/usage", CONTROL_GET)                                                                             \
	X(TENANT_USAGE, "/v1/tenants/{id}/usage", CONTROL_GET)                                                         \
	X(PLACES, "/v1/places", CONTROL_GET)                                                                           \
	X(PROFILE_MAP, "/v1/profile-map", CONTROL_GET)

#define CONTROL_ROUTE_ENUM(name, pattern, method) CONTROL_##name,
enum control_route { CONTROL_ROUTES(CONTROL_ROUTE_ENUM) CONTROL__ROUTE_COUNT };
#undef CONTROL_ROUTE_ENUM

struct control_route_spec {
	const char *pattern;
	unsigned method;
};

/* In the order of enum control_route (both come from CONTROL_ROUTES). */
static const struct control_route_spec control_routes[CONTROL__ROUTE_COUNT] = {
#define CONTROL_ROUTE_SPEC(name, pattern, method) { pattern, method },
	CONTROL_ROUTES(CONTROL_ROUTE_SPEC)
#undef CONTROL_ROUTE_SPEC
};

#endif
