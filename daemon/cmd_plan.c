/* bedrock-tenantd plan [--config FILE] [--json] [DIR]: what the daemon would change,
 * from one listing of every place, without changing anything (the state store is
 * opened read-only; the only AWS calls are listings and reads).
 *
 * Every tenant's reconcile is simulated to the end (state/simulate.h), so the whole
 * change set shows, each tenant once. A simulation that needs a read (ownership tags,
 * a budget's alerts, a role's policy) gets it from AWS and runs again.
 * A tenant placed by a pool is planned in its recorded place, else in the pool place
 * its resources' tags show, else in the place the daemon would choose now
 * (state/placement.c over every pool place's quotas and listed use, tenants taken in
 * id order, each reserving its whole set); with no room anywhere it "waits" with the
 * reason the daemon would give. A tenant that moves (its recorded place not the one
 * it gets now, or a move in progress) is planned in each old place too, after its
 * current one: the end of the move there (simulate_move).
 * Under `mode: report`, or while the state store keeps a pause, the daemon makes no write
 * at its start: the plan is shown all the same (the differences it reports, Drifted),
 * said to be held, and exits 3 where it would exit 2. A claim naming another daemon
 * holds nothing at a start (the last started wins): it is not read.
 * Exit status: 0 nothing to do (timers already running are not changes), 2 changes
 * pending (a waiting tenant included), 3 changes pending that the daemon will not
 * write (mode report, paused), 1 any error (usage, configuration, manifests, state
 * store, AWS).
 * This file reads the inputs and the cost-allocation tags' status, prints and exits;
 * the places are found in plan_places.c, the units made, simulated and given their
 * reads in plan_units.c (plan_impl.h, the planner they share). */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <uv.h>

#include "budget_spec.h"
#include "ce.h"
#include "commands.h"
#include "manifest_dir.h"
#include "param_prefix.h"
#include "plan_impl.h"
#include "setup.h"
#include "store.h"
#include "xalloc.h"

#define EXIT_PENDING 2
#define EXIT_HELD    3 /* changes pending, none of them written: mode report, paused */
#define USAGE	     "usage: bedrock-tenantd plan [--config FILE] [--json] [DIR]\n"

/* ---- output: each tenant once, all its places ---- */

static struct plan_section section_of(const struct plan_unit *u)
{
	return (struct plan_section){ u->pp->place.key, &u->sim, u->placement, u->moving_to != NULL };
}

static bool print_all(struct planner *p, struct plan_print *out)
{
	struct plan_section *sec = xcalloc(p->n_units + 1, sizeof(*sec));
	bool pending = false;

	for (size_t i = 0; i < p->n_units;) {
		size_t n = 0, k = i;
		if (p->units[i]->moving_to && !plan__simulated(p->units[i])) { /* its tenant is held */
			i++;
			continue;
		}
		if (p->units[i]->waiting) { /* then the old places it serves from, if any */
			for (k = i + 1; k < p->n_units && p->units[k]->moving_to == p->units[i]; k++)
				if (plan__simulated(p->units[k]))
					sec[n++] = section_of(p->units[k]);
			plan_print_waiting(out, p->units[i]->id, p->units[i]->waiting, sec, n);
			pending = true;
			i = k;
			continue;
		}
		while (k < p->n_units && strcmp(p->units[k]->id, p->units[i]->id) == 0) {
			sec[n++] = section_of(p->units[k]);
			k++;
		}
		pending |= plan_print_tenant(out, p->units[i]->id, sec, n);
		i = k;
	}
	free(sec);
	return pending;
}

/* ---- inputs ---- */

static int read_manifests(struct planner *p, const char *dir)
{
	struct diag_list diags;
	struct desired_scan scan;
	struct desired_delta delta;
	int rc = 0;

	diag_list_init(&diags);
	manifest_dir_read(p->cfg, dir, &scan, &diags);
	p->ids_unknown = desired_scan_ids_unknown(&scan);
	desired_store_apply(&p->desired, &scan, &delta);
	if (diags.n_errors)
		setup_print_diags(&diags, stderr);
	if (delta.unavailable) {
		fprintf(stderr,
			"bedrock-tenantd: the manifest directory %s cannot be used (missing, unreadable or empty); "
			"the daemon deletes nothing then, and plan compares nothing\n",
			dir);
		rc = -ENOENT;
	} else if (diags.n_errors) {
		fprintf(stderr,
			"bedrock-tenantd: %zu problem(s) in the manifests; the daemon keeps the last good definition "
			"of their tenants, which plan cannot know: failing files are left out\n",
			diags.n_errors);
		if (p->ids_unknown)
			fprintf(stderr,
				"bedrock-tenantd: a file fails before its tenant id can be read: the daemon "
				"deletes no tenant without a manifest until it can, and plan leaves them out\n");
		rc = -EINVAL;
	}
	diag_list_release(&diags);
	for (size_t i = 0; i < delta.n_rejected; i++)
		hashmap_put(&p->failing, delta.rejected[i], (void *)1);
	for (size_t i = 0; i < delta.n_stale; i++)
		hashmap_put(&p->failing, delta.stale[i], (void *)1);
	desired_delta_release(&delta);
	desired_scan_release(&scan);
	return rc;
}

static int read_inputs(struct planner *p, const char *config, const char *dir)
{
	struct diag_list diags;
	struct store *s = NULL;
	char *path, *err = NULL;
	int rc, r;

	diag_list_init(&diags);
	if (daemon_config_load(config, &p->cfg, &diags) < 0) {
		/* a configuration with errors comes back anyway, its wrong parts at their
		 * defaults or half read: nothing may use it (cmd_plan runs nothing then) */
		setup_print_diags(&diags, stderr);
		diag_list_release(&diags);
		fprintf(stderr, "bedrock-tenantd: %s has errors; plan compares nothing\n", config);
		daemon_config_free(p->cfg);
		p->cfg = NULL;
		return -EINVAL;
	}
	diag_list_release(&diags);
	rc = read_manifests(p, dir ? dir : p->cfg->manifests);
	if (rc == -ENOENT)
		return rc;
	path = xasprintf("%s/state.db", p->cfg->state_dir);
	r = store_open_readonly(path, &s, &err);
	if (r == 0) {
		/* an open reads nothing: a file that is not a store fails at the first read */
		if ((r = store_load(s, &p->records)) < 0 || (r = store_load_held(s, &p->held)) < 0 ||
		    (r = store_get_paused(s, &p->paused)) < 0) {
			err = xstrdup(store_error(s));
			r = r == -ENOENT ? -EIO : r;
		}
		store_close(s);
	}
	if (r == -ENOENT) {
		fprintf(stderr,
			"bedrock-tenantd: no state store at %s: plan assumes the daemon remembers nothing "
			"(no timer running, no tag keys applied)\n",
			path);
	} else if (r < 0) {
		fprintf(stderr, "bedrock-tenantd: the state store %s cannot be read: %s\n", path,
			err ? err : strerror(-r));
		rc = rc ? rc : r;
	}
	free(err);
	free(path);
	return rc;
}

/* ---- main ---- */

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

static void planner_release(struct planner *p)
{
	for (size_t i = 0; i < p->n_pools; i++) {
		free(p->pools[i].places);
		free(p->pools[i].cap);
	}
	free(p->pools);
	for (size_t i = 0; i < p->n_units; i++) {
		simulation_release(&p->units[i]->sim);
		for (size_t k = 0; k < p->units[i]->n_done_reads; k++)
			action_release(&p->units[i]->done_reads[k]);
		free(p->units[i]->done_reads);
		free(p->units[i]->done_rounds);
		free(p->units[i]->placement);
		free(p->units[i]->waiting);
		free(p->units[i]->id);
		free(p->units[i]);
	}
	free(p->units);
	free(p->reads);
	hashmap_release(&p->unit_of, NULL);
	hashmap_release(&p->places, free_place);
	hashmap_release(&p->records, free_record);
	hashmap_release(&p->held, NULL);
	hashmap_release(&p->failing, NULL);
	desired_store_release(&p->desired);
	daemon_config_free(p->cfg);
	free(p->prefix);
}

/* The places the state store records for tenants no manifest names (removed while the
 * daemon was down), listed too: the daemon removes them from there (engine.c,
 * removed_while_away), even from a place no other tenant names. Not while a file
 * fails before its id can be read (one of them may be declared there). */
static void list_removed_places(struct planner *p)
{
	size_t pos = 0;
	const char *id;
	void *v;

	while (!p->ids_unknown && hashmap_next(&p->records, &pos, &id, &v)) {
		const char *fact = record_fact(v, RECORD_FACT_PLACE);
		if (fact && !desired_store_get(&p->desired, id) && !hashmap_get(&p->failing, id) &&
		    plan__old_place_reachable(p, fact))
			plan__place_of_key(p, fact);
	}
}

/* ---- cost-allocation tags (daemon/cost_tags.c) ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void on_cost_tags(void *arg, int status, const struct ce_cost_tag_list *l, const struct aws_error *err)
{
	struct planner *p = arg;
	struct plan_cost_tags *ct = &p->cost_tags;

	p->pending--;
	if (status < 0) {
		fprintf(stderr, "bedrock-tenantd: ListCostAllocationTags in %s failed: %s%s%s\n", ct->payer,
			err && err->code ? err->code : strerror(-status), err && err->message ? ": " : "",
			err && err->message ? err->message : "");
		p->failures++;
		return;
	}
	for (size_t i = 0; i < ct->n; i++) {
		const struct ce_cost_tag *tag = ce_cost_tag_list_find(l, ct->keys[i]);
		ct->status[i] = !tag ? "NotSeen" : !strcmp(tag->status, CE_STATUS_ACTIVE) ? "Active" : "Inactive";
	}
	ct->read = true;
}

/* In manage mode the daemon reads, at its start, the status of the tag keys the
 * desired budgets filter on in the payer account, and activates the inactive ones:
 * the same read, for plan to show that. */
static void read_cost_tags(struct planner *p)
{
	struct plan_cost_tags *ct = &p->cost_tags;
	const struct cfg_account *a = p->cfg->cost_tags.payer_account
					      ? daemon_config_account(p->cfg, p->cfg->cost_tags.payer_account)
					      : NULL;
	struct aws_target t = { .account = a && a->role_arn ? a->alias : NULL, .region = NULL };
	int r;

	ct->mode = cfg_cost_tags_mode_name(p->cfg->cost_tags.mode);
	ct->payer = p->cfg->cost_tags.payer_account ? p->cfg->cost_tags.payer_account : "the default account";
	if (p->cfg->cost_tags.mode != CFG_COST_TAGS_MANAGE)
		return;
	for (size_t i = 0; i < p->desired.n; i++) {
		const char *mine[4];
		size_t m = budget_filter_tag_keys(p->desired.entries[i].tenant, mine, 4);
		for (size_t j = 0; j < m; j++) {
			bool seen = false;
			for (size_t k = 0; k < ct->n && !seen; k++)
				seen = !strcmp(ct->keys[k], mine[j]);
			if (!seen && ct->n < CE_LIST_MAX_KEYS)
				ct->keys[ct->n++] = mine[j];
		}
	}
	if (!ct->n)
		return;
	qsort(ct->keys, ct->n, sizeof(*ct->keys), cmp_str);
	r = ce_list_cost_allocation_tags(p->aws, &t, ct->keys, ct->n, on_cost_tags, p);
	if (r < 0) {
		fprintf(stderr, "bedrock-tenantd: ListCostAllocationTags in %s could not start: %s\n", ct->payer,
			strerror(-r));
		p->failures++;
		return;
	}
	p->pending++;
}

/* Lists every place, settles every simulation, prints. Returns the exit status. */
static int run(struct planner *p)
{
	struct plan_print out;
	char *err = NULL;
	size_t unsettled;
	bool pending;
	int status;
	void *rec_v;

	if (setup_aws_client(&p->loop, p->cfg, &p->aws, &err) < 0) {
		fprintf(stderr, "bedrock-tenantd: %s\n", err);
		free(err);
		return EXIT_PROBLEMS;
	}
	p->prefix = setup_param_prefix(p->cfg);
	/* parameters made under an earlier naming.parameter are still listed (and pruned) */
	for (size_t pos = 0; hashmap_next(&p->records, &pos, NULL, &rec_v);)
		param_prefix_widen_record(&p->prefix, rec_v);
	setup_cloud(&p->cloud, p->aws, p->cfg);
	for (size_t i = 0; i < p->desired.n; i++) {
		const struct tenant *t = p->desired.entries[i].tenant;
		const struct tenant_record *rec = hashmap_get(&p->records, t->id);
		const char *fact = rec ? record_fact(rec, RECORD_FACT_PLACE) : NULL, *old;
		char *how = NULL;
		if (!plan__pool_tenant(p, t))
			plan__place_of(p, t, &how);
		/* its recorded place, listed too (a pool place, or no longer one) */
		else if (fact && plan__old_place_reachable(p, fact))
			plan__place_of_key(p, fact);
		/* its alias configured no more: perhaps the daemon's own account */
		else if (fact && strchr(fact, '/') && record_fact(rec, RECORD_FACT_ACCOUNT))
			plan__own_place(p, strchr(fact, '/') + 1);
		free(how);
		for (size_t k = 0; (old = plan__old_place_key(rec, k)); k++) /* a move's old places */
			if (plan__old_place_reachable(p, old))
				plan__place_of_key(p, old);
	}
	list_removed_places(p);
	if (p->cfg->n_pools)
		plan__pools_start(p);
	read_cost_tags(p);
	while (p->pending)
		uv_run(&p->loop, UV_RUN_ONCE);
	p->looked = true;
	if (!p->failures) {
		plan__make_units(p);
		plan__hold_moved_accounts(p);
		unsettled = plan__settle(p);
		if (unsettled && !p->failures) {
			fprintf(stderr, "bedrock-tenantd: %zu tenant(s) still need reads after %d passes\n", unsettled,
				READ_PASSES);
			p->failures++;
		}
	}
	while (p->pending)
		uv_run(&p->loop, UV_RUN_ONCE);
	aws_client_close(p->aws, NULL, NULL);
	uv_run(&p->loop, UV_RUN_DEFAULT);
	cloud_aws_release(&p->cloud);
	if (p->failures)
		return EXIT_PROBLEMS;

	plan_print_init(&out, p->json);
	/* what holds every write of the daemon at its start (engine_calls_held): a
	 * stand-by does not, as a start writes its own claim before its first call */
	if (p->cfg->mode == CFG_MODE_REPORT)
		plan_print_writes_held(&out, "mode report", "the configuration's `mode: report`");
	else if (p->paused)
		plan_print_writes_held(&out, "paused",
				       "mutating calls paused (`bedrock-tenantctl pause`, kept in the state store) "
				       "until `bedrock-tenantctl resume`");
	pending = print_all(p, &out);
	pending |= plan_print_cost_tags(&out, &p->cost_tags);
	plan_print_finish(&out, p->desired.n);
	status = out.n_errors ? EXIT_PROBLEMS : pending && out.writes_held ? EXIT_HELD : pending ? EXIT_PENDING : 0;
	plan_print_release(&out);
	return status;
}

int cmd_plan(int argc, char **argv)
{
	static const struct option options[] = { { "config", required_argument, NULL, 'c' },
						 { "json", no_argument, NULL, 'j' },
						 { "help", no_argument, NULL, 'h' },
						 { NULL, 0, NULL, 0 } };
	struct planner p = { 0 };
	const char *config = DAEMON_CONFIG_PATH;
	int opt, rc, status;

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
			printf(USAGE "\n"
				     "Lists what is live and prints what the daemon would change, changing nothing.\n"
				     "Exit status: 0 nothing to do, 2 changes pending, 3 changes pending that the\n"
				     "daemon will not write (mode report, paused), 1 an error.\n");
			return 0;
		default: /* getopt said what was wrong; 2 would read as "changes pending" */
			fprintf(stderr, USAGE);
			return EXIT_PROBLEMS;
		}
	}
	if (argc - optind > 1) {
		fprintf(stderr, "bedrock-tenantd: plan takes one manifest directory at most\n" USAGE);
		return EXIT_PROBLEMS;
	}
	hashmap_init(&p.records);
	hashmap_init(&p.held);
	hashmap_init(&p.places);
	hashmap_init_borrowed(&p.unit_of);
	hashmap_init(&p.failing);
	desired_store_init(&p.desired);
	uv_loop_init(&p.loop);
	p.now = (int64_t)time(NULL);
	rc = read_inputs(&p, config, optind < argc ? argv[optind] : NULL);
	status = !p.cfg || rc == -ENOENT ? EXIT_PROBLEMS : run(&p);
	if (rc < 0)
		status = EXIT_PROBLEMS; /* the plan is shown, but it rests on a partial reading */
	uv_loop_close(&p.loop);
	planner_release(&p);
	return status;
}
