#include "digest.h"

#include <pthread.h>
#include <stdlib.h>

#include <openssl/evp.h>

#include "xalloc.h"

static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;
static EVP_MD *sha256;

/* An explicit fetch: EVP_sha256() would be looked up again by every digest. */
static void fetch_sha256(void)
{
	sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

void digest_sha256(const void *data, size_t len, unsigned char out[DIGEST_SHA256_LEN])
{
	unsigned int md_len = 0;

	pthread_once(&sha256_once, fetch_sha256);
	if (!sha256 || !EVP_Digest(data, len, out, &md_len, sha256, NULL) || md_len != DIGEST_SHA256_LEN)
		abort(); /* OpenSSL without SHA-256 */
}

void digest_hex_into(const void *data, size_t len, size_t digits, char *out)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;

	pthread_once(&sha256_once, fetch_sha256);
	if (!sha256 || !EVP_Digest(data, len, md, &md_len, sha256, NULL) || md_len != 32 || !digits ||
	    digits > DIGEST_HEX_MAX)
		abort(); /* OpenSSL without SHA-256, or a caller's mistake */
	for (size_t i = 0; i < digits; i++)
		out[i] = hex[(md[i / 2] >> (i % 2 ? 0 : 4)) & 0xf];
	out[digits] = '\0';
}

char *digest_hex(const void *data, size_t len, size_t digits)
{
	char *out = xmalloc(digits + 1);

	digest_hex_into(data, len, digits, out);
	return out;
}
