/* The process metrics every Prometheus client library exports, under the same names
 * (process_resident_memory_bytes, process_cpu_seconds_total, process_open_fds, ...),
 * read from /proc. The parsing is separate from the reading so tests feed it text. */
#ifndef BTD_METRICS_PROCESS_H
#define BTD_METRICS_PROCESS_H

#include <stdint.h>

#include "strbuf.h"

struct metrics_process {
	double cpu_seconds; /* user + system */
	uint64_t resident_bytes;
	uint64_t virtual_bytes;
	double start_time; /* seconds since the epoch */
	uint64_t open_fds;
	uint64_t max_fds; /* the soft limit */
};

/* metrics_process_parse: fills what /proc/<pid>/stat (stat) and /proc/stat's btime
 * line (boot_time, seconds since the epoch) give, with the clock's ticks per second
 * and the page size. -EINVAL when stat is not of the expected form. */
int metrics_process_parse(const char *stat, uint64_t boot_time, long ticks, long page_size,
			  struct metrics_process *ret);
/* metrics_process_read: the running process; -errno when /proc cannot be read. */
int metrics_process_read(struct metrics_process *ret);
/* metrics_process_print: the families in the Prometheus text format. */
void metrics_process_print(const struct metrics_process *p, struct strbuf *out);

#endif
