/* awsim: the command line. Parses the options (docs/awsim.md), loads the state and
 * the fault plan, starts listening and prints "listening on HOST:PORT" as the first
 * line on stdout, then runs the loop until SIGTERM or SIGINT. */
#include "awsim.h"
#include "usage.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "xalloc.h"

#define MAX_CREDENTIALS 64

static void usage(FILE *out)
{
	fprintf(out, "usage: awsim [options]\n"
		     "  --listen HOST:PORT          address to serve (default 127.0.0.1:0, a free port)\n"
		     "  --account ID                default account (default " AWSIM_DEFAULT_ACCOUNT ")\n"
		     "  --region NAME               a region to serve; repeatable (default " AWSIM_DEFAULT_REGION ")\n"
		     "  --credentials AKID:SECRET[:ACCOUNT]  a key pair to accept; repeatable\n"
		     "                              (default " AWSIM_DEFAULT_AKID ":" AWSIM_DEFAULT_SECRET ")\n"
		     "  --state FILE                load at start, save on SIGTERM/SIGINT and periodically\n"
		     "  --state-interval SECONDS    how often to save (default 30)\n"
		     "  --faults FILE               fault plan, JSON or YAML (.yaml, .yml)\n"
		     "  --seed N                    PRNG seed for ids and fault dice (default: from the clock)\n"
		     "  --temp-credentials-ttl S    lifetime of IMDS and container credentials (default 3600)\n"
		     "  --container-auth-token T    Authorization value the container endpoint requires\n"
		     "  --instance-role NAME        IMDS role name (default awsim-instance-role)\n"
		     "  --quiet                     no log lines on stderr\n"
		     "  --quota CODE=VALUE          a quota's value everywhere (Service Quotas code, e.g.\n"
		     "                              L-40EC9882=2000); repeatable; codes in docs/awsim.md\n"
		     "  --invocation-log-delay MS   invocation-log delivery delay (default 60000)\n"
		     "  --prices MODEL=IN,OUT;...   USD per 1,000 input, output tokens; MODEL * for\n"
		     "                              the rest (default 0.003 and 0.015 for every model)\n"
		     "  --clock-offset SECONDS      run awsim's clock this far from the host's (-864000 to\n"
		     "                              864000): a client's clock is then that far off AWS's\n"
		     "  --help, --version\n");
}

static bool valid_account(const char *s)
{
	return strlen(s) == 12 && strspn(s, "0123456789") == 12;
}

static bool valid_region(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 20 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

static int parse_listen(const char *arg, struct awsim_config *cfg)
{
	const char *colon = strrchr(arg, ':');
	char *end;
	long port;

	if (!colon || colon == arg)
		return -EINVAL;
	port = strtol(colon + 1, &end, 10);
	if (*end || port < 0 || port > 65535 || end == colon + 1)
		return -EINVAL;
	free(cfg->listen_host);
	if (arg[0] == '[' && colon[-1] == ']')
		cfg->listen_host = xstrndup(arg + 1, (size_t)(colon - arg - 2));
	else
		cfg->listen_host = xstrndup(arg, (size_t)(colon - arg));
	cfg->listen_port = (int)port;
	return 0;
}

static long long number(const char *arg, long long min, long long max, const char *what)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(arg, &end, 10);
	if (errno || *end || !*arg || v < min || v > max) {
		fprintf(stderr, "awsim: %s must be a number from %lld to %lld\n", what, min, max);
		exit(2);
	}
	return v;
}

enum {
	OPT_LISTEN = 256,
	OPT_ACCOUNT,
	OPT_REGION,
	OPT_CREDENTIALS,
	OPT_STATE,
	OPT_STATE_INTERVAL,
	OPT_FAULTS,
	OPT_SEED,
	OPT_TTL,
	OPT_CONTAINER_TOKEN,
	OPT_INSTANCE_ROLE,
	OPT_QUIET,
	OPT_HELP,
	OPT_VERSION,
	OPT_QUOTA,
	OPT_INVLOG_DELAY,
	OPT_PRICES,
	OPT_CLOCK_OFFSET,
};

static const struct option options[] = {
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "account", required_argument, NULL, OPT_ACCOUNT },
	{ "region", required_argument, NULL, OPT_REGION },
	{ "credentials", required_argument, NULL, OPT_CREDENTIALS },
	{ "state", required_argument, NULL, OPT_STATE },
	{ "state-interval", required_argument, NULL, OPT_STATE_INTERVAL },
	{ "faults", required_argument, NULL, OPT_FAULTS },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "temp-credentials-ttl", required_argument, NULL, OPT_TTL },
	{ "container-auth-token", required_argument, NULL, OPT_CONTAINER_TOKEN },
	{ "instance-role", required_argument, NULL, OPT_INSTANCE_ROLE },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "quota", required_argument, NULL, OPT_QUOTA },
	{ "invocation-log-delay", required_argument, NULL, OPT_INVLOG_DELAY },
	{ "prices", required_argument, NULL, OPT_PRICES },
	{ "clock-offset", required_argument, NULL, OPT_CLOCK_OFFSET },
	{ NULL, 0, NULL, 0 },
};

struct cli {
	struct awsim_config cfg;
	char *creds[MAX_CREDENTIALS];
	size_t n_creds;
	bool seeded;
};

static void parse_args(int argc, char **argv, struct cli *cli)
{
	struct awsim_config *cfg = &cli->cfg;
	int opt;

	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case OPT_LISTEN:
			if (parse_listen(optarg, cfg) < 0) {
				fprintf(stderr, "awsim: --listen wants HOST:PORT, not %s\n", optarg);
				exit(2);
			}
			break;
		case OPT_ACCOUNT:
			if (!valid_account(optarg)) {
				fprintf(stderr, "awsim: --account wants 12 digits, not %s\n", optarg);
				exit(2);
			}
			cfg->account = optarg;
			break;
		case OPT_REGION:
			if (!valid_region(optarg) || cfg->n_regions == AWSIM_MAX_REGIONS) {
				fprintf(stderr, "awsim: bad or too many --region: %s\n", optarg);
				exit(2);
			}
			cfg->regions[cfg->n_regions++] = optarg;
			break;
		case OPT_CREDENTIALS:
			if (!strchr(optarg, ':') || cli->n_creds == MAX_CREDENTIALS) {
				fprintf(stderr, "awsim: --credentials wants AKID:SECRET[:ACCOUNT]\n");
				exit(2);
			}
			cli->creds[cli->n_creds++] = optarg;
			break;
		case OPT_STATE:
			cfg->state_path = optarg;
			break;
		case OPT_STATE_INTERVAL:
			cfg->save_interval_ms = (uint64_t)number(optarg, 1, 86400, "--state-interval") * 1000;
			break;
		case OPT_FAULTS:
			cfg->faults_path = optarg;
			break;
		case OPT_SEED:
			cfg->seed = (uint64_t)number(optarg, 0, 9007199254740991LL, "--seed");
			cli->seeded = true;
			break;
		case OPT_TTL:
			cfg->temp_ttl_s = number(optarg, 1, 43200, "--temp-credentials-ttl");
			break;
		case OPT_CONTAINER_TOKEN:
			cfg->container_token = optarg;
			break;
		case OPT_INSTANCE_ROLE:
			cfg->instance_role = optarg;
			break;
		case OPT_QUIET:
			cfg->quiet = true;
			break;
		case OPT_CLOCK_OFFSET:
			ids_clock_offset_ms = number(optarg, -864000, 864000, "--clock-offset") * 1000;
			break;
		case OPT_INVLOG_DELAY:
			cfg->invlog_delay_ms = number(optarg, 1, 86400000, "--invocation-log-delay");
			break;
		case OPT_PRICES: {
			struct price *prices;
			size_t n;
			if (usage_parse_prices(optarg, &prices, &n) < 0) {
				fprintf(stderr,
					"awsim: --prices wants MODEL=INPUT,OUTPUT;... (USD per 1,000 tokens)\n");
				exit(2);
			}
			for (size_t i = 0; i < n; i++)
				free(prices[i].model);
			free(prices);
			cfg->prices = optarg;
			break;
		}
		case OPT_QUOTA: {
			double scratch[Q_COUNT];
			if (cfg->n_quota_args == AWSIM_MAX_QUOTA_ARGS || quota_parse_arg(optarg, scratch) < 0) {
				fprintf(stderr,
					"awsim: --quota wants CODE=VALUE with a known code (docs/awsim.md) and a "
					"whole number from 0 to 1000000000, not %s\n",
					optarg);
				exit(2);
			}
			cfg->quota_args[cfg->n_quota_args++] = optarg;
			break;
		}
		case OPT_HELP:
			usage(stdout);
			exit(0);
		case OPT_VERSION:
			printf("awsim %s\n", BTD_VERSION);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind < argc) {
		usage(stderr);
		exit(2);
	}
}

/* "AKID:SECRET[:ACCOUNT]"; the secret may itself hold no ':' (AWS secrets do not). */
static void add_credentials(struct awsim *sim, const char *spec)
{
	char *copy = xstrdup(spec), *secret = strchr(copy, ':'), *account;

	*secret++ = '\0';
	account = strchr(secret, ':');
	if (account)
		*account++ = '\0';
	if (!*copy || !*secret || (account && !valid_account(account))) {
		fprintf(stderr, "awsim: --credentials wants AKID:SECRET[:ACCOUNT], not %s\n", spec);
		exit(2);
	}
	auth_add_static(sim, copy, secret, account ? account : sim->cfg.account);
	free(copy);
}

int main(int argc, char **argv)
{
	struct cli cli = { 0 };
	struct awsim sim;
	uv_loop_t loop;
	char *err = NULL;
	int port = 0, r, status = 1;

	/* a client that goes away is an EPIPE on write, not a SIGPIPE that ends awsim */
	signal(SIGPIPE, SIG_IGN);
	cli.cfg.listen_host = xstrdup("127.0.0.1");
	cli.cfg.account = AWSIM_DEFAULT_ACCOUNT;
	cli.cfg.temp_ttl_s = 3600;
	cli.cfg.instance_role = "awsim-instance-role";
	parse_args(argc, argv, &cli);
	if (!cli.cfg.n_regions)
		cli.cfg.regions[cli.cfg.n_regions++] = AWSIM_DEFAULT_REGION;
	if (!cli.seeded)
		cli.cfg.seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	uv_loop_init(&loop);
	r = awsim_init(&sim, &loop, &cli.cfg);
	if (r < 0) {
		fprintf(stderr, "awsim: cannot start: %s\n", strerror(-r));
		goto close_loop;
	}
	if (!cli.n_creds)
		auth_add_static(&sim, AWSIM_DEFAULT_AKID, AWSIM_DEFAULT_SECRET, sim.cfg.account);
	for (size_t i = 0; i < cli.n_creds; i++)
		add_credentials(&sim, cli.creds[i]);
	if (cli.cfg.state_path) {
		r = persist_load(&sim, cli.cfg.state_path, &err);
		if (r < 0 && r != -ENOENT) {
			fprintf(stderr, "awsim: %s\n", err ? err : strerror(-r));
			goto release;
		}
	}
	free(err);
	err = NULL;
	for (size_t i = 0; i < cli.cfg.n_quota_args; i++) /* the command line wins over the state file */
		quota_parse_arg(cli.cfg.quota_args[i], sim.quota_base);
	if (cli.cfg.faults_path && faults_load_file(&sim.faults, cli.cfg.faults_path, &err) < 0) {
		fprintf(stderr, "awsim: %s\n", err ? err : "cannot load the fault plan");
		goto release;
	}
	r = awsim_start(&sim, &port);
	if (r < 0) {
		fprintf(stderr, "awsim: cannot listen on %s:%d: %s\n", cli.cfg.listen_host, cli.cfg.listen_port,
			uv_strerror(r));
		uv_run(&loop, UV_RUN_DEFAULT); /* let the failed listener close */
		goto release;
	}
	printf("listening on %s:%d\n", cli.cfg.listen_host, port);
	fflush(stdout);
	awsim_log(&sim, "account %s, seed %llu", sim.cfg.account, (unsigned long long)cli.cfg.seed);
	uv_run(&loop, UV_RUN_DEFAULT);
	status = 0;
release:
	awsim_release(&sim);
close_loop:
	if (uv_loop_close(&loop) < 0) {
		fprintf(stderr, "awsim: the loop still had handles at exit\n");
		status = 1;
	}
	free(err);
	free(cli.cfg.listen_host);
	return status;
}
