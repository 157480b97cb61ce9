/* The metric families the daemon adds to the engine's (control_metrics): build
 * information, the process, and the AWS layer's latency, error codes and credential
 * expiry. docs/metrics.md lists every family. */
#ifndef BTD_METRICS_H
#define BTD_METRICS_H

#include "aws_client.h"
#include "strbuf.h"

/* metrics_daemon: appends the families to out; aws may be NULL (not started). */
void metrics_daemon(const struct aws_client *aws, struct strbuf *out);

#endif
