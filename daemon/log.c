#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

/* The one global of the program (STYLE.md). */
static struct {
	enum log_level max;
	bool journal;
} logger = { LOG_LVL_INFO, false };

static const char *const level_names[] = {
	[LOG_LVL_ERROR] = "error", [LOG_LVL_WARNING] = "warning", [LOG_LVL_NOTICE] = "notice",
	[LOG_LVL_INFO] = "info",   [LOG_LVL_DEBUG] = "debug",
};

/* JOURNAL_STREAM is "DEV:INO" of the stream systemd connected stderr to. */
static bool stderr_is_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_setup(enum log_level max_level, bool force_stderr)
{
	logger.max = max_level;
	logger.journal = !force_stderr && stderr_is_journal();
}

int log_parse_level(const char *name)
{
	for (int i = LOG_LVL_ERROR; i <= LOG_LVL_DEBUG; i++)
		if (strcmp(level_names[i], name) == 0)
			return i;
	return -1;
}

bool log_enabled(enum log_level level)
{
	return level <= logger.max;
}

/* One journal record with only the fields that are set. */
static void send_journal(enum log_level level, const struct log_fields *f, const char *msg)
{
	char fields[6][2200];
	struct iovec iov[6];
	int n = 0;

	snprintf(fields[n++], sizeof(fields[0]), "MESSAGE=%s", msg);
	snprintf(fields[n++], sizeof(fields[0]), "PRIORITY=%d", (int)level);
	snprintf(fields[n++], sizeof(fields[0]), "SYSLOG_IDENTIFIER=bedrock-tenantd");
	if (f && f->tenant)
		snprintf(fields[n++], sizeof(fields[0]), "TENANT=%s", f->tenant);
	if (f && f->request_id)
		snprintf(fields[n++], sizeof(fields[0]), "AWS_REQUEST_ID=%s", f->request_id);
	if (f && f->message_id)
		snprintf(fields[n++], sizeof(fields[0]), "MESSAGE_ID=%s", f->message_id);
	for (int i = 0; i < n; i++)
		iov[i] = (struct iovec){ fields[i], strlen(fields[i]) };
	sd_journal_sendv(iov, n);
}

void log_msg(enum log_level level, const struct log_fields *f, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	if (logger.journal) {
		send_journal(level, f, msg);
		return;
	}
	{
		char stamp[32];
		struct timespec ts;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ldZ %s%s%s%s%s %s\n", stamp, ts.tv_nsec / 1000000, level_names[level],
			f && f->tenant ? " tenant=" : "", f && f->tenant ? f->tenant : "",
			f && f->request_id ? " request-id=" : "", f && f->request_id ? f->request_id : "", msg);
	}
}
