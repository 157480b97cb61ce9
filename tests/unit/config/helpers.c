#include "helpers.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "manifest.h"
#include "strbuf.h"
#include "xalloc.h"

const char test_default_config_text[] =
	"region: us-east-1\n"
	"accounts:\n"
	"  prod: {id: \"111122223333\"}\n"
	"  research:\n"
	"    id: \"444455556666\"\n"
	"    role_arn: arn:aws:iam::444455556666:role/bedrock-tenantd\n"
	"policy:\n"
	"  allowed_models: [\"anthropic.*\", \"us.anthropic.*\", \"amazon.nova-*\", \"us.amazon.nova-*\",\n"
	"                   \"meta.llama3-1-*\"]\n"
	"  regions: [us-east-1, us-west-2]\n"
	"  departments: [claims, engineering, marketing, research]\n"
	"  required_tags: [CostCenter]\n"
	"  max_budget_usd: 50000\n";

struct daemon_config *test_config(const char *text)
{
	struct daemon_config *cfg = NULL;
	struct diag_list diags;

	diag_list_init(&diags);
	if (daemon_config_parse("config.yaml", text, strlen(text), &cfg, &diags) < 0) {
		char *t = test_diags_text(&diags);
		fprintf(stderr, "test configuration has errors:\n%s", t);
		free(t);
		abort();
	}
	diag_list_release(&diags);
	return cfg;
}

struct daemon_config *test_default_config(void)
{
	return test_config(test_default_config_text);
}

char *test_diags_text(const struct diag_list *diags)
{
	struct strbuf sb;

	strbuf_init(&sb, STRBUF_NO_CAP);
	for (size_t i = 0; i < diags->n; i++) {
		diag_format(&diags->items[i], &sb);
		strbuf_addch(&sb, '\n');
	}
	return strbuf_detach(&sb, NULL);
}

struct tenant *test_manifest(const struct daemon_config *cfg, const char *text, char **ret_diags)
{
	struct diag_list diags;
	struct tenant *t = NULL;

	diag_list_init(&diags);
	if (manifest_parse(cfg, "t.yaml", text, strlen(text), &t, NULL, &diags) < 0)
		t = NULL;
	if (ret_diags)
		*ret_diags = test_diags_text(&diags);
	diag_list_release(&diags);
	return t;
}

bool test_contains(const char *haystack, const char *needle)
{
	if (strstr(haystack, needle))
		return true;
	fprintf(stderr, "expected to find:\n  %s\nin:\n%s\n", needle, haystack);
	return false;
}

char *test_tmpdir(void)
{
	char *path = xstrdup("/tmp/btd-test-XXXXXX");

	if (!mkdtemp(path)) {
		perror("mkdtemp");
		abort();
	}
	return path;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

void test_rmtree(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

void test_write(const char *dir, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(text, 1, strlen(text), f) != strlen(text) || fclose(f) != 0) {
		perror(path);
		abort();
	}
	free(path);
}

char *test_read(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long len;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = xmalloc((size_t)len + 1);
	if (fread(buf, 1, (size_t)len, f) != (size_t)len)
		abort();
	buf[len] = '\0';
	fclose(f);
	if (ret_len)
		*ret_len = (size_t)len;
	return buf;
}
