/* A tenant's history lines in one buffer: order, the line and byte bounds, cut lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "history_lines.h"

/* The lines held, oldest first, checked against the expected texts and times. */
static void expect_lines(const struct history_lines *h, const char *const *texts, const int64_t *ats, size_t n)
{
	size_t pos = 0, i = 0, bytes = 0;
	const char *text;
	int64_t at;

	while (history_lines_next(h, &pos, &at, &text)) {
		assert_true(i < n);
		assert_string_equal(text, texts[i]);
		assert_int_equal(at, ats[i]);
		bytes += sizeof(int64_t) + strlen(text) + 1;
		i++;
	}
	assert_int_equal(i, n);
	assert_int_equal(history_lines_count(h), n);
	assert_int_equal(history_lines_bytes(h), bytes);
	assert_true(history_lines_bytes(h) <= HISTORY_BYTES);
}

static void test_order_and_line_bound(void **state)
{
	struct history_lines h = { 0 };
	char texts[40][16];
	const char *want[HISTORY_LINES];
	int64_t ats[HISTORY_LINES];

	expect_lines(&h, NULL, NULL, 0);
	for (int i = 0; i < 40; i++) {
		snprintf(texts[i], sizeof(texts[i]), "line %d", i);
		history_lines_add(&h, 1000 + i, texts[i]);
		if (i == 2) {
			want[0] = texts[0], want[1] = texts[1], want[2] = texts[2];
			ats[0] = 1000, ats[1] = 1001, ats[2] = 1002;
			expect_lines(&h, want, ats, 3);
		}
	}
	/* the last HISTORY_LINES, oldest first */
	for (int i = 0; i < HISTORY_LINES; i++) {
		want[i] = texts[40 - HISTORY_LINES + i];
		ats[i] = 1000 + 40 - HISTORY_LINES + i;
	}
	expect_lines(&h, want, ats, HISTORY_LINES);
	history_lines_release(&h);
	assert_null(h.buf);
	assert_int_equal(sizeof(struct history_lines), 8); /* a pointer in every tenant's entry */
	expect_lines(&h, NULL, NULL, 0);
}

/* Long lines: each cut at HISTORY_LINE_MAX, and the oldest go to keep the bytes under
 * HISTORY_BYTES whatever the lines' lengths. */
static void test_byte_bound_and_cut(void **state)
{
	struct history_lines h = { 0 };
	char *long_line = malloc(10000), *cut = malloc(HISTORY_LINE_MAX + 1);
	const char *want[HISTORY_LINES];
	int64_t ats[HISTORY_LINES];
	size_t fit = HISTORY_BYTES / (sizeof(int64_t) + HISTORY_LINE_MAX + 1);

	memset(long_line, 'x', 9999);
	long_line[9999] = '\0';
	memset(cut, 'x', HISTORY_LINE_MAX - 3);
	memcpy(cut + HISTORY_LINE_MAX - 3, "...", 4);
	assert_int_equal(strlen(cut), HISTORY_LINE_MAX);
	for (int i = 0; i < 10; i++)
		history_lines_add(&h, i, long_line);
	for (size_t i = 0; i < fit; i++) {
		want[i] = cut;
		ats[i] = (int64_t)(10 - fit + i);
	}
	expect_lines(&h, want, ats, fit);
	/* a short line after them: the oldest long one goes only if it must */
	history_lines_add(&h, 10, "short");
	{
		size_t n = 0, used = fit * (sizeof(int64_t) + HISTORY_LINE_MAX + 1);
		size_t keep = used + sizeof(int64_t) + 6 <= HISTORY_BYTES ? fit : fit - 1;
		for (size_t i = fit - keep; i < fit; i++) {
			want[n] = cut;
			ats[n++] = (int64_t)(10 - fit + i);
		}
		want[n] = "short";
		ats[n++] = 10;
		expect_lines(&h, want, ats, n);
	}
	/* exactly HISTORY_LINE_MAX bytes: kept whole */
	long_line[HISTORY_LINE_MAX] = '\0';
	history_lines_add(&h, 11, long_line);
	{
		size_t pos = 0;
		const char *text = NULL, *last = NULL;
		int64_t at;
		while (history_lines_next(&h, &pos, &at, &text))
			last = text;
		assert_string_equal(last, long_line);
	}
	assert_true(history_lines_bytes(&h) <= HISTORY_BYTES);
	history_lines_release(&h);
	free(long_line);
	free(cut);
}

/* Two sets merged by time (the first's line first at the same second), each in its own
 * order, under the bounds: the newest HISTORY_LINES. */
static void test_merge_by_time(void **state)
{
	struct history_lines a = { 0 }, b = { 0 }, m = { 0 };
	const char *want[] = { "a1", "b1", "a2", "b2", "b3", "a3" }, *want_b[] = { "b1", "b2", "b3" };
	int64_t ats[] = { 1, 2, 3, 3, 4, 5 }, ats_b[] = { 2, 3, 4 };

	(void)state;
	history_lines_add(&a, 1, "a1");
	history_lines_add(&a, 3, "a2");
	history_lines_add(&a, 5, "a3");
	history_lines_add(&b, 2, "b1");
	history_lines_add(&b, 3, "b2");
	history_lines_add(&b, 4, "b3");
	history_lines_merge(&m, &a, &b);
	expect_lines(&m, want, ats, 6);
	history_lines_release(&m);
	history_lines_merge(&m, NULL, &b);
	expect_lines(&m, want_b, ats_b, 3);
	history_lines_release(&m);
	for (int i = 0; i < HISTORY_LINES; i++)
		history_lines_add(&b, 10 + i, "newer");
	history_lines_merge(&m, &a, &b);
	assert_int_equal(history_lines_count(&m), HISTORY_LINES); /* a's and b's oldest went */
	history_lines_release(&m);
	history_lines_release(&a);
	history_lines_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_and_line_bound),
		cmocka_unit_test(test_byte_bound_and_cut),
		cmocka_unit_test(test_merge_by_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
