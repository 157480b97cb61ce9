/* Unit tests of the incremental HTTP/1.1 request parser (daemon/http/http_parser). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "http_parser.h"

/* Feed text in pieces of `step` bytes (0: all at once); returns the final result and
 * the bytes consumed in total. HTTP_PARSE_HEAD results are passed over. */
static enum http_parse_result feed(struct http_parser *p, const char *text, size_t step, size_t *total)
{
	size_t len = strlen(text), off = 0;
	enum http_parse_result r = HTTP_PARSE_MORE;

	*total = 0;
	while (off < len) {
		size_t n = step && len - off > step ? step : len - off, used;

		r = http_parser_feed(p, text + off, n, &used);
		off += used;
		*total = off;
		if (r == HTTP_PARSE_DONE || r == HTTP_PARSE_ERROR)
			return r;
		if (r == HTTP_PARSE_MORE && used < n)
			fail_msg("MORE must consume everything");
	}
	return r;
}

static void test_get_with_query(void **state)
{
	struct http_parser p;
	struct http_message *m;
	size_t used;

	(void)state;
	http_parser_init(&p, NULL);
	assert_int_equal(feed(&p,
			      "GET /inference-profiles?type=APPLICATION&maxResults=2 HTTP/1.1\r\nHost: x\r\n"
			      "X-Amz-Date:  20240910T120000Z \r\n\r\n",
			      0, &used),
			 HTTP_PARSE_DONE);
	m = http_parser_detach(&p);
	assert_string_equal(m->method, "GET");
	assert_string_equal(m->path, "/inference-profiles");
	assert_string_equal(m->query, "type=APPLICATION&maxResults=2");
	assert_string_equal(m->target, "/inference-profiles?type=APPLICATION&maxResults=2");
	assert_int_equal(m->n_headers, 2);
	assert_string_equal(http_message_header(m, "x-amz-date"), "20240910T120000Z");
	assert_true(m->keep_alive);
	assert_int_equal(m->body.len, 0);
	http_message_free(m);
	http_parser_release(&p);
}

static void test_body_byte_by_byte(void **state)
{
	const char *req = "POST / HTTP/1.1\r\nContent-Length: 11\r\nContent-Type: text/plain\r\n\r\nhello world";
	struct http_parser p;
	struct http_message *m;
	size_t used;

	(void)state;
	http_parser_init(&p, NULL);
	assert_int_equal(feed(&p, req, 1, &used), HTTP_PARSE_DONE);
	assert_int_equal(used, strlen(req));
	m = http_parser_detach(&p);
	assert_int_equal(m->body.len, 11);
	assert_memory_equal(m->body.buf, "hello world", 11);
	http_message_free(m);
	http_parser_release(&p);
}

static void test_keep_alive_rules(void **state)
{
	struct {
		const char *text;
		bool keep;
	} cases[] = {
		{ "GET / HTTP/1.1\r\n\r\n", true },
		{ "GET / HTTP/1.1\r\nConnection: close\r\n\r\n", false },
		{ "GET / HTTP/1.0\r\n\r\n", false },
		{ "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true },
		{ "GET / HTTP/1.1\r\nConnection: TE, Close\r\n\r\n", false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct http_parser p;
		size_t used;

		http_parser_init(&p, NULL);
		assert_int_equal(feed(&p, cases[i].text, 0, &used), HTTP_PARSE_DONE);
		assert_int_equal(p.msg->keep_alive, cases[i].keep);
		http_parser_release(&p);
	}
}

static void test_chunked(void **state)
{
	const char *req = "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
			  "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n";
	size_t steps[] = { 0, 1, 3, 7 };

	(void)state;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		struct http_parser p;
		size_t used;

		http_parser_init(&p, NULL);
		assert_int_equal(feed(&p, req, steps[i], &used), HTTP_PARSE_DONE);
		assert_int_equal(used, strlen(req));
		assert_true(p.msg->chunked);
		assert_int_equal(p.msg->body.len, 11);
		assert_memory_equal(p.msg->body.buf, "hello world", 11);
		http_parser_release(&p);
	}
}

static void test_pipelined(void **state)
{
	const char *two = "POST /a HTTP/1.1\r\nContent-Length: 2\r\n\r\nabGET /b HTTP/1.1\r\n\r\n";
	struct http_parser p;
	struct http_message *m;
	size_t used, off;

	(void)state;
	http_parser_init(&p, NULL);
	assert_int_equal(http_parser_feed(&p, two, strlen(two), &used), HTTP_PARSE_HEAD);
	off = used;
	assert_int_equal(http_parser_feed(&p, two + off, strlen(two) - off, &used), HTTP_PARSE_DONE);
	off += used;
	m = http_parser_detach(&p);
	assert_string_equal(m->path, "/a");
	http_message_free(m);
	assert_int_equal(http_parser_feed(&p, two + off, strlen(two) - off, &used), HTTP_PARSE_DONE);
	assert_string_equal(p.msg->path, "/b");
	assert_int_equal(off + used, strlen(two));
	http_parser_release(&p);
}

static void expect_error(const char *text, const struct http_limits *lim, int status)
{
	struct http_parser p;
	size_t used;

	http_parser_init(&p, lim);
	assert_int_equal(feed(&p, text, 0, &used), HTTP_PARSE_ERROR);
	assert_int_equal(p.status, status);
	assert_non_null(p.reason);
	/* an error sticks */
	assert_int_equal(http_parser_feed(&p, "x", 1, &used), HTTP_PARSE_ERROR);
	http_parser_release(&p);
}

static void test_errors(void **state)
{
	struct http_limits small = { .max_header_bytes = 64, .max_headers = 2, .max_body_bytes = 8 };

	(void)state;
	expect_error("GET\r\n\r\n", NULL, 400);
	expect_error("GET /x\r\n\r\n", NULL, 400);
	expect_error("GET x HTTP/1.1\r\n\r\n", NULL, 400);
	expect_error("GET / HTTP/2.0\r\n\r\n", NULL, 505);
	expect_error("GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n", NULL, 400);
	expect_error("GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", NULL, 400);
	expect_error("GET / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", NULL, 400);
	expect_error("GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", NULL, 400);
	expect_error("GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", NULL, 400);
	expect_error("GET / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", NULL, 501);
	expect_error("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", NULL, 400);
	expect_error("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX\r\n", NULL, 400);
	expect_error("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", &small, 431);
	expect_error("GET /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa HTTP/1.1\r\n\r\n",
		     &small, 431);
	expect_error("POST / HTTP/1.1\r\nContent-Length: 9\r\n\r\n", &small, 413);
	expect_error("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n", NULL, 413);
	expect_error("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n5\r\n", &small, 413);
}

static void test_body_limit_keeps_head(void **state)
{
	struct http_limits small = { .max_body_bytes = 4 };
	struct http_parser p;
	size_t used;

	(void)state;
	http_parser_init(&p, &small);
	assert_int_equal(feed(&p, "PUT /big HTTP/1.1\r\nX-Amz-Target: T.Op\r\nContent-Length: 5\r\n\r\n", 0, &used),
			 HTTP_PARSE_ERROR);
	assert_int_equal(p.status, 413);
	assert_non_null(p.msg);
	assert_string_equal(p.msg->path, "/big");
	assert_string_equal(http_message_header(p.msg, "X-AMZ-TARGET"), "T.Op");
	http_parser_release(&p);
}

static void test_leading_blank_lines_and_bare_lf(void **state)
{
	struct http_parser p;
	size_t used;

	(void)state;
	http_parser_init(&p, NULL);
	assert_int_equal(feed(&p, "\r\n\r\nGET /lf HTTP/1.1\nHost: h\nExpect: 100-continue\n\n", 0, &used),
			 HTTP_PARSE_DONE);
	assert_string_equal(p.msg->path, "/lf");
	assert_string_equal(http_message_header(p.msg, "host"), "h");
	assert_true(p.msg->expect_continue);
	http_parser_reset(&p);
	assert_null(p.msg);
	http_parser_release(&p);
}

static void test_status_reasons(void **state)
{
	(void)state;
	assert_string_equal(http_status_reason(200), "OK");
	assert_string_equal(http_status_reason(413), "Content Too Large");
	assert_string_equal(http_status_reason(999), "Unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_with_query),
		cmocka_unit_test(test_body_byte_by_byte),
		cmocka_unit_test(test_keep_alive_rules),
		cmocka_unit_test(test_chunked),
		cmocka_unit_test(test_pipelined),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_body_limit_keeps_head),
		cmocka_unit_test(test_leading_blank_lines_and_bare_lf),
		cmocka_unit_test(test_status_reasons),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
