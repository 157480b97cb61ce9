/* The lexical rules of every name and value an operator writes, by AWS's own patterns
 * (reference/aws-wire.md) and the manifest schema's.
 *
 * Each rule_* returns NULL when the string is acceptable, or a static message saying
 * what was expected, for the caller to place at the right line and column. */
#ifndef BTD_RULES_H
#define BTD_RULES_H

#include <stdbool.h>
#include <stddef.h>

/* Lengths from the AWS service models. */
#define RULE_TAG_KEY_MAX       128
#define RULE_TAG_VALUE_MAX     256
#define RULE_PROFILE_NAME_MAX  64   /* Bedrock inferenceProfileName */
#define RULE_DESCRIPTION_MAX   200  /* Bedrock InferenceProfileDescription */
#define RULE_ROLE_NAME_MAX     64   /* IAM roleNameType */
#define RULE_POLICY_NAME_MAX   128  /* IAM policyNameType */
#define RULE_BUDGET_NAME_MAX   100  /* Budgets BudgetName */
#define RULE_PARAMETER_MAX     1011 /* SSM parameter name, user characters */
#define RULE_PARAMETER_LEVELS  15
#define RULE_EMAIL_MAX	       254
#define RULE_SNS_TOPIC_MAX     256
#define RULE_EXTERNAL_ID_MAX   1224
#define RULE_REGION_MAX	       20
#define RULE_DEPARTMENT_MAX    64
#define RULE_INSTANCE_MAX      64
#define RULE_ACCOUNT_ALIAS_MAX 32
#define RULE_URL_MAX	       2048
#define RULE_MODEL_PATTERN_MAX 256
#define RULE_GROUP_MAX	       32

/* Manifest schema. */
const char *rule_tenant_id(const char *s);
const char *rule_profile_key(const char *s);
/* department, project: 1-64 of [A-Za-z0-9_.-], starting with a letter or digit. */
const char *rule_department(const char *s);
const char *rule_account_alias(const char *s);

/* AWS. */
const char *rule_tag_key(const char *s);
const char *rule_tag_value(const char *s);
const char *rule_account_id(const char *s);
const char *rule_region(const char *s);
const char *rule_partition(const char *s, size_t len);
const char *rule_email(const char *s);
const char *rule_sns_topic_arn(const char *s);
const char *rule_iam_role_name(const char *s);
const char *rule_iam_policy_name(const char *s);
/* rule_iam_role_arn: arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME; *ret_account points
 * at the 12 digits inside s. */
const char *rule_iam_role_arn(const char *s, const char **ret_account);
const char *rule_external_id(const char *s);
const char *rule_profile_name(const char *s);
const char *rule_profile_description(const char *s);
const char *rule_ssm_parameter(const char *s);
const char *rule_budget_name(const char *s);

/* Daemon configuration. */
const char *rule_instance(const char *s);
const char *rule_url(const char *s);
const char *rule_model_pattern(const char *s);
const char *rule_unix_group(const char *s);

/* rule_has_prefix_ci: s starts with prefix, ASCII case-insensitively. */
bool rule_has_prefix_ci(const char *s, const char *prefix);

#endif
