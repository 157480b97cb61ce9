/* Model references: what a profile's `model:` may name, and its normal form.
 *
 * Four forms (state/model.h enum model_ref_kind): a foundation-model id
 * (anthropic.claude-3-5-haiku-20241022-v1:0), its ARN
 * (arn:aws:bedrock:us-east-1::foundation-model/...), a system-defined inference profile
 * id (us.anthropic....: a geography prefix, then a foundation-model id), or its ARN
 * (arn:aws:bedrock:us-east-1:111122223333:inference-profile/...). The normal form is
 * the resource type and the bare id, so an id and the ARN of the same model are the
 * same model. */
#ifndef BTD_MODELREF_H
#define BTD_MODELREF_H

#include <stdbool.h>

#include "model.h"
#include "rules.h"
#include "strbuf.h"

#define MODELREF_ID_MAX 64 /* Bedrock inferenceProfileId; foundation-model ids are shorter */

struct modelref {
	enum model_ref_kind kind;
	char partition[16];		  /* "" unless written as an ARN */
	char region[RULE_REGION_MAX + 1]; /* "" unless written as an ARN */
	char account[13];		  /* "" unless a system profile ARN */
	const char *id;			  /* the bare id; points into the parsed string */
};

/* modelref_parse: NULL and *ret filled, or a message saying what was expected. */
const char *modelref_parse(const char *s, struct modelref *ret);
/* modelref_resource: "foundation-model" or "inference-profile". */
const char *modelref_resource(enum model_ref_kind kind);
bool modelref_is_system_profile(enum model_ref_kind kind);
/* modelref_partition: the partition of a Region (cn-* -> aws-cn, us-gov-* -> aws-us-gov). */
const char *modelref_partition(const char *region);
/* modelref_source_arn: the copyFrom ARN for a model id in region (and account, needed
 * for a system profile). Returns -EINVAL when a system profile has no account. */
int modelref_source_arn(enum model_ref_kind kind, const char *id, const char *region, const char *account_id,
			struct strbuf *out);

#endif
