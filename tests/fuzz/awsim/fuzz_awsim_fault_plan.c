/* Fuzz target: fault plans in both spellings (tests/awsim/faults.c and
 * faults_yaml.c). The first byte picks JSON or YAML; an accepted plan is decided
 * on and printed back. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "awsim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct faults f;
	char *err = NULL;
	int r;

	if (size < 1)
		return 0;
	faults_init(&f, 1);
	if (data[0] & 1)
		r = faults_load_yaml(&f, (const char *)data + 1, size - 1, &err);
	else
		r = faults_load_json(&f, (const char *)data + 1, size - 1, &err);
	if (r == 0) {
		struct fault_decision d;
		struct fault_request q[2] = { { "bedrock", "CreateInferenceProfile", "us-east-1", "123456789012",
						"/inference-profiles" },
					      { "budgets", "CreateBudget", "us-west-2", "210987654321", NULL } };
		cJSON *doc;

		for (int i = 0; i < 4; i++)
			faults_decide(&f, &q[i & 1], (uint64_t)i * 100, &d);
		doc = faults_to_json(&f);
		cJSON_Delete(doc);
	}
	free(err);
	faults_release(&f);
	return 0;
}
