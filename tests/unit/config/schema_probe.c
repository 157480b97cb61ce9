/* schema_probe: the validator's rules as a filter, for schema_check.py (which keeps
 * docs/manifest.schema.json equal to them).
 *
 *   schema_probe --limits    the manifest's limits and constants, as JSON
 *   schema_probe             reads lines "RULE HEX" (the candidate string, hex-encoded)
 *                            and prints one line per input: 1 accepted, 0 refused,
 *                            ? no such rule */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"
#include "model.h"
#include "modelref.h"
#include "rules.h"

static const char *model_rule(const char *s)
{
	struct modelref ref;

	return modelref_parse(s, &ref);
}

static const struct {
	const char *name;
	const char *(*rule)(const char *s);
} rules[] = {
	{ "rule_tenant_id", rule_tenant_id },
	{ "rule_profile_key", rule_profile_key },
	{ "rule_department", rule_department },
	{ "rule_account_alias", rule_account_alias },
	{ "rule_region", rule_region },
	{ "rule_tag_key", rule_tag_key },
	{ "rule_tag_value", rule_tag_value },
	{ "rule_email", rule_email },
	{ "rule_sns_topic_arn", rule_sns_topic_arn },
	{ "rule_iam_role_name", rule_iam_role_name },
	{ "rule_profile_description", rule_profile_description },
	{ "modelref_parse", model_rule },
};

static void limits(void)
{
	printf("{\"MANIFEST_API_VERSION\": \"%s\", \"MANIFEST_KIND\": \"%s\", \"MANIFEST_MAX_PROFILES\": %d, "
	       "\"MANIFEST_MAX_ALERTS\": %d, \"MANIFEST_MAX_EMAILS\": %d, \"MANIFEST_MAX_ROLES\": %d, "
	       "\"MANIFEST_MAX_THRESHOLD\": %d, \"MANIFEST_MAX_BUDGET_USD\": %s, \"USER_TAGS_MAX\": %d, "
	       "\"rules\": [",
	       MANIFEST_API_VERSION, MANIFEST_KIND, MANIFEST_MAX_PROFILES, MANIFEST_MAX_ALERTS, MANIFEST_MAX_EMAILS,
	       MANIFEST_MAX_ROLES, MANIFEST_MAX_THRESHOLD, MANIFEST_MAX_BUDGET_USD, USER_TAGS_MAX);
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		printf("%s\"%s\"", i ? ", " : "", rules[i].name);
	printf("]}\n");
}

static int unhex(const char *hex, char *out, size_t cap)
{
	size_t n = strlen(hex), o = 0;

	if (n % 2 || n / 2 >= cap)
		return -1;
	for (size_t i = 0; i < n; i += 2) {
		char byte[3] = { hex[i], hex[i + 1], 0 };
		out[o++] = (char)strtol(byte, NULL, 16);
	}
	out[o] = '\0';
	return 0;
}

int main(int argc, char **argv)
{
	static char line[65536], value[32768];

	if (argc > 1 && !strcmp(argv[1], "--limits")) {
		limits();
		return 0;
	}
	while (fgets(line, sizeof(line), stdin)) {
		char *sp = strchr(line, ' ');
		const char *verdict = "?";
		line[strcspn(line, "\n")] = '\0';
		if (sp) {
			*sp = '\0';
			if (unhex(sp + 1, value, sizeof(value)) == 0)
				for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
					if (!strcmp(rules[i].name, line))
						verdict = rules[i].rule(value) ? "0" : "1";
		}
		printf("%s\n", verdict);
	}
	return 0;
}
