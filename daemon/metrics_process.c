#include "metrics_process.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "xalloc.h"

/* Fields of /proc/<pid>/stat (proc(5)), counted from 1; the command name (2) is in
 * parentheses and may itself hold spaces and parentheses, so counting starts after
 * its last ')', at field 3. */
enum {
	F_UTIME = 14,
	F_STIME = 15,
	F_STARTTIME = 22,
	F_VSIZE = 23,
	F_RSS = 24,
};

int metrics_process_parse(const char *stat, uint64_t boot_time, long ticks, long page_size, struct metrics_process *ret)
{
	const char *p = strrchr(stat, ')');
	unsigned long long v[F_RSS + 1] = { 0 };
	int field = 3;

	if (!p || ticks <= 0 || page_size <= 0)
		return -EINVAL;
	p++;
	while (field <= F_RSS) {
		char *end;
		while (*p == ' ')
			p++;
		if (!*p)
			return -EINVAL;
		if (field == 3) { /* the state letter */
			p++;
		} else {
			errno = 0;
			v[field] = strtoull(p, &end, 10);
			if (end == p || errno)
				return -EINVAL;
			p = end;
		}
		field++;
	}
	ret->cpu_seconds = (double)(v[F_UTIME] + v[F_STIME]) / (double)ticks;
	ret->start_time = (double)boot_time + (double)v[F_STARTTIME] / (double)ticks;
	ret->virtual_bytes = v[F_VSIZE];
	ret->resident_bytes = v[F_RSS] * (uint64_t)page_size;
	return 0;
}

/* A small file of /proc in buf (NUL-terminated); -errno. */
static int read_small(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), r = 0;
	size_t len = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	while (len + 1 < size && (n = read(fd, buf + len, size - 1 - len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		len += (size_t)n;
	}
	buf[len] = '\0';
	close(fd);
	return r;
}

static int boot_time(uint64_t *ret)
{
	/* /proc/stat grows with the CPUs and interrupts; btime comes after them */
	size_t size = 256 * 1024;
	char *buf = xmalloc(size);
	const char *p;
	int r = read_small("/proc/stat", buf, size);

	p = r < 0 ? NULL : strstr(buf, "\nbtime ");
	if (r == 0 && !p)
		r = -EINVAL;
	if (r == 0)
		*ret = strtoull(p + 7, NULL, 10);
	free(buf);
	return r;
}

static uint64_t open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	uint64_t n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && atoi(de->d_name) != dirfd(d))
			n++;
	closedir(d);
	return n;
}

int metrics_process_read(struct metrics_process *ret)
{
	char stat[1024];
	struct rlimit rl;
	uint64_t boot = 0;
	int r;

	memset(ret, 0, sizeof(*ret));
	r = read_small("/proc/self/stat", stat, sizeof(stat));
	if (r == 0)
		r = boot_time(&boot);
	if (r == 0)
		r = metrics_process_parse(stat, boot, sysconf(_SC_CLK_TCK), sysconf(_SC_PAGESIZE), ret);
	if (r < 0)
		return r;
	ret->open_fds = open_fds();
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		ret->max_fds = rl.rlim_cur == RLIM_INFINITY ? 0 : (uint64_t)rl.rlim_cur;
	return 0;
}

void metrics_process_print(const struct metrics_process *p, struct strbuf *out)
{
	strbuf_addf(out,
		    "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
		    "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total %.2f\n"
		    "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
		    "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes %llu\n"
		    "# HELP process_virtual_memory_bytes Virtual memory size in bytes.\n"
		    "# TYPE process_virtual_memory_bytes gauge\nprocess_virtual_memory_bytes %llu\n"
		    "# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.\n"
		    "# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds %.2f\n"
		    "# HELP process_open_fds Number of open file descriptors.\n"
		    "# TYPE process_open_fds gauge\nprocess_open_fds %llu\n"
		    "# HELP process_max_fds Maximum number of open file descriptors.\n"
		    "# TYPE process_max_fds gauge\nprocess_max_fds %llu\n",
		    p->cpu_seconds, (unsigned long long)p->resident_bytes, (unsigned long long)p->virtual_bytes,
		    p->start_time, (unsigned long long)p->open_fds, (unsigned long long)p->max_fds);
}
