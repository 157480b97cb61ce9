/* awsim_bench: how many simple requests per second awsim serves on its one thread.
 *
 * Starts awsim (--awsim PATH), signs one SSM GetParameter request with
 * daemon/aws/sigv4 (awsim verifies the signature on every request, as it must), then
 * keeps --connections keep-alive connections busy sending it for --seconds and
 * counts complete answers. Reports requests per second of wall time and per second
 * of awsim's own CPU time (from /proc), which is the figure for "one core".
 * Usage and the figures are in docs/PERFORMANCE.md. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include "sigv4.h"
#include "strbuf.h"
#include "xalloc.h"

#define AKID   "AKIAIOSFODNN7EXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

struct conn {
	uv_tcp_t tcp;
	uv_connect_t connect;
	uv_write_t write;
	struct bench *b;
	struct strbuf in;
	char rbuf[16384];
};

struct bench {
	uv_loop_t *loop;
	uv_process_t proc;
	uv_pipe_t out;
	uv_timer_t timer;
	struct strbuf first_line;
	int port;
	bool measuring, stopping;
	char *put, *get; /* the set-up request and the measured one */
	size_t put_len, get_len;
	uint64_t answers, errors, before_cpu, start_ns;
	struct conn *conns;
	int n_conns, seconds;
};

static uint64_t cpu_ticks(int pid)
{
	char path[64], buf[1024], *p;
	unsigned long utime = 0, stime = 0;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	/* after ")": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2)
		return 0;
	return utime + stime;
}

static char *build_request(struct bench *b, const char *target, const char *body, size_t *ret_len)
{
	struct sigv4_header h[4];
	struct sigv4_request req = { 0 };
	struct sigv4_credentials creds = { AKID, SECRET, NULL };
	struct strbuf auth, text;
	char date[SIGV4_AMZ_DATE_LEN + 1], hash[SIGV4_HEX_LEN + 1], host[32];

	snprintf(host, sizeof(host), "127.0.0.1:%d", b->port);
	sigv4_format_date(time(NULL), date);
	sigv4_hash_hex(body, strlen(body), hash);
	h[0] = (struct sigv4_header){ "host", host };
	h[1] = (struct sigv4_header){ "x-amz-date", date };
	h[2] = (struct sigv4_header){ "content-type", "application/x-amz-json-1.1" };
	h[3] = (struct sigv4_header){ "x-amz-target", target };
	req.method = "POST";
	req.path = "/";
	req.query = "";
	req.headers = h;
	req.n_headers = 4;
	req.payload_hash = hash;
	req.normalize_path = true;
	strbuf_init(&auth, STRBUF_NO_CAP);
	strbuf_init(&text, STRBUF_NO_CAP);
	sigv4_authorization(&req, &creds, "us-east-1", "ssm", date, &auth);
	strbuf_addf(&text,
		    "POST / HTTP/1.1\r\nHost: %s\r\nX-Amz-Date: %s\r\nContent-Type: application/x-amz-json-1.1\r\n"
		    "X-Amz-Target: %s\r\nAuthorization: %s\r\nContent-Length: %zu\r\n\r\n%s",
		    host, date, target, auth.buf, strlen(body), body);
	strbuf_release(&auth);
	return strbuf_detach(&text, ret_len);
}

static void send_request(struct conn *c);

/* Count the complete answers in c->in (Content-Length framing); returns how many. */
static int take_answers(struct conn *c)
{
	int n = 0;

	for (;;) {
		char *end = strstr(c->in.buf, "\r\n\r\n"), *cl;
		size_t head, body;

		if (!end)
			break;
		head = (size_t)(end - c->in.buf) + 4;
		cl = strcasestr(c->in.buf, "content-length:");
		if (!cl || cl > end)
			break;
		body = strtoul(cl + 15, NULL, 10);
		if (c->in.len < head + body)
			break;
		if (strncmp(c->in.buf, "HTTP/1.1 200", 12) != 0 && c->b->measuring)
			c->b->errors++;
		memmove(c->in.buf, c->in.buf + head + body, c->in.len - head - body + 1);
		c->in.len -= head + body;
		n++;
	}
	return n;
}

static void on_alloc(uv_handle_t *h, size_t n, uv_buf_t *buf)
{
	struct conn *c = h->data;

	(void)n;
	*buf = uv_buf_init(c->rbuf, sizeof(c->rbuf));
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct conn *c = s->data;
	int got;

	if (n < 0) {
		if (!c->b->stopping)
			fprintf(stderr, "awsim_bench: connection lost: %s\n", uv_strerror((int)n));
		uv_read_stop(s);
		return;
	}
	strbuf_add(&c->in, buf->base, (size_t)n);
	got = take_answers(c);
	if (!got)
		return;
	if (c->b->measuring)
		c->b->answers += (uint64_t)got;
	if (!c->b->stopping)
		send_request(c);
}

static void send_request(struct conn *c)
{
	uv_buf_t buf = uv_buf_init(c->b->get, (unsigned)c->b->get_len);

	uv_write(&c->write, (uv_stream_t *)&c->tcp, &buf, 1, NULL);
}

static void on_connect(uv_connect_t *req, int status)
{
	struct conn *c = req->data;

	if (status < 0) {
		fprintf(stderr, "awsim_bench: connect: %s\n", uv_strerror(status));
		exit(1);
	}
	uv_tcp_nodelay(&c->tcp, 1);
	uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
	if (c == &c->b->conns[0]) { /* creates the parameter the others read */
		uv_buf_t buf = uv_buf_init(c->b->put, (unsigned)c->b->put_len);
		uv_write(&c->write, (uv_stream_t *)&c->tcp, &buf, 1, NULL);
		return;
	}
	send_request(c);
}

static void on_done(uv_timer_t *t)
{
	struct bench *b = t->data;
	double secs = (double)(uv_hrtime() - b->start_ns) / 1e9;
	double cpu = (double)(cpu_ticks(b->proc.pid) - b->before_cpu) / (double)sysconf(_SC_CLK_TCK);

	b->measuring = false;
	b->stopping = true;
	printf("connections %d, %.1f s: %llu answers (%llu not 200), %.0f requests/s wall\n", b->n_conns, secs,
	       (unsigned long long)b->answers, (unsigned long long)b->errors, (double)b->answers / secs);
	printf("awsim CPU %.2f s (%.0f %% of one core): %.0f requests per CPU-second\n", cpu, 100.0 * cpu / secs,
	       cpu > 0 ? (double)b->answers / cpu : 0.0);
	fflush(stdout);
	uv_process_kill(&b->proc, SIGTERM);
	for (int i = 0; i < b->n_conns; i++)
		uv_close((uv_handle_t *)&b->conns[i].tcp, NULL);
	uv_close((uv_handle_t *)t, NULL);
}

static void on_warmed(uv_timer_t *t)
{
	struct bench *b = t->data;

	b->measuring = true;
	b->start_ns = uv_hrtime();
	b->before_cpu = cpu_ticks(b->proc.pid);
	uv_timer_start(t, on_done, (uint64_t)b->seconds * 1000, 0);
}

static void start_load(struct bench *b)
{
	struct sockaddr_in sa;

	uv_ip4_addr("127.0.0.1", b->port, &sa);
	b->conns = xcalloc((size_t)b->n_conns, sizeof(*b->conns));
	for (int i = 0; i < b->n_conns; i++) {
		struct conn *c = &b->conns[i];
		c->b = b;
		strbuf_init(&c->in, STRBUF_NO_CAP);
		uv_tcp_init(b->loop, &c->tcp);
		c->tcp.data = c;
		c->connect.data = c;
		uv_tcp_connect(&c->connect, &c->tcp, (struct sockaddr *)&sa, on_connect);
	}
	uv_timer_init(b->loop, &b->timer);
	b->timer.data = b;
	uv_timer_start(&b->timer, on_warmed, 1000, 0); /* one second of warm-up */
}

static void out_alloc(uv_handle_t *h, size_t n, uv_buf_t *buf)
{
	static char tmp[256];

	(void)h;
	(void)n;
	*buf = uv_buf_init(tmp, sizeof(tmp));
}

/* awsim's first stdout line says where it listens. */
static void on_awsim_out(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct bench *b = s->data;
	char *nl;

	if (n <= 0 || b->port)
		return;
	strbuf_add(&b->first_line, buf->base, (size_t)n);
	nl = strchr(b->first_line.buf, '\n');
	if (!nl)
		return;
	if (sscanf(b->first_line.buf, "listening on 127.0.0.1:%d", &b->port) != 1) {
		fprintf(stderr, "awsim_bench: unexpected awsim output: %s", b->first_line.buf);
		exit(1);
	}
	b->put = build_request(b, "AmazonSSM.PutParameter",
			       "{\"Name\":\"/bench/p\",\"Value\":\"v\",\"Type\":\"String\"}", &b->put_len);
	b->get = build_request(b, "AmazonSSM.GetParameter", "{\"Name\":\"/bench/p\"}", &b->get_len);
	start_load(b);
}

static void on_exit_cb(uv_process_t *p, int64_t status, int sig)
{
	(void)status;
	(void)sig;
	uv_close((uv_handle_t *)p, NULL);
	uv_close((uv_handle_t *)&((struct bench *)p->data)->out, NULL);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = { { "awsim", required_argument, NULL, 'a' },
					      { "connections", required_argument, NULL, 'c' },
					      { "seconds", required_argument, NULL, 's' },
					      { NULL, 0, NULL, 0 } };
	struct bench b = { 0 };
	const char *awsim = NULL;
	char *args[] = { NULL, "--listen", "127.0.0.1:0", "--quiet", "--seed", "1", NULL };
	uv_process_options_t po = { 0 };
	uv_stdio_container_t stdio[3];
	int opt, r;

	b.n_conns = 8;
	b.seconds = 10;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'a')
			awsim = optarg;
		else if (opt == 'c')
			b.n_conns = atoi(optarg);
		else if (opt == 's')
			b.seconds = atoi(optarg);
		else
			return 2;
	}
	if (!awsim || b.n_conns < 1 || b.seconds < 1) {
		fprintf(stderr, "usage: awsim_bench --awsim PATH [--connections N] [--seconds S]\n");
		return 2;
	}
	b.loop = uv_default_loop();
	strbuf_init(&b.first_line, 4096);
	uv_pipe_init(b.loop, &b.out, 0);
	b.out.data = &b;
	args[0] = (char *)awsim;
	stdio[0].flags = UV_IGNORE;
	stdio[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
	stdio[1].data.stream = (uv_stream_t *)&b.out;
	stdio[2].flags = UV_INHERIT_FD;
	stdio[2].data.fd = 2;
	po.file = awsim;
	po.args = args;
	po.stdio = stdio;
	po.stdio_count = 3;
	po.exit_cb = on_exit_cb;
	b.proc.data = &b;
	r = uv_spawn(b.loop, &b.proc, &po);
	if (r < 0) {
		fprintf(stderr, "awsim_bench: cannot start %s: %s\n", awsim, uv_strerror(r));
		return 1;
	}
	uv_read_start((uv_stream_t *)&b.out, out_alloc, on_awsim_out);
	uv_run(b.loop, UV_RUN_DEFAULT);
	for (int i = 0; i < b.n_conns && b.conns; i++)
		strbuf_release(&b.conns[i].in);
	free(b.conns);
	free(b.put);
	free(b.get);
	strbuf_release(&b.first_line);
	return b.answers > 0 && !b.errors ? 0 : 1;
}
