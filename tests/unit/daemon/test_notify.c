/* sd_notify messages reach NOTIFY_SOCKET: READY, STATUS (only when it changes),
 * RELOADING, STOPPING, and WATCHDOG pings at half of WATCHDOG_USEC. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>
#include <uv.h>

#include "notify.h"

static int open_socket(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	unlink(path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void expect(int fd, const char *want_prefix)
{
	char buf[512];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);

	assert_true(n > 0);
	buf[n] = '\0';
	if (strncmp(buf, want_prefix, strlen(want_prefix)) != 0)
		fail_msg("got '%s', want '%s...'", buf, want_prefix);
}

static void no_message(int fd)
{
	char buf[64];

	assert_true(recv(fd, buf, sizeof(buf), MSG_DONTWAIT) < 0);
}

static void test_messages(void **state)
{
	char path[] = "/tmp/btd-notify-XXXXXX";
	int tmp = mkstemp(path);
	uv_loop_t loop;
	struct notifier n;
	char pid[32];
	int fd;

	close(tmp);
	fd = open_socket(path);
	setenv("NOTIFY_SOCKET", path, 1);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("WATCHDOG_PID", pid, 1);
	setenv("WATCHDOG_USEC", "20000", 1); /* pings every 10 ms */
	uv_loop_init(&loop);
	notifier_init(&loop, &n);
	expect(fd, "WATCHDOG=1"); /* the first ping comes at once */
	assert_int_equal(n.watchdog_usec, 20000);

	notify_status(&n, "%d/%d tenants ready", 3, 6);
	expect(fd, "STATUS=3/6 tenants ready");
	notify_status(&n, "%d/%d tenants ready", 3, 6); /* unchanged: not sent again */
	no_message(fd);
	notify_ready(&n);
	expect(fd, "READY=1");
	notify_reloading(&n);
	expect(fd, "RELOADING=1");
	notify_stopping(&n);
	expect(fd, "STOPPING=1");

	uv_run(&loop, UV_RUN_ONCE); /* the watchdog timer fires from the loop */
	expect(fd, "WATCHDOG=1");
	notifier_close(&n, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
	close(fd);
	unlink(path);
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

static void test_outside_systemd_is_silent(void **state)
{
	uv_loop_t loop;
	struct notifier n;

	unsetenv("NOTIFY_SOCKET");
	uv_loop_init(&loop);
	notifier_init(&loop, &n);
	assert_false(n.enabled);
	assert_int_equal(n.watchdog_usec, 0);
	notify_ready(&n);
	notify_status(&n, "x");
	notifier_close(&n, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_outside_systemd_is_silent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
