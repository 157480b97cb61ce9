/* sync_shim: an LD_PRELOAD library for test_intent_sync.sh that makes the daemon's
 * syncs of its state store's write-ahead log (any fsync/fdatasync of a file whose name
 * ends in "-wal") slow or failing, as the file SYNC_SHIM_CTL says at each call:
 *
 *     slow MS    the sync takes MS milliseconds more
 *     fail       the sync fails with EIO (nothing is synced)
 *     (else)     the sync is passed on
 *
 * Each such sync appends "begin REALTIME_US" and "end REALTIME_US RESULT" to the file
 * SYNC_SHIM_LOG. Without SYNC_SHIM_CTL it only passes the calls on. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int is_wal(int fd)
{
	char link[64], path[4096];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n < 4)
		return 0;
	path[n] = '\0';
	return strcmp(path + n - 4, "-wal") == 0;
}

static void note(const char *what, long long at, int rc)
{
	const char *log = getenv("SYNC_SHIM_LOG");
	char line[96];
	int fd, len;

	if (!log)
		return;
	len = snprintf(line, sizeof(line), rc == 1 ? "%s %lld\n" : "%s %lld %d\n", what, at, rc);
	fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (write(fd, line, (size_t)len) < 0) {
		/* nothing to do: the test sees the line missing */
	}
	close(fd);
}

/* -1 with errno EIO when the sync must fail, else 0 after the delay asked for. */
static int shim(int fd)
{
	const char *ctl = getenv("SYNC_SHIM_CTL");
	char buf[64] = "";
	FILE *f;

	if (!ctl || !is_wal(fd))
		return 0;
	f = fopen(ctl, "re");
	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
	}
	note("begin", now_us(), 1);
	if (strncmp(buf, "fail", 4) == 0) {
		note("end", now_us(), -EIO);
		errno = EIO;
		return -1;
	}
	if (strncmp(buf, "slow ", 5) == 0)
		usleep((useconds_t)atoi(buf + 5) * 1000);
	return 0;
}

static int pass(const char *name, int fd)
{
	int (*real)(int) = (int (*)(int))dlsym(RTLD_NEXT, name);
	int rc = real ? real(fd) : 0;

	return rc;
}

int fdatasync(int fd)
{
	int wal = getenv("SYNC_SHIM_CTL") && is_wal(fd), rc = shim(fd);

	if (rc < 0)
		return rc;
	rc = pass("fdatasync", fd);
	if (wal)
		note("end", now_us(), rc);
	return rc;
}

int fsync(int fd)
{
	int wal = getenv("SYNC_SHIM_CTL") && is_wal(fd), rc = shim(fd);

	if (rc < 0)
		return rc;
	rc = pass("fsync", fd);
	if (wal)
		note("end", now_us(), rc);
	return rc;
}
