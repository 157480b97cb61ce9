#include "metrics.h"

#include <curl/curl.h>
#include <sqlite3.h>
#include <uv.h>

#include "metrics_process.h"

static void build_info(struct strbuf *out)
{
	const curl_version_info_data *curl = curl_version_info(CURLVERSION_NOW);

	strbuf_addf(out,
		    "# HELP bedrock_tenantd_build_info The daemon's version and the libraries it runs with; always "
		    "1.\n"
		    "# TYPE bedrock_tenantd_build_info gauge\n"
		    "bedrock_tenantd_build_info{version=\"%s\",libuv=\"%s\",libcurl=\"%s\",sqlite=\"%s\"} 1\n",
		    BTD_VERSION, uv_version_string(), curl && curl->version ? curl->version : "", sqlite3_libversion());
}

void metrics_daemon(const struct aws_client *aws, struct strbuf *out)
{
	struct metrics_process p;
	struct aws_stats st;

	build_info(out);
	if (metrics_process_read(&p) == 0)
		metrics_process_print(&p, out);
	if (!aws)
		return;
	aws_client_stats(aws, &st);
	aws_stats_prometheus(&st, out);
	aws_stats_release(&st);
}
