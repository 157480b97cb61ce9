/* The last mutating calls awsim answered, with the request id each answer carried
 * (x-amzn-RequestId), so that tests can match what a client logged with what the
 * service saw. A fixed ring: nothing the outside sends grows it. */
#include "awsim.h"

#include <stdio.h>

void requests_note(struct awsim *sim, const char *service, const char *op, const char *request_id, int status,
		   const char *error_code)
{
	struct awsim_request *r = &sim->requests[sim->n_requests++ % AWSIM_REQUEST_LOG];

	snprintf(r->op, sizeof(r->op), "%s:%s", service, op);
	snprintf(r->request_id, sizeof(r->request_id), "%s", request_id);
	snprintf(r->error_code, sizeof(r->error_code), "%s", error_code ? error_code : "");
	r->status = status;
}

cJSON *requests_to_json(const struct awsim *sim)
{
	uint64_t n = sim->n_requests, first = n > AWSIM_REQUEST_LOG ? n - AWSIM_REQUEST_LOG : 0;
	cJSON *arr = cJSON_CreateArray();

	for (uint64_t i = first; i < n; i++) {
		const struct awsim_request *r = &sim->requests[i % AWSIM_REQUEST_LOG];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "operation", r->op);
		cJSON_AddStringToObject(o, "request_id", r->request_id);
		cJSON_AddNumberToObject(o, "status", r->status);
		if (r->error_code[0])
			cJSON_AddStringToObject(o, "error", r->error_code);
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}
