/* --watch: poll a document at a bounded interval and draw it again whenever the
 * drawing changes (a document whose only change is a countdown is not drawn again).
 * SIGINT and SIGTERM end the watch cleanly; a daemon that goes away ends it with a
 * message and exit status 3. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "ctl_http.h"

static volatile sig_atomic_t stopped;

static void on_signal(int sig)
{
	(void)sig;
	stopped = 1;
}

/* Sleeps ms in short slices, so that a signal ends the wait at once. */
static void pause_ms(long ms)
{
	for (long left = ms; left > 0 && !stopped; left -= 100) {
		struct timespec ts = { 0, (left < 100 ? left : 100) * 1000000L };
		nanosleep(&ts, NULL);
	}
}

/* The drawing of j in memory (owned by the caller), and its exit status. */
static char *draw(const struct ctl *c, const struct ctl_view *v, const cJSON *j, int *ret_exit)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m)
		abort();
	*ret_exit = ctl_show(c, v, m, j);
	fclose(m);
	return buf;
}

int ctl_watch(struct ctl *c, const char *path, const struct ctl_view *v)
{
	struct sigaction sa = { .sa_handler = on_signal }; /* no SA_RESTART: a sleep ends */
	bool tty = isatty(STDOUT_FILENO);
	unsigned shown = 0;
	char *last = NULL;
	int rc = 0;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	c->stop = &stopped;
	while (!stopped) {
		struct ctl_answer a = { 0 };
		char err[512], *text;
		cJSON *j = NULL;
		int r = ctl_request_bounded(c->socket, "GET", path, c->timeout_ms, &stopped, &a, err, sizeof(err));

		if (stopped) {
			if (r == 0)
				ctl_answer_release(&a);
			break;
		}
		if (r < 0) {
			if (shown)
				fprintf(stderr, "bedrock-tenantctl: the daemon went away (%s); stopped watching\n",
					err);
			else
				fprintf(stderr, "bedrock-tenantctl: %s\n", err);
			rc = EXIT_UNREACHABLE;
			break;
		}
		rc = ctl_answer_json(&a, !v->unavailable_fails, &j); /* e.g. the tenant is gone */
		ctl_answer_release(&a);
		if (rc)
			break;
		text = draw(c, v, j, &rc);
		cJSON_Delete(j);
		if (!last || strcmp(last, text) != 0) {
			if (tty) {
				time_t now = time(NULL);
				char at[32];
				strftime(at, sizeof(at), "%H:%M:%S", localtime(&now));
				printf("\033[H\033[2J%s, every %.1f s (Ctrl-C ends)\n\n", at, c->interval_ms / 1000.0);
			} else if (shown) {
				printf("\n");
			}
			fputs(text, stdout);
			fflush(stdout);
			free(last);
			last = text;
			shown++;
		} else {
			free(text);
		}
		pause_ms(c->interval_ms);
	}
	free(last);
	return stopped ? 0 : rc;
}
