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
	enum log_format sink; /* JOURNAL, TEXT or JSON: AUTO is resolved */
} logger = { LOG_LVL_INFO, LOG_FORMAT_TEXT };

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

void log_set_format(enum log_format format, bool force_stderr)
{
	if (format == LOG_FORMAT_JSON || format == LOG_FORMAT_TEXT)
		logger.sink = format;
	else if (force_stderr)
		logger.sink = LOG_FORMAT_TEXT;
	else if (format == LOG_FORMAT_JOURNAL || stderr_is_journal())
		logger.sink = LOG_FORMAT_JOURNAL;
	else
		logger.sink = LOG_FORMAT_TEXT;
}

void log_setup(enum log_level max_level, bool force_stderr)
{
	logger.max = max_level;
	log_set_format(LOG_FORMAT_AUTO, force_stderr);
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

/* The structured fields of a record that are set, by their journal names. */
#define MAX_FIELDS 10

struct field {
	const char *name;
	const char *value;
};

static size_t fields_of(const struct log_fields *f, struct field *ret)
{
	const struct field all[MAX_FIELDS] = {
		{ "TENANT", f->tenant },	 { "AWS_REQUEST_ID", f->request_id },
		{ "MESSAGE_ID", f->message_id }, { "RESOURCE", f->resource },
		{ "ACTION", f->action },	 { "CAUSE", f->cause },
		{ "REVISION", f->revision },	 { "OUTCOME", f->outcome },
		{ "CHANGES", f->changes },	 { "AWS_ERROR_CODE", f->error_code },
	};
	size_t n = 0;

	for (size_t i = 0; i < MAX_FIELDS; i++)
		if (all[i].value && all[i].value[0])
			ret[n++] = all[i];
	return n;
}

/* One journal record with only the fields that are set. */
static void send_journal(enum log_level level, const struct field *fv, size_t nf, const char *msg)
{
	char head[3][2200];
	struct iovec iov[3 + MAX_FIELDS];
	char *owned[MAX_FIELDS];
	int n = 0;

	snprintf(head[0], sizeof(head[0]), "MESSAGE=%s", msg);
	snprintf(head[1], sizeof(head[1]), "PRIORITY=%d", (int)level);
	snprintf(head[2], sizeof(head[2]), "SYSLOG_IDENTIFIER=bedrock-tenantd");
	for (int i = 0; i < 3; i++)
		iov[n++] = (struct iovec){ head[i], strlen(head[i]) };
	for (size_t i = 0; i < nf; i++) {
		if (asprintf(&owned[i], "%s=%.4000s", fv[i].name, fv[i].value) < 0)
			owned[i] = NULL;
		if (owned[i])
			iov[n++] = (struct iovec){ owned[i], strlen(owned[i]) };
	}
	sd_journal_sendv(iov, n);
	for (size_t i = 0; i < nf; i++)
		free(owned[i]);
}

/* The length of the well-formed UTF-8 sequence at p (1-4), or 0. */
static size_t utf8_len(const unsigned char *p)
{
	size_t n = p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc2 && p[0] < 0xe0 ? 2 : 0;

	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* A JSON string (RFC 8259) of s into out, at most cap bytes with the quotes; bytes
 * that are not UTF-8 become U+FFFD, so that every line parses. */
static size_t json_string(char *out, size_t cap, const char *s)
{
	size_t n = 0, len;

	if (cap < 3)
		return 0;
	out[n++] = '"';
	for (const unsigned char *p = (const unsigned char *)s; *p && n + 8 < cap; p++) {
		if (*p == '"' || *p == '\\') {
			out[n++] = '\\';
			out[n++] = (char)*p;
		} else if (*p < 0x20) {
			n += (size_t)snprintf(out + n, cap - n, "\\u%04x", *p);
		} else if (*p < 0x80) {
			out[n++] = (char)*p;
		} else if ((len = utf8_len(p)) != 0) {
			memcpy(out + n, p, len);
			n += len;
			p += len - 1;
		} else {
			n += (size_t)snprintf(out + n, cap - n, "\\ufffd");
		}
	}
	out[n++] = '"';
	out[n] = '\0';
	return n;
}

/* One JSON object per line: the journal's field names, plus TIMESTAMP (RFC 3339). */
static void send_json(enum log_level level, const struct field *fv, size_t nf, const char *stamp, const char *msg)
{
	char line[16384];
	size_t n = 0, cap = sizeof(line) - 2;

	n += (size_t)snprintf(line + n, cap - n,
			      "{\"TIMESTAMP\":\"%s\",\"PRIORITY\":%d,\"LEVEL\":\"%s\",\"MESSAGE\":", stamp, (int)level,
			      level_names[level]);
	n += json_string(line + n, cap - n, msg);
	for (size_t i = 0; i < nf; i++) {
		if (n + strlen(fv[i].name) + 16 >= cap)
			break; /* too long: the fields that fit */
		n += (size_t)snprintf(line + n, cap - n, ",\"%s\":", fv[i].name);
		if (n < cap)
			n += json_string(line + n, cap - n, fv[i].value);
	}
	line[n++] = '}';
	line[n++] = '\n';
	fwrite(line, 1, n, stderr);
}

/* A text or journal record is one line: a control character in it (a line break, a
 * terminal's escape sequence in text from outside, AWS's error messages) is shown as
 * '?'. The JSON sink escapes them instead. */
static void one_line(char *s)
{
	for (unsigned char *p = (unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			*p = '?';
}

void log_msg(enum log_level level, const struct log_fields *f, const char *fmt, ...)
{
	struct field fv[MAX_FIELDS];
	size_t nf = 0;
	char msg[2048], stamp[40];
	struct timespec ts;
	struct tm tm;
	va_list ap;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (f)
		nf = fields_of(f, fv);

	if (logger.sink == LOG_FORMAT_JOURNAL) {
		one_line(msg); /* journalctl shows a message with a control character as a blob */
		send_journal(level, fv, nf, msg);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(stamp + strlen(stamp), sizeof(stamp) - strlen(stamp), ".%03ldZ", ts.tv_nsec / 1000000);
	if (logger.sink == LOG_FORMAT_JSON) {
		send_json(level, fv, nf, stamp, msg);
		return;
	}
	one_line(msg);
	fprintf(stderr, "%s %s%s%s%s%s %s\n", stamp, level_names[level], f && f->tenant ? " tenant=" : "",
		f && f->tenant ? f->tenant : "", f && f->request_id && f->request_id[0] ? " request-id=" : "",
		f && f->request_id && f->request_id[0] ? f->request_id : "", msg);
}
