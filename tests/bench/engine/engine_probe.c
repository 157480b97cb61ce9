/* engine_probe: the small measuring tools bench_engine.sh needs, where a shell is too
 * slow or too coarse.
 *
 *   engine_probe gen DIR N [--per-account M | --accounts A --regions R]
 *       N tenant manifests under DIR/tenants/group-NNN/ (1,000 per directory), in the
 *       shape of tests/bench/config's (1-3 profiles, tags, a budget with 1-2 alerts,
 *       1-2 IAM roles of the tenant's own), spread
 *       round-robin over ceil(N / M) accounts (default M 4000) so that no account and
 *       Region holds more than SSM's 10,000 standard parameters. With --accounts and
 *       --regions: over A x R places instead, tenant i in account i % A and Region
 *       (i / A) % R of us-east-1, us-west-2, us-east-2, named by `spec.account` and
 *       `spec.region`, and the awsim state keeps AWS's default quotas (without them it
 *       lifts the profile quota out of the way); and DIR/accounts.yaml,
 *       the `accounts:` mapping for the daemon configuration (the first account is the
 *       caller's own, the others are reached through AssumeRole); and
 *       DIR/awsim-state.json, an awsim state file (--state) holding the IAM roles the
 *       manifests grant access to, as an operator would have made them.
 *   engine_probe stamp
 *       copies stdin to stdout, each line prefixed with the wall-clock time it was read
 *       ("SECONDS.MICROSECONDS "), flushed as it comes: awsim's request log with times.
 *   engine_probe rename SRC DST
 *       rename(2) SRC over DST and print the wall-clock time taken just before it.
 *   engine_probe hammer --socket PATH [--tenants N] [--seconds S] [--until-ready]
 *                       [--interval MS] [--out FILE]
 *       back-to-back requests (or one every MS milliseconds) on the control socket,
 *       alternating GET /v1/status and
 *       GET /v1/tenants/tenant-NNNNNN (a random one of N), each on a new connection as
 *       bedrock-tenantctl makes them; stops after S seconds (default 600) or, with
 *       --until-ready, at the first status answer that says "ready":true. Each request
 *       goes to FILE as "START LATENCY_US KIND HTTP_STATUS" (START in wall-clock
 *       seconds); a summary (count, p50, p99, max per kind) goes to stdout. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "bench_tenants.h"
#include "strbuf.h"
#include "xalloc.h"

#define PER_DIR		 1000
#define RESPONSE_MAX	 (64u * 1024 * 1024)
#define DEFAULT_ACCOUNT	 "111122223333"
#define FIRST_OTHER_ID	 500000000001ULL
#define DEFAULT_PER_ACCT 4000
#define MAX_ACCOUNTS	 1000

static const char *const gen_regions[] = { "us-east-1", "us-west-2", "us-east-2" };
#define MAX_REGIONS (sizeof(gen_regions) / sizeof(gen_regions[0]))

static void usage(FILE *f)
{
	fprintf(f,
		"usage: engine_probe gen DIR N [--per-account M | --accounts A --regions R]\n"
		"       engine_probe stamp\n"
		"       engine_probe rename SRC DST\n"
		"       engine_probe hammer --socket PATH [--tenants N] [--seconds S] [--until-ready] [--interval MS]\n"
		"                           [--out FILE]\n"
		"\n"
		"Helpers of tests/bench/engine/bench_engine.sh; see the comment at the top of\n"
		"tests/bench/engine/engine_probe.c and docs/PERFORMANCE.md (Engine).\n");
}

static double wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- gen ---- */

static int write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "w");

	if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		if (f)
			fclose(f);
		return -1;
	}
	return 0;
}

static void account_id(size_t k, char buf[16])
{
	if (k == 0)
		snprintf(buf, 16, "%s", DEFAULT_ACCOUNT);
	else
		snprintf(buf, 16, "%012llu", FIRST_OTHER_ID + (unsigned long long)k - 1);
}

/* One IAM role in awsim's state format (tests/awsim/persist.c). */
static void role_json(struct strbuf *sb, bool first, const char *account, const char *name, const char *id)
{
	static const char trust[] =
		"{\\\"Version\\\":\\\"2012-10-17\\\",\\\"Statement\\\":[{\\\"Effect\\\":\\\"Allow\\\","
		"\\\"Principal\\\":{\\\"Service\\\":\\\"ec2.amazonaws.com\\\"},"
		"\\\"Action\\\":\\\"sts:AssumeRole\\\"}]}";

	strbuf_addf(sb,
		    "%s\n {\"name\": \"%s\", \"arn\": \"arn:aws:iam::%s:role/%s\", \"id\": \"%s\", "
		    "\"max_session\": 3600, \"trust\": \"%s\"}",
		    first ? "" : ",", name, account, name, id, trust);
}

/* The awsim state with every role the manifests name (app-role-I for each tenant I,
 * batch-role-I when I % 4 == 0), and no profile quota in the way. */
static void awsim_state(struct strbuf *sb, size_t n, size_t accounts, bool default_quotas)
{
	strbuf_adds(sb, default_quotas
				? "{\"format\": \"awsim-state/1\", \"accounts\": ["
				: "{\"format\": \"awsim-state/1\", \"profile_quota\": 10000000, \"accounts\": [");
	for (size_t k = 0; k < accounts; k++) {
		char account[16], name[32], id[32];

		account_id(k, account);
		strbuf_addf(sb, "%s\n{\"id\": \"%s\", \"roles\": [", k ? "," : "", account);
		for (size_t i = k; i < n; i += accounts) {
			snprintf(name, sizeof(name), "app-role-%zu", i);
			snprintf(id, sizeof(id), "AROAAPP%014zu", i);
			role_json(sb, i == k, account, name, id);
			if (i % 4)
				continue;
			snprintf(name, sizeof(name), "batch-role-%zu", i);
			snprintf(id, sizeof(id), "AROABATCH%012zu", i);
			role_json(sb, false, account, name, id);
		}
		strbuf_adds(sb, "]}");
	}
	strbuf_adds(sb, "\n]}\n");
}

static int cmd_gen(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "per-account", required_argument, NULL, 'm' },
		{ "accounts", required_argument, NULL, 'a' },
		{ "regions", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	size_t n, per_account = DEFAULT_PER_ACCT, accounts = 0, regions = 0, bytes = 0, profiles = 0;
	struct strbuf sb;
	char *path, account[32];
	int c, rc = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int bad = c == 'm'
				  ? bench_parse_size("engine_probe", optarg, "--per-account", 1, 10000000, &per_account)
			  : c == 'a'
				  ? bench_parse_size("engine_probe", optarg, "--accounts", 1, MAX_ACCOUNTS, &accounts)
			  : c == 'r' ? bench_parse_size("engine_probe", optarg, "--regions", 1, MAX_REGIONS, &regions)
				     : -1;
		if (bad < 0) {
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 2 || bench_parse_size("engine_probe", argv[optind + 1], "N", 1, 10000000, &n) < 0 ||
	    !accounts != !regions) {
		usage(stderr);
		return 2;
	}
	if (!accounts)
		accounts = (n + per_account - 1) / per_account;
	if (accounts > MAX_ACCOUNTS) {
		fprintf(stderr, "engine_probe: at most %d accounts (N / per-account)\n", MAX_ACCOUNTS);
		return 2;
	}
	path = xasprintf("%s/tenants", argv[optind]);
	if ((mkdir(argv[optind], 0755) < 0 && errno != EEXIST) || (mkdir(path, 0755) < 0 && errno != EEXIST)) {
		perror(path);
		free(path);
		return 1;
	}
	free(path);
	strbuf_init(&sb, STRBUF_NO_CAP);
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (i % PER_DIR == 0) {
			path = xasprintf("%s/tenants/group-%03zu", argv[optind], i / PER_DIR);
			if (mkdir(path, 0755) < 0 && errno != EEXIST) {
				perror(path);
				rc = 1;
			}
			free(path);
		}
		strbuf_reset(&sb);
		snprintf(account, sizeof(account), "acct-%02zu", i % accounts);
		bench_tenant_manifest_at(&sb, i, account, regions ? gen_regions[(i / accounts) % regions] : NULL, true);
		bytes += sb.len;
		profiles += 1 + i % 3;
		path = xasprintf("%s/tenants/group-%03zu/tenant-%06zu.yaml", argv[optind], i / PER_DIR, i);
		if (rc == 0 && write_file(path, sb.buf, sb.len) < 0)
			rc = 1;
		free(path);
	}
	strbuf_reset(&sb);
	strbuf_adds(&sb, "accounts:\n");
	for (size_t k = 0; k < accounts; k++) {
		char id[16];
		account_id(k, id);
		if (k == 0)
			strbuf_addf(&sb, "  acct-%02zu: {id: \"%s\"}\n", k, id);
		else
			strbuf_addf(&sb,
				    "  acct-%02zu: {id: \"%s\", role_arn: \"arn:aws:iam::%s:role/bedrock-tenantd\"}\n",
				    k, id, id);
	}
	path = xasprintf("%s/accounts.yaml", argv[optind]);
	if (rc == 0 && write_file(path, sb.buf, sb.len) < 0)
		rc = 1;
	free(path);
	strbuf_reset(&sb);
	awsim_state(&sb, n, accounts, regions != 0);
	path = xasprintf("%s/awsim-state.json", argv[optind]);
	if (rc == 0 && write_file(path, sb.buf, sb.len) < 0)
		rc = 1;
	free(path);
	strbuf_release(&sb);
	if (rc == 0)
		printf("generated %zu tenants, %zu profiles, %zu account(s) x %zu Region(s), %.1f MB of manifests in "
		       "%s/tenants\n",
		       n, profiles, accounts, regions ? regions : 1, (double)bytes / 1e6, argv[optind]);
	return rc;
}

/* ---- stamp ---- */

static int cmd_stamp(void)
{
	char buf[65536];
	bool line_start = true;
	ssize_t got;

	while ((got = read(STDIN_FILENO, buf, sizeof(buf))) != 0) {
		char stamp[32];
		double now;
		if (got < 0) {
			if (errno == EINTR)
				continue;
			perror("engine_probe stamp: read");
			return 1;
		}
		now = wall_now();
		snprintf(stamp, sizeof(stamp), "%.6f ", now);
		for (ssize_t i = 0; i < got; i++) {
			if (line_start)
				fputs(stamp, stdout);
			putchar(buf[i]);
			line_start = buf[i] == '\n';
		}
		fflush(stdout);
	}
	return 0;
}

/* ---- rename ---- */

static int cmd_rename(int argc, char **argv)
{
	double at;

	if (argc != 4) {
		usage(stderr);
		return 2;
	}
	at = wall_now();
	if (rename(argv[2], argv[3]) < 0) {
		fprintf(stderr, "engine_probe: rename %s %s: %s\n", argv[2], argv[3], strerror(errno));
		return 1;
	}
	printf("%.6f\n", at);
	return 0;
}

/* ---- hammer ---- */

enum kind { KIND_STATUS, KIND_TENANT, KIND_COUNT };
static const char *const kind_names[] = { "status", "tenant" };

struct samples {
	double *v;
	size_t n, alloc;
};

/* One request on a new connection; the answer's status and body (owned) or -errno. */
static int request(const char *socket_path, const char *target, int *ret_status, char **ret_body)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = 0, alloc = 8192, head = 0, want = SIZE_MAX;
	char *buf, *req;
	int fd, r = 0;

	if (strlen(socket_path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, socket_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	req = xasprintf("GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", target);
	for (size_t off = 0, n = strlen(req); off < n;) {
		ssize_t w = write(fd, req + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			r = -errno;
			free(req);
			close(fd);
			return r ? r : -EIO;
		}
		off += (size_t)w;
	}
	free(req);
	buf = xmalloc(alloc);
	for (;;) {
		ssize_t got;
		if (len + 1 >= alloc) {
			if (alloc >= RESPONSE_MAX) {
				r = -EFBIG;
				break;
			}
			alloc *= 2;
			buf = xrealloc(buf, alloc);
		}
		got = read(fd, buf + len, alloc - len - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			r = -errno;
			break;
		}
		len += (size_t)got;
		buf[len] = '\0';
		if (!head) {
			char *end = strstr(buf, "\r\n\r\n");
			if (end) {
				const char *cl = strcasestr(buf, "\r\ncontent-length:");
				head = (size_t)(end - buf) + 4;
				want = cl && cl < end ? head + strtoul(cl + 17, NULL, 10) : SIZE_MAX;
			}
		}
		if (got == 0 || len >= want)
			break;
	}
	close(fd);
	if (r == 0 && (!head || sscanf(buf, "HTTP/1.%*d %d", ret_status) != 1))
		r = -EPROTO;
	if (r < 0) {
		free(buf);
		return r;
	}
	*ret_body = buf;
	memmove(buf, buf + head, len - head + 1);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The q-quantile by the nearest-rank method on sorted values. */
static double quantile(const struct samples *s, double q)
{
	size_t rank = (size_t)((double)s->n * q + 0.999999);

	if (!s->n)
		return 0;
	if (rank < 1)
		rank = 1;
	return s->v[(rank > s->n ? s->n : rank) - 1];
}

static int cmd_hammer(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "tenants", required_argument, NULL, 'n' },
		{ "seconds", required_argument, NULL, 't' },
		{ "until-ready", no_argument, NULL, 'r' },
		{ "out", required_argument, NULL, 'o' },
		{ "interval", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	const char *socket_path = NULL, *out_path = NULL;
	size_t tenants = 1000, seconds = 600, failures = 0, interval_ms = 0;
	bool until_ready = false, ready = false;
	struct samples all[KIND_COUNT] = { { 0 } };
	FILE *out = NULL;
	double deadline;
	unsigned seed = (unsigned)getpid();
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			socket_path = optarg;
			break;
		case 'n':
			if (bench_parse_size("engine_probe", optarg, "--tenants", 1, 1000000, &tenants) < 0)
				return 2;
			break;
		case 't':
			if (bench_parse_size("engine_probe", optarg, "--seconds", 1, 86400, &seconds) < 0)
				return 2;
			break;
		case 'r':
			until_ready = true;
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'i':
			if (bench_parse_size("engine_probe", optarg, "--interval", 0, 3600000, &interval_ms) < 0)
				return 2;
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!socket_path || optind != argc) {
		usage(stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (out_path && !(out = fopen(out_path, "w"))) {
		perror(out_path);
		return 1;
	}
	deadline = bench_clock(CLOCK_MONOTONIC) + (double)seconds;
	for (unsigned long i = 0; bench_clock(CLOCK_MONOTONIC) < deadline && !ready; i++) {
		enum kind k = i % 2 ? KIND_TENANT : KIND_STATUS;
		char target[64], *body = NULL;
		double start = wall_now(), t0 = bench_clock(CLOCK_MONOTONIC), us;
		int status = 0, r;

		if (k == KIND_STATUS)
			snprintf(target, sizeof(target), "/v1/status");
		else
			snprintf(target, sizeof(target), "/v1/tenants/tenant-%06zu", (size_t)rand_r(&seed) % tenants);
		r = request(socket_path, target, &status, &body);
		us = (bench_clock(CLOCK_MONOTONIC) - t0) * 1e6;
		if (r < 0) {
			/* the daemon is not listening yet, or went away: not a sample */
			failures++;
			usleep(10000);
			continue;
		}
		if (k == KIND_STATUS && until_ready && strstr(body, "\"ready\":true"))
			ready = true;
		free(body);
		XGROW(all[k].v, all[k].n + 1, all[k].alloc);
		all[k].v[all[k].n++] = us;
		if (out)
			fprintf(out, "%.6f %.0f %s %d\n", start, us, kind_names[k], status);
		if (interval_ms)
			usleep((useconds_t)(interval_ms * 1000));
	}
	if (out && fclose(out) != 0) {
		perror(out_path);
		return 1;
	}
	for (int k = 0; k < KIND_COUNT; k++) {
		struct samples *s = &all[k];
		qsort(s->v, s->n, sizeof(double), cmp_double);
		printf("%s: %zu requests, p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", kind_names[k], s->n,
		       quantile(s, 0.50) / 1e3, quantile(s, 0.99) / 1e3, s->n ? s->v[s->n - 1] / 1e3 : 0.0);
		free(s->v);
	}
	if (failures)
		printf("connection failures (not counted): %zu\n", failures);
	return until_ready && !ready ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "gen"))
		return cmd_gen(argc - 1, argv + 1);
	if (argc == 2 && !strcmp(argv[1], "stamp"))
		return cmd_stamp();
	if (argc >= 2 && !strcmp(argv[1], "rename"))
		return cmd_rename(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "hammer"))
		return cmd_hammer(argc - 1, argv + 1);
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
