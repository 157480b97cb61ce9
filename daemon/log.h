/* Logging: the daemon's only global. Under journald (JOURNAL_STREAM names our stderr)
 * records go to the journal with structured fields (PRIORITY, MESSAGE, and TENANT=,
 * AWS_REQUEST_ID=, MESSAGE_ID= and the audit fields when given); otherwise one plain
 * line per record on stderr, or one JSON object per line (log_format: json). Only daemon/ logs, once, where it decides
 * what to do. Secrets never reach a log call: callers pass identifiers and error codes, not credentials. */
#ifndef BTD_LOG_H
#define BTD_LOG_H

#include <stdbool.h>

enum log_level {
	LOG_LVL_ERROR = 3,
	LOG_LVL_WARNING = 4,
	LOG_LVL_NOTICE = 5,
	LOG_LVL_INFO = 6,
	LOG_LVL_DEBUG = 7,
};

/* Where records go (configuration `log_format`, docs/operations.md "Logging"):
 * AUTO is the journal when stderr is connected to it (JOURNAL_STREAM), else TEXT;
 * JSON is one object per line on stderr with the journal's field names. */
enum log_format {
	LOG_FORMAT_AUTO,
	LOG_FORMAT_JOURNAL,
	LOG_FORMAT_TEXT,
	LOG_FORMAT_JSON,
};

/* log_setup: decide the sink (journal or stderr) and the threshold. force_stderr
 * (--log-stderr) turns AUTO and JOURNAL into TEXT. */
void log_setup(enum log_level max_level, bool force_stderr);
/* log_set_format: the sink for the next records (log_setup's choice is AUTO). */
void log_set_format(enum log_format format, bool force_stderr);
/* log_parse_level: "debug", "info", ...; -1 when unknown. */
int log_parse_level(const char *name);
bool log_enabled(enum log_level level);

/* Structured fields: pass NULL for any not relevant. */
struct log_fields {
	const char *tenant;
	const char *request_id;
	const char *message_id; /* a catalogue id (128-bit hex) for notable events */
	/* the audit trail's (daemon/audit.h): RESOURCE=, ACTION=, CAUSE=, REVISION=,
	 * OUTCOME=, CHANGES=, AWS_ERROR_CODE= */
	const char *resource;
	const char *action;
	const char *cause;
	const char *revision;
	const char *outcome;
	const char *changes;
	const char *error_code;
};

void log_msg(enum log_level level, const struct log_fields *f, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_error(...)	 log_msg(LOG_LVL_ERROR, NULL, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_LVL_WARNING, NULL, __VA_ARGS__)
#define log_notice(...)	 log_msg(LOG_LVL_NOTICE, NULL, __VA_ARGS__)
#define log_info(...)	 log_msg(LOG_LVL_INFO, NULL, __VA_ARGS__)
#define log_debug(...)                                                                                                 \
	do {                                                                                                           \
		if (log_enabled(LOG_LVL_DEBUG))                                                                        \
			log_msg(LOG_LVL_DEBUG, NULL, __VA_ARGS__);                                                     \
	} while (0)
#define log_tenant(level, tenant_id, ...) log_msg(level, &(struct log_fields){ .tenant = (tenant_id) }, __VA_ARGS__)

/* Message ids of notable events (for journalctl MESSAGE_ID=). */
#define MSGID_STARTED	     "2b2c2f5b0b6a4f0e9a9f5e1f3c7d8a01"
#define MSGID_READY	     "2b2c2f5b0b6a4f0e9a9f5e1f3c7d8a02"
#define MSGID_DELETIONS_HELD "2b2c2f5b0b6a4f0e9a9f5e1f3c7d8a03"
#define MSGID_TENANT_STALLED "2b2c2f5b0b6a4f0e9a9f5e1f3c7d8a04"
#define MSGID_RELOAD_FAILED  "2b2c2f5b0b6a4f0e9a9f5e1f3c7d8a05"
#define MSGID_AWS_CHANGE     "2b2c2f5b0b6a4f0e9a9f5e1f3c7d8a06"

#endif
