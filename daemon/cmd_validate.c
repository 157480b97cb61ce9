/* bedrock-tenantd validate [--config FILE] [--json] [DIR]: check the configuration and
 * every manifest below DIR (default: the configuration's `manifests`) the way the
 * daemon would, print every problem as `file:line:col: message` and a summary. What a
 * GitOps repository runs before merging. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "commands.h"
#include "daemon_config.h"
#include "desired.h"
#include "diag.h"
#include "manifest_dir.h"
#include "rules.h"
#include "xalloc.h"

struct validate_opts {
	const char *config; /* NULL: DAEMON_CONFIG_PATH when present, else defaults */
	const char *dir;    /* NULL: the configuration's manifests */
	bool json;
	bool quiet;
};

struct validate_result {
	const char *config; /* the file used, NULL for defaults */
	const char *dir;
	size_t manifests, tenants, failed;
	bool unavailable;
	bool empty; /* read, and holds no manifest */
};

static void help(FILE *out)
{
	fprintf(out,
		"usage: bedrock-tenantd validate [--config FILE] [--json] [--quiet] [DIR]\n\n"
		"Checks the daemon configuration and every *.yaml/*.yml manifest below DIR (default:\n"
		"the configuration's `manifests`) and prints each problem as file:line:col: message,\n"
		"then a summary. Exit status: 0 clean, 1 problems found, 2 usage error.\n\n"
		"  -c, --config FILE  daemon configuration (default %s if it exists,\n"
		"                     else built-in defaults)\n"
		"  -j, --json         print the result as JSON\n"
		"  -q, --quiet        print only the problems, no summary\n",
		DAEMON_CONFIG_PATH);
}

static int parse_args(int argc, char **argv, struct validate_opts *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:jqh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 'j':
			o->json = true;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			help(stdout);
			return 0;
		default:
			help(stderr);
			return EXIT_USAGE;
		}
	}
	if (argc - optind > 1) {
		fprintf(stderr, "bedrock-tenantd validate: one directory at most\n");
		return EXIT_USAGE;
	}
	o->dir = optind < argc ? argv[optind] : NULL;
	return -1;
}

/* The configuration: the named file, else the system one when present, else defaults.
 * Without a Region in it, the AWS SDKs' variables give the default one. */
static struct daemon_config *load_config(const struct validate_opts *o, struct diag_list *diags)
{
	const char *file = o->config;
	struct daemon_config *cfg;
	const char *env;

	if (!file && access(DAEMON_CONFIG_PATH, F_OK) == 0)
		file = DAEMON_CONFIG_PATH;
	if (file)
		daemon_config_load(file, &cfg, diags);
	else
		cfg = daemon_config_defaults();
	env = getenv("AWS_REGION");
	if (!env || !*env)
		env = getenv("AWS_DEFAULT_REGION");
	if (!cfg->region && env && *env && !rule_region(env))
		cfg->region = xstrdup(env);
	return cfg;
}

/* The errors of the configuration file itself, not of a manifest. */
static size_t config_errors(const struct diag_list *diags, const struct validate_result *res)
{
	size_t n = 0;

	for (size_t i = 0; res->config && i < diags->n; i++)
		if (diags->items[i].severity == DIAG_ERROR && !strcmp(diags->items[i].file, res->config))
			n++;
	return n;
}

static void print_text(const struct diag_list *diags, const struct validate_result *res, bool quiet)
{
	size_t in_config = config_errors(diags, res);
	char config[256] = "";
	struct strbuf line;

	strbuf_init(&line, STRBUF_NO_CAP);
	for (size_t i = 0; i < diags->n; i++) {
		strbuf_reset(&line);
		diag_format(&diags->items[i], &line);
		printf("%s\n", line.buf);
	}
	strbuf_release(&line);
	if (quiet)
		return;
	if (!diags->n_errors)
		printf("ok: %zu tenant%s in %zu manifest%s under %s\n", res->tenants, res->tenants == 1 ? "" : "s",
		       res->manifests, res->manifests == 1 ? "" : "s", res->dir);
	else {
		if (in_config)
			snprintf(config, sizeof(config), " (%zu in %s)", in_config, res->config);
		printf("%zu error%s%s in %zu of %zu manifest%s under %s (%zu tenant%s valid)%s\n", diags->n_errors,
		       diags->n_errors == 1 ? "" : "s", config, res->failed, res->manifests,
		       res->manifests == 1 ? "" : "s", res->dir, res->tenants, res->tenants == 1 ? "" : "s",
		       res->empty	  ? "; the directory holds no manifest"
		       : res->unavailable ? "; the directory could not be read"
					  : "");
	}
}

static void print_json(const struct diag_list *diags, const struct validate_result *res)
{
	cJSON *root = cJSON_CreateObject(), *problems = cJSON_CreateArray();
	char *text;

	cJSON_AddBoolToObject(root, "ok", diags->n_errors == 0);
	if (res->config)
		cJSON_AddStringToObject(root, "config", res->config);
	else
		cJSON_AddNullToObject(root, "config");
	cJSON_AddStringToObject(root, "directory", res->dir);
	cJSON_AddBoolToObject(root, "directory_readable", !res->unavailable);
	cJSON_AddNumberToObject(root, "manifests", (double)res->manifests);
	cJSON_AddNumberToObject(root, "tenants", (double)res->tenants);
	cJSON_AddNumberToObject(root, "failed", (double)res->failed);
	cJSON_AddNumberToObject(root, "errors", (double)diags->n_errors);
	cJSON_AddNumberToObject(root, "warnings", (double)diags->n_warnings);
	for (size_t i = 0; i < diags->n; i++) {
		const struct diag *d = &diags->items[i];
		cJSON *p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "file", d->file);
		if (d->line) {
			cJSON_AddNumberToObject(p, "line", d->line);
			cJSON_AddNumberToObject(p, "column", d->col);
		} else {
			cJSON_AddNullToObject(p, "line");
			cJSON_AddNullToObject(p, "column");
		}
		cJSON_AddStringToObject(p, "severity", diag_severity_name(d->severity));
		cJSON_AddStringToObject(p, "message", d->message);
		cJSON_AddItemToArray(problems, p);
	}
	cJSON_AddItemToObject(root, "problems", problems);
	text = cJSON_Print(root);
	if (!text)
		abort();
	printf("%s\n", text);
	cJSON_free(text);
	cJSON_Delete(root);
}

int cmd_validate(int argc, char **argv)
{
	struct validate_opts o;
	struct validate_result res = { 0 };
	struct daemon_config *cfg;
	struct desired_scan scan;
	struct diag_list diags;
	int r = parse_args(argc, argv, &o);

	if (r >= 0)
		return r;
	diag_list_init(&diags);
	cfg = load_config(&o, &diags);
	res.config = cfg->file;
	res.dir = o.dir ? o.dir : cfg->manifests;
	r = manifest_dir_read(cfg, res.dir, &scan, &diags);
	res.unavailable = r < 0;
	res.empty = r == -ENODATA;
	res.manifests = scan.n_files;
	res.tenants = desired_scan_tenants(&scan);
	res.failed = res.manifests - res.tenants;
	diag_list_sort(&diags);
	if (o.json)
		print_json(&diags, &res);
	else
		print_text(&diags, &res, o.quiet);
	r = diags.n_errors ? EXIT_PROBLEMS : 0;
	desired_scan_release(&scan);
	diag_list_release(&diags);
	daemon_config_free(cfg);
	return r;
}
