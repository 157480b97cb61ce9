/* Fuzz target: a whole HTTP request served by awsim (routing, every protocol's body
 * parsing, every operation) through awsim_process(), with signature checks off so
 * that the input reaches the operations. Each input gets a fresh emulator. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "awsim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_limits lim = { .max_header_bytes = 8192, .max_headers = 32, .max_body_bytes = 65536 };
	struct awsim_config cfg = { 0 };
	struct http_parser p;
	struct http_message *m;
	struct awsim sim;
	size_t used = 0, more = 0;
	enum http_parse_result r;

	cfg.listen_host = "127.0.0.1";
	cfg.account = AWSIM_DEFAULT_ACCOUNT;
	cfg.regions[cfg.n_regions++] = "us-east-1";
	cfg.seed = 1;
	cfg.temp_ttl_s = 60;
	cfg.instance_role = "role";
	cfg.quiet = true;
	cfg.auth_disabled = true;
	if (awsim_init(&sim, NULL, &cfg) < 0)
		return 0;
	http_parser_init(&p, &lim);
	r = http_parser_feed(&p, (const char *)data, size, &used);
	if (r == HTTP_PARSE_HEAD)
		r = http_parser_feed(&p, (const char *)data + used, size - used, &more);
	if (r == HTTP_PARSE_DONE) {
		struct fault_decision d;
		struct call c;

		m = http_parser_detach(&p);
		call_init(&c, &sim, m, true);
		awsim_process(&c, &d);
		call_release(&c);
		http_message_free(m);
	}
	http_parser_release(&p);
	awsim_release(&sim);
	return 0;
}
