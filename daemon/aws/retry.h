/* The retry policy, in one place: which answers are retried (classification), how
 * long to wait before the next attempt (full-jitter exponential backoff honouring
 * Retry-After hints), how many attempts a call gets, and the retry quota that keeps
 * a failing service from multiplying the load (the AWS SDKs' "standard" token
 * bucket). Pure: time and randomness come in as arguments. */
#ifndef BTD_RETRY_H
#define BTD_RETRY_H

#include <stdbool.h>
#include <stdint.h>

#include "aws_error.h"

struct retry_policy {
	unsigned max_attempts;		/* per call, the first included (default 5) */
	unsigned conflict_max_attempts; /* Bedrock ConflictException (default 3) */
	unsigned paced_max_attempts;	/* throttled calls behind an operation's limit (10) */
	uint64_t base_ms;		/* transient errors: rand * min(base * 2^(n-1), cap) (100) */
	uint64_t throttle_base_ms;	/* throttling errors (1000) */
	uint64_t max_backoff_ms;	/* the cap (20000) */
	uint64_t max_retry_after_ms;	/* longest Retry-After hint honoured (60000) */
	unsigned quota;			/* retry quota capacity in tokens (500) */
	unsigned cost;			/* tokens per retry of a transient error (10) */
	unsigned throttle_cost;		/* tokens per retry of a throttled call (5) */
};

void retry_policy_default(struct retry_policy *p);

/* retry_classify: the class of an AWS error answer. Throttling: the SDKs' throttling
 * codes and any HTTP 429. Retryable: HTTP 500/502/503/504, the transient and
 * internal-error codes, SSM TooManyUpdates, IAM ConcurrentModification, Bedrock
 * ConflictException (with fewer attempts), expired temporary credentials (after a
 * refresh). Everything else is terminal. code may be NULL or "". */
enum aws_error_class retry_classify(int http_status, const char *code);
/* retry_classify_transport: the class of a call that got no HTTP answer (status is
 * the -errno of the transport): timeouts and connection errors are retryable. */
enum aws_error_class retry_classify_transport(int status);
/* retry_refreshes_credentials: expired credentials, or a session token the service
 * does not recognize (UnrecognizedClientException, InvalidClientTokenId): worth new
 * credentials from their provider and one more attempt; without a provider, the
 * error stands as classified (terminal for the second kind). */
bool retry_refreshes_credentials(const char *code);
/* retry_max_attempts: the attempt limit for an error with this code. */
unsigned retry_max_attempts(const struct retry_policy *p, const char *code);

/* retry_backoff_ms: the delay before attempt `failed + 1`, after `failed` attempts
 * (>= 1) ended in an error of class c. rnd in [0, 1) supplies the jitter. hint_ms is
 * the server's Retry-After (0 when none): the delay is at least min(hint, cap). */
uint64_t retry_backoff_ms(const struct retry_policy *p, unsigned failed, enum aws_error_class c, uint64_t hint_ms,
			  double rnd);

/* The retry quota. A retry takes its cost; a call that succeeds gives back what it
 * took, or one token when it needed no retry. With too few tokens, no retry. */
struct retry_quota {
	unsigned tokens;
	unsigned max;
	uint64_t exhausted; /* retries refused for lack of tokens */
};

void retry_quota_init(struct retry_quota *q, unsigned max);
/* retry_quota_take: the tokens taken (> 0), or -ENOBUFS when too few are left. */
int retry_quota_take(struct retry_quota *q, const struct retry_policy *p, enum aws_error_class c);
/* retry_quota_success: a call succeeded after taking `taken` tokens in all. */
void retry_quota_success(struct retry_quota *q, unsigned taken);

#endif
