#include "awsim_harness.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "strbuf.h"
#include "xalloc.h"

static void die(const char *what)
{
	fprintf(stderr, "harness: %s\n", what);
	exit(1);
}

void awsim_start(struct awsim *sim, const char *const *extra)
{
	const char *argv[40] = { AWSIM_PATH, "--listen", "127.0.0.1:0",	  "--quiet",
				 "--seed",   "7",	 "--credentials", HARNESS_AKID ":" HARNESS_SECRET };
	int fds[2], n = 8;
	char line[128];
	size_t len = 0;
	ssize_t r;

	for (; extra && *extra && n < 38; extra++)
		argv[n++] = *extra;
	argv[n] = NULL;
	if (pipe(fds) < 0)
		die("pipe");
	sim->pid = fork();
	if (sim->pid < 0)
		die("fork");
	if (sim->pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		execv(AWSIM_PATH, (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	while (len < sizeof(line) - 1 && (r = read(fds[0], line + len, 1)) == 1 && line[len] != '\n')
		len++;
	line[len] = '\0';
	close(fds[0]);
	if (strncmp(line, "listening on ", 13) != 0)
		die("awsim did not start");
	snprintf(sim->url, sizeof(sim->url), "http://%s", line + 13);
}

void awsim_stop(struct awsim *sim)
{
	int status;

	if (sim->pid <= 0)
		return;
	kill(sim->pid, SIGTERM);
	waitpid(sim->pid, &status, 0);
	sim->pid = 0;
}

static size_t collect(char *data, size_t size, size_t nmemb, void *userp)
{
	return strbuf_add(userp, data, size * nmemb) < 0 ? 0 : size * nmemb;
}

int awsim_admin(const struct awsim *sim, const char *method, const char *path, const char *body, char **ret_body)
{
	CURL *e = curl_easy_init();
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	char *url = xasprintf("%s/_awsim/%s", sim->url, path);
	struct strbuf sb;
	long status = 0;

	strbuf_init(&sb, 16u << 20);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
	if (body)
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &sb);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 10000L);
	if (curl_easy_perform(e) == CURLE_OK)
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(e);
	curl_slist_free_all(h);
	free(url);
	if (ret_body)
		*ret_body = strbuf_detach(&sb, NULL);
	else
		strbuf_release(&sb);
	return (int)status;
}

long awsim_calls(const struct awsim *sim, const char *operation, const char *outcome)
{
	char *body = NULL;
	cJSON *doc, *op, *v;
	long n = -1;

	if (awsim_admin(sim, "GET", "calls", NULL, &body) == 200 && (doc = cJSON_Parse(body))) {
		op = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "calls"), operation);
		if (!op)
			op = cJSON_GetObjectItemCaseSensitive(doc, operation);
		v = cJSON_GetObjectItemCaseSensitive(op, outcome);
		n = cJSON_IsNumber(v) ? (long)v->valuedouble : 0;
		cJSON_Delete(doc);
	}
	free(body);
	return n;
}

static struct harness *current;

static const char *harness_getenv(const char *name)
{
	for (const char *const *e = current->env; e && *e; e += 2)
		if (strcmp(e[0], name) == 0)
			return e[1];
	return NULL;
}

static const struct aws_credentials harness_creds = {
	.access_key_id = (char *)HARNESS_AKID,
	.secret_access_key = (char *)HARNESS_SECRET,
};

void harness_init(struct harness *h, const char *const *awsim_args)
{
	memset(h, 0, sizeof(*h));
	current = h;
	awsim_start(&h->sim, awsim_args);
	uv_loop_init(&h->loop);
	h->opts.region = "us-east-1";
	for (unsigned i = 0; i < AWS_SERVICE_COUNT; i++)
		h->opts.endpoints[i] = h->sim.url;
	h->opts.credentials = &harness_creds;
	h->opts.getenv = harness_getenv;
}

int harness_client(struct harness *h)
{
	struct aws_error err;
	int r;

	aws_error_init(&err);
	r = aws_client_new(&h->loop, &h->opts, &h->client, &err);
	if (r < 0)
		fprintf(stderr, "harness: aws_client_new: %s\n", err.message);
	aws_error_release(&err);
	return r;
}

void harness_run_until(struct harness *h, bool (*done)(void *arg), void *arg)
{
	while (!done(arg))
		if (uv_run(&h->loop, UV_RUN_ONCE) == 0 && !done(arg))
			break;
}

static void on_closed(void *arg)
{
	((struct harness *)arg)->closed = true;
}

static bool is_closed(void *arg)
{
	return ((struct harness *)arg)->closed;
}

int harness_finish(struct harness *h)
{
	if (h->client)
		aws_client_close(h->client, on_closed, h);
	else
		h->closed = true;
	harness_run_until(h, is_closed, h);
	uv_run(&h->loop, UV_RUN_DEFAULT);
	awsim_stop(&h->sim);
	return uv_loop_close(&h->loop);
}

void done_record(struct done *d, int status, const struct aws_error *err)
{
	d->calls++;
	d->status = status;
	if (err) {
		snprintf(d->code, sizeof(d->code), "%s", err->code);
		snprintf(d->message, sizeof(d->message), "%s", err->message);
		d->http_status = err->http_status;
		d->cls = err->class;
	}
}

void done_cb(void *arg, int status, const struct aws_error *err)
{
	done_record(arg, status, err);
}

bool done_p(void *arg)
{
	return ((struct done *)arg)->calls > 0;
}

int harness_wait(struct harness *h, struct done *d)
{
	harness_run_until(h, done_p, d);
	if (!d->calls) {
		fprintf(stderr, "harness: the loop ran dry before the callback\n");
		exit(1);
	}
	return d->status;
}
