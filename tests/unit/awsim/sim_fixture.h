/* Test fixture for awsim unit tests: an awsim without a loop or a socket, and
 * requests signed with daemon/aws/sigv4 (the client side of the same module) that
 * are parsed by daemon/http/http_parser and served by awsim_process(). Header-only:
 * each test executable includes it once. */
#ifndef AWSIM_SIM_FIXTURE_H
#define AWSIM_SIM_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "awsim.h"
#include "sigv4.h"

#define TEST_AKID   "AKIDTESTKEY000000001"
#define TEST_SECRET "testsecret/0123456789"

struct req_spec {
	const char *method, *path, *query, *body;
	const char *service, *region;
	const char *target; /* X-Amz-Target */
	const char *content_type;
	const char *akid, *secret, *token;
	time_t when;		     /* 0: now */
	const char *unsigned_header; /* sent but left out of SignedHeaders */
	bool no_auth, no_date;
	const char *content_sha; /* an x-amz-content-sha256 to send (signed) */
};

static inline void sim_setup(struct awsim *sim, const char *const *regions, size_t n_regions)
{
	struct awsim_config cfg = { 0 };

	cfg.listen_host = "127.0.0.1";
	cfg.account = AWSIM_DEFAULT_ACCOUNT;
	for (size_t i = 0; i < n_regions; i++)
		cfg.regions[cfg.n_regions++] = (char *)regions[i];
	if (!n_regions)
		cfg.regions[cfg.n_regions++] = "us-east-1";
	cfg.seed = 42;
	cfg.temp_ttl_s = 3600;
	cfg.instance_role = "role";
	cfg.quiet = true;
	assert_int_equal(awsim_init(sim, NULL, &cfg), 0);
	auth_add_static(sim, TEST_AKID, TEST_SECRET, AWSIM_DEFAULT_ACCOUNT);
}

/* A signed request as an HTTP message (owned by the caller). */
static inline struct http_message *sim_request(const struct req_spec *s)
{
	struct sigv4_header h[8];
	struct sigv4_request req = { 0 };
	struct sigv4_credentials creds = { s->akid ? s->akid : TEST_AKID, s->secret ? s->secret : TEST_SECRET,
					   s->token };
	struct strbuf text, auth;
	struct http_parser p;
	struct http_message *m;
	char date[SIGV4_AMZ_DATE_LEN + 1], hash[SIGV4_HEX_LEN + 1];
	const char *body = s->body ? s->body : "";
	enum http_parse_result r;
	size_t n = 0, used;

	sigv4_format_date(s->when ? s->when : time(NULL), date);
	sigv4_hash_hex(body, strlen(body), hash);
	h[n++] = (struct sigv4_header){ "host", "awsim.test" };
	if (!s->no_date)
		h[n++] = (struct sigv4_header){ "x-amz-date", date };
	if (s->content_type)
		h[n++] = (struct sigv4_header){ "content-type", s->content_type };
	if (s->target)
		h[n++] = (struct sigv4_header){ "x-amz-target", s->target };
	if (s->token)
		h[n++] = (struct sigv4_header){ "x-amz-security-token", s->token };
	if (s->content_sha)
		h[n++] = (struct sigv4_header){ "x-amz-content-sha256", s->content_sha };
	strbuf_init(&text, STRBUF_NO_CAP);
	strbuf_init(&auth, STRBUF_NO_CAP);
	req.method = s->method ? s->method : "POST";
	req.path = s->path ? s->path : "/";
	req.query = s->query ? s->query : "";
	req.payload_hash = hash;
	req.normalize_path = true;
	req.headers = h;
	/* the unsigned header, if any, goes last and is left out of the signature */
	req.n_headers = n;
	for (size_t i = 0; s->unsigned_header && i < n; i++) {
		if (strcmp(h[i].name, s->unsigned_header) == 0) {
			struct sigv4_header t = h[i];
			h[i] = h[n - 1];
			h[n - 1] = t;
			req.n_headers = n - 1;
		}
	}
	if (!s->no_auth)
		assert_int_equal(sigv4_authorization(&req, &creds, s->region ? s->region : "us-east-1",
						     s->service ? s->service : "ssm", date, &auth),
				 0);
	strbuf_addf(&text, "%s %s%s%s HTTP/1.1\r\n", req.method, req.path, *req.query ? "?" : "", req.query);
	for (size_t i = 0; i < n; i++)
		strbuf_addf(&text, "%s: %s\r\n", h[i].name, h[i].value);
	if (!s->no_auth)
		strbuf_addf(&text, "Authorization: %s\r\n", auth.buf);
	strbuf_addf(&text, "Content-Length: %zu\r\n\r\n%s", strlen(body), body);
	http_parser_init(&p, NULL);
	r = http_parser_feed(&p, text.buf, text.len, &used);
	if (r == HTTP_PARSE_HEAD)
		r = http_parser_feed(&p, text.buf + used, text.len - used, &used);
	assert_int_equal(r, HTTP_PARSE_DONE);
	m = http_parser_detach(&p);
	http_parser_release(&p);
	strbuf_release(&text);
	strbuf_release(&auth);
	return m;
}

/* Serve a request; the answer is left in *c (release it with sim_done). */
static inline void sim_serve(struct awsim *sim, const struct req_spec *s, struct call *c)
{
	struct fault_decision d;
	struct http_message *m = sim_request(s);

	call_init(c, sim, m, true);
	awsim_process(c, &d);
}

static inline void sim_done(struct call *c)
{
	struct http_message *m = (struct http_message *)c->msg;

	call_release(c);
	http_message_free(m);
}

/* Serve and check the status and error code ("" for success). */
static inline void sim_expect(struct awsim *sim, const struct req_spec *s, int status, const char *code)
{
	struct call c;

	sim_serve(sim, s, &c);
	if (c.status != status || strcmp(c.error_code, code) != 0)
		fail_msg("expected %d %s, got %d %s: %s", status, code, c.status, c.error_code, c.body.buf);
	sim_done(&c);
}

static inline struct req_spec ssm_call(const char *op, const char *body)
{
	static char target[96];
	struct req_spec s = { 0 };

	snprintf(target, sizeof(target), "AmazonSSM.%s", op);
	s.service = "ssm";
	s.target = target;
	s.content_type = "application/x-amz-json-1.1";
	s.body = body;
	return s;
}

static inline struct req_spec query_call(const char *service, const char *body)
{
	struct req_spec s = { 0 };

	s.service = service;
	s.content_type = "application/x-www-form-urlencoded";
	s.body = body;
	return s;
}

#endif
