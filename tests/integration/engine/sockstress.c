/* sockstress: hostile and unlucky clients of the control socket, for the socket
 * integration tests. Every mode is bounded in time and count and talks only to the
 * UNIX-domain socket it is given.
 *
 *   sockstress SOCKET early-close N
 *       N concurrent clients send a request and close at once with a reset
 *       (SO_LINGER 0), never reading the answer. SOCKET may be tcp:PORT (127.0.0.1).
 *   sockstress SOCKET flood N SECONDS PID
 *       N clients reconnect for SECONDS (connect, send GET /v1/health, then read the
 *       answer or close at once, in turn) while a probe asks /v1/health every 100 ms
 *       and PID's resident memory is sampled. Prints one line of figures; exits 1 when
 *       a probe failed or took more than 1 s.
 *   sockstress SOCKET trickle N INTERVAL_MS SECONDS
 *       N clients send a request head one byte every INTERVAL_MS, reconnecting when
 *       the server closes them; after they are all connected a fresh client asks
 *       /v1/health (deadline SECONDS). Prints when each trickling connection was
 *       closed and how long the fresh client waited; exits 1 when it got no answer.
 *   sockstress SOCKET probe TIMEOUT_MS
 *       One GET /v1/health; prints how long it took in ms (or "failed"); exits 0
 *       when a 200 arrived within TIMEOUT_MS. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_CLIENTS 1024
#define HEALTH	    "GET /v1/health HTTP/1.1\r\nHost: localhost\r\n\r\n"

static const char *sock_path;
static atomic_bool stop;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void set_timeout(int fd, double secs)
{
	struct timeval tv = { (time_t)secs, (suseconds_t)((secs - (double)(time_t)secs) * 1e6) };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)); /* bounds connect() too */
}

/* A connected socket, or -1. sock_path "tcp:PORT" is 127.0.0.1:PORT. */
static int dial(double timeout_s)
{
	struct sockaddr_un su = { .sun_family = AF_UNIX };
	struct sockaddr_in si = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	bool tcp = strncmp(sock_path, "tcp:", 4) == 0;
	int fd = socket(tcp ? AF_INET : AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int r;

	if (fd < 0)
		return -1;
	set_timeout(fd, timeout_s);
	if (tcp) {
		si.sin_port = htons((uint16_t)atoi(sock_path + 4));
		r = connect(fd, (struct sockaddr *)&si, sizeof(si));
	} else {
		snprintf(su.sun_path, sizeof(su.sun_path), "%s", sock_path);
		r = connect(fd, (struct sockaddr *)&su, sizeof(su));
	}
	if (r < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void reset_close(int fd)
{
	struct linger l = { 1, 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

static bool send_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
		if (w <= 0)
			return false;
		s += w;
		n -= (size_t)w;
	}
	return true;
}

/* Reads until the peer closes or the head and a Content-Length body are in; true when
 * the answer is a 200. */
static bool read_answer(int fd)
{
	char buf[8192];
	size_t len = 0;

	for (;;) {
		ssize_t r = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);
		char *end, *cl;
		if (r <= 0)
			break;
		len += (size_t)r;
		buf[len] = '\0';
		end = strstr(buf, "\r\n\r\n");
		cl = strstr(buf, "Content-Length: ");
		if (end && cl && (size_t)(end + 4 - buf) + strtoul(cl + 16, NULL, 10) <= len)
			break;
		if (len == sizeof(buf) - 1)
			break;
	}
	buf[len] = '\0';
	return strncmp(buf, "HTTP/1.1 200 ", 13) == 0;
}

/* One health request on a fresh connection; its duration in ms, or -1 on failure. */
static double probe_once(double timeout_s)
{
	double t0 = now_s();
	int fd = dial(timeout_s);
	bool ok;

	if (fd < 0)
		return -1;
	ok = send_all(fd, HEALTH, strlen(HEALTH)) && read_answer(fd);
	close(fd);
	return ok ? (now_s() - t0) * 1000 : -1;
}

static void *early_closer(void *arg)
{
	int fd = dial(5);

	(void)arg;
	if (fd < 0)
		return NULL;
	send_all(fd, "GET /v1/status HTTP/1.1\r\n\r\n", 27);
	reset_close(fd);
	return NULL;
}

static void *flooder(void *arg)
{
	unsigned long n = (unsigned long)(uintptr_t)arg;

	while (!atomic_load(&stop)) {
		int fd = dial(2);
		if (fd < 0)
			continue;
		if (send_all(fd, HEALTH, strlen(HEALTH)) && n++ % 2)
			read_answer(fd);
		reset_close(fd);
	}
	return NULL;
}

static long rss_kb(const char *pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static bool start_threads(pthread_t *th, int n, void *(*fn)(void *))
{
	pthread_attr_t attr;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 128 * 1024);
	for (int i = 0; i < n; i++)
		if (pthread_create(&th[i], &attr, fn, (void *)(uintptr_t)i) != 0) {
			fprintf(stderr, "sockstress: cannot start thread %d\n", i);
			return false;
		}
	pthread_attr_destroy(&attr);
	return true;
}

static int run_early_close(int n)
{
	pthread_t th[MAX_CLIENTS];

	if (!start_threads(th, n, early_closer))
		return 2;
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	return 0;
}

static int run_flood(int n, double secs, const char *pid)
{
	pthread_t th[MAX_CLIENTS];
	long rss0 = rss_kb(pid), rss_max = rss0;
	int probes = 0, failed = 0, slow = 0;
	double max_ms = 0, end;

	if (!start_threads(th, n, flooder))
		return 2;
	for (end = now_s() + secs; now_s() < end;) {
		double ms = probe_once(1.5);
		long rss = rss_kb(pid);
		probes++;
		if (ms < 0)
			failed++;
		else if (ms > 1000)
			slow++;
		if (ms > max_ms)
			max_ms = ms;
		if (rss > rss_max)
			rss_max = rss;
		usleep(100 * 1000);
	}
	atomic_store(&stop, true);
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	printf("probes %d failed %d slow %d max_ms %.0f rss_start_kb %ld rss_max_kb %ld\n", probes, failed, slow,
	       max_ms, rss0, rss_max);
	return failed || slow ? 1 : 0;
}

struct trickle {
	pthread_t th;
	int interval_ms;
	atomic_bool connected;
	_Atomic double closed_after; /* seconds the first connection lived; 0 while open */
};

static void *trickler(void *arg)
{
	static const char head[] = "GET /v1/health HTTP/1.1\r\nX-Slow: ";
	struct trickle *t = arg;
	bool first = true;

	while (!atomic_load(&stop)) {
		double t0 = now_s();
		int fd = dial(2);
		size_t i = 0;
		if (fd < 0) {
			usleep(10 * 1000);
			continue;
		}
		atomic_store(&t->connected, true);
		for (;;) {
			char c = i < sizeof(head) - 1 ? head[i] : 'a';
			char sink[64];
			i++;
			if (!send_all(fd, &c, 1) || atomic_load(&stop))
				break;
			usleep((useconds_t)t->interval_ms * 1000);
			/* a closed connection reads as EOF */
			if (recv(fd, sink, sizeof(sink), MSG_DONTWAIT) == 0)
				break;
		}
		close(fd);
		if (first && !atomic_load(&stop))
			t->closed_after = now_s() - t0;
		first = false;
	}
	return NULL;
}

static int run_trickle(int n, int interval_ms, double secs)
{
	static struct trickle t[MAX_CLIENTS];
	double t0, ms, max_closed = 0;
	int open = 0;
	pthread_attr_t attr;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 128 * 1024);
	for (int i = 0; i < n; i++) {
		t[i].interval_ms = interval_ms;
		if (pthread_create(&t[i].th, &attr, trickler, &t[i]) != 0)
			return 2;
	}
	pthread_attr_destroy(&attr);
	for (int i = 0; i < n; i++)
		while (!atomic_load(&t[i].connected))
			usleep(10 * 1000);
	sleep(1);
	t0 = now_s();
	ms = probe_once(secs);
	printf("fresh client: %s after %.1f s\n", ms < 0 ? "no answer" : "answered", now_s() - t0);
	/* let every trickling client see its first connection end, or the time run out */
	for (int i = 0; i < n && now_s() < t0 + secs; i++)
		if (atomic_load(&t[i].closed_after) == 0) {
			usleep(100 * 1000);
			i = -1;
		}
	atomic_store(&stop, true);
	for (int i = 0; i < n; i++) {
		pthread_join(t[i].th, NULL);
		if (t[i].closed_after == 0)
			open++;
		else if (t[i].closed_after > max_closed)
			max_closed = t[i].closed_after;
	}
	printf("trickling connections closed by the server: %d of %d, the last after %.1f s\n", n - open, n,
	       max_closed);
	return ms < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 2 ? argv[2] : "";
	int n = argc > 3 ? atoi(argv[3]) : 0;

	if (argc < 4 || n < 0 || (n > MAX_CLIENTS && strcmp(mode, "probe") != 0)) {
		fprintf(stderr, "usage: sockstress SOCKET early-close|flood|trickle|probe ARGS... (see the source)\n");
		return 2;
	}
	sock_path = argv[1];
	if (strcmp(mode, "early-close") == 0)
		return run_early_close(n);
	if (strcmp(mode, "flood") == 0 && argc == 6)
		return run_flood(n, atof(argv[4]), argv[5]);
	if (strcmp(mode, "trickle") == 0 && argc == 6)
		return run_trickle(n, atoi(argv[4]), atof(argv[5]));
	if (strcmp(mode, "probe") == 0) {
		double ms = probe_once(n / 1000.0);
		if (ms >= 0)
			printf("%.1f\n", ms);
		else
			printf("failed\n");
		return ms >= 0 && ms <= n ? 0 : 1;
	}
	fprintf(stderr, "sockstress: unknown mode or arguments\n");
	return 2;
}
