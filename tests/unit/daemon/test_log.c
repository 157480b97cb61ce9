/* The log's formats: every record one line, whatever its text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>
#define SD_JOURNAL_SUPPRESS_LOCATION /* as daemon/log.c: sd_journal_sendv itself */
#include <systemd/sd-journal.h>

#include "log.h"

/* stderr, where the records go, into a file of its own while a test writes them */
struct capture {
	char path[32];
	int fd, saved;
};

static void capture_start(struct capture *c)
{
	snprintf(c->path, sizeof(c->path), "/tmp/btd-log-XXXXXX");
	c->fd = mkstemp(c->path);
	c->saved = dup(STDERR_FILENO);
	assert_true(c->fd >= 0);
	fflush(stderr);
	dup2(c->fd, STDERR_FILENO);
}

/* The records written, to read (unlinked already). */
static FILE *capture_stop(struct capture *c)
{
	FILE *f;

	fflush(stderr);
	dup2(c->saved, STDERR_FILENO);
	close(c->saved);
	close(c->fd);
	f = fopen(c->path, "r");
	assert_non_null(f);
	unlink(c->path);
	return f;
}

static void test_json_lines(void **state)
{
	struct capture c;
	char line[20000];
	int lines = 0;
	FILE *f;

	(void)state;
	capture_start(&c);
	log_setup(LOG_LVL_INFO, true);
	log_set_format(LOG_FORMAT_JSON, true);
	log_msg(LOG_LVL_NOTICE,
		&(struct log_fields){ .tenant = "acme",
				      .request_id = "req-1",
				      .action = "tag-profile",
				      .changes = "~ CostCenter: \"eng\" -> \"finance\"",
				      .outcome = "ok" },
		"quotes \" backslash \\ newline \n tab \t bad utf-8 \xff\xfe end, good utf-8 \xc3\xa9");
	log_info("plain");
	log_debug("below the threshold");
	f = capture_stop(&c);
	log_set_format(LOG_FORMAT_TEXT, true);

	while (fgets(line, sizeof(line), f)) {
		cJSON *j = cJSON_Parse(line);
		assert_non_null(j);
		assert_true(cJSON_IsString(cJSON_GetObjectItem(j, "TIMESTAMP")));
		assert_true(cJSON_IsNumber(cJSON_GetObjectItem(j, "PRIORITY")));
		if (lines == 0) {
			assert_string_equal(cJSON_GetObjectItem(j, "TENANT")->valuestring, "acme");
			assert_string_equal(cJSON_GetObjectItem(j, "AWS_REQUEST_ID")->valuestring, "req-1");
			assert_string_equal(cJSON_GetObjectItem(j, "ACTION")->valuestring, "tag-profile");
			assert_string_equal(cJSON_GetObjectItem(j, "CHANGES")->valuestring,
					    "~ CostCenter: \"eng\" -> \"finance\"");
			assert_non_null(strstr(cJSON_GetObjectItem(j, "MESSAGE")->valuestring, "newline \n tab"));
			assert_non_null(strstr(cJSON_GetObjectItem(j, "MESSAGE")->valuestring, "\xc3\xa9"));
			assert_null(cJSON_GetObjectItem(j, "RESOURCE")); /* unset fields are left out */
		} else {
			assert_string_equal(cJSON_GetObjectItem(j, "MESSAGE")->valuestring, "plain");
			assert_string_equal(cJSON_GetObjectItem(j, "LEVEL")->valuestring, "info");
		}
		cJSON_Delete(j);
		lines++;
	}
	fclose(f);
	assert_int_equal(lines, 2);
}

/* log_format: text: one line a record, its control characters shown as '?' (text from
 * outside, such as AWS's error messages, cannot split a record or drive a terminal). */
static void test_text_lines(void **state)
{
	struct capture c;
	char line[4096];
	int lines = 0;
	FILE *f;

	(void)state;
	capture_start(&c);
	log_setup(LOG_LVL_INFO, true);
	log_set_format(LOG_FORMAT_TEXT, true);
	log_msg(LOG_LVL_NOTICE, &(struct log_fields){ .tenant = "acme" },
		"AWS said: \033[2Jcleared\nforged line\r\x7f end, utf-8 \xc3\xa9");
	f = capture_stop(&c);
	while (fgets(line, sizeof(line), f)) {
		assert_non_null(strstr(line, " tenant=acme AWS said: ?[2Jcleared?forged line?? end, utf-8 \xc3\xa9\n"));
		lines++;
	}
	fclose(f);
	assert_int_equal(lines, 1);
}

/* The journal, stood in for: this definition takes the place of libsystemd's for the
 * test program (the executable's symbol comes first), so the records the journal sink
 * sends are kept here instead of reaching a journal. */
static char journal_message[4096];
static char journal_tenant[256];
static int journal_records;

int sd_journal_sendv(const struct iovec *iov, int n)
{
	for (int i = 0; i < n; i++) {
		const char *field = iov[i].iov_base;
		if (strncmp(field, "MESSAGE=", 8) == 0)
			snprintf(journal_message, sizeof(journal_message), "%.*s", (int)iov[i].iov_len - 8, field + 8);
		else if (strncmp(field, "TENANT=", 7) == 0)
			snprintf(journal_tenant, sizeof(journal_tenant), "%.*s", (int)iov[i].iov_len - 7, field + 7);
	}
	journal_records++;
	return 0;
}

/* log_format: journal: the message one line too, its control characters as '?'
 * (journalctl would show a message holding one as a blob); the fields as they are. */
static void test_journal_lines(void **state)
{
	(void)state;
	log_setup(LOG_LVL_INFO, false);
	log_set_format(LOG_FORMAT_JOURNAL, false);
	journal_records = 0;
	log_msg(LOG_LVL_NOTICE, &(struct log_fields){ .tenant = "acme" },
		"AWS said: \033[2Jcleared\nforged line\r\x7f end, utf-8 \xc3\xa9");
	assert_int_equal(journal_records, 1);
	assert_string_equal(journal_message, "AWS said: ?[2Jcleared?forged line?? end, utf-8 \xc3\xa9");
	assert_string_equal(journal_tenant, "acme");
	log_set_format(LOG_FORMAT_TEXT, true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_lines),
		cmocka_unit_test(test_text_lines),
		cmocka_unit_test(test_journal_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
