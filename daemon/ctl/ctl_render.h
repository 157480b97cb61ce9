/* Human renderings of the control API's JSON documents for bedrock-tenantctl. Each
 * prints to stdout and returns the exit status the document calls for. */
#ifndef BTD_CTL_RENDER_H
#define BTD_CTL_RENDER_H

#include <cjson/cJSON.h>

int render_status(const cJSON *j);
int render_tenants(const cJSON *j);
int render_tenant(const cJSON *j);
int render_resolve(const cJSON *j);
/* render_exit_of: the exit status of a document without printing it (--json). */
int render_exit_of(const char *path, const cJSON *j);

#endif
