/* libFuzzer target for the manifest parser: any input must be parsed or refused without
 * a crash, a leak or undefined behaviour, and every input that parses must survive the
 * canonical round trip (print -> parse gives an equal tenant; printing is idempotent). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon_config.h"
#include "diag.h"
#include "manifest.h"
#include "manifest_print.h"
#include "strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char config_text[] = "region: us-east-1\n"
				  "accounts:\n"
				  "  prod: {id: \"111122223333\"}\n"
				  "  research: {id: \"444455556666\", role_arn: arn:aws:iam::444455556666:role/x}\n"
				  "policy:\n"
				  "  allowed_models: [\"anthropic.*\", \"us.*\", \"amazon.nova-*\", \"meta.*\"]\n"
				  "  regions: [us-east-1, us-west-2]\n"
				  "  departments: [claims, engineering, marketing, research]\n"
				  "  required_tags: [CostCenter]\n"
				  "  max_budget_usd: 50000\n";

static struct daemon_config *config(void)
{
	static struct daemon_config *cfg;
	struct diag_list diags;

	if (cfg)
		return cfg;
	diag_list_init(&diags);
	if (daemon_config_parse("config.yaml", config_text, strlen(config_text), &cfg, &diags) < 0)
		abort();
	diag_list_release(&diags);
	return cfg;
}

static void round_trip(const struct daemon_config *cfg, const struct tenant *t)
{
	struct strbuf once, twice;
	struct diag_list diags;
	struct tenant *again = NULL;

	strbuf_init(&once, STRBUF_NO_CAP);
	strbuf_init(&twice, STRBUF_NO_CAP);
	diag_list_init(&diags);
	if (manifest_print(t, &once) < 0)
		abort();
	if (manifest_parse(cfg, "canonical.yaml", once.buf, once.len, &again, NULL, &diags) < 0) {
		fprintf(stderr, "the canonical form does not parse:\n%s\n", once.buf);
		abort();
	}
	if (!tenant_equal(t, again) || manifest_print(again, &twice) < 0 || strcmp(once.buf, twice.buf)) {
		fprintf(stderr, "the canonical form does not round-trip:\n%s\n---\n%s\n", once.buf, twice.buf);
		abort();
	}
	tenant_free(again);
	diag_list_release(&diags);
	strbuf_release(&once);
	strbuf_release(&twice);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct daemon_config *cfg = config();
	struct diag_list diags;
	struct manifest_id mid;
	struct tenant *t = NULL;
	struct strbuf line;

	diag_list_init(&diags);
	if (manifest_parse(cfg, "fuzz.yaml", (const char *)data, size, &t, &mid, &diags) == 0) {
		if (diags.n_errors)
			abort(); /* success means clean */
		round_trip(cfg, t);
		tenant_free(t);
	} else if (!diags.n_errors) {
		abort(); /* a refusal always says why */
	}
	/* Every message formats as one line. */
	strbuf_init(&line, STRBUF_NO_CAP);
	for (size_t i = 0; i < diags.n; i++) {
		strbuf_reset(&line);
		diag_format(&diags.items[i], &line);
		for (size_t k = 0; k < line.len; k++)
			if ((unsigned char)line.buf[k] < 0x20 || line.buf[k] == 0x7f)
				abort();
	}
	strbuf_release(&line);
	manifest_id_release(&mid);
	diag_list_release(&diags);
	return 0;
}
