#include "ctl_http.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int ctl_request_bounded(const char *socket, const char *method, const char *path, long timeout_ms,
			const volatile sig_atomic_t *cancel, struct ctl_answer *ret, char *err, size_t err_len)
{
	CURL *h = curl_easy_init();
	struct strbuf body;
	char *url;
	CURLcode rc;
	int r = 0;

	if (!h) {
		snprintf(err, err_len, "cannot start an HTTP client");
		return -ENOMEM;
	}
	strbuf_init(&body, CTL_MAX_BODY);
	url = xasprintf("http://localhost%s", path);
	curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, socket);
	curl_easy_setopt(h, CURLOPT_URL, url);
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
	rc = curl_easy_perform(h);
	if (rc == CURLE_ABORTED_BY_CALLBACK) {
		snprintf(err, err_len, "interrupted");
		strbuf_release(&body);
		r = -EINTR;
	} else if (rc != CURLE_OK) {
		snprintf(err, err_len, "cannot reach the daemon at %s: %s", socket, curl_easy_strerror(rc));
		strbuf_release(&body);
		r = rc == CURLE_OPERATION_TIMEDOUT ? -ETIMEDOUT : -ECONNREFUSED;
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
