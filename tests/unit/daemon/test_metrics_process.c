/* The process metrics: /proc/<pid>/stat parsed field by field (a command name with
 * spaces and parentheses included), and the running test process read for real. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "metrics_process.h"

/* proc(5): pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt
 * cmajflt utime stime cutime cstime priority nice num_threads itrealvalue starttime
 * vsize rss ... */
static const char stat_line[] = "4242 (a (b) c) S 1 4242 4242 0 -1 4194560 500 0 0 0 "
				"250 150 0 0 20 0 1 0 1000 123456789 2048 18446744073709551615 1 1 0 0 0 0 0 "
				"4096 0 0 0 17 1 0 0 0 0 0\n";

static void test_parse(void **state)
{
	struct metrics_process p = { 0 };

	(void)state;
	assert_int_equal(metrics_process_parse(stat_line, 1700000000, 100, 4096, &p), 0);
	assert_true(p.cpu_seconds > 3.999 && p.cpu_seconds < 4.001); /* (250 + 150) / 100 */
	assert_true(p.start_time > 1700000009.999 && p.start_time < 1700000010.001);
	assert_int_equal(p.virtual_bytes, 123456789);
	assert_int_equal(p.resident_bytes, 2048 * 4096);
}

static void test_parse_rejects_what_is_not_stat(void **state)
{
	struct metrics_process p;

	(void)state;
	assert_int_equal(metrics_process_parse("", 0, 100, 4096, &p), -EINVAL);
	assert_int_equal(metrics_process_parse("1 (x) S 1 2 3", 0, 100, 4096, &p), -EINVAL);
	assert_int_equal(metrics_process_parse("1 (x) S 1 2 3 4 5 6 7 8 9 10 x", 0, 100, 4096, &p), -EINVAL);
	assert_int_equal(metrics_process_parse(stat_line, 0, 0, 4096, &p), -EINVAL);
}

static void test_read_self(void **state)
{
	struct metrics_process p;
	struct strbuf sb;

	(void)state;
	assert_int_equal(metrics_process_read(&p), 0);
	assert_true(p.resident_bytes > 0);
	assert_true(p.open_fds >= 3); /* stdin, stdout, stderr */
	assert_true(p.max_fds >= p.open_fds);
	assert_true(p.start_time > 1.5e9 && p.start_time <= (double)time(NULL) + 1);
	strbuf_init(&sb, STRBUF_NO_CAP);
	metrics_process_print(&p, &sb);
	assert_non_null(strstr(sb.buf, "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total "));
	assert_non_null(strstr(sb.buf, "\nprocess_open_fds "));
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_rejects_what_is_not_stat),
		cmocka_unit_test(test_read_self),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
