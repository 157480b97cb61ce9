/* The daemon's heap (daemon/engine/heap.h): memory freed in many small chunks goes
 * back to the system when asked, with whichever allocator the build links. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "heap.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

#define CHUNKS 400000
#define CHUNK  200

/* VmRSS in KB, from /proc/self/status. */
static long rss_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static void test_freed_memory_given_back(void **state)
{
	char **v;
	long before, full, after;

	(void)state;
#ifdef UNDER_ASAN
	skip(); /* the sanitizer's allocator keeps freed memory in quarantine */
#endif
	v = calloc(CHUNKS, sizeof(*v));
	assert_non_null(v);
	before = rss_kb();
	for (size_t i = 0; i < CHUNKS; i++) {
		v[i] = malloc(CHUNK);
		assert_non_null(v[i]);
		memset(v[i], 'x', CHUNK);
	}
	full = rss_kb();
	assert_true(full - before > 60000); /* 80 MB touched */
	/* every chunk but one in a thousand: pages that hold a live chunk stay */
	for (size_t i = 0; i < CHUNKS; i++)
		if (i % 1000)
			free(v[i]);
	heap_give_back();
	after = rss_kb();
	print_message("allocator %s: VmRSS %ld KB before, %ld KB full, %ld KB after\n", heap_allocator(), before, full,
		      after);
	assert_true(after - before < (full - before) / 4);
	for (size_t i = 0; i < CHUNKS; i += 1000)
		free(v[i]);
	free(v);
}

static void test_allocator_named(void **state)
{
	(void)state;
	heap_setup();
	assert_true(strcmp(heap_allocator(), "jemalloc") == 0 || strcmp(heap_allocator(), "glibc") == 0 ||
		    strcmp(heap_allocator(), "system") == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_allocator_named),
		cmocka_unit_test(test_freed_memory_given_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
