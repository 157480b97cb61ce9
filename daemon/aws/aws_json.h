/* cJSON helpers for the JSON protocols (restJson1, awsJson1.1) and the credential
 * endpoints: bounded parsing, typed member access, tag lists, compact printing.
 * Pure: no I/O. Getters return borrowed pointers into the cJSON tree. */
#ifndef BTD_AWS_JSON_H
#define BTD_AWS_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "aws_types.h"
#include "strbuf.h"

/* aws_json_parse: the document in body[0..len) (need not be NUL-terminated), which
 * must be a JSON object. -EBADMSG when it is not. *ret is freed with cJSON_Delete. */
int aws_json_parse(const char *body, size_t len, cJSON **ret);

/* Member getters: NULL / false when absent or of another type. */
const char *aws_json_str(const cJSON *obj, const char *name);
const cJSON *aws_json_obj(const cJSON *obj, const char *name);
const cJSON *aws_json_arr(const cJSON *obj, const char *name);
/* aws_json_dup: a copy of the string member, or NULL. */
char *aws_json_dup(const cJSON *obj, const char *name);
/* aws_json_int: -EBADMSG when the member is present but not an integral number. */
int aws_json_int(const cJSON *obj, const char *name, int64_t *ret);
bool aws_json_bool(const cJSON *obj, const char *name);
/* aws_json_time_ms: a timestamp member as either an epoch-seconds number (awsJson)
 * or an ISO-8601 string (restJson1); 0 when absent, -EBADMSG when malformed. */
int aws_json_time_ms(const cJSON *obj, const char *name, int64_t *ret);

/* aws_json_tags: reads an array of {kname: ..., vname: ...} objects (a missing value
 * reads as ""). -EBADMSG when an item is not such an object. Appends to *tags. */
int aws_json_tags(const cJSON *arr, const char *kname, const char *vname, struct aws_tags *tags);
/* aws_json_parse_tags: an answer whose tag list is the array `field` of the document
 * (absent or null: no tags) of {kname, vname} objects, as the JSON services answer
 * their ListTags operations. -EBADMSG on a malformed answer (ret released). */
int aws_json_parse_tags(const char *body, size_t len, const char *field, const char *kname, const char *vname,
			struct aws_tags *ret);
/* aws_json_strv: reads an array of strings; -EBADMSG on a non-string item. */
int aws_json_strv(const cJSON *arr, struct aws_strv *ret);

/* aws_json_parse_page: a listing page: appends every element of the array `field`
 * through `from` (which fills one item of `size` bytes) to the list (*items, *n,
 * *alloc), and sets *ret_next to the string `next_field` (NULL when absent). */
int aws_json_parse_page(const char *body, size_t len, const char *field, const char *next_field, void **items,
			size_t *n, size_t *alloc, size_t size, int (*from)(const cJSON *obj, void *item),
			char **ret_next);

/* Builders. They abort on out-of-memory like xmalloc. */
cJSON *aws_json_new_object(void);
void aws_json_add_str(cJSON *obj, const char *name, const char *value);
/* aws_json_add_str_opt: adds nothing when value is NULL. */
void aws_json_add_str_opt(cJSON *obj, const char *name, const char *value);
void aws_json_add_num(cJSON *obj, const char *name, double value);
void aws_json_add_bool(cJSON *obj, const char *name, bool value);
void aws_json_add_tags(cJSON *obj, const char *name, const struct aws_tag *tags, size_t n, const char *kname,
		       const char *vname);
void aws_json_add_strs(cJSON *obj, const char *name, const char *const *items, size_t n);
/* aws_json_print: compact text of obj appended to out. */
int aws_json_print(const cJSON *obj, struct strbuf *out);

#endif
