/* The AWS client: one per daemon, on the libuv loop. It owns the HTTP client, the
 * credential sources (the default chain and one assumed role per registered account
 * alias), one rate bucket per (account, region, service), the retry quota and the
 * counters. Each call runs through one state machine (aws_call.c): wait for usable
 * credentials, wait for a rate token, sign and send, then either finish or back off
 * and start over.
 *
 * The typed clients (bedrock.h, budgets.h, ssm.h, tagging.h, iam.h, sts.h) are built
 * on aws_client_call(); the engine reaches them through its cloud_ops seam, whose
 * AWS implementation (daemon/cloud_aws.c) calls them directly. Nothing here logs: outcomes travel in return values,
 * struct aws_error, the counters of aws_client_stats() and the optional event callback. */
#ifndef BTD_AWS_CLIENT_H
#define BTD_AWS_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "aws_error.h"
#include "aws_request.h"
#include "aws_service.h"
#include "aws_types.h"
#include "creds.h"
#include "histogram.h"
#include "http_client.h"
#include "ratelimit.h"
#include "retry.h"

struct aws_client;

enum aws_event_type {
	AWS_EVENT_RETRY,	   /* a call will be sent again after delay_ms */
	AWS_EVENT_THROTTLED,	   /* AWS throttled a call; rate is the bucket's rate now */
	AWS_EVENT_CREDS_REFRESHED, /* a credential source fetched new credentials */
	AWS_EVENT_CREDS_FAILED,	   /* a credential source could not */
	AWS_EVENT_CLOCK_SKEW,	   /* an answer's Date moved clock_offset_ms (aws_stats) */
};

/* Everything borrowed for the duration of the event callback. */
struct aws_event {
	enum aws_event_type type;
	enum aws_service service;      /* RETRY, THROTTLED */
	const char *account;	       /* "default" or the alias */
	const char *region;	       /* RETRY, THROTTLED */
	const char *operation;	       /* RETRY, THROTTLED */
	unsigned attempt;	       /* RETRY: attempts made so far */
	uint64_t delay_ms;	       /* RETRY */
	double rate;		       /* THROTTLED: requests per second */
	int64_t expiration_ms;	       /* CREDS_REFRESHED: 0 when they do not expire */
	int64_t clock_offset_ms;       /* CLOCK_SKEW: AWS's clock minus this host's, from now on */
	const struct aws_error *error; /* RETRY, THROTTLED, CREDS_FAILED */
};

/* A bucket of one operation of a service (`rate_limits.<service>.operations`): each
 * (account, Region) has its own, which a call of the operation passes as well as its
 * service's. */
struct aws_op_limit {
	enum aws_service service;
	const char *operation; /* "CreateInferenceProfile" */
	double max_rate;       /* requests per second (> 0) */
	double burst;	       /* tokens (>= 1) */
};

#define AWS_MAX_OP_LIMITS 512

struct aws_client_options {
	const char *region; /* default region; NULL: AWS_REGION, AWS_DEFAULT_REGION, the profile's */
	const char *endpoints[AWS_SERVICE_COUNT]; /* the configuration's overrides, NULL for none */
	double max_rate[AWS_SERVICE_COUNT];	  /* bucket ceiling in requests/s; 0: the default (5) */
	double burst[AWS_SERVICE_COUNT];	  /* bucket capacity in requests; 0: the default (10) */
	const struct aws_op_limit *op_limits;	  /* copied; at most AWS_MAX_OP_LIMITS */
	size_t n_op_limits;
	unsigned max_in_flight;			  /* HTTP requests at once (16) */
	unsigned max_queue;			  /* HTTP requests waiting beyond that (100000) */
	unsigned timeout_ms;			  /* per attempt (30000) */
	unsigned connect_timeout_ms;		  /* (5000) */
	size_t max_response_bytes;		  /* per answer (8 MiB) */
	const struct retry_policy *retry;	  /* NULL: retry_policy_default() */
	const struct ratelimit_config *ratelimit; /* NULL: ratelimit_config_default(); max_rate applies on top */
	unsigned refresh_margin_s;		  /* refresh credentials this long before expiry (300) */
	const char *ca_file;			  /* NULL: the system's CA bundle */
	/* Fixed default credentials instead of the provider chain (copied). */
	const struct aws_credentials *credentials;
	/* Test hooks; NULL for the real thing. */
	const char *(*getenv)(const char *name);
	int64_t (*wall_ms)(void *arg); /* epoch milliseconds: signing dates, credential expiry */
	double (*random)(void *arg);   /* [0, 1): backoff jitter */
	void *hooks_arg;
	void (*event_cb)(void *arg, const struct aws_event *ev);
	void *event_arg;
};

/* aws_client_new: resolves the region, endpoints and the default credential chain
 * (reading the small credential files). On failure returns -errno with err (when
 * not NULL, initialised by the caller) saying why. */
int aws_client_new(uv_loop_t *loop, const struct aws_client_options *opts, struct aws_client **ret,
		   struct aws_error *err);
/* aws_client_add_account: calls for `alias` will use a role assumed with the default
 * credentials (STS AssumeRole, refreshed before expiry). external_id may be NULL.
 * -EEXIST when the alias is taken, -EINVAL when an argument is malformed. */
int aws_client_add_account(struct aws_client *c, const char *alias, const char *role_arn, const char *external_id);
/* aws_client_close: every pending call ends with -ECANCELED (callbacks run inside
 * this call), handles close, the client is freed, then close_cb (may be NULL) runs
 * from the loop. After that the loop has nothing left of the client. */
void aws_client_close(struct aws_client *c, void (*close_cb)(void *arg), void *arg);

/* aws_client_set_turn_budget: the answers' callbacks take their share of each loop
 * turn from `turn` (borrowed; http_client_set_turn_budget). */
struct turn_budget;
void aws_client_set_turn_budget(struct aws_client *c, struct turn_budget *turn);

/* aws_client_region: the default region. Borrowed. */
const char *aws_client_region(const struct aws_client *c);
/* aws_client_credentials_origin: where the default credentials come from
 * ("environment", "profile prod", "container", "imds", ...). Borrowed. */
const char *aws_client_credentials_origin(const struct aws_client *c);
/* aws_client_account_id: the account id the default credentials carry, if the
 * source reported one (container, environment); NULL otherwise. Borrowed. */
const char *aws_client_account_id(const struct aws_client *c);

/* aws_client_aws_time_ms: now by AWS's clock as the answers showed it (epoch ms): this
 * host's clock plus clock_offset_ms (aws_stats). */
int64_t aws_client_aws_time_ms(struct aws_client *c);

/* aws_client_request_id: the AWS request id (x-amzn-RequestId or x-amz-request-id)
 * of the answer whose callback is running now, success or error; "" outside a
 * callback or when the answer had none. Borrowed until the callback returns. A
 * typed client's callback and whatever it calls synchronously see the id of the
 * call that finished (a pager's: its last page). */
const char *aws_client_request_id(const struct aws_client *c);

/* Callbacks shared by the typed clients. Results are borrowed for the callback and
 * NULL on error; err is NULL on success and never NULL on error. */
typedef void (*aws_done_cb)(void *arg, int status, const struct aws_error *err);
typedef void (*aws_tags_cb)(void *arg, int status, const struct aws_error *err, const struct aws_tags *tags);
typedef void (*aws_strv_cb)(void *arg, int status, const struct aws_error *err, const struct aws_strv *v);

/* aws_client_wait: cb(arg, 0, NULL) from the loop after delay_ms: a pause between
 * the calls of an operation that waits for AWS to carry something out (never a
 * blocking sleep). When the client closes first, cb(arg, -ECANCELED, err) runs inside
 * aws_client_close(). Returns -ECANCELED (and the callback never runs) when the
 * client is closing already. */
int aws_client_wait(struct aws_client *c, uint64_t delay_ms, aws_done_cb cb, void *arg);

/* aws_call_cb: status 0 with resp (a 2xx answer, borrowed for the callback, err
 * NULL), or -errno with err (never NULL then) and resp NULL. */
typedef void (*aws_call_cb)(void *arg, int status, const struct aws_error *err, const struct http_response *resp);

/* aws_client_call: sends req to target t. It takes req over whatever it returns (the
 * caller releases nothing). 0: cb runs exactly once, later. -ENOENT
 * (unknown account alias), -EINVAL (bad region), -ECANCELED (closing), -ENOKEY (no
 * credentials and no way to get any): cb never runs. */
int aws_client_call(struct aws_client *c, const struct aws_target *t, struct aws_request *req, aws_call_cb cb,
		    void *arg);
/* aws_client_call_creds: the same, signed with the given source (NULL: unsigned) in
 * region (NULL: the default), counted under account label `account`. For the
 * credential providers' STS calls. */
int aws_client_call_creds(struct aws_client *c, const char *account, const char *region, struct creds_source *creds,
			  struct aws_request *req, aws_call_cb cb, void *arg);

/* Counters. */
struct aws_service_stats {
	uint64_t calls;	    /* calls started */
	uint64_t requests;  /* attempts sent */
	uint64_t succeeded; /* calls that ended well */
	uint64_t failed;    /* calls that ended with an error */
	uint64_t retries;
	uint64_t throttles; /* throttled answers */
	uint64_t timeouts;
	uint64_t transport_errors; /* no HTTP answer */
};

struct aws_bucket_stats {
	char *account;
	char *region;
	enum aws_service service;
	char *operation; /* NULL: the service's bucket */
	double rate;	 /* requests per second now */
	double max_rate;
	uint64_t throttles;
	unsigned waiting;
};

struct aws_creds_stats {
	char *name;   /* "default" or the alias */
	char *origin; /* the provider kind */
	uint64_t refreshes;
	uint64_t failures;
	int64_t expiration_ms; /* 0: none or not expiring */
};

/* Latency and error codes, with bounded label sets: at most AWS_STATS_MAX_OPS
 * operations and AWS_STATS_MAX_CODES error codes are told apart; the rest of a
 * service's count under AWS_STATS_OTHER. */
#define AWS_STATS_MAX_OPS   64
#define AWS_STATS_MAX_CODES 32
#define AWS_STATS_NAME_MAX  64
#define AWS_STATS_OTHER	    "other"

/* The seconds from handing an attempt to the HTTP client to its answer (or failure). */
struct aws_op_stats {
	enum aws_service service;
	char operation[AWS_STATS_NAME_MAX];
	struct histogram latency;
};

/* Error answers (every attempt, retried or not) by code: the AWS error code, or
 * "http_<status>" for an answer without one, "timeout" or "transport" when no
 * answer came. */
struct aws_code_stats {
	enum aws_service service;
	char code[AWS_STATS_NAME_MAX];
	uint64_t n;
};

struct aws_stats {
	struct aws_service_stats service[AWS_SERVICE_COUNT];
	struct aws_op_stats *ops; /* in order of first use */
	size_t n_ops;
	struct aws_code_stats *codes; /* in order of first use */
	size_t n_codes;
	unsigned in_flight;	/* HTTP requests on the wire */
	unsigned queued;	/* HTTP requests waiting for a slot */
	unsigned waiting_creds; /* calls waiting for credentials */
	unsigned waiting_rate;	/* calls waiting for a rate token */
	unsigned backing_off;	/* calls waiting to retry */
	unsigned retry_quota;	/* tokens left */
	unsigned retry_quota_max;
	uint64_t retry_quota_exhausted;
	uint64_t connects; /* new HTTP connections (the rest were reused) */
	/* AWS's clock minus this host's, in ms: 0 unless an answer's Date showed them five
	 * minutes or more apart (AWS refuses a signature that far off); requests are then
	 * signed with the host's clock plus it, as AWS's SDKs correct clock skew */
	int64_t clock_offset_ms;
	struct aws_bucket_stats *buckets;
	size_t n_buckets;
	size_t n_buckets_total; /* every limiter: n_buckets but in a brief snapshot */
	struct aws_creds_stats *creds;
	size_t n_creds;
};

/* aws_client_stats: a snapshot; release it with aws_stats_release(). */
void aws_client_stats(const struct aws_client *c, struct aws_stats *ret);
/* aws_client_stats_brief: what a status shows, for a thousand limiters and more: the
 * counters, only the limiters of note (aws_bucket_of_note), the first max of them,
 * and n_buckets_total counting every one; no latency, error codes or credentials.
 * Release it with aws_stats_release(). */
void aws_client_stats_brief(const struct aws_client *c, size_t max, struct aws_stats *ret);
/* aws_bucket_of_note: a limiter with calls waiting, throttled, or below its ceiling. */
bool aws_bucket_of_note(const struct aws_bucket_stats *b);
/* aws_client_in_flight: HTTP requests on the wire, without a snapshot. */
unsigned aws_client_in_flight(const struct aws_client *c);
void aws_stats_release(struct aws_stats *s);
/* aws_stats_json: the snapshot as a JSON object text (free with free()). */
char *aws_stats_json(const struct aws_stats *s);
/* aws_stats_prometheus: request latency by operation, error answers by code and the
 * credentials' expiry, in the Prometheus text format, appended to out. */
void aws_stats_prometheus(const struct aws_stats *s, struct strbuf *out);

#endif
