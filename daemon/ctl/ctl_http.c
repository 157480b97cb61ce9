#include "ctl_http.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "strbuf.h"
#include "xalloc.h"

static size_t on_data(char *data, size_t size, size_t nmemb, void *arg)
{
	struct strbuf *sb = arg;

	return strbuf_add(sb, data, size * nmemb) < 0 ? 0 : size * nmemb;
}

/* Ends a transfer once the cancel flag is set (libcurl polls this often). */
static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	const volatile sig_atomic_t *cancel = arg;

	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	return *cancel ? 1 : 0;
}

int ctl_request(const char *socket, const char *method, const char *path, struct ctl_answer *ret, char *err,
		size_t err_len)
{
	return ctl_request_bounded(socket, method, path, 30000, NULL, ret, err, err_len);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Why a connection to the socket failed: libcurl reports "Couldn't connect" alike for a
 * socket nobody listens on (ECONNREFUSED, ENOENT) and for a daemon whose listen backlog
 * is full (a non-blocking connect() says EAGAIN). A connect of its own tells them
 * apart; if that one gets through (the backlog had room again), it is closed at once.
 * Returns 0 or the errno of the connect.
 */
static int connect_error(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, e = 0;

	if (strlen(path) >= sizeof(sun.sun_path))
		return ENAMETOOLONG;
	memcpy(sun.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		e = errno == EWOULDBLOCK ? EAGAIN : errno;
	close(fd);
	return e;
}

/* Why the path cannot be connected to, said for people: a refusal at a path that is
 * not a socket at all (a regular file, a directory) is told as that; a socket nobody
 * listens on as such. */
static void explain_connect_error(const char *path, int why, char *out, size_t out_len)
{
	struct stat st;

	if ((why == ECONNREFUSED || why == ENOTSOCK) && stat(path, &st) == 0 && !S_ISSOCK(st.st_mode))
		snprintf(out, out_len, "%s, not a socket",
			 S_ISDIR(st.st_mode)	? "it is a directory"
			 : S_ISREG(st.st_mode)	? "it is a regular file"
			 : S_ISFIFO(st.st_mode) ? "it is a FIFO"
						: "it is not a socket file");
	else if (why == ECONNREFUSED)
		snprintf(out, out_len, "%s (nothing listens on the socket: is the daemon running?)", strerror(why));
	else if (why == ENAMETOOLONG)
		snprintf(out, out_len, "the path is %zu bytes long; a UNIX socket path holds at most %zu", strlen(path),
			 sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
	else
		snprintf(out, out_len, "%s", strerror(why));
}

/* Sleeps before the next try at a full backlog, or one that had room again by the time
 * it was asked (10 ms doubling to 250 ms); false once the deadline has passed or the
 * cancel flag is set. */
static bool wait_for_room(long *pause_ms, long deadline_ms, const volatile sig_atomic_t *cancel)
{
	long left = deadline_ms - now_ms();
	long pause = *pause_ms < left ? *pause_ms : left;
	struct timespec ts = { .tv_sec = pause / 1000, .tv_nsec = (pause % 1000) * 1000000 };

	if (pause <= 0 || (cancel && *cancel))
		return false;
	nanosleep(&ts, NULL);
	*pause_ms = *pause_ms * 2 > 250 ? 250 : *pause_ms * 2;
	return !(cancel && *cancel);
}

int ctl_request_bounded(const char *socket, const char *method, const char *path, long timeout_ms,
			const volatile sig_atomic_t *cancel, struct ctl_answer *ret, char *err, size_t err_len)
{
	CURL *h = curl_easy_init();
	long deadline_ms = now_ms() + timeout_ms;
	long pause_ms = 10;
	int why = 0; /* connect_error() of the last failed connection */
	struct strbuf body;
	char *url;
	CURLcode rc;
	int r = 0;

	if (!h) {
		snprintf(err, err_len, "cannot start an HTTP client");
		return -ENOMEM;
	}
	if (strlen(socket) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		/* libcurl would say "Couldn't resolve host name" */
		char text[160];

		explain_connect_error(socket, ENAMETOOLONG, text, sizeof(text));
		snprintf(err, err_len, "cannot reach the daemon at %s: %s", socket, text);
		curl_easy_cleanup(h);
		return -ENAMETOOLONG;
	}
	strbuf_init(&body, CTL_MAX_BODY);
	url = xasprintf("http://localhost%s", path);
	curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, socket);
	curl_easy_setopt(h, CURLOPT_URL, url);
	/* the path as built: libcurl would squash "." and ".." segments, and an id ".."
	 * in /v1/tenants/{id}/reconcile would ask POST /v1/reconcile (every tenant) */
	curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	if (cancel) {
		curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
		curl_easy_setopt(h, CURLOPT_XFERINFODATA, (void *)cancel);
		curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	}
	if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, 0L);
	}
	for (;;) {
		long left;

		rc = curl_easy_perform(h);
		why = rc == CURLE_COULDNT_CONNECT ? connect_error(socket) : 0;
		if (rc != CURLE_COULDNT_CONNECT || (why != EAGAIN && why != 0) ||
		    !wait_for_room(&pause_ms, deadline_ms, cancel))
			break;
		left = deadline_ms - now_ms();
		if (left <= 0)
			break;
		curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, left);
	}
	if (why == EAGAIN && cancel && *cancel)
		rc = CURLE_ABORTED_BY_CALLBACK;
	if (rc == CURLE_ABORTED_BY_CALLBACK) {
		snprintf(err, err_len, "interrupted");
		strbuf_release(&body);
		r = -EINTR;
	} else if (rc != CURLE_OK && why == EAGAIN) {
		snprintf(err, err_len, "cannot reach the daemon at %s: its listen backlog stayed full for %ld ms",
			 socket, timeout_ms);
		strbuf_release(&body);
		r = -ETIMEDOUT;
	} else if (rc != CURLE_OK && why) {
		char text[160];

		explain_connect_error(socket, why, text, sizeof(text));
		snprintf(err, err_len, "cannot reach the daemon at %s: %s", socket, text);
		strbuf_release(&body);
		r = -ECONNREFUSED;
	} else if (rc == CURLE_WRITE_ERROR) {
		/* on_data refused more: the answer came, and was over the cap */
		snprintf(err, err_len, "the answer of the daemon at %s is larger than %d MiB: not read", socket,
			 CTL_MAX_BODY / (1024 * 1024));
		strbuf_release(&body);
		r = -EMSGSIZE;
	} else if (rc == CURLE_OPERATION_TIMEDOUT) {
		/* connected (the kernel queues a connection the daemon does not accept), no answer */
		snprintf(err, err_len, "the daemon at %s did not answer within %ld s (stopped, or busy?)", socket,
			 (timeout_ms + 999) / 1000);
		strbuf_release(&body);
		r = -ETIMEDOUT;
	} else if (rc != CURLE_OK) {
		snprintf(err, err_len, "cannot reach the daemon at %s: %s", socket, curl_easy_strerror(rc));
		strbuf_release(&body);
		r = -ECONNREFUSED;
	} else {
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &ret->status);
		ret->body = strbuf_detach(&body, &ret->len);
	}
	free(url);
	curl_easy_cleanup(h);
	return r;
}

void ctl_answer_release(struct ctl_answer *a)
{
	free(a->body);
	a->body = NULL;
	a->len = 0;
}
