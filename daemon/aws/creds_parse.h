/* Pure parsers for credential sources: the JSON document that the EC2 instance
 * metadata service and the container credential endpoint return, and the INI syntax
 * of the shared credentials and config files (~/.aws/credentials, ~/.aws/config).
 * No I/O; each has a fuzz target. Results own their strings. */
#ifndef BTD_CREDS_PARSE_H
#define BTD_CREDS_PARSE_H

#include <stddef.h>

#include "creds.h"

#define CREDS_INI_MAX_BYTES   (1u << 20)
#define CREDS_INI_MAX_ENTRIES 10000

/* creds_parse_json: {"AccessKeyId", "SecretAccessKey", "Token", "Expiration"
 * (ISO-8601), optional "Code" (must be "Success" when present), optional
 * "AccountId"}. -EBADMSG when malformed or incomplete, -EACCES when Code says
 * otherwise. */
int creds_parse_json(const char *body, size_t len, struct aws_credentials *ret);

struct creds_ini_entry {
	char *section; /* as written between the brackets, trimmed: "default", "profile x" */
	char *key;     /* lowercased */
	char *value;   /* trimmed */
};

struct creds_ini {
	struct creds_ini_entry *items;
	size_t n;
	size_t alloc;
};

/* creds_ini_parse: configparser's syntax as the AWS SDKs read it: [section] headers,
 * "key = value" or "key: value", whole-line comments starting with '#' or ';', no
 * inline comments, indented continuation lines (nested settings) ignored, later
 * duplicates win. -EFBIG over the size or entry limits. */
int creds_ini_parse(const char *text, size_t len, struct creds_ini *ret);
void creds_ini_release(struct creds_ini *ini);
/* creds_ini_get: the value of key in section, or NULL. Borrowed. */
const char *creds_ini_get(const struct creds_ini *ini, const char *section, const char *key);
/* creds_ini_has_section: whether the section appeared (even empty). */
int creds_ini_has_section(const struct creds_ini *ini, const char *section);

#endif
