/* sign_headers SERVICE METHOD URL [BODY]: prints the SigV4 headers (one "Name: value"
 * a line, for curl -H @FILE) of an AWS call signed as the SDKs sign it, with the
 * keys of AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN in AWS_REGION.
 * The path is given encoded once, as sent ("/model/arn%3Aaws%3A.../converse"); it is
 * signed encoded again, as AWS expects of every service but S3 (curl's own SigV4
 * signs it as given, so the integration tests use this for paths holding an ARN). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "aws_request.h"

int main(int argc, char **argv)
{
	struct aws_endpoint ep = { 0 };
	struct aws_signed_request s;
	struct aws_request r;
	struct sigv4_credentials creds = { getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY"),
					   getenv("AWS_SESSION_TOKEN") };
	enum aws_service svc;
	const char *q;
	char *url;

	if (argc < 4 || aws_service_from_name(argv[1], &svc) < 0 || !creds.access_key_id || !creds.secret_access_key ||
	    aws_endpoint_parse_url(argv[3], &ep) < 0) {
		fprintf(stderr, "usage: sign_headers SERVICE METHOD URL [BODY] (AWS_* keys in the environment)\n");
		return 2;
	}
	free(ep.signing_region);
	ep.signing_region = strdup(getenv("AWS_REGION") ? getenv("AWS_REGION") : "us-east-1");
	url = strdup(ep.base_path);
	free(ep.base_path);
	ep.base_path = strdup("");
	q = strchr(url, '?');
	if (q)
		url[q - url] = '\0';
	aws_request_init(&r, svc, "call", argv[2], *url ? url : "/");
	if (q)
		strbuf_adds(&r.query, q + 1);
	if (argc > 4) {
		strbuf_adds(&r.body, argv[4]);
		r.content_type = strdup("application/json");
	}
	if (aws_request_sign(&r, &ep, &creds, time(NULL), NULL, &s) < 0) {
		fprintf(stderr, "sign_headers: cannot sign\n");
		return 1;
	}
	for (size_t i = 0; i < s.n_headers; i++)
		if (strcasecmp(s.headers[i].name, "Host") != 0)
			printf("%s: %s\n", s.headers[i].name, s.headers[i].value);
	aws_signed_request_release(&s);
	aws_request_release(&r);
	aws_endpoint_release(&ep);
	free(url);
	return 0;
}
