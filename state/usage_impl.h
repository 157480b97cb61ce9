/* Internals shared by state/usage.c and state/usage_scan.c. */
#ifndef BTD_USAGE_IMPL_H
#define BTD_USAGE_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "usage.h"

/* The members of one record that usage reads. */
struct usage__fields {
	char timestamp[64];
	char model[2049];
	char md_tenant[257];
	bool has_timestamp, has_model, has_md_tenant;
	bool bad_count; /* a token count that is not a non-negative integer */
	uint64_t input, output, cache_read, cache_write;
};

/* usage__scan: -EINVAL when line is not one well-formed JSON object; otherwise 0 with
 * the members found (a member longer than its field counts as absent). */
int usage__scan(const char *line, size_t len, const char *md_key, struct usage__fields *f);

#endif
