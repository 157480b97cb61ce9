#include "notify.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-daemon.h>

static void on_watchdog(uv_timer_t *t)
{
	sd_notify(0, "WATCHDOG=1");
}

void notifier_init(uv_loop_t *loop, struct notifier *n)
{
	uint64_t usec = 0;

	memset(n, 0, sizeof(*n));
	n->enabled = getenv("NOTIFY_SOCKET") != NULL;
	uv_timer_init(loop, &n->watchdog);
	n->watchdog.data = n;
	if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
		n->watchdog_usec = usec;
		sd_notify(0, "WATCHDOG=1");
		uv_timer_start(&n->watchdog, on_watchdog, usec / 2000, usec / 2000);
	}
}

void notifier_close(struct notifier *n, uv_close_cb cb)
{
	uv_close((uv_handle_t *)&n->watchdog, cb);
}

void notify_ready(struct notifier *n)
{
	if (n->enabled)
		sd_notify(0, "READY=1");
}

void notify_status(struct notifier *n, const char *fmt, ...)
{
	char status[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(status, sizeof(status), fmt, ap);
	va_end(ap);
	if (!n->enabled || strcmp(status, n->last_status) == 0)
		return;
	snprintf(n->last_status, sizeof(n->last_status), "%s", status);
	sd_notifyf(0, "STATUS=%s", status);
}

void notify_reloading(struct notifier *n)
{
	struct timespec ts;

	if (!n->enabled)
		return;
	/* systemd 253+ wants MONOTONIC_USEC with RELOADING=1; older ones ignore it */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu",
		   (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000);
}

void notify_stopping(struct notifier *n)
{
	if (n->enabled)
		sd_notify(0, "STOPPING=1");
}
