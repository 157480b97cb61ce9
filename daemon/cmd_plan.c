/* bedrock-tenantd plan [--config FILE] [--json] [DIR]: what the daemon would change,
 * from one listing of every place, without changing anything (the state store is
 * opened read-only). Exit status: 0 nothing to do, 2 changes pending, 1 an error. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <uv.h>

#include "aws_ops.h"
#include "cloud_aws.h"
#include "commands.h"
#include "control_json.h"
#include "desired.h"
#include "diff.h"
#include "manifest_dir.h"
#include "setup.h"
#include "store.h"
#include "xalloc.h"

#define EXIT_PENDING 2

struct plan_place {
	struct place place;
	struct observed_store store;
	bool listed;
	struct planner *p;
};

struct planner {
	uv_loop_t loop;
	struct daemon_config *cfg;
	struct desired_store desired;
	bool unavailable;
	struct hashmap records; /* tenant -> struct tenant_record * */
	struct hashmap held;
	struct aws_client *aws;
	struct cloud_aws cloud;
	struct hashmap places; /* key -> struct plan_place * */
	unsigned pending;
	int failures;
	bool json;
	char *prefix;
	int64_t now;
	cJSON *out;
	size_t n_changed, n_calls, n_conflicts;
};

static void on_listed(int status, const struct cloud_error *err, struct observed_store *snapshot, void *data)
{
	struct plan_place *pp = data;

	if (status < 0) {
		fprintf(stderr, "bedrock-tenantd: listing %s failed: %s: %s\n", pp->place.key, err ? err->code : "",
			err ? err->message : strerror(-status));
		pp->p->failures++;
	} else {
		observed_store_release(&pp->store);
		pp->store = *snapshot;
		observed_store_init(snapshot);
		pp->listed = true;
	}
	pp->p->pending--;
}

static void on_account(int status, const struct cloud_error *err, const char *account_id, void *data)
{
	struct plan_place *pp = data;

	if (status == 0)
		pp->place.account_id = xstrdup(account_id);
	pp->p->pending--;
}

static struct plan_place *place_for(struct planner *p, const char *account, const char *region)
{
	char *key = xasprintf("%s/%s", account ? account : "-", region ? region : "-");
	struct plan_place *pp = hashmap_get(&p->places, key);

	if (pp) {
		free(key);
		return pp;
	}
	pp = xcalloc(1, sizeof(*pp));
	pp->p = p;
	pp->place.key = key;
	pp->place.account = xstrdup_or_null(account);
	pp->place.region = xstrdup_or_null(region);
	pp->place.account_id = xstrdup_or_null(setup_account_id(account, p->cfg));
	observed_store_init(&pp->store);
	hashmap_put(&p->places, key, pp);
	if (cloud_aws_ops.list(&p->cloud, &pp->place, p->prefix, p->cfg->instance, on_listed, pp) == 0)
		p->pending++;
	else
		p->failures++;
	if (!pp->place.account_id && cloud_aws_ops.account_id(&p->cloud, &pp->place, on_account, pp) == 0)
		p->pending++;
	return pp;
}

static void report(struct planner *p, const char *id, const struct plan_place *pp, const struct plan *pl, bool held)
{
	size_t calls = plan_aws_actions(pl);
	bool changes = calls || pl->held || pl->wake_at || pl->n_conflicts || pl->error;
	cJSON *t, *acts, *conf;

	p->n_calls += calls;
	p->n_conflicts += pl->n_conflicts;
	if (!changes)
		return;
	p->n_changed++;
	t = cJSON_CreateObject();
	cJSON_AddStringToObject(t, "id", id);
	cJSON_AddStringToObject(t, "place", pp->place.key);
	acts = cJSON_AddArrayToObject(t, "actions");
	conf = cJSON_AddArrayToObject(t, "conflicts");
	if (!p->json)
		printf("%s (%s):\n", id, pp->place.key);
	for (size_t i = 0; i < pl->n_actions; i++) {
		const struct action *a = &pl->actions[i];
		const char *res = a->resource ? a->resource : a->name ? a->name : "";
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "kind", action_kind_name(a->kind));
		cJSON_AddStringToObject(j, "resource", res);
		cJSON_AddStringToObject(j, "reason", a->reason);
		cJSON_AddBoolToObject(j, "aws_call", action_calls_aws(a->kind));
		cJSON_AddItemToArray(acts, j);
		if (!p->json)
			printf("  %c %s %s: %s\n", action_calls_aws(a->kind) ? (a->destructive ? '-' : '+') : '.',
			       action_kind_name(a->kind), res, a->reason);
	}
	for (size_t i = 0; i < pl->n_conflicts; i++) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "resource", pl->conflicts[i].resource);
		cJSON_AddStringToObject(j, "message", pl->conflicts[i].message);
		cJSON_AddItemToArray(conf, j);
		if (!p->json)
			printf("  ! conflict: %s\n", pl->conflicts[i].message);
	}
	if (pl->error && !p->json)
		printf("  ! %s\n", pl->error);
	if ((pl->held || held) && !p->json)
		printf("  ! deletions held until approved (bedrock-tenantctl approve-prune)\n");
	if (pl->wake_at && !p->json) {
		char when[32];
		time_t at = (time_t)pl->wake_at;
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&at));
		printf("  . waiting until %s (grace or drain)\n", when);
	}
	cJSON_AddItemToObject(t, "error", pl->error ? cJSON_CreateString(pl->error) : cJSON_CreateNull());
	cJSON_AddBoolToObject(t, "held", pl->held || held);
	cJSON_AddItemToObject(t, "next_timer", control_time(pl->wake_at));
	cJSON_AddItemToArray(cJSON_GetObjectItem(p->out, "tenants"), t);
}

static void plan_one(struct planner *p, const char *id, const struct tenant *t, struct plan_place *pp)
{
	const struct tenant_record *rec = hashmap_get(&p->records, id);
	bool held = hashmap_get(&p->held, id) != NULL;
	struct diff_settings ds = { p->cfg->instance, pp->place.account_id,
				    (int64_t)(p->cfg->safety.prune_grace_ms / 1000),
				    (int64_t)(p->cfg->safety.replacement_drain_ms / 1000) };
	struct observed_tenant o;
	struct diff_input in = {
		id,	t,  t ? t->deletion_policy : rec && rec->known ? rec->deletion_policy : DELETION_DELETE,
		rec,	&o, held,
		p->now, 0
	};
	struct plan pl;

	observed_tenant_collect(&pp->store, p->cfg->instance, id, t, &o);
	diff_tenant(&ds, &in, &pl);
	observed_tenant_release(&o);
	report(p, id, pp, &pl, held);
	plan_release(&pl);
}

static void compute(struct planner *p)
{
	size_t pos = 0;
	const char *key, *tenant;
	void *v, *g;

	for (size_t i = 0; i < p->desired.n; i++) {
		const struct tenant *t = p->desired.entries[i].tenant;
		struct plan_place *pp = place_for(p, t->account, t->region ? t->region : p->cfg->region);
		if (pp->listed)
			plan_one(p, t->id, t, pp);
	}
	/* tenants that own resources but have no manifest */
	while (!p->unavailable && hashmap_next(&p->places, &pos, &key, &v)) {
		struct plan_place *pp = v;
		size_t gpos = 0;
		while (hashmap_next(&pp->store.groups, &gpos, &tenant, &g))
			if (!desired_store_get(&p->desired, tenant))
				plan_one(p, tenant, NULL, pp);
	}
}

static void free_place(void *v)
{
	struct plan_place *pp = v;

	observed_store_release(&pp->store);
	free(pp->place.key);
	free(pp->place.account);
	free(pp->place.account_id);
	free(pp->place.region);
	free(pp);
}

static void free_record(void *r)
{
	tenant_record_free(r);
}

static int read_inputs(struct planner *p, const char *config, const char *dir)
{
	struct diag_list diags;
	struct desired_scan scan;
	struct desired_delta delta;
	struct store *s = NULL;
	char *path;

	diag_list_init(&diags);
	if (daemon_config_load(config, &p->cfg, &diags) < 0) {
		setup_print_diags(&diags, stderr);
		diag_list_release(&diags);
		return -EINVAL;
	}
	manifest_dir_read(p->cfg, dir ? dir : p->cfg->manifests, &scan, &diags);
	if (diags.n_errors)
		fprintf(stderr,
			"bedrock-tenantd: %zu problem(s) in the manifests (bedrock-tenantd validate shows "
			"them); failing files are left out\n",
			diags.n_errors);
	diag_list_release(&diags);
	desired_store_apply(&p->desired, &scan, &delta);
	p->unavailable = delta.unavailable;
	desired_delta_release(&delta);
	desired_scan_release(&scan);

	path = xasprintf("%s/state.db", p->cfg->state_dir);
	if (store_open_readonly(path, &s, NULL) == 0) {
		store_load(s, &p->records);
		store_load_held(s, &p->held);
		store_close(s);
	}
	free(path);
	return 0;
}

int cmd_plan(int argc, char **argv)
{
	static const struct option options[] = { { "config", required_argument, NULL, 'c' },
						 { "json", no_argument, NULL, 'j' },
						 { "help", no_argument, NULL, 'h' },
						 { NULL, 0, NULL, 0 } };
	struct planner p = { 0 };
	const char *config = DAEMON_CONFIG_PATH;
	char *err = NULL, *text;
	int opt, rc;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:jh", options, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config = optarg;
			break;
		case 'j':
			p.json = true;
			break;
		case 'h':
			printf("usage: bedrock-tenantd plan [--config FILE] [--json] [DIR]\n\n"
			       "Lists what is live and prints what the daemon would change, changing nothing.\n"
			       "Exit status: 0 nothing to do, 2 changes pending, 1 an error.\n");
			return 0;
		default:
			return EXIT_USAGE;
		}
	}
	hashmap_init(&p.records);
	hashmap_init(&p.held);
	hashmap_init(&p.places);
	desired_store_init(&p.desired);
	uv_loop_init(&p.loop);
	p.now = (int64_t)time(NULL);
	p.out = cJSON_CreateObject();
	cJSON_AddArrayToObject(p.out, "tenants");
	rc = read_inputs(&p, config, optind < argc ? argv[optind] : NULL);
	if (rc == 0 && setup_aws_client(&p.loop, p.cfg, &p.aws, &err) < 0) {
		fprintf(stderr, "bedrock-tenantd: %s\n", err);
		free(err);
		rc = -EIO;
	}
	if (rc == 0) {
		p.prefix = setup_param_prefix(p.cfg);
		setup_cloud(&p.cloud, p.aws, p.cfg);
		for (size_t i = 0; i < p.desired.n; i++) {
			const struct tenant *t = p.desired.entries[i].tenant;
			place_for(&p, t->account, t->region ? t->region : p.cfg->region);
		}
		while (p.pending)
			uv_run(&p.loop, UV_RUN_ONCE);
		aws_client_close(p.aws, NULL, NULL);
		uv_run(&p.loop, UV_RUN_DEFAULT);
		if (!p.failures)
			compute(&p);
		cloud_aws_release(&p.cloud);
	}
	if (rc == 0 && !p.failures) {
		cJSON_AddNumberToObject(p.out, "tenants_with_changes", (double)p.n_changed);
		cJSON_AddNumberToObject(p.out, "aws_calls", (double)p.n_calls);
		cJSON_AddNumberToObject(p.out, "conflicts", (double)p.n_conflicts);
		if (p.json) {
			text = cJSON_Print(p.out);
			printf("%s\n", text);
			free(text);
		} else {
			printf("plan: %zu tenant(s), %zu with something pending, %zu AWS call(s) to make, %zu "
			       "conflict(s)\n",
			       p.desired.n, p.n_changed, p.n_calls, p.n_conflicts);
		}
	}
	uv_loop_close(&p.loop);
	cJSON_Delete(p.out);
	hashmap_release(&p.places, free_place);
	hashmap_release(&p.records, free_record);
	hashmap_release(&p.held, NULL);
	desired_store_release(&p.desired);
	daemon_config_free(p.cfg);
	free(p.prefix);
	if (rc < 0 || p.failures)
		return EXIT_PROBLEMS;
	return p.n_changed ? EXIT_PENDING : 0;
}
