/* SHA-256 as lowercase hex, for the identifiers and "has it changed" markers the
 * model derives from text (client tokens, spec hashes, file revisions, applied
 * policy and alert digests). Pure and thread-safe (manifests are read on several
 * threads); the digest is looked up in OpenSSL once, not on every call. */
#ifndef BTD_DIGEST_H
#define BTD_DIGEST_H

#include <stddef.h>

#define DIGEST_HEX_MAX	 64 /* hex digits of a whole SHA-256 */
#define DIGEST_HEX_SHORT 32 /* 128 bits: client tokens and "has it changed" markers */

/* digest_hex_into: the first `digits` (1..DIGEST_HEX_MAX) hex digits of SHA-256(data)
 * into out, NUL-terminated (out holds digits + 1 bytes). */
void digest_hex_into(const void *data, size_t len, size_t digits, char *out);
/* digest_hex: the same, in a new string owned by the caller. */
char *digest_hex(const void *data, size_t len, size_t digits);

/* digest_sha256: the whole SHA-256 of data, in binary. */
#define DIGEST_SHA256_LEN 32
void digest_sha256(const void *data, size_t len, unsigned char out[DIGEST_SHA256_LEN]);

#endif
