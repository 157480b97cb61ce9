/* The root of awsim: configuration, the state it owns, the periodic tick (save
 * the state, forget long-expired credentials), and the orderly stop on SIGTERM or
 * SIGINT (save, cut what is pending, close every handle). */
#include "awsim.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define PURGE_AFTER_MS (60 * 60 * 1000)

int awsim_init(struct awsim *sim, uv_loop_t *loop, const struct awsim_config *cfg)
{
	int r;

	memset(sim, 0, sizeof(*sim));
	sim->loop = loop;
	sim->cfg = *cfg;
	if (!sim->cfg.n_regions)
		return -EINVAL;
	r = patterns_init(&sim->pat);
	if (r < 0)
		return r;
	prng_seed(&sim->rng, cfg->seed ^ 0x5eed5eed5eedULL);
	faults_init(&sim->faults, cfg->seed);
	omap_init(&sim->accounts);
	omap_init(&sim->credentials);
	omap_init(&sim->imds_tokens);
	omap_init(&sim->sso_tokens);
	omap_init(&sim->sns_topics);
	omap_init(&sim->stats);
	omap_init(&sim->quota_overrides);
	quotas_defaults(sim->quota_cli);
	for (size_t i = 0; i < cfg->n_quota_args; i++)
		if (quota_parse_arg(cfg->quota_args[i], sim->quota_cli) < 0)
			return -EINVAL;
	quotas_reset(sim);
	state_reset(sim);
	return 0;
}

void awsim_release(struct awsim *sim)
{
	state_free_accounts(&sim->accounts);
	omap_clear(&sim->credentials, credential_free);
	omap_clear(&sim->imds_tokens, free);
	omap_clear(&sim->sso_tokens, free);
	omap_clear(&sim->sns_topics, free);
	cJSON_Delete(sim->sns_log);
	stats_reset(sim);
	omap_clear(&sim->quota_overrides, free);
	faults_release(&sim->faults);
	patterns_release(&sim->pat);
	usage_free(sim);
}

bool awsim_region_configured(const struct awsim *sim, const char *region)
{
	for (size_t i = 0; i < sim->cfg.n_regions; i++)
		if (!strcmp(sim->cfg.regions[i], region))
			return true;
	return false;
}

void awsim_log(const struct awsim *sim, const char *fmt, ...)
{
	va_list ap;

	if (sim->cfg.quiet)
		return;
	va_start(ap, fmt);
	fputs("awsim: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

struct token_purge {
	char **keys;
	size_t n, alloc;
	int64_t now;
};

static int old_token(const char *key, void *v, void *ctx)
{
	struct token_purge *p = ctx;

	if (*(int64_t *)v < p->now) {
		XGROW(p->keys, p->n + 1, p->alloc);
		p->keys[p->n++] = xstrdup(key);
	}
	return 0;
}

void awsim_save(struct awsim *sim)
{
	int r;

	if (!sim->cfg.state_path)
		return;
	r = persist_save(sim, sim->cfg.state_path);
	if (r < 0)
		fprintf(stderr, "awsim: saving %s: %s\n", sim->cfg.state_path, strerror(-r));
}

static void on_tick(uv_timer_t *t)
{
	struct awsim *sim = t->data;
	struct token_purge p = { NULL, 0, 0, ids_now_ms() };

	awsim_save(sim);
	auth_purge_expired(sim, PURGE_AFTER_MS);
	omap_walk(&sim->imds_tokens, old_token, &p);
	for (size_t i = 0; i < p.n; i++) {
		free(omap_del(&sim->imds_tokens, p.keys[i]));
		free(p.keys[i]);
	}
	free(p.keys);
}

static void on_closed(uv_handle_t *h)
{
	(void)h;
}

static void on_server_closed(void *data)
{
	struct awsim *sim = data;

	sim->http = NULL;
	uv_close((uv_handle_t *)&sim->save_timer, on_closed);
	uv_close((uv_handle_t *)&sim->sigterm, on_closed);
	uv_close((uv_handle_t *)&sim->sigint, on_closed);
}

void awsim_stop(struct awsim *sim)
{
	if (sim->stopping)
		return;
	sim->stopping = true;
	awsim_save(sim);
	awsim_cancel_pending(sim);
	http_server_close(sim->http, on_server_closed, sim);
}

static void on_signal(uv_signal_t *s, int signum)
{
	struct awsim *sim = s->data;

	awsim_log(sim, "signal %d: saving and stopping", signum);
	awsim_stop(sim);
}

int awsim_start(struct awsim *sim, int *ret_port)
{
	struct http_server_config hc = { 0 };
	uint64_t tick;
	int r;

	hc.limits.max_body_bytes = AWSIM_MAX_OBJECT; /* the others' bound: awsim_on_request */
	hc.limits.max_header_bytes = 64 * 1024;
	hc.limits.max_headers = 100;
	hc.max_connections = 1024;
	hc.idle_timeout_ms = 120000;
	hc.handler = awsim_on_request;
	hc.data = sim;
	hc.errors_to_handler = true;
	r = http_server_new(sim->loop, &hc, &sim->http);
	if (r == 0)
		r = http_server_listen_tcp(sim->http, sim->cfg.listen_host, sim->cfg.listen_port, ret_port);
	if (r < 0) {
		if (sim->http)
			http_server_close(sim->http, NULL, NULL);
		sim->http = NULL;
		return r;
	}
	uv_signal_init(sim->loop, &sim->sigterm);
	uv_signal_init(sim->loop, &sim->sigint);
	sim->sigterm.data = sim->sigint.data = sim;
	uv_signal_start(&sim->sigterm, on_signal, SIGTERM);
	uv_signal_start(&sim->sigint, on_signal, SIGINT);
	uv_timer_init(sim->loop, &sim->save_timer);
	sim->save_timer.data = sim;
	tick = sim->cfg.save_interval_ms ? sim->cfg.save_interval_ms : 30000;
	uv_timer_start(&sim->save_timer, on_tick, tick, tick);
	return 0;
}
