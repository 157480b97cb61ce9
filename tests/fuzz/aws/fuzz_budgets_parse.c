/* Every Budgets answer parser on the same input, and a round trip of what parses. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "budgets_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	struct budgets_budget b;
	struct budgets_budget_list bl = { 0 };
	struct budgets_notification_list nl = { 0 };
	struct budgets_subscriber_list sl = { 0 };
	struct aws_tags t = { 0 };
	cJSON *json;
	char *next = NULL;

	if (budgets_parse_budget(body, size, &b) == 0) {
		if (budgets_budget_to_json(&b, &json) == 0)
			cJSON_Delete(json);
		budgets_budget_release(&b);
	}
	budgets_parse_budgets_page(body, size, &bl, &next);
	free(next);
	budgets_budget_list_release(&bl);
	budgets_parse_notifications_page(body, size, &nl, &next);
	free(next);
	for (size_t i = 0; i < nl.n; i++)
		if (budgets_notification_to_json(&nl.items[i], &json) == 0)
			cJSON_Delete(json);
	budgets_notification_list_release(&nl);
	budgets_parse_subscribers_page(body, size, &sl, &next);
	free(next);
	budgets_subscriber_list_release(&sl);
	if (budgets_parse_tags(body, size, &t) == 0)
		aws_tags_release(&t);
	return 0;
}
