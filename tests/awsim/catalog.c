/* The seeded Bedrock catalogue: foundation models (real model ids, offered in every
 * region awsim serves) and system-defined cross-Region inference profiles (real
 * profile ids, each present in the regions of its geography, routing to the
 * foundation model in each of them). */
#include "awsim.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define SEED_TIME_MS 1725148800000LL /* 2024-09-01T00:00:00Z */

static const struct fm_def models[] = {
	{ "amazon.nova-lite-v1:0", "Nova Lite", "Amazon", "TEXT,IMAGE", "TEXT", true },
	{ "amazon.nova-micro-v1:0", "Nova Micro", "Amazon", "TEXT", "TEXT", true },
	{ "amazon.nova-pro-v1:0", "Nova Pro", "Amazon", "TEXT,IMAGE", "TEXT", true },
	{ "amazon.titan-embed-text-v2:0", "Titan Text Embeddings V2", "Amazon", "TEXT", "EMBEDDING", false },
	{ "amazon.titan-text-express-v1", "Titan Text G1 - Express", "Amazon", "TEXT", "TEXT", true },
	{ "anthropic.claude-3-5-haiku-20241022-v1:0", "Claude 3.5 Haiku", "Anthropic", "TEXT", "TEXT", true },
	{ "anthropic.claude-3-5-sonnet-20240620-v1:0", "Claude 3.5 Sonnet", "Anthropic", "TEXT,IMAGE", "TEXT", true },
	{ "anthropic.claude-3-5-sonnet-20241022-v2:0", "Claude 3.5 Sonnet v2", "Anthropic", "TEXT,IMAGE", "TEXT",
	  true },
	{ "anthropic.claude-3-7-sonnet-20250219-v1:0", "Claude 3.7 Sonnet", "Anthropic", "TEXT,IMAGE", "TEXT", true },
	{ "anthropic.claude-3-haiku-20240307-v1:0", "Claude 3 Haiku", "Anthropic", "TEXT,IMAGE", "TEXT", true },
	{ "anthropic.claude-opus-4-20250514-v1:0", "Claude Opus 4", "Anthropic", "TEXT,IMAGE", "TEXT", true },
	{ "anthropic.claude-sonnet-4-20250514-v1:0", "Claude Sonnet 4", "Anthropic", "TEXT,IMAGE", "TEXT", true },
	{ "cohere.command-r-plus-v1:0", "Command R+", "Cohere", "TEXT", "TEXT", true },
	{ "meta.llama3-1-70b-instruct-v1:0", "Llama 3.1 70B Instruct", "Meta", "TEXT", "TEXT", true },
	{ "meta.llama3-1-8b-instruct-v1:0", "Llama 3.1 8B Instruct", "Meta", "TEXT", "TEXT", true },
	{ "mistral.mistral-large-2402-v1:0", "Mistral Large (24.02)", "Mistral AI", "TEXT", "TEXT", true },
};

#define US   "us-east-1,us-east-2,us-west-2"
#define EU   "eu-central-1,eu-west-1,eu-west-3"
#define APAC "ap-northeast-1,ap-northeast-2,ap-south-1,ap-southeast-1,ap-southeast-2"

static const struct system_profile_def profiles[] = {
	{ "us.amazon.nova-lite-v1:0", "US Nova Lite",
	  "Routes requests to Nova Lite in us-east-1, us-east-2 and us-west-2.", "amazon.nova-lite-v1:0", US },
	{ "us.amazon.nova-micro-v1:0", "US Nova Micro",
	  "Routes requests to Nova Micro in us-east-1, us-east-2 and us-west-2.", "amazon.nova-micro-v1:0", US },
	{ "us.amazon.nova-pro-v1:0", "US Nova Pro",
	  "Routes requests to Nova Pro in us-east-1, us-east-2 and us-west-2.", "amazon.nova-pro-v1:0", US },
	{ "us.anthropic.claude-3-5-haiku-20241022-v1:0", "US Anthropic Claude 3.5 Haiku",
	  "Routes requests to Anthropic Claude 3.5 Haiku in us-east-1, us-east-2 and us-west-2.",
	  "anthropic.claude-3-5-haiku-20241022-v1:0", US },
	{ "us.anthropic.claude-3-5-sonnet-20241022-v2:0", "US Anthropic Claude 3.5 Sonnet v2",
	  "Routes requests to Anthropic Claude 3.5 Sonnet v2 in us-east-1, us-east-2 and us-west-2.",
	  "anthropic.claude-3-5-sonnet-20241022-v2:0", US },
	{ "us.anthropic.claude-3-7-sonnet-20250219-v1:0", "US Anthropic Claude 3.7 Sonnet",
	  "Routes requests to Anthropic Claude 3.7 Sonnet in us-east-1, us-east-2 and us-west-2.",
	  "anthropic.claude-3-7-sonnet-20250219-v1:0", US },
	{ "us.anthropic.claude-3-haiku-20240307-v1:0", "US Anthropic Claude 3 Haiku",
	  "Routes requests to Anthropic Claude 3 Haiku in us-east-1, us-east-2 and us-west-2.",
	  "anthropic.claude-3-haiku-20240307-v1:0", US },
	{ "us.anthropic.claude-sonnet-4-20250514-v1:0", "US Claude Sonnet 4",
	  "Routes requests to Claude Sonnet 4 in us-east-1, us-east-2 and us-west-2.",
	  "anthropic.claude-sonnet-4-20250514-v1:0", US },
	{ "us.meta.llama3-1-70b-instruct-v1:0", "US Meta Llama 3.1 70B Instruct",
	  "Routes requests to Meta Llama 3.1 70B Instruct in us-east-1 and us-west-2.",
	  "meta.llama3-1-70b-instruct-v1:0", "us-east-1,us-west-2" },
	{ "eu.amazon.nova-lite-v1:0", "EU Nova Lite",
	  "Routes requests to Nova Lite in eu-central-1, eu-west-1 and eu-west-3.", "amazon.nova-lite-v1:0", EU },
	{ "eu.anthropic.claude-3-7-sonnet-20250219-v1:0", "EU Anthropic Claude 3.7 Sonnet",
	  "Routes requests to Anthropic Claude 3.7 Sonnet in eu-central-1, eu-west-1 and eu-west-3.",
	  "anthropic.claude-3-7-sonnet-20250219-v1:0", EU },
	{ "eu.anthropic.claude-3-haiku-20240307-v1:0", "EU Anthropic Claude 3 Haiku",
	  "Routes requests to Anthropic Claude 3 Haiku in eu-central-1, eu-west-1 and eu-west-3.",
	  "anthropic.claude-3-haiku-20240307-v1:0", EU },
	{ "apac.amazon.nova-lite-v1:0", "APAC Nova Lite",
	  "Routes requests to Nova Lite in ap-northeast-1, ap-northeast-2, ap-south-1, ap-southeast-1 and "
	  "ap-southeast-2.",
	  "amazon.nova-lite-v1:0", APAC },
	{ "apac.anthropic.claude-3-haiku-20240307-v1:0", "APAC Anthropic Claude 3 Haiku",
	  "Routes requests to Anthropic Claude 3 Haiku in ap-northeast-1, ap-northeast-2, ap-south-1, "
	  "ap-southeast-1 and ap-southeast-2.",
	  "anthropic.claude-3-haiku-20240307-v1:0", APAC },
};

const struct fm_def *catalog_models(size_t *n)
{
	*n = sizeof(models) / sizeof(models[0]);
	return models;
}

const struct fm_def *catalog_model(const char *id)
{
	for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++)
		if (strcmp(models[i].id, id) == 0)
			return &models[i];
	return NULL;
}

static bool list_has(const char *list, const char *item)
{
	size_t n = strlen(item);

	for (const char *p = list; *p;) {
		size_t len = strcspn(p, ",");
		if (len == n && strncmp(p, item, n) == 0)
			return true;
		p += len + (p[len] == ',');
	}
	return false;
}

void catalog_seed_region(struct awsim *sim, struct account *acct, struct region *r)
{
	(void)sim;
	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++) {
		const struct system_profile_def *d = &profiles[i];
		struct profile *p;

		if (!list_has(d->regions, r->name))
			continue;
		p = xcalloc(1, sizeof(*p));
		p->id = xstrdup(d->id);
		p->arn = xasprintf("arn:aws:bedrock:%s:%s:inference-profile/%s", r->name, acct->id, d->id);
		p->name = xstrdup(d->name);
		p->description = xstrdup(d->description);
		p->system = true;
		p->created_ms = p->updated_ms = SEED_TIME_MS + (int64_t)i * 1000;
		for (const char *q = d->regions; *q;) {
			size_t len = strcspn(q, ",");
			p->models = xreallocarray(p->models, p->n_models + 1, sizeof(*p->models));
			p->models[p->n_models++] = xasprintf("arn:aws:bedrock:%.*s::foundation-model/%s", (int)len, q,
							     d->model);
			q += len + (q[len] == ',');
		}
		omap_put(&r->system_profiles, p->id, p);
	}
}
