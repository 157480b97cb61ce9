/* A JSON scanner for one invocation-log record: it checks the line is one
 * well-formed JSON object and picks out the few members usage needs, without
 * building a tree (a tree per record costs half the time of reading a log). Strings
 * are handed back as spans of the line, unescaped only when they hold escapes. */
#include "usage_impl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64

struct scan {
	const char *p, *end;
};

static void ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static bool eat(struct scan *s, char c)
{
	ws(s);
	if (s->p < s->end && *s->p == c) {
		s->p++;
		return true;
	}
	return false;
}

/* A string: *ret the span between the quotes, *escaped when it holds a backslash. */
static int string(struct scan *s, const char **ret, size_t *len, bool *escaped)
{
	const char *start;

	if (!eat(s, '"'))
		return -EINVAL;
	start = s->p;
	*escaped = false;
	while (s->p < s->end && *s->p != '"') {
		if ((unsigned char)*s->p < 0x20)
			return -EINVAL;
		if (*s->p == '\\') {
			*escaped = true;
			if (++s->p == s->end)
				return -EINVAL;
		}
		s->p++;
	}
	if (s->p == s->end)
		return -EINVAL;
	*ret = start;
	*len = (size_t)(s->p - start);
	s->p++;
	return 0;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
				      : -1;
}

/* Unescapes into out (len + 1 bytes suffice); \u escapes of ASCII only (what the
 * fields read here hold), anything else is -EINVAL. */
static int unescape(const char *in, size_t len, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		char c = in[i];
		if (c != '\\') {
			out[o++] = c;
			continue;
		}
		c = in[++i];
		switch (c) {
		case '"':
		case '\\':
		case '/':
			out[o++] = c;
			break;
		case 'b':
			out[o++] = '\b';
			break;
		case 'f':
			out[o++] = '\f';
			break;
		case 'n':
			out[o++] = '\n';
			break;
		case 'r':
			out[o++] = '\r';
			break;
		case 't':
			out[o++] = '\t';
			break;
		case 'u': {
			int v = 0;
			if (i + 4 >= len)
				return -EINVAL;
			for (int k = 1; k <= 4; k++) {
				int h = hexval(in[i + k]);
				if (h < 0)
					return -EINVAL;
				v = v * 16 + h;
			}
			if (v == 0 || v > 0x7f)
				return -EINVAL;
			out[o++] = (char)v;
			i += 4;
			break;
		}
		default:
			return -EINVAL;
		}
	}
	out[o] = '\0';
	return 0;
}

/* A number: *ret when it is a non-negative integer (12, 12.0, 1.2e1), else *is_count
 * false; -EINVAL when it is not a JSON number at all. */
static int number(struct scan *s, uint64_t *ret, bool *is_count)
{
	const char *start;
	char buf[64];
	bool plain = true;
	double d;

	ws(s);
	start = s->p;
	if (s->p < s->end && *s->p == '-') {
		s->p++;
		plain = false; /* negative: never a count */
	}
	if (s->p == s->end || *s->p < '0' || *s->p > '9')
		return -EINVAL;
	while (s->p < s->end && ((*s->p >= '0' && *s->p <= '9') || *s->p == '.' || *s->p == 'e' || *s->p == 'E' ||
				 *s->p == '+' || *s->p == '-')) {
		if (*s->p < '0' || *s->p > '9')
			plain = false;
		s->p++;
	}
	if ((size_t)(s->p - start) >= sizeof(buf))
		return -EINVAL;
	if (plain && s->p - start <= 15) {
		uint64_t v = 0;
		for (const char *q = start; q < s->p; q++)
			v = v * 10 + (uint64_t)(*q - '0');
		*ret = v;
		*is_count = true;
		return 0;
	}
	memcpy(buf, start, (size_t)(s->p - start));
	buf[s->p - start] = '\0';
	{
		char *endp;
		d = strtod(buf, &endp);
		if (*endp)
			return -EINVAL;
	}
	*is_count = d >= 0 && d <= 1e15 && d == (double)(uint64_t)d;
	*ret = *is_count ? (uint64_t)d : 0;
	return 0;
}

static int value(struct scan *s, int depth);

static int skip_object(struct scan *s, int depth)
{
	const char *k;
	size_t kl;
	bool esc;

	if (!eat(s, '{'))
		return -EINVAL;
	if (eat(s, '}'))
		return 0;
	do {
		if (string(s, &k, &kl, &esc) < 0 || !eat(s, ':') || value(s, depth + 1) < 0)
			return -EINVAL;
	} while (eat(s, ','));
	return eat(s, '}') ? 0 : -EINVAL;
}

static int value(struct scan *s, int depth)
{
	const char *v;
	size_t vl;
	bool esc, count;
	uint64_t n;

	if (depth > MAX_DEPTH)
		return -EINVAL;
	ws(s);
	if (s->p == s->end)
		return -EINVAL;
	switch (*s->p) {
	case '{':
		return skip_object(s, depth);
	case '[':
		s->p++;
		if (eat(s, ']'))
			return 0;
		do {
			if (value(s, depth + 1) < 0)
				return -EINVAL;
		} while (eat(s, ','));
		return eat(s, ']') ? 0 : -EINVAL;
	case '"':
		return string(s, &v, &vl, &esc);
	case 't':
	case 'f':
	case 'n': {
		static const char *const lits[] = { "true", "false", "null" };
		for (int i = 0; i < 3; i++) {
			size_t l = strlen(lits[i]);
			if ((size_t)(s->end - s->p) >= l && !memcmp(s->p, lits[i], l)) {
				s->p += l;
				return 0;
			}
		}
		return -EINVAL;
	}
	default:
		return number(s, &n, &count);
	}
}

static bool key_is(const char *k, size_t kl, bool esc, const char *name)
{
	return !esc && strlen(name) == kl && !memcmp(k, name, kl);
}

/* A string member into out (at most max bytes): -EINVAL when it is not a string,
 * -E2BIG when longer. */
static int field(struct scan *s, char *out, size_t max, bool *present)
{
	const char *v;
	size_t vl;
	bool esc;

	ws(s);
	if (s->p < s->end && *s->p != '"') {
		*present = false;
		return value(s, 1) < 0 ? -EINVAL : 0;
	}
	if (string(s, &v, &vl, &esc) < 0)
		return -EINVAL;
	*present = true;
	if (vl > max)
		return -E2BIG;
	if (esc)
		return unescape(v, vl, out);
	memcpy(out, v, vl);
	out[vl] = '\0';
	return 0;
}

/* The members of an object at depth 1 ("input", "output", "requestMetadata"). */
static int sub_object(struct scan *s, struct usage__fields *f, int which, const char *md_key)
{
	const char *k;
	size_t kl;
	bool esc, count;

	ws(s);
	if (s->p < s->end && *s->p != '{')
		return value(s, 1); /* not an object: nothing of ours in it */
	s->p++;
	if (eat(s, '}'))
		return 0;
	do {
		uint64_t *slot = NULL;
		if (string(s, &k, &kl, &esc) < 0 || !eat(s, ':'))
			return -EINVAL;
		if (which == 0 && key_is(k, kl, esc, "inputTokenCount"))
			slot = &f->input;
		else if (which == 0 && key_is(k, kl, esc, "cacheReadInputTokenCount"))
			slot = &f->cache_read;
		else if (which == 0 && key_is(k, kl, esc, "cacheWriteInputTokenCount"))
			slot = &f->cache_write;
		else if (which == 1 && key_is(k, kl, esc, "outputTokenCount"))
			slot = &f->output;
		if (slot) {
			ws(s);
			if (s->p < s->end && *s->p == '"') {
				f->bad_count = true;
				if (value(s, 2) < 0)
					return -EINVAL;
			} else {
				if (number(s, slot, &count) < 0)
					return -EINVAL;
				if (!count)
					f->bad_count = true;
			}
		} else if (which == 2 && md_key && kl == strlen(md_key) && !esc && !memcmp(k, md_key, kl)) {
			bool present;
			int r = field(s, f->md_tenant, sizeof(f->md_tenant) - 1, &present);
			if (r == -EINVAL)
				return r;
			f->has_md_tenant = r == 0 && present && f->md_tenant[0];
		} else if (value(s, 2) < 0) {
			return -EINVAL;
		}
	} while (eat(s, ','));
	return eat(s, '}') ? 0 : -EINVAL;
}

int usage__scan(const char *line, size_t len, const char *md_key, struct usage__fields *f)
{
	struct scan s = { line, line + len };
	const char *k;
	size_t kl;
	bool esc, present;

	memset(f, 0, sizeof(*f));
	if (!eat(&s, '{'))
		return -EINVAL;
	if (!eat(&s, '}')) {
		do {
			int r = 0;
			if (string(&s, &k, &kl, &esc) < 0 || !eat(&s, ':'))
				return -EINVAL;
			if (key_is(k, kl, esc, "timestamp")) {
				r = field(&s, f->timestamp, sizeof(f->timestamp) - 1, &present);
				f->has_timestamp = r == 0 && present;
			} else if (key_is(k, kl, esc, "modelId")) {
				r = field(&s, f->model, sizeof(f->model) - 1, &present);
				f->has_model = r == 0 && present && f->model[0];
			} else if (key_is(k, kl, esc, "input")) {
				r = sub_object(&s, f, 0, md_key);
			} else if (key_is(k, kl, esc, "output")) {
				r = sub_object(&s, f, 1, md_key);
			} else if (key_is(k, kl, esc, "requestMetadata")) {
				r = sub_object(&s, f, 2, md_key);
			} else {
				r = value(&s, 1);
			}
			if (r == -EINVAL)
				return r;
		} while (eat(&s, ','));
		if (!eat(&s, '}'))
			return -EINVAL;
	}
	ws(&s);
	return s.p == s.end ? 0 : -EINVAL;
}
