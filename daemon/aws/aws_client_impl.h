/* Internals shared by aws_client.c (lifecycle, accounts, buckets, counters) and
 * aws_call.c (the per-call state machine). Not for use outside daemon/aws/. */
#ifndef BTD_AWS_CLIENT_IMPL_H
#define BTD_AWS_CLIENT_IMPL_H

#include <stdbool.h>

#include "aws_client.h"
#include "aws_endpoint.h"
#include "aws_list.h"
#include "hashmap.h"
#include "creds_chain.h"

/* The states of a call (aws_call.c). */
enum call_state {
	CALL_WAIT_CREDS,
	CALL_WAIT_RATE,
	CALL_IN_FLIGHT,
	CALL_BACKOFF,
	CALL_DONE,
};

struct account {
	struct list_node link;
	char *alias;
	struct creds_source *creds;
};

/* The bucket of one operation within a struct bucket (aws_op_limit). */
struct op_bucket {
	const char *operation; /* the client's copy */
	struct ratelimit rl;
	unsigned n_waiting; /* of the bucket's waiters, this operation's */
};

/* One rate bucket per (account, region, service), created on first use, with one
 * op_bucket per operation limit of its service. Its waiters are in one queue: a call
 * whose operation's bucket is empty lets the ones behind it go (aws_bucket_pump). */
struct bucket {
	struct list_node link; /* aws_client.buckets */
	struct aws_client *client;
	char *key; /* aws_client.bucket_map's: region, service and account (bucket_key) */
	char *account;
	char *region;
	enum aws_service service;
	struct ratelimit rl;
	struct op_bucket *ops; /* of this service's operation limits */
	size_t n_ops;
	struct lane_queue waiters; /* struct aws_call.wait_link: priority calls first */
	unsigned n_waiting;
	uv_timer_t timer;
	uint64_t due_ms; /* when the timer fires, while it is active */
	/* Of note (a status names it): calls wait in it, or it or one of its operations
	 * was ever throttled (a limiter's rate falls below its ceiling only on a
	 * throttle); such a bucket is on aws_client.noted (aws_bucket_note). */
	bool throttled;
	bool noted;
	struct list_node note_link; /* aws_client.noted, while noted */
};

/* How far a request's signing time may be from AWS's clock: AWS refuses one 5 minutes
 * off (InvalidSignatureException "Signature expired", RequestTimeTooSkewed). */
#define AWS_CLOCK_SKEW_MS (5 * 60 * 1000)

struct aws_client {
	uv_loop_t *loop;
	struct http_client *http;
	struct aws_endpoint_config endpoints;
	char *region;
	struct retry_policy retry;
	struct retry_quota quota;
	struct ratelimit_config ratelimit;
	double max_rate[AWS_SERVICE_COUNT];
	double burst[AWS_SERVICE_COUNT];
	struct aws_op_limit *op_limits; /* operation names owned */
	size_t n_op_limits;
	unsigned timeout_ms;
	int64_t refresh_margin_ms;
	char *user_agent;

	struct creds_source *default_creds;
	char *creds_origin;
	struct list_node accounts; /* struct account */
	struct list_node buckets;  /* struct bucket */
	struct hashmap bucket_map; /* struct bucket by its key: the lookup of every call */
	struct list_node noted;	   /* struct bucket of note, by note_link */
	size_t n_limiters;	   /* the buckets' limiters: one each, one per operation */
	struct list_node calls;	   /* struct aws_call not yet finished */
	struct list_node zombies;  /* canceled calls whose HTTP answer is still due */
	struct list_node waits;	   /* struct aws_wait not yet ended (aws_client_wait) */

	int64_t (*wall_ms)(void *arg);
	double (*random)(void *arg);
	void *hooks_arg;
	uint64_t prng; /* state of the default random() */
	void (*event_cb)(void *arg, const struct aws_event *ev);
	void *event_arg;

	struct aws_service_stats service_stats[AWS_SERVICE_COUNT];
	unsigned n_state[CALL_DONE + 1]; /* calls per enum call_state */
	/* aws_stats.c; the extra slots hold each service's AWS_STATS_OTHER */
	struct aws_op_stats ops[AWS_STATS_MAX_OPS + AWS_SERVICE_COUNT];
	size_t n_ops;
	struct aws_code_stats codes[AWS_STATS_MAX_CODES + AWS_SERVICE_COUNT];
	size_t n_codes;

	char request_id[128];	 /* of the answer whose callback runs now ("" otherwise) */
	int64_t clock_offset_ms; /* aws_stats.clock_offset_ms (aws_call.c, note_clock) */

	bool closing;
	unsigned pending_closes; /* uv handles (and the HTTP client) still closing */
	void (*close_cb)(void *arg);
	void *close_arg;
};

/* aws_client.c */
struct bucket *aws_client_bucket(struct aws_client *c, const char *account, const char *region, enum aws_service s);
/* aws_bucket_op: the bucket of this operation in b, or NULL when it has no limit. */
struct op_bucket *aws_bucket_op(struct bucket *b, const char *operation);
/* aws_bucket_arm: starts the bucket's timer, or moves it earlier; when it fires,
 * aws_bucket_pump(). */
void aws_bucket_arm(struct bucket *b, uint64_t wait_ms);
/* aws_bucket_note: puts b on the client's list of buckets of note, or takes it off,
 * after its waiters or throttled changed. */
void aws_bucket_note(struct bucket *b);
void aws_client_handle_closed(struct aws_client *c);
void aws_client_emit(struct aws_client *c, const struct aws_event *ev);
uint64_t aws_client_now_ms(struct aws_client *c); /* monotonic, for the buckets */
int64_t aws_client_wall_ms(struct aws_client *c); /* epoch, through the test hook */
double aws_client_random(struct aws_client *c);	  /* [0, 1), through the test hook */

/* aws_call.c */
const char *aws_call_state_name(unsigned state);
/* aws_call_start: priority and order as struct aws_target's. */
int aws_call_start(struct aws_client *c, const char *account, const char *region, struct creds_source *creds,
		   bool priority, uint64_t order, struct aws_request *req, aws_call_cb cb, void *arg);
/* aws_call_cancel_all: ends every pending call with -ECANCELED (closing). */
void aws_call_cancel_all(struct aws_client *c);
/* aws_bucket_pump: hands tokens to the bucket's waiters (its timer fired). */
void aws_bucket_pump(struct bucket *b);

/* aws_stats.c: record one attempt's latency, and its error when it failed. */
void aws_stats__latency(struct aws_client *c, enum aws_service s, const char *operation, double seconds);
void aws_stats__error(struct aws_client *c, enum aws_service s, const struct aws_error *err);

/* creds_http.c: providers that ask an HTTP endpoint (IMDS, container). */
struct creds_provider *creds_imds_new(struct http_client *http, const struct creds_plan *plan);
struct creds_provider *creds_container_new(struct http_client *http, const struct creds_plan *plan);
/* creds_sts.c: providers that ask STS. base is owned when own_base. */
struct creds_provider *creds_assume_role_new(struct aws_client *c, const char *account, struct creds_source *base,
					     bool own_base, const char *role_arn, const char *session_name,
					     const char *external_id, int duration_s);
struct creds_provider *creds_web_identity_new(struct aws_client *c, const struct creds_plan *plan);
/* creds_process.c: credential_process, run with uv_spawn. */
struct creds_provider *creds_process_new(struct aws_client *c, const struct creds_plan *plan);
/* creds_sso.c: IAM Identity Center, the SSO portal's GetRoleCredentials. */
struct creds_provider *creds_sso_new(struct aws_client *c, const struct creds_plan *plan);

#endif
