#include "retry.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

void retry_policy_default(struct retry_policy *p)
{
	p->max_attempts = 5;
	p->conflict_max_attempts = 3;
	p->paced_max_attempts = 10;
	p->base_ms = 100;
	p->throttle_base_ms = 1000;
	p->max_backoff_ms = 20000;
	p->max_retry_after_ms = 60000;
	p->quota = 500;
	p->cost = 10;
	p->throttle_cost = 5;
}

/* botocore ThrottledRetryableChecker and the JS SDK's THROTTLING_ERROR_CODES, plus
 * Budgets/Bedrock/SSM ThrottlingException, Tagging ThrottledException, IAM Throttling. */
static const char *const throttling_codes[] = {
	"Throttling",
	"ThrottlingException",
	"ThrottledException",
	"RequestThrottledException",
	"TooManyRequestsException",
	"ProvisionedThroughputExceededException",
	"TransactionInProgressException",
	"RequestLimitExceeded",
	"BandwidthLimitExceeded",
	"LimitExceededException",
	"RequestThrottled",
	"SlowDown",
	"PriorRequestNotComplete",
	"EC2ThrottledException",
};

/* Transient: the SDKs' transient codes, each service's internal-error code (they come
 * with a 5xx, but are matched by name too in case a proxy rewrote the status), and
 * the service-specific concurrency conflicts the SDKs leave to the caller. */
static const char *const transient_codes[] = {
	"RequestTimeout",
	"RequestTimeoutException",
	"InternalServerException",  /* Bedrock */
	"InternalErrorException",   /* Budgets */
	"InternalServerError",	    /* SSM */
	"InternalServiceException", /* Tagging */
	"ServiceFailure",	    /* IAM */
	"InternalFailure",
	"ServiceUnavailable",
	"ServiceUnavailableException",
	"IDPCommunicationError",	   /* STS web identity */
	"TooManyUpdates",		   /* SSM: a concurrent update of the parameter */
	"ConcurrentModification",	   /* IAM */
	"ConcurrentModificationException", /* Budgets, Tagging */
	"ConflictException",		   /* Bedrock: a concurrent operation (limited attempts) */
};

/* Temporary credentials that aged out while a call was queued or in flight. */
static const char *const expired_codes[] = {
	"ExpiredToken",
	"ExpiredTokenException",
	"RequestExpired",
};

/* A session token the service does not recognize: a session revoked, or issued by an
 * endpoint the service no longer trusts. New credentials from the provider that
 * issued it may be accepted; static keys it names are refused for good. */
static const char *const rejected_session_codes[] = {
	"UnrecognizedClientException",
	"InvalidClientTokenId",
};

static bool in(const char *code, const char *const *list, size_t n)
{
	if (!code || !*code)
		return false;
	for (size_t i = 0; i < n; i++)
		if (strcmp(code, list[i]) == 0)
			return true;
	return false;
}

#define IN(code, list) in(code, list, sizeof(list) / sizeof(list[0]))

enum aws_error_class retry_classify(int http_status, const char *code)
{
	if (http_status == 429 || IN(code, throttling_codes))
		return AWS_ERROR_THROTTLING;
	if (IN(code, transient_codes) || IN(code, expired_codes))
		return AWS_ERROR_RETRYABLE;
	switch (http_status) {
	case 500:
	case 502:
	case 503:
	case 504:
		return AWS_ERROR_RETRYABLE;
	default:
		return AWS_ERROR_TERMINAL;
	}
}

enum aws_error_class retry_classify_transport(int status)
{
	switch (status) {
	case -ETIMEDOUT:
	case -ECONNRESET:
	case -ECONNREFUSED:
	case -ECONNABORTED:
	case -EPIPE:
	case -EHOSTUNREACH:
	case -ENETUNREACH:
	case -ENETDOWN:
	case -EAGAIN:
	case -EMSGSIZE: /* an answer over max_response_bytes: not AWS's (a proxy's), as a lost one */
	case -EBADMSG:	/* an answer that is not HTTP: likewise */
		return AWS_ERROR_RETRYABLE;
	default:
		return AWS_ERROR_TERMINAL;
	}
}

bool retry_refreshes_credentials(const char *code)
{
	return IN(code, expired_codes) || IN(code, rejected_session_codes);
}

unsigned retry_max_attempts(const struct retry_policy *p, const char *code)
{
	if (code && strcmp(code, "ConflictException") == 0 && p->conflict_max_attempts < p->max_attempts)
		return p->conflict_max_attempts;
	return p->max_attempts;
}

uint64_t retry_backoff_ms(const struct retry_policy *p, unsigned failed, enum aws_error_class c, uint64_t hint_ms,
			  double rnd)
{
	uint64_t base = c == AWS_ERROR_THROTTLING ? p->throttle_base_ms : p->base_ms;
	uint64_t ceiling = base;
	uint64_t delay;

	if (rnd < 0)
		rnd = 0;
	if (rnd >= 1)
		rnd = 0.999999;
	for (unsigned i = 1; i < failed && ceiling < p->max_backoff_ms; i++)
		ceiling *= 2;
	if (ceiling > p->max_backoff_ms)
		ceiling = p->max_backoff_ms;
	delay = (uint64_t)(rnd * (double)ceiling);
	if (hint_ms) {
		if (hint_ms > p->max_retry_after_ms)
			hint_ms = p->max_retry_after_ms;
		if (delay < hint_ms)
			delay = hint_ms;
	}
	return delay;
}

void retry_quota_init(struct retry_quota *q, unsigned max)
{
	q->tokens = max;
	q->max = max;
	q->exhausted = 0;
}

int retry_quota_take(struct retry_quota *q, const struct retry_policy *p, enum aws_error_class c)
{
	unsigned cost = c == AWS_ERROR_THROTTLING ? p->throttle_cost : p->cost;

	if (cost == 0)
		cost = 1;
	if (q->tokens < cost) {
		q->exhausted++;
		return -ENOBUFS;
	}
	q->tokens -= cost;
	return (int)cost;
}

void retry_quota_success(struct retry_quota *q, unsigned taken)
{
	unsigned give = taken ? taken : 1;

	q->tokens = q->max - q->tokens < give ? q->max : q->tokens + give;
}
