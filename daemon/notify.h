/* systemd integration: sd_notify messages and the watchdog.
 *
 * Outside systemd (no NOTIFY_SOCKET) every call is a no-op. The watchdog pings at
 * half of WATCHDOG_USEC from a loop timer, so a stuck loop stops the pings and
 * systemd restarts the service. struct notifier is embedded in its owner; its timer
 * is closed by notifier_close(). */
#ifndef BTD_NOTIFY_H
#define BTD_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

struct notifier {
	uv_timer_t watchdog;
	uint64_t watchdog_usec; /* 0: no watchdog */
	bool enabled;		/* NOTIFY_SOCKET is set */
	char last_status[256];
};

void notifier_init(uv_loop_t *loop, struct notifier *n);
void notifier_close(struct notifier *n, uv_close_cb cb);
void notify_ready(struct notifier *n);
/* notify_status: STATUS= line, sent only when it changed. */
void notify_status(struct notifier *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void notify_reloading(struct notifier *n);
void notify_stopping(struct notifier *n);

#endif
