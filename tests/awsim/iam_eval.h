/* A minimal IAM policy evaluator for identity-based policies: what bedrock-tenantd
 * writes into role policies and what Budgets actions attach. Explicit Deny wins,
 * otherwise an Allow is needed. Statements match on Action / NotAction (case-
 * insensitive, wildcards '*' and '?'), Resource / NotResource (case-sensitive,
 * wildcards) and Condition with the operators StringEquals, StringNotEquals,
 * StringLike, StringNotLike, ArnEquals, ArnLike, ArnNotEquals, ArnNotLike (each
 * with ...IfExists). Any other operator makes its statement not apply. Pure: no
 * awsim state. */
#ifndef AWSIM_IAM_EVAL_H
#define AWSIM_IAM_EVAL_H

#include <stdbool.h>
#include <stddef.h>

enum iam_decision { IAM_IMPLICIT_DENY, IAM_ALLOW, IAM_EXPLICIT_DENY };

struct iam_request {
	const char *action;			 /* "bedrock:InvokeModel" */
	const char *resource;			 /* an ARN */
	const char *const *keys, *const *values; /* condition context */
	size_t n_keys;
};

/* iam_wildcard: whether s matches pattern ('*' any run, '?' one character). */
bool iam_wildcard(const char *pattern, const char *s, bool ignore_case);
/* iam_evaluate: the decision of the policy documents docs[0..n) (JSON text; a
 * document that does not parse grants nothing) for rq. */
enum iam_decision iam_evaluate(const char *const *docs, size_t n, const struct iam_request *rq);

#endif
