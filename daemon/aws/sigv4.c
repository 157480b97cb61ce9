#include "sigv4.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "uri.h"
#include "xalloc.h"

#define SIGV4_MAX_HEADERS      64
#define SIGV4_MAX_QUERY_PARAMS 256

void sigv4_hash_hex(const void *data, size_t len, char out[SIGV4_HEX_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[32];
	unsigned int mdlen = 0;

	EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
	for (int i = 0; i < 32; i++) {
		out[2 * i] = digits[md[i] >> 4];
		out[2 * i + 1] = digits[md[i] & 15];
	}
	out[SIGV4_HEX_LEN] = '\0';
}

void sigv4_format_date(time_t t, char out[SIGV4_AMZ_DATE_LEN + 1])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, SIGV4_AMZ_DATE_LEN + 1, "%Y%m%dT%H%M%SZ", &tm);
}

int sigv4_parse_date(const char *amz_date, time_t *ret)
{
	struct tm tm = { 0 };
	const char *end;

	if (strlen(amz_date) != SIGV4_AMZ_DATE_LEN)
		return -EINVAL;
	end = strptime(amz_date, "%Y%m%dT%H%M%SZ", &tm);
	if (!end || *end)
		return -EINVAL;
	*ret = timegm(&tm);
	return 0;
}

/* ---- canonical URI ---- */

/* Remove empty, "." and ".." segments as the AWS SDKs do for non-S3 services. */
static void normalize_path(const char *path, struct strbuf *out)
{
	const char *segs[256];
	size_t lens[256], n = 0;
	size_t plen = strlen(path);
	const char *p = path;

	while (*p) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);

		if (len == 0 || (len == 1 && p[0] == '.')) {
			/* skip */
		} else if (len == 2 && p[0] == '.' && p[1] == '.') {
			if (n)
				n--;
		} else if (n < 256) {
			segs[n] = p;
			lens[n] = len;
			n++;
		}
		if (!slash)
			break;
		p = slash + 1;
	}
	if (path[0] == '/')
		strbuf_addch(out, '/');
	for (size_t i = 0; i < n; i++) {
		if (i)
			strbuf_addch(out, '/');
		strbuf_add(out, segs[i], lens[i]);
	}
	if (n && plen && path[plen - 1] == '/')
		strbuf_addch(out, '/');
}

static int canonical_uri(const struct sigv4_request *req, struct strbuf *out)
{
	struct strbuf norm;
	const char *path = req->path && *req->path ? req->path : "/";
	int r;

	if (!req->normalize_path)
		return uri_encode_str(out, path, true);
	strbuf_init(&norm, STRBUF_NO_CAP);
	normalize_path(path, &norm);
	r = uri_encode(out, norm.buf, norm.len, true);
	strbuf_release(&norm);
	return r;
}

/* ---- canonical query ---- */

struct query_param {
	char *key; /* encoded */
	char *value;
};

static int cmp_param(const void *a, const void *b)
{
	const struct query_param *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c ? c : strcmp(x->value, y->value);
}

/* Decode then re-encode so that every client spelling maps to one canonical form. */
static int reencode(const char *s, size_t len, char **ret)
{
	struct strbuf dec, enc;
	int r;

	strbuf_init(&dec, STRBUF_NO_CAP);
	strbuf_init(&enc, STRBUF_NO_CAP);
	r = uri_decode(&dec, s, len, false);
	if (r == 0)
		r = uri_encode(&enc, dec.buf, dec.len, false);
	strbuf_release(&dec);
	if (r < 0) {
		strbuf_release(&enc);
		return r;
	}
	*ret = strbuf_detach(&enc, NULL);
	return 0;
}

static int canonical_query(const char *query, struct strbuf *out)
{
	struct query_param params[SIGV4_MAX_QUERY_PARAMS];
	size_t n = 0;
	const char *p = query;
	int r = 0;

	if (!query || !*query)
		return 0;
	while (p && *p) {
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);

		if (len) {
			const char *eq = memchr(p, '=', len);
			size_t klen = eq ? (size_t)(eq - p) : len;

			if (n == SIGV4_MAX_QUERY_PARAMS) {
				r = -E2BIG;
				goto out;
			}
			r = reencode(p, klen, &params[n].key);
			if (r < 0)
				goto out;
			r = eq ? reencode(eq + 1, len - klen - 1, &params[n].value)
			       : (params[n].value = xstrdup(""), 0);
			if (r < 0) {
				free(params[n].key);
				goto out;
			}
			n++;
		}
		p = amp ? amp + 1 : NULL;
	}
	qsort(params, n, sizeof(params[0]), cmp_param);
	for (size_t i = 0; i < n; i++)
		strbuf_addf(out, "%s%s=%s", i ? "&" : "", params[i].key, params[i].value);
out:
	for (size_t i = 0; i < n; i++) {
		free(params[i].key);
		free(params[i].value);
	}
	return r;
}

/* ---- canonical headers ---- */

static bool name_equal(const char *lower, const char *name)
{
	return strcasecmp(lower, name) == 0;
}

/* Append one header value trimmed, with every whitespace run folded into one space. */
static void add_trimmed(struct strbuf *out, const char *v)
{
	bool space = false, started = false;

	for (; *v; v++) {
		if (isspace((unsigned char)*v)) {
			space = started;
			continue;
		}
		if (space)
			strbuf_addch(out, ' ');
		strbuf_addch(out, *v);
		space = false;
		started = true;
	}
}

/* Append "name:v1,v2\n" for every header named `name` (lowercase), in request order. */
static int add_header_line(const struct sigv4_request *req, const char *name, struct strbuf *out)
{
	bool found = false;

	for (size_t i = 0; i < req->n_headers; i++) {
		if (!name_equal(name, req->headers[i].name))
			continue;
		if (!found)
			strbuf_addf(out, "%s:", name);
		else
			strbuf_addch(out, ',');
		add_trimmed(out, req->headers[i].value);
		found = true;
	}
	if (!found)
		return -ENOENT;
	return strbuf_addch(out, '\n');
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int sigv4_signed_headers(const struct sigv4_request *req, struct strbuf *out)
{
	char *names[SIGV4_MAX_HEADERS];
	size_t n = 0;

	if (req->n_headers > SIGV4_MAX_HEADERS)
		return -E2BIG;
	for (size_t i = 0; i < req->n_headers; i++) {
		char *lower = xstrdup(req->headers[i].name);
		for (char *c = lower; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		names[n++] = lower;
	}
	qsort(names, n, sizeof(names[0]), cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (i && strcmp(names[i], names[i - 1]) == 0)
			continue;
		if (i)
			strbuf_addch(out, ';');
		strbuf_adds(out, names[i]);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	return 0;
}

int sigv4_canonical_request(const struct sigv4_request *req, const char *signed_headers, struct strbuf *out)
{
	struct strbuf own;
	const char *list, *p;
	int r;

	strbuf_init(&own, STRBUF_NO_CAP);
	if (!signed_headers) {
		r = sigv4_signed_headers(req, &own);
		if (r < 0)
			goto out;
	}
	list = signed_headers ? signed_headers : own.buf;

	strbuf_addf(out, "%s\n", req->method);
	r = canonical_uri(req, out);
	if (r < 0)
		goto out;
	strbuf_addch(out, '\n');
	r = canonical_query(req->query, out);
	if (r < 0)
		goto out;
	strbuf_addch(out, '\n');
	for (p = list; *p;) {
		const char *semi = strchr(p, ';');
		size_t len = semi ? (size_t)(semi - p) : strlen(p);
		char name[128];

		if (len == 0 || len >= sizeof(name)) {
			r = -EINVAL;
			goto out;
		}
		memcpy(name, p, len);
		name[len] = '\0';
		r = add_header_line(req, name, out);
		if (r < 0)
			goto out;
		p = semi ? semi + 1 : p + len;
	}
	strbuf_addf(out, "\n%s\n%s", list, req->payload_hash ? req->payload_hash : "");
	r = 0;
out:
	strbuf_release(&own);
	return r;
}

int sigv4_string_to_sign(const char *amz_date, const char *region, const char *service, const char *canonical_request,
			 struct strbuf *out)
{
	char hash[SIGV4_HEX_LEN + 1];

	sigv4_hash_hex(canonical_request, strlen(canonical_request), hash);
	return strbuf_addf(out, SIGV4_ALGORITHM "\n%s\n%.8s/%s/%s/aws4_request\n%s", amz_date, amz_date, region,
			   service, hash);
}

static void hmac(const void *key, size_t keylen, const char *msg, unsigned char out[32])
{
	unsigned int len = 32;

	HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)msg, strlen(msg), out, &len);
}

void sigv4_signature(const char *secret, const char *amz_date, const char *region, const char *service,
		     const char *string_to_sign, char out[SIGV4_HEX_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char k[32], sig[32];
	char date[9];
	char *seed = xasprintf("AWS4%s", secret);

	memcpy(date, amz_date, 8);
	date[8] = '\0';
	hmac(seed, strlen(seed), date, k);
	OPENSSL_cleanse(seed, strlen(seed));
	free(seed);
	hmac(k, 32, region, k);
	hmac(k, 32, service, k);
	hmac(k, 32, "aws4_request", k);
	hmac(k, 32, string_to_sign, sig);
	OPENSSL_cleanse(k, sizeof(k));
	for (int i = 0; i < 32; i++) {
		out[2 * i] = digits[sig[i] >> 4];
		out[2 * i + 1] = digits[sig[i] & 15];
	}
	out[SIGV4_HEX_LEN] = '\0';
}

int sigv4_authorization(const struct sigv4_request *req, const struct sigv4_credentials *creds, const char *region,
			const char *service, const char *amz_date, struct strbuf *out)
{
	struct strbuf list, creq, sts;
	char sig[SIGV4_HEX_LEN + 1];
	int r;

	strbuf_init(&list, STRBUF_NO_CAP);
	strbuf_init(&creq, STRBUF_NO_CAP);
	strbuf_init(&sts, STRBUF_NO_CAP);
	r = sigv4_signed_headers(req, &list);
	if (r == 0)
		r = sigv4_canonical_request(req, list.buf, &creq);
	if (r == 0)
		r = sigv4_string_to_sign(amz_date, region, service, creq.buf, &sts);
	if (r == 0) {
		sigv4_signature(creds->secret_access_key, amz_date, region, service, sts.buf, sig);
		r = strbuf_addf(
			out, SIGV4_ALGORITHM " Credential=%s/%.8s/%s/%s/aws4_request, SignedHeaders=%s, Signature=%s",
			creds->access_key_id, amz_date, region, service, list.buf, sig);
	}
	strbuf_release(&list);
	strbuf_release(&creq);
	strbuf_release(&sts);
	return r;
}

/* Split "Credential=AKID/DATE/REGION/SERVICE/aws4_request" into its parts in place. */
static int split_credential(char *cred, struct sigv4_authorization *a)
{
	char *parts[5];
	size_t n = 0;

	parts[n++] = cred;
	for (char *c = cred; *c; c++) {
		if (*c != '/')
			continue;
		if (n == 5)
			return -EINVAL;
		*c = '\0';
		parts[n++] = c + 1;
	}
	if (n != 5 || strcmp(parts[4], "aws4_request") != 0 || strlen(parts[1]) != 8 || !*parts[0] || !*parts[2] ||
	    !*parts[3])
		return -EINVAL;
	a->access_key_id = parts[0];
	a->date = parts[1];
	a->region = parts[2];
	a->service = parts[3];
	return 0;
}

int sigv4_parse_authorization(const char *value, struct sigv4_authorization *ret)
{
	struct sigv4_authorization a = { 0 };
	size_t alg = strlen(SIGV4_ALGORITHM);
	char *cred = NULL, *save = NULL;

	if (strncmp(value, SIGV4_ALGORITHM, alg) != 0 || value[alg] != ' ')
		return -EINVAL;
	a.copy = xstrdup(value + alg + 1);
	for (char *tok = strtok_r(a.copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		size_t len;

		tok += strspn(tok, " ");
		len = strlen(tok);
		while (len && tok[len - 1] == ' ')
			tok[--len] = '\0';
		if (strncmp(tok, "Credential=", 11) == 0)
			cred = tok + 11;
		else if (strncmp(tok, "SignedHeaders=", 14) == 0)
			a.signed_headers = tok + 14;
		else if (strncmp(tok, "Signature=", 10) == 0)
			a.signature = tok + 10;
		else
			goto invalid;
	}
	if (!cred || !a.signed_headers || !*a.signed_headers || !a.signature || strlen(a.signature) != SIGV4_HEX_LEN ||
	    split_credential(cred, &a) < 0)
		goto invalid;
	*ret = a;
	return 0;
invalid:
	free(a.copy);
	return -EINVAL;
}

void sigv4_authorization_release(struct sigv4_authorization *auth)
{
	free(auth->copy);
	memset(auth, 0, sizeof(*auth));
}

int sigv4_verify(const struct sigv4_request *req, const struct sigv4_authorization *auth, const char *secret,
		 const char *amz_date)
{
	struct strbuf creq, sts;
	char sig[SIGV4_HEX_LEN + 1];
	int r;

	strbuf_init(&creq, STRBUF_NO_CAP);
	strbuf_init(&sts, STRBUF_NO_CAP);
	r = sigv4_canonical_request(req, auth->signed_headers, &creq);
	if (r == 0)
		r = sigv4_string_to_sign(amz_date, auth->region, auth->service, creq.buf, &sts);
	if (r == 0) {
		sigv4_signature(secret, amz_date, auth->region, auth->service, sts.buf, sig);
		r = CRYPTO_memcmp(sig, auth->signature, SIGV4_HEX_LEN) == 0 ? 0 : -EPERM;
	}
	strbuf_release(&creq);
	strbuf_release(&sts);
	return r;
}
