#include "aws_types.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "xalloc.h"

void aws_tags_init(struct aws_tags *t)
{
	t->items = NULL;
	t->n = 0;
	t->alloc = 0;
}

void aws_tags_release(struct aws_tags *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->items[i].key);
		free(t->items[i].value);
	}
	free(t->items);
	aws_tags_init(t);
}

void aws_tags_add(struct aws_tags *t, const char *key, const char *value)
{
	XGROW(t->items, t->n + 1, t->alloc);
	t->items[t->n].key = xstrdup(key);
	t->items[t->n].value = xstrdup(value ? value : "");
	t->n++;
}

const char *aws_tags_get(const struct aws_tags *t, const char *key)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->items[i].key, key) == 0)
			return t->items[i].value;
	return NULL;
}

void aws_strv_init(struct aws_strv *v)
{
	v->items = NULL;
	v->n = 0;
	v->alloc = 0;
}

void aws_strv_release(struct aws_strv *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->items[i]);
	free(v->items);
	aws_strv_init(v);
}

void aws_strv_take(struct aws_strv *v, char *s)
{
	XGROW(v->items, v->n + 1, v->alloc);
	v->items[v->n++] = s;
}

void aws_strv_add(struct aws_strv *v, const char *s)
{
	aws_strv_take(v, xstrdup(s));
}

/* Read exactly n digits. */
static int digits(const char **p, int n, int *ret)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -EINVAL;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*ret = v;
	return 0;
}

static int expect(const char **p, char c)
{
	if (**p != c)
		return -EINVAL;
	(*p)++;
	return 0;
}

int aws_time_parse_iso8601(const char *s, int64_t *ret_ms)
{
	struct tm tm = { 0 };
	int year, mon, day, hh, mm, ss, ms = 0, off = 0;
	const char *p = s;
	time_t t;

	if (digits(&p, 4, &year) || expect(&p, '-') || digits(&p, 2, &mon) || expect(&p, '-') || digits(&p, 2, &day) ||
	    (*p != 'T' && *p != 't' && *p != ' ') || !*p++ || digits(&p, 2, &hh) || expect(&p, ':') ||
	    digits(&p, 2, &mm) || expect(&p, ':') || digits(&p, 2, &ss))
		return -EINVAL;
	if (*p == '.') {
		int scale = 100;

		p++;
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		for (; isdigit((unsigned char)*p); p++) {
			ms += (*p - '0') * scale;
			scale /= 10;
		}
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p == '-' ? -1 : 1, oh, om;

		p++;
		if (digits(&p, 2, &oh) || expect(&p, ':') || digits(&p, 2, &om) || oh > 23 || om > 59)
			return -EINVAL;
		off = sign * (oh * 3600 + om * 60);
	} else {
		return -EINVAL;
	}
	if (*p || mon < 1 || mon > 12 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60)
		return -EINVAL;
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hh;
	tm.tm_min = mm;
	tm.tm_sec = ss;
	t = timegm(&tm);
	*ret_ms = ((int64_t)t - off) * 1000 + ms;
	return 0;
}

int aws_time_parse_http_date(const char *s, int64_t *ret_ms)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	const char *p = s;
	int day, mon, year, hh, mm, ss;
	struct tm tm = { 0 };

	/* "Www, " then "DD Mmm YYYY HH:MM:SS GMT" */
	if (strlen(p) != 29 || p[3] != ',' || p[4] != ' ' || p[7] != ' ' || p[11] != ' ' || p[16] != ' ' ||
	    strcmp(p + 25, " GMT"))
		return -EINVAL;
	p += 5;
	if (digits(&p, 2, &day) || expect(&p, ' '))
		return -EINVAL;
	for (mon = 0; mon < 12 && strncmp(months + 3 * mon, p, 3); mon++)
		;
	if (mon == 12)
		return -EINVAL;
	p += 4;
	if (digits(&p, 4, &year) || expect(&p, ' ') || digits(&p, 2, &hh) || expect(&p, ':') || digits(&p, 2, &mm) ||
	    expect(&p, ':') || digits(&p, 2, &ss) || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60)
		return -EINVAL;
	tm.tm_year = year - 1900;
	tm.tm_mon = mon;
	tm.tm_mday = day;
	tm.tm_hour = hh;
	tm.tm_min = mm;
	tm.tm_sec = ss;
	*ret_ms = (int64_t)timegm(&tm) * 1000;
	return 0;
}

void aws_time_format_iso8601(int64_t ms, char out[21])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void aws_secure_free(char *secret)
{
	if (!secret)
		return;
	OPENSSL_cleanse(secret, strlen(secret));
	free(secret);
}
