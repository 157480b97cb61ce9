/* eventsclient: unlucky readers of the control socket's event stream (GET /v1/events),
 * for test_events.sh. Bounded in time; talks only to the UNIX-domain socket given.
 *
 *   eventsclient SOCKET stall HOLD_SECONDS READ_SECONDS
 *       Opens the stream with a small receive buffer, reads nothing for HOLD_SECONDS
 *       (or until SIGUSR1), then reads until the daemon closes (at most READ_SECONDS more). Prints
 *       "dropped" when the last comment said the client was dropped and "closed" when
 *       the daemon closed; exits 0 when both happened.
 *   eventsclient SOCKET early-close N
 *       N times in a row: opens the stream, reads its first bytes and closes with a
 *       reset. Exits 0 when every stream was answered 200. */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define REQUEST "GET /v1/events HTTP/1.1\r\nHost: localhost\r\n\r\n"

static int dial(const char *path, int rcvbuf)
{
	struct sockaddr_un su = { .sun_family = AF_UNIX };
	struct timeval tv = { 5, 0 };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (rcvbuf)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	snprintf(su.sun_path, sizeof(su.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&su, sizeof(su)) < 0 ||
	    send(fd, REQUEST, strlen(REQUEST), MSG_NOSIGNAL) != (ssize_t)strlen(REQUEST)) {
		close(fd);
		return -1;
	}
	return fd;
}

static volatile sig_atomic_t go;

static void on_usr1(int sig)
{
	(void)sig;
	go = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int run_stall(const char *path, double hold, double read_s)
{
	int fd = dial(path, 4096);
	char buf[65536], tail[256] = "";
	bool closed = false, dropped;
	double deadline;
	size_t total = 0;

	if (fd < 0) {
		perror("eventsclient: connect");
		return 2;
	}
	for (deadline = now_s() + hold; !go && now_s() < deadline;)
		usleep(20 * 1000);
	deadline = now_s() + read_s;
	while (now_s() < deadline) {
		ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
		if (n == 0) {
			closed = true;
			break;
		}
		if (n < 0)
			continue; /* the receive timeout: try again until the deadline */
		buf[n] = '\0';
		total += (size_t)n;
		/* keep the last bytes: the final comment ends the stream */
		if ((size_t)n >= sizeof(tail) - 1) {
			memcpy(tail, buf + n - (sizeof(tail) - 1), sizeof(tail) - 1);
			tail[sizeof(tail) - 1] = '\0';
		} else {
			size_t keep = sizeof(tail) - 1 - (size_t)n, have = strlen(tail);
			if (have > keep)
				memmove(tail, tail + have - keep, keep + 1);
			strcat(tail, buf);
		}
	}
	close(fd);
	dropped = strstr(tail, ": dropped") != NULL;
	printf("read %zu bytes%s%s\n", total, dropped ? "; dropped" : "", closed ? "; closed" : "");
	return dropped && closed ? 0 : 1;
}

static int run_early_close(const char *path, int n)
{
	struct linger l = { 1, 0 };
	int ok = 0;

	for (int i = 0; i < n; i++) {
		int fd = dial(path, 0);
		char buf[64];
		ssize_t r;

		if (fd < 0)
			continue;
		r = recv(fd, buf, sizeof(buf) - 1, 0);
		if (r > 12 && strncmp(buf, "HTTP/1.1 200", 12) == 0)
			ok++;
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
		close(fd);
	}
	printf("%d of %d streams answered\n", ok, n);
	return ok == n ? 0 : 1;
}

int main(int argc, char **argv)
{
	signal(SIGUSR1, on_usr1);
	if (argc == 5 && strcmp(argv[2], "stall") == 0)
		return run_stall(argv[1], atof(argv[3]), atof(argv[4]));
	if (argc == 4 && strcmp(argv[2], "early-close") == 0)
		return run_early_close(argv[1], atoi(argv[3]));
	fprintf(stderr, "usage: eventsclient SOCKET stall HOLD READ | early-close N\n");
	return 2;
}
