/* awsim: a local emulator of the AWS APIs bedrock-tenantd uses.
 *
 * This header is the table of contents: the root struct awsim (one per process,
 * passed explicitly), the emulated state (accounts, regions and their resources),
 * one request being served (struct call), and the prototypes of every .c file,
 * grouped under the file that defines them. The wire facts come from
 * ../shared/reference/aws-wire.md; docs/awsim.md documents the behaviour. */
#ifndef AWSIM_H
#define AWSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <uv.h>

#include "form.h"
#include "http_server.h"
#include "ids.h"
#include "omap.h"
#include "patterns.h"
#include "strbuf.h"

#define AWSIM_DEFAULT_ACCOUNT	"123456789012"
#define AWSIM_DEFAULT_REGION	"us-east-1"
#define AWSIM_GLOBAL_REGION	"us-east-1" /* where Budgets and IAM are signed */
#define AWSIM_DEFAULT_AKID	"AKIAIOSFODNN7EXAMPLE"
#define AWSIM_DEFAULT_SECRET	"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define AWSIM_MAX_REGIONS	16
#define AWSIM_MAX_TAGS		50	   /* per resource, every service */
#define AWSIM_MAX_BODY		(1 << 20)  /* request bodies above get 413, but S3's */
#define AWSIM_MAX_OBJECT	(16 << 20) /* an S3 request's body (PutObject of a log object) at most */
#define AWSIM_CLOCK_SKEW_MS	(5 * 60 * 1000)
#define AWSIM_MAX_NOTIFICATIONS 10
#define AWSIM_MAX_EMAIL_SUBS	10
#define AWSIM_MAX_QUOTA_ARGS	32

/* ---- services and operations (route.c) ---- */

enum service {
	SVC_BEDROCK,
	SVC_BUDGETS,
	SVC_SSM,
	SVC_TAGGING,
	SVC_IAM,
	SVC_STS,
	SVC_SERVICEQUOTAS,
	SVC_BEDROCK_RUNTIME, /* bedrock_runtime.c */
	SVC_S3,		     /* s3.c */
	SVC_CE,		     /* ce.c */
	SVC_SNS,	     /* sns.c */
	SVC_COUNT
};
enum proto { PROTO_REST_JSON, PROTO_JSON, PROTO_QUERY, PROTO_REST_XML /* S3 */ };

struct awsim;
struct call;

struct op {
	const char *name;
	int (*run)(struct call *c); /* 0, or -1 after setting an error on c */
	bool mutating;		    /* changes state (reported by the admin API's call counters) */
	const char *method;	    /* restJson1 binding: "POST" */
	const char *path;	    /* "/inference-profiles" or "/inference-profiles/{}" (one label) */
	int status;		    /* restJson1 success status */
	bool unsigned_ok;	    /* may arrive without a signature (STS web identity) */
};

struct service_def {
	const char *name; /* SigV4 signing name */
	enum proto proto;
	const char *target_prefix; /* awsJson1.1 X-Amz-Target prefix */
	const char *xmlns;	   /* awsQuery namespace */
	const char *version;	   /* awsQuery Version */
	bool global;		   /* Budgets and IAM: state per account, signed for us-east-1 */
	const char *validation;	   /* error code for a bad field */
	const char *throttle;	   /* throttling error code ... */
	int throttle_status;	   /* ... and its status */
	const char *internal;	   /* 500 error code */
};

const struct service_def *service_def(enum service s);
/* service_by_name: the service with signing name name, or -1. */
int service_by_name(const char *name);
const struct op *service_op(enum service s, const char *name);
/* route_request: classifies c->msg (service, protocol, operation, path label);
 * returns 0, or -1 with an error set when the request fits no service. */
int route_request(struct call *c);
/* route_is_s3: the request is signed for S3 (its credential scope names s3). */
bool route_is_s3(const struct http_message *m);

/* ---- state: tags (tags.c) ---- */

struct tag {
	char *key, *value;
};

struct tagset {
	struct tag *v;
	size_t n, alloc;
	bool ever; /* has had a tag at some time (Tagging API "previously tagged") */
};

void tagset_release(struct tagset *t);
const char *tagset_get(const struct tagset *t, const char *key);
void tagset_set(struct tagset *t, const char *key, const char *value);
void tagset_remove(struct tagset *t, const char *key);
/* tagset_count_with: how many tags t would hold after setting keys[0..n). */
size_t tagset_count_with(const struct tagset *t, const char *const *keys, size_t n);
/* tagset_to_json: [{kname: key, vname: value}, ...] */
cJSON *tagset_to_json(const struct tagset *t, const char *kname, const char *vname);
int tagset_from_json(struct tagset *t, const cJSON *arr, const char *kname, const char *vname);

/* ---- state: resources (state.c) ---- */

struct profile {
	char *id, *arn, *name, *description; /* description may be NULL */
	char *source;			     /* copyFrom ARN (application profiles) */
	char **models;			     /* foundation-model ARNs */
	size_t n_models;
	int64_t created_ms, updated_ms;
	int64_t visible_ms;  /* listed from this time on (eventual consistency) */
	int64_t readable_ms; /* found by Get from this time on (read-after-write lag) */
	bool system;
	struct tagset tags;
};

struct parameter {
	char *name, *arn, *type, *value, *description, *key_id, *allowed_pattern, *data_type, *tier;
	int64_t version, modified_ms;
	struct tagset tags;
};

struct notification {
	cJSON *notification; /* the Notification shape as stored */
	cJSON *subscribers;  /* array of Subscriber */
};

struct budget {
	char *name, *arn;
	cJSON *doc; /* the Budget shape as DescribeBudget answers it */
	struct notification *notes;
	size_t n_notes, alloc_notes;
	struct tagset tags;
};

struct role {
	char *name, *path, *id, *arn, *trust, *description;
	int max_session;
	int64_t created_ms;
	struct omap policies; /* policy name -> char * document as sent */
	struct tagset tags;
};

struct region {
	char *name;
	struct omap profiles;	     /* id -> struct profile, application profiles */
	struct omap profile_names;   /* name -> struct profile (borrowed) */
	struct omap tokens;	     /* clientRequestToken -> char * profile ARN */
	struct omap system_profiles; /* id -> struct profile, seeded */
	struct omap params;	     /* name -> struct parameter */
	size_t n_advanced;	     /* parameters of the Advanced tier (the rest are Standard) */
};

struct account {
	char *id;
	struct omap regions; /* name -> struct region, created on first use */
	struct omap budgets; /* name -> struct budget */
	struct omap roles;   /* name -> struct role */
};

/* A credential awsim accepts: configured (static) or issued (temporary). */
struct credential {
	char *akid, *secret;
	char *token; /* session token; NULL for static keys */
	char *account;
	char *arn;	    /* the caller ARN GetCallerIdentity reports */
	char *user_id;	    /* ... and its UserId */
	int64_t expires_ms; /* 0: never */
	char *source;	    /* "static", "AssumeRole", "AssumeRoleWithWebIdentity", "imds", "ecs" */
};

/* An ARN split at its first five colons, the resource at its first '/'. */
struct arn {
	char partition[32], service[32], region[32], account[32], type[64];
	const char *id; /* points into the string given to arn_split */
};

int arn_split(const char *s, struct arn *ret);
struct account *state_account(struct awsim *sim, const char *id);
/* state_region: the region state of acct, created (and seeded) on first use. */
struct region *state_region(struct awsim *sim, struct account *acct, const char *name);
/* state_reset: every account emptied; the default account is recreated. */
void state_reset(struct awsim *sim);
void state_free_accounts(struct omap *accounts);
void profile_free(void *p);
void parameter_free(void *p);
void budget_free(void *p);
void role_free(void *p);
void credential_free(void *p);
void budget_set_arn(struct budget *b, const char *account);

/* ---- the seeded catalogue (catalog.c) ---- */

struct fm_def {
	const char *id, *name, *provider;
	const char *input, *output; /* "TEXT,IMAGE" */
	bool streaming;
};

struct system_profile_def {
	const char *id; /* us.anthropic.claude-3-haiku-20240307-v1:0 */
	const char *name, *description;
	const char *model;   /* foundation-model id */
	const char *regions; /* "us-east-1,us-east-2,us-west-2": where it exists and routes */
};

const struct fm_def *catalog_models(size_t *n);
const struct fm_def *catalog_model(const char *id);
/* catalog_seed_region: adds the system-defined profiles available in region. */
void catalog_seed_region(struct awsim *sim, struct account *acct, struct region *r);

/* ---- faults (faults.c) ---- */

enum fault_kind {
	FAULT_NONE,
	FAULT_THROTTLE,
	FAULT_500,
	FAULT_503,
	FAULT_ERROR,
	FAULT_RESET,
	FAULT_LOST,
	FAULT_REPEAT,
	FAULT_GARBLE
};

struct fault_decision {
	enum fault_kind kind;
	uint64_t latency_ms;
	int status;    /* FAULT_ERROR */
	char code[64]; /* FAULT_ERROR */
	char message[128];
};

struct fault_rule;

struct faults {
	struct fault_rule *rules;
	size_t n;
	int64_t consistency_ms;	     /* new application profiles stay out of List this long */
	int64_t read_after_write_ms; /* ... and out of Get this long */
	int64_t budget_action_ms;    /* a Budgets action's execution, reversal, reset */
	struct prng rng;
	uint64_t seed;
};

void faults_init(struct faults *f, uint64_t seed);
void faults_release(struct faults *f);
/* faults_load_json / faults_load_yaml: replace the plan; on error f is unchanged and
 * *ret_err (owned by the caller) says why. */
int faults_load_json(struct faults *f, const char *text, size_t len, char **ret_err);
int faults_load_yaml(struct faults *f, const char *text, size_t len, char **ret_err);
int faults_load_file(struct faults *f, const char *path, char **ret_err);
cJSON *faults_to_json(const struct faults *f);
/* A request as the plan sees it: service (signing name), operation, the Region it
 * was signed for and the caller's account (borrowed). */
struct fault_request {
	const char *service, *operation, *region, *account;
	const char *path; /* the request's path, still percent-encoded (NULL: none) */
};
void faults_decide(struct faults *f, const struct fault_request *q, uint64_t now_ms, struct fault_decision *ret);

/* ---- one request (call.c: lifecycle, input fields, answers) ---- */

struct call {
	struct awsim *sim;
	const struct http_message *msg;
	bool local;
	/* routing */
	enum service svc;
	enum proto proto;
	const struct op *op;
	char op_name[80]; /* as requested, even when unknown */
	char *label;	  /* restJson1 URI label, decoded once */
	struct form query;
	cJSON *json;	  /* JSON request body (an object) */
	struct form form; /* awsQuery parameters (body and query string) */
	/* the caller, as auth_check found it ... */
	char region[32];
	char akid[132]; /* empty when unsigned */
	char account[16];
	/* ... and bound to the state just before the operation runs (the state may
	 * change while a delayed call waits) */
	const struct credential *cred; /* NULL when unsigned */
	struct account *acct;
	struct region *rs; /* regional services */
	/* the answer */
	char request_id[37];
	int status;
	struct strbuf body;
	const char *content_type;
	char error_code[64]; /* empty on success */
	bool throttled;
	char *hdr_name[8], *hdr_value[8]; /* extra answer headers (call_header) */
	size_t n_hdr;
};

void call_init(struct call *c, struct awsim *sim, const struct http_message *msg, bool local);
void call_release(struct call *c);
/* call_error: sets an error answer in c's protocol; returns -1 for `return`. */
int call_error(struct call *c, int status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* call_error_extra: as call_error, with extra members for JSON protocols (owned). */
int call_error_extra(struct call *c, int status, const char *code, cJSON *extra, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* call_invalid: the service's validation error, AWS wording, naming field. */
int call_invalid(struct call *c, const char *field, const char *value, const char *constraint);
int call_throttle(struct call *c);
/* call_json: a JSON answer (takes out) with the status of the operation. */
int call_json(struct call *c, cJSON *out);
/* awsQuery answers: call_xml_begin writes <OpResponse><OpResult> (without Result
 * when has_result is false); call_xml_end closes and adds the request id. */
void call_xml_begin(struct call *c, bool has_result);
void call_xml_end(struct call *c, bool has_result);
void xml_elem(struct strbuf *sb, const char *name, const char *text);
void xml_escape(struct strbuf *sb, const char *text);
/* call_header: an extra header on the answer (at most 8; more are dropped). */
void call_header(struct call *c, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Request fields. Each returns 0 or -1 after setting the service's error. A missing
 * optional field leaves *ret NULL (or *present false). Lengths count characters. */
struct strspec {
	bool required;
	size_t min, max;
	enum pattern pat;
};
int in_str(struct call *c, const cJSON *obj, const char *name, const struct strspec *spec, const char **ret);
/* in_enum: a string member that must be one of set (NULL-terminated). */
int in_enum(struct call *c, const cJSON *obj, const char *name, bool required, const char *const *set,
	    const char **ret);
int in_int(struct call *c, const cJSON *obj, const char *name, long long min, long long max, long long *ret,
	   bool *present);
int in_bool(struct call *c, const cJSON *obj, const char *name, bool *ret);
int in_array(struct call *c, const cJSON *obj, const char *name, bool required, size_t min, size_t max,
	     const cJSON **ret);
int in_object(struct call *c, const cJSON *obj, const char *name, bool required, const cJSON **ret);
int q_str(struct call *c, const char *name, const struct strspec *spec, const char **ret);
/* check_value: s against spec (length and pattern), naming field name. */
int check_value(struct call *c, const char *name, const char *s, const struct strspec *spec);
/* check_label: the restJson1 URI label against spec. */
int check_label(struct call *c, const char *name, const struct strspec *spec);
/* query_int: v as an integer in [min, max]. */
int query_int(struct call *c, const char *name, const char *v, long long min, long long max, long long *ret);
/* Pagination tokens name the kind of listing and the last key returned; a token of
 * another kind or not made by awsim gets the service's invalid-token error. */
void page_token_encode(const char *kind, const char *last, struct strbuf *out);
int page_token_decode(struct call *c, const char *token, const char *kind, struct strbuf *last);
int q_int(struct call *c, const char *name, long long min, long long max, long long *ret, bool *present);
size_t utf8_chars(const char *s);

/* ---- signatures and credentials (auth.c) ---- */

void auth_add_static(struct awsim *sim, const char *akid, const char *secret, const char *account);
/* auth_issue: new temporary credentials for arn in account, valid ttl_s seconds. */
const struct credential *auth_issue(struct awsim *sim, const char *account, const char *arn, const char *user_id,
				    int64_t ttl_s, const char *source);
/* auth_check: verifies c's signature and sets c->akid, c->account, c->region (and
 * binds c to them); -1 with the protocol's error set when it fails. */
int auth_check(struct call *c);
/* auth_bind: resolves c->cred, c->acct and c->rs from the names auth_check kept;
 * -1 with an error when the credential has gone meanwhile. */
int auth_bind(struct call *c);
void auth_purge_expired(struct awsim *sim, int64_t older_than_ms);

/* ---- services ---- */

extern const struct op bedrock_ops[];
extern const size_t bedrock_n_ops;
extern const struct op budgets_ops[];
extern const size_t budgets_n_ops;
extern const struct op ssm_ops[];
extern const size_t ssm_n_ops;
extern const struct op tagging_ops[];
extern const size_t tagging_n_ops;
extern const struct op iam_ops[];
extern const size_t iam_n_ops;
extern const struct op sts_ops[];
extern const size_t sts_n_ops;
extern const struct op sns_ops[];
extern const size_t sns_n_ops;
/* sns.c: GET/DELETE /_awsim/sns/messages; false for any other path */
bool sns_admin_handle(struct awsim *sim, struct http_request *req);
extern const struct op servicequotas_ops[];
extern const size_t servicequotas_n_ops;

/* iam.c: Marker/MaxItems paging over the keys of m (kind names the listing in the
 * marker); keep (may be NULL) filters, item(key, value) writes one entry. */
int iam_list_page(struct call *c, const struct omap *m, const char *kind, const char *elem,
		  bool (*keep)(const struct call *, const void *),
		  void (*item)(struct strbuf *, const char *, const void *));
/* iam.c: an element holding text percent-encoded, as IAM sends policy documents */
void iam_encoded_elem(struct strbuf *sb, const char *name, const char *text);
/* iam_account.c */
int op_iam_account_summary(struct call *c);
int op_iam_authorization_details(struct call *c);
/* ssm_describe.c */
int op_ssm_describe_parameters(struct call *c);
/* ssm.c: removes parameter name of r (if any), keeping the tier counts */
void ssm_forget(struct region *r, const char *name);

/* budgets_notify.c: the notification and subscriber operations */
int budgets_find(struct call *c, const char *name, struct budget **ret);
/* budgets_account: checks the request's AccountId against the caller's account. */
int budgets_account(struct call *c);
/* budgets_add_notification: adds a checked notification with its subscribers. */
int budgets_add_notification(struct call *c, struct budget *b, const cJSON *n, const cJSON *subs);
int budgets_check_notification(struct call *c, const cJSON *n, const char *field);
int budgets_check_subscribers(struct call *c, const cJSON *subs, const char *field);
int op_budgets_create_notification(struct call *c);
int op_budgets_update_notification(struct call *c);
int op_budgets_delete_notification(struct call *c);
int op_budgets_describe_notifications(struct call *c);
int op_budgets_create_subscriber(struct call *c);
int op_budgets_update_subscriber(struct call *c);
int op_budgets_delete_subscriber(struct call *c);
int op_budgets_describe_subscribers(struct call *c);
/* tags.c: the checks every service's tag input passes */
int tags_check_new(struct call *c, const struct tagset *cur, const char *const *keys, size_t n, const char *resource,
		   int limit_status, const char *limit_code);

/* ---- EC2 instance metadata and ECS container credentials (metadata.c) ---- */

/* metadata_handle: answers req if it is an IMDS or container-credentials path;
 * returns false when the path is not one of them. */
bool metadata_handle(struct awsim *sim, struct http_request *req);

/* ---- the IAM Identity Center portal (sso.c) ---- */

/* sso_handle: answers GetRoleCredentials and the admin token endpoint; false when
 * the path is neither. */
bool sso_handle(struct awsim *sim, struct http_request *req);

/* ---- the admin API (admin.c) ---- */

/* admin_handle: answers req under /_awsim/ (loopback peers only). */
void admin_handle(struct awsim *sim, struct http_request *req);

/* ---- counters (stats.c) ---- */

enum stat_kind { STAT_OK, STAT_THROTTLED, STAT_FAILED, STAT_DROPPED };
/* stats_count: one call of op; mutating marks the operations that change state. */
void stats_count(struct awsim *sim, const char *service, const char *op, bool mutating, enum stat_kind kind);
cJSON *stats_to_json(const struct awsim *sim);
void stats_reset(struct awsim *sim);

/* ---- the last mutating calls with their request ids (requests.c) ---- */

#define AWSIM_REQUEST_LOG 256

struct awsim_request {
	char op[96]; /* "service:Operation" */
	char request_id[37];
	char error_code[64];
	int status;
};

/* requests_note: a mutating call answered (kept: the last AWSIM_REQUEST_LOG). */
void requests_note(struct awsim *sim, const char *service, const char *op, const char *request_id, int status,
		   const char *error_code);
/* requests_to_json: [{"operation", "request_id", "status", "error"}], oldest first. */
cJSON *requests_to_json(const struct awsim *sim);

/* ---- state file (persist.c) ---- */

cJSON *persist_to_json(const struct awsim *sim);
/* persist_from_json: replaces the state; -EINVAL (with *ret_err) on a bad document. */
int persist_from_json(struct awsim *sim, const cJSON *doc, char **ret_err);
int persist_load(struct awsim *sim, const char *path, char **ret_err);
/* persist_save: writes path atomically (temporary file, fsync, rename, fsync dir). */
int persist_save(const struct awsim *sim, const char *path);

/* ---- serving (server.c) ---- */

/* awsim_process: serves one AWS request synchronously (route, signature, faults
 * other than latency and connection cuts, operation); the answer is in c. *ret is
 * the fault decided for it. Unit tests and the fuzz target call this directly. */
void awsim_process(struct call *c, struct fault_decision *ret);
/* awsim_on_request: the http_server handler. */
void awsim_on_request(struct http_request *req, void *data);
/* awsim_respond: sends c's answer on req (adds x-amzn-RequestId and the error type). */
void awsim_respond(struct call *c, struct http_request *req);
void awsim_cancel_pending(struct awsim *sim);
/* awsim_reply: a plain answer (admin API, metadata) with x-amzn-RequestId. */
void awsim_reply(struct awsim *sim, struct http_request *req, int status, const char *content_type, const char *body,
		 size_t len);
/* awsim_reply_json: awsim_reply with doc printed (takes doc). */
void awsim_reply_json(struct awsim *sim, struct http_request *req, int status, cJSON *doc);

/* ---- quotas (quotas.c) ---- */

enum quota_id { Q_PROFILES, Q_SSM_STANDARD, Q_SSM_ADVANCED, Q_BUDGETS, Q_ROLES, Q_ROLE_POLICY_CHARS, Q_TAGS, Q_COUNT };

struct quota_def {
	const char *service, *service_name; /* Service Quotas ServiceCode and ServiceName */
	const char *code, *name, *description;
	double dflt;	 /* the AWS default */
	bool regional;	 /* per account and region; else per account */
	bool adjustable; /* AWS raises it on request */
	bool listed;	 /* a real Service Quotas code: GetServiceQuota answers it */
};

const struct quota_def *quota_def(enum quota_id q);
/* quota_by_code: the quota with Service Quotas (or awsim) code code, or -1. */
int quota_by_code(const char *code);
void quotas_defaults(double ret[Q_COUNT]);
/* quota_parse_arg: "CODE=VALUE" into base[]; -EINVAL for an unknown code or value. */
int quota_parse_arg(const char *arg, double base[Q_COUNT]);
/* quota_value: q's value for account (and region, for regional quotas). */
size_t quota_value(const struct awsim *sim, enum quota_id q, const char *account, const char *region);
/* call_quota: quota_value for c's caller account and region. */
size_t call_quota(const struct call *c, enum quota_id q);
/* quotas_reset: back to the command line's values, no overrides. */
void quotas_reset(struct awsim *sim);
/* quotas_apply_json: the admin API's {"quotas": {CODE: N|null}, "account"?, "region"?}
 * (or the older {"application_inference_profiles": N}); all or nothing. */
int quotas_apply_json(struct awsim *sim, const cJSON *doc, char **ret_err);
cJSON *quotas_to_json(const struct awsim *sim);
int quotas_from_json(struct awsim *sim, const cJSON *doc);

/* ---- the root (awsim.c) ---- */

struct awsim_config {
	char *listen_host;
	int listen_port;
	char *account;
	char *regions[AWSIM_MAX_REGIONS];
	size_t n_regions;
	char *state_path;
	uint64_t save_interval_ms;
	char *faults_path;
	bool quiet;
	uint64_t seed;
	int64_t temp_ttl_s;			      /* IMDS and ECS credentials */
	char *container_token;			      /* required Authorization of the ECS endpoint, or NULL */
	char *instance_role;			      /* IMDS role name */
	bool auth_disabled;			      /* fuzzing only: accept unsigned requests */
	const char *quota_args[AWSIM_MAX_QUOTA_ARGS]; /* --quota CODE=VALUE */
	size_t n_quota_args;
	/* usage.c: the invocation-log delivery delay (0: the default) and the --prices text */
	int64_t invlog_delay_ms;
	const char *prices;
};

struct pending_call; /* a call waiting for its latency (server.c) */

struct awsim {
	uv_loop_t *loop;
	struct awsim_config cfg;
	struct patterns pat;
	struct prng rng; /* ids and keys */
	struct faults faults;
	struct omap accounts;			       /* id -> struct account */
	struct omap credentials;		       /* access key id -> struct credential */
	struct omap imds_tokens;		       /* token -> int64_t * expiry ms */
	struct omap sso_tokens;			       /* SSO access token -> int64_t * expiry ms (sso.c) */
	struct omap sns_topics;			       /* topic ARN -> char * (the ARN) (sns.c) */
	cJSON *sns_log;				       /* messages published, oldest first (sns.c) */
	struct omap stats;			       /* "service:Op" -> struct op_stats */
	double quota_base[Q_COUNT];		       /* --quota or admin values, else the defaults (quotas.c) */
	double quota_cli[Q_COUNT];		       /* ... as the command line set them (restored by reset) */
	struct omap quota_overrides;		       /* "account/region/code" -> double *; region "" = account-wide */
	const struct credential *imds_cred, *ecs_cred; /* reused until half-life */
	struct http_server *http;
	struct pending_call *pending;
	uv_timer_t save_timer;
	uv_signal_t sigterm, sigint;
	bool stopping;

	/* a ring of the last mutating calls: GET /_awsim/requests */
	struct awsim_request requests[AWSIM_REQUEST_LOG];
	uint64_t n_requests;
	struct usage_world *usage; /* usage.c: S3, invocation logs, costs, managed policies */
};

/* awsim_init: sim borrows the strings of cfg; loop may be NULL for tests that call
 * awsim_process() only. */
int awsim_init(struct awsim *sim, uv_loop_t *loop, const struct awsim_config *cfg);
/* awsim_start: listens, starts the tick and the signal handlers. */
int awsim_start(struct awsim *sim, int *ret_port);
/* awsim_stop: saves, cuts pending calls and closes every handle of sim. */
void awsim_stop(struct awsim *sim);
void awsim_save(struct awsim *sim);
/* awsim_release: frees everything; the loop handles must be closed already. */
void awsim_release(struct awsim *sim);
bool awsim_region_configured(const struct awsim *sim, const char *region);
void awsim_log(const struct awsim *sim, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- usage: bedrock-runtime, invocation logs, S3, Cost Explorer, Budgets
 * actions and IAM managed policies (usage.h has the details) ---- */

struct usage_world;
extern const struct op bedrock_runtime_ops[];
extern const size_t bedrock_runtime_n_ops;
extern const struct op s3_ops[];
extern const size_t s3_n_ops;
extern const struct op ce_ops[];
extern const size_t ce_n_ops;
/* route_runtime / route_s3: set c->op and c->label when the path is theirs. */
bool route_runtime(struct call *c);
bool route_s3(struct call *c);
/* s3_canonical_path: raw decoded once, which sigv4 encodes once again: S3 signs
 * the path as sent, neither normalized nor double-encoded. */
int s3_canonical_path(const char *raw, struct strbuf *out);
int op_invlog_put(struct call *c);
int op_invlog_get(struct call *c);
int op_invlog_delete(struct call *c);
/* iam_managed.c: IAM customer-managed policies (in iam_ops) */
int op_iam_create_policy(struct call *c);
int op_iam_get_managed_policy(struct call *c);
int op_iam_delete_managed_policy(struct call *c);
int op_iam_attach_role_policy(struct call *c);
int op_iam_detach_role_policy(struct call *c);
int op_iam_list_attached_role_policies(struct call *c);
int op_iam_list_policies(struct call *c);
int op_iam_list_entities_for_policy(struct call *c);
int op_iam_get_policy_version(struct call *c);
int op_iam_create_policy_version(struct call *c);
int op_iam_list_policy_versions(struct call *c);
int op_iam_delete_policy_version(struct call *c);
/* budgets_actions.c: Budgets actions (in budgets_ops) */
int op_budgets_create_action(struct call *c);
int op_budgets_describe_action(struct call *c);
int op_budgets_describe_actions_for_budget(struct call *c);
int op_budgets_describe_actions_for_account(struct call *c);
int op_budgets_update_action(struct call *c);
int op_budgets_delete_action(struct call *c);
int op_budgets_execute_action(struct call *c);
/* usage_budget_actual: the spend awsim computed for b this period (USD). */
double usage_budget_actual(struct awsim *sim, const struct account *acct, const struct budget *b);
/* usage_add_actual: adds it to the ActualSpend of out (b's answer). */
void usage_add_actual(struct awsim *sim, const struct account *acct, const struct budget *b, cJSON *out);
/* usage_to_json / usage_from_json: the usage world in the state file
 * (usage_persist.c); loading replaces it and skips entries that do not fit. */
cJSON *usage_to_json(const struct awsim *sim);
void usage_from_json(struct awsim *sim, const cJSON *doc);
/* usage_reset / usage_free: empty or free sim->usage. */
void usage_reset(struct awsim *sim);
void usage_free(struct awsim *sim);

#endif
