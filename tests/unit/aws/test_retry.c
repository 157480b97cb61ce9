/* retry: classification, full-jitter backoff with a fake random source, Retry-After,
 * attempt limits, and the retry quota. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "retry.h"

static void test_classify(void **state)
{
	static const char *const throttling[] = { "Throttling",
						  "ThrottlingException",
						  "ThrottledException",
						  "TooManyRequestsException",
						  "RequestLimitExceeded",
						  "LimitExceededException",
						  "SlowDown" };
	static const char *const retryable[] = { "TooManyUpdates",	  "ConcurrentModification",
						 "ConflictException",	  "InternalServerException",
						 "ServiceFailure",	  "RequestTimeout",
						 "IDPCommunicationError", "ExpiredToken" };
	static const char *const terminal[] = { "ValidationException",
						"AccessDeniedException",
						"NoSuchEntity",
						"LimitExceeded",
						"ServiceQuotaExceededException",
						"ParameterNotFound",
						"DuplicateRecordException",
						"" };

	for (size_t i = 0; i < sizeof(throttling) / sizeof(*throttling); i++)
		assert_int_equal(retry_classify(400, throttling[i]), AWS_ERROR_THROTTLING);
	for (size_t i = 0; i < sizeof(retryable) / sizeof(*retryable); i++)
		assert_int_equal(retry_classify(400, retryable[i]), AWS_ERROR_RETRYABLE);
	for (size_t i = 0; i < sizeof(terminal) / sizeof(*terminal); i++)
		assert_int_equal(retry_classify(400, terminal[i]), AWS_ERROR_TERMINAL);
	assert_int_equal(retry_classify(429, "Anything"), AWS_ERROR_THROTTLING);
	assert_int_equal(retry_classify(500, NULL), AWS_ERROR_RETRYABLE);
	assert_int_equal(retry_classify(502, ""), AWS_ERROR_RETRYABLE);
	assert_int_equal(retry_classify(503, ""), AWS_ERROR_RETRYABLE);
	assert_int_equal(retry_classify(504, ""), AWS_ERROR_RETRYABLE);
	assert_int_equal(retry_classify(501, ""), AWS_ERROR_TERMINAL);
	assert_int_equal(retry_classify(404, NULL), AWS_ERROR_TERMINAL);

	assert_int_equal(retry_classify_transport(-ETIMEDOUT), AWS_ERROR_RETRYABLE);
	assert_int_equal(retry_classify_transport(-ECONNRESET), AWS_ERROR_RETRYABLE);
	assert_int_equal(retry_classify_transport(-ECONNREFUSED), AWS_ERROR_RETRYABLE);
	assert_int_equal(retry_classify_transport(-EHOSTUNREACH), AWS_ERROR_RETRYABLE);
	assert_int_equal(retry_classify_transport(-EPROTO), AWS_ERROR_TERMINAL);
	/* an answer over the size limit is no answer of AWS: tried again, as a lost one */
	assert_int_equal(retry_classify_transport(-EMSGSIZE), AWS_ERROR_RETRYABLE);
	assert_int_equal(retry_classify_transport(-EBADMSG), AWS_ERROR_RETRYABLE);
	assert_int_equal(retry_classify_transport(-ECANCELED), AWS_ERROR_TERMINAL);

	assert_true(retry_refreshes_credentials("ExpiredTokenException"));
	assert_true(retry_refreshes_credentials("UnrecognizedClientException"));
	assert_true(retry_refreshes_credentials("InvalidClientTokenId"));
	assert_false(retry_refreshes_credentials("AccessDenied"));
	assert_false(retry_refreshes_credentials(NULL));
}

static void test_backoff(void **state)
{
	struct retry_policy p;

	retry_policy_default(&p);
	/* transient: rand * min(100 * 2^(n-1), 20000) */
	assert_int_equal(retry_backoff_ms(&p, 1, AWS_ERROR_RETRYABLE, 0, 0.5), 50);
	assert_int_equal(retry_backoff_ms(&p, 2, AWS_ERROR_RETRYABLE, 0, 0.5), 100);
	assert_int_equal(retry_backoff_ms(&p, 4, AWS_ERROR_RETRYABLE, 0, 0.5), 400);
	assert_int_equal(retry_backoff_ms(&p, 30, AWS_ERROR_RETRYABLE, 0, 0.5), 10000);
	assert_int_equal(retry_backoff_ms(&p, 3, AWS_ERROR_RETRYABLE, 0, 0.0), 0);
	/* throttling: base 1 s */
	assert_int_equal(retry_backoff_ms(&p, 1, AWS_ERROR_THROTTLING, 0, 0.25), 250);
	assert_int_equal(retry_backoff_ms(&p, 3, AWS_ERROR_THROTTLING, 0, 0.25), 1000);
	assert_int_equal(retry_backoff_ms(&p, 10, AWS_ERROR_THROTTLING, 0, 0.999), 19980);
	/* random outside [0, 1) is clamped */
	assert_true(retry_backoff_ms(&p, 10, AWS_ERROR_THROTTLING, 0, 7.0) < 20000);
	/* Retry-After is a floor, capped */
	assert_int_equal(retry_backoff_ms(&p, 1, AWS_ERROR_THROTTLING, 3000, 0.25), 3000);
	assert_int_equal(retry_backoff_ms(&p, 1, AWS_ERROR_THROTTLING, 10, 0.25), 250);
	assert_int_equal(retry_backoff_ms(&p, 1, AWS_ERROR_THROTTLING, 3600000, 0.0), 60000);
}

static void test_attempts(void **state)
{
	struct retry_policy p;

	retry_policy_default(&p);
	assert_int_equal(retry_max_attempts(&p, "ThrottlingException"), 5);
	assert_int_equal(retry_max_attempts(&p, "ConflictException"), 3);
	assert_int_equal(retry_max_attempts(&p, NULL), 5);
	p.max_attempts = 2;
	assert_int_equal(retry_max_attempts(&p, "ConflictException"), 2);
}

static void test_quota(void **state)
{
	struct retry_policy p;
	struct retry_quota q;
	int taken = 0, n = 0;

	retry_policy_default(&p);
	retry_quota_init(&q, 30);
	assert_int_equal(retry_quota_take(&q, &p, AWS_ERROR_RETRYABLE), 10);
	assert_int_equal(retry_quota_take(&q, &p, AWS_ERROR_THROTTLING), 5);
	assert_int_equal(q.tokens, 15);
	retry_quota_success(&q, 15); /* a call that retried gives back what it took */
	assert_int_equal(q.tokens, 30);
	retry_quota_success(&q, 0); /* capped at max */
	assert_int_equal(q.tokens, 30);
	while ((taken = retry_quota_take(&q, &p, AWS_ERROR_RETRYABLE)) > 0)
		n++;
	assert_int_equal(n, 3);
	assert_int_equal(taken, -ENOBUFS);
	assert_int_equal(q.exhausted, 1);
	retry_quota_success(&q, 0); /* a success without retry refunds one token */
	assert_int_equal(q.tokens, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_attempts),
		cmocka_unit_test(test_quota),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
