/* The field patterns of the AWS service models, compiled once.
 *
 * Each PAT_* names one pattern of the service models in reference/models/. Character-class patterns
 * ("[a-zA-Z0-9_.-]*" and the like) are tables of allowed bytes; structured ones are POSIX
 * extended regular expressions translated by hand from the models' Java syntax
 * (each beside its original in patterns.c). Bytes >= 0x80 pass the classes that
 * the model writes with \p{L} (letters of any script). struct patterns owns the
 * compiled expressions. */
#ifndef AWSIM_PATTERNS_H
#define AWSIM_PATTERNS_H

#include <regex.h>
#include <stdbool.h>

enum pattern {
	PAT_NONE = 0,
	/* Bedrock */
	PAT_BR_NAME,
	PAT_BR_DESCRIPTION,
	PAT_BR_TOKEN,
	PAT_BR_COPY_FROM,
	PAT_BR_PROFILE_IDENT,
	PAT_BR_TAG,
	PAT_BR_TAGGABLE_ARN,
	PAT_BR_MODEL_IDENT,
	PAT_BR_PROVIDER,
	PAT_NO_SPACE,
	/* SSM */
	PAT_SSM_NAME_CHARS,
	PAT_SSM_TAG,
	PAT_SSM_KEY_ID,
	/* Budgets */
	PAT_BUDGET_ACCOUNT,
	PAT_BUDGET_NUMERIC,
	/* IAM and STS */
	PAT_IAM_NAME,	      /* [\w+=,.@-]+ role and policy names, session names */
	PAT_IAM_POLICY_CHARS, /* [\u0009\u000A\u000D\u0020-\u00FF]+ */
	PAT_IAM_DESCRIPTION,
	PAT_IAM_TAG,
	PAT_IAM_PATH,
	PAT_IAM_PATH_PREFIX,
	PAT_STS_EXTERNAL_ID,
	PAT_STS_ROLE_ARN,
	PAT_COUNT,
};

struct patterns {
	regex_t re[PAT_COUNT];
	bool compiled[PAT_COUNT];
	bool chars[PAT_COUNT][256];
	bool is_class[PAT_COUNT];
	const char *text[PAT_COUNT]; /* the model's spelling, for error messages */
};

/* patterns_init: compiles every pattern; -EINVAL names a bug in the table. */
int patterns_init(struct patterns *p);
void patterns_release(struct patterns *p);
/* pattern_match: s matches pattern id completely. PAT_NONE matches everything. */
bool pattern_match(const struct patterns *p, enum pattern id, const char *s);

#endif
