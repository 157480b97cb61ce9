/* turn_probe: an LD_PRELOAD library that times the turns of a libuv loop from the
 * outside, for bench_engine.sh --turns (docs/PERFORMANCE.md, section Engine).
 *
 * A turn's busy time is the time between the return of one epoll wait of the main
 * thread and the start of the next: what a control-socket request that arrives during
 * it waits for. Inside each turn it adds up the main thread's fsync/fdatasync calls
 * and sqlite3_step calls (a commit syncs inside sqlite3_step, so the step time
 * includes the sync time). Every turn of at least TURN_PROBE_MS milliseconds (default
 * 8) is written to the file TURN_PROBE_OUT as it ends:
 *
 *     WALL_SECONDS BUSY_MS SYNCS SYNC_MS STEPS STEP_MS
 *
 * and at exit one line "# turns N busy_ms B sync_ms S step_ms T" for the whole run,
 * then one line per SQL text the main thread stepped (sqlite3_sql: what it was
 * prepared from), most time first:
 *
 *     # sql STEPS STEP_MS LONG_STEPS LONG_MS PREPARES TEXT
 *
 * LONG_*: its steps inside turns of at least the threshold; PREPARES: how many times
 * it was prepared (sqlite3_prepare_v2, _v3) on the main thread.
 * Without TURN_PROBE_OUT it does nothing but pass the calls on. */
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

struct sqlite3;
struct sqlite3_stmt;
/* SQLite's, interposed or called (no sqlite3.h needed) */
int sqlite3_step(struct sqlite3_stmt *st);
int sqlite3_prepare_v2(struct sqlite3 *db, const char *sql, int n, struct sqlite3_stmt **st, const char **tail);
int sqlite3_prepare_v3(struct sqlite3 *db, const char *sql, int n, unsigned flags, struct sqlite3_stmt **st,
		       const char **tail);
const char *sqlite3_sql(struct sqlite3_stmt *st);

/* Per SQL text, until MAX_SQL distinct texts (the rest go into the last slot). */
#define MAX_SQL 128
struct sql_tally {
	char text[160];
	unsigned long long steps, long_steps, prepares;
	double ms, long_ms;
};
static struct sql_tally sqls[MAX_SQL];
static unsigned n_sqls;
/* The steps of the current turn, each remembered by slot and time, to be counted as
 * a long turn's once the turn turns out long. */
#define MAX_TURN_STEPS 65536
static unsigned turn_slot[MAX_TURN_STEPS];
static double turn_ms[MAX_TURN_STEPS];

static FILE *out;
static pid_t main_tid;
static double threshold_ms = 8;
static double turn_start; /* 0: not in a turn */
static double turn_sync, turn_step;
static unsigned turn_syncs, turn_steps;
static unsigned long long n_turns;
static double all_busy, all_sync, all_step;

static unsigned sql_slot(const char *sql)
{
	unsigned i;

	if (!sql)
		sql = "(none)";
	for (i = 0; i < n_sqls; i++)
		if (strncmp(sqls[i].text, sql, sizeof(sqls[i].text) - 1) == 0)
			return i;
	if (n_sqls == MAX_SQL)
		return MAX_SQL - 1;
	snprintf(sqls[n_sqls].text, sizeof(sqls[n_sqls].text), "%s", sql);
	return n_sqls++;
}

static double mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int on_main(void)
{
	return out && (pid_t)syscall(SYS_gettid) == main_tid;
}

static void *next_symbol(const char *name)
{
	void *p = dlsym(RTLD_NEXT, name);

	if (!p) {
		fprintf(stderr, "turn_probe: no %s\n", name);
		abort();
	}
	return p;
}

static void wait_begins(void)
{
	double busy;

	if (!on_main() || !turn_start)
		return;
	busy = mono_ms() - turn_start;
	n_turns++;
	all_busy += busy;
	if (busy >= threshold_ms) {
		for (unsigned i = 0; i < turn_steps && i < MAX_TURN_STEPS; i++) {
			sqls[turn_slot[i]].long_steps++;
			sqls[turn_slot[i]].long_ms += turn_ms[i];
		}
	}
	if (busy >= threshold_ms)
		fprintf(out, "%.3f %.2f %u %.2f %u %.2f\n", wall_s() - busy / 1e3, busy, turn_syncs, turn_sync,
			turn_steps, turn_step);
}

static void wait_ends(void)
{
	if (!on_main())
		return;
	turn_start = mono_ms();
	turn_sync = turn_step = 0;
	turn_syncs = turn_steps = 0;
}

int epoll_wait(int fd, struct epoll_event *ev, int n, int timeout)
{
	static int (*real)(int, struct epoll_event *, int, int);
	int r;

	if (!real)
		real = next_symbol("epoll_wait");
	wait_begins();
	r = real(fd, ev, n, timeout);
	wait_ends();
	return r;
}

int epoll_pwait(int fd, struct epoll_event *ev, int n, int timeout, const sigset_t *mask)
{
	static int (*real)(int, struct epoll_event *, int, int, const sigset_t *);
	int r;

	if (!real)
		real = next_symbol("epoll_pwait");
	wait_begins();
	r = real(fd, ev, n, timeout, mask);
	wait_ends();
	return r;
}

static int timed_sync(int (*real)(int), int fd)
{
	double t0 = mono_ms();
	int r = real(fd);

	if (on_main()) {
		double d = mono_ms() - t0;
		turn_sync += d;
		turn_syncs++;
		all_sync += d;
	}
	return r;
}

int fsync(int fd)
{
	static int (*real)(int);

	if (!real)
		real = next_symbol("fsync");
	return timed_sync(real, fd);
}

int fdatasync(int fd)
{
	static int (*real)(int);

	if (!real)
		real = next_symbol("fdatasync");
	return timed_sync(real, fd);
}

int sqlite3_step(struct sqlite3_stmt *st)
{
	static int (*real)(struct sqlite3_stmt *);
	double t0 = mono_ms();
	int r;

	if (!real)
		real = next_symbol("sqlite3_step");
	r = real(st);
	if (on_main()) {
		double d = mono_ms() - t0;
		unsigned slot = sql_slot(sqlite3_sql(st));
		if (turn_steps < MAX_TURN_STEPS) {
			turn_slot[turn_steps] = slot;
			turn_ms[turn_steps] = d;
		}
		sqls[slot].steps++;
		sqls[slot].ms += d;
		turn_step += d;
		turn_steps++;
		all_step += d;
	}
	return r;
}

int sqlite3_prepare_v2(struct sqlite3 *db, const char *sql, int n, struct sqlite3_stmt **st, const char **tail)
{
	static int (*real)(struct sqlite3 *, const char *, int, struct sqlite3_stmt **, const char **);
	int r;

	if (!real)
		real = next_symbol("sqlite3_prepare_v2");
	r = real(db, sql, n, st, tail);
	if (on_main() && r == 0 && *st)
		sqls[sql_slot(sqlite3_sql(*st))].prepares++;
	return r;
}

/* the state store's kept statements (prepared once, SQLITE_PREPARE_PERSISTENT) */
int sqlite3_prepare_v3(struct sqlite3 *db, const char *sql, int n, unsigned flags, struct sqlite3_stmt **st,
		       const char **tail)
{
	static int (*real)(struct sqlite3 *, const char *, int, unsigned, struct sqlite3_stmt **, const char **);
	int r;

	if (!real)
		real = next_symbol("sqlite3_prepare_v3");
	r = real(db, sql, n, flags, st, tail);
	if (on_main() && r == 0 && *st)
		sqls[sql_slot(sqlite3_sql(*st))].prepares++;
	return r;
}

static int by_ms(const void *a, const void *b)
{
	const struct sql_tally *x = a, *y = b;

	return x->ms < y->ms ? 1 : x->ms > y->ms ? -1 : 0;
}

__attribute__((constructor)) static void probe_init(void)
{
	const char *path = getenv("TURN_PROBE_OUT");
	const char *ms = getenv("TURN_PROBE_MS");

	if (!path || !*path)
		return;
	out = fopen(path, "a");
	if (!out)
		return;
	setvbuf(out, NULL, _IOLBF, 0);
	main_tid = getpid();
	if (ms && atof(ms) > 0)
		threshold_ms = atof(ms);
}

__attribute__((destructor)) static void probe_fini(void)
{
	if (!out)
		return;
	fprintf(out, "# turns %llu busy_ms %.0f sync_ms %.0f step_ms %.0f\n", n_turns, all_busy, all_sync, all_step);
	qsort(sqls, n_sqls, sizeof(sqls[0]), by_ms);
	for (unsigned i = 0; i < n_sqls; i++)
		fprintf(out, "# sql %llu %.0f %llu %.0f %llu %s\n", sqls[i].steps, sqls[i].ms, sqls[i].long_steps,
			sqls[i].long_ms, sqls[i].prepares, sqls[i].text);
	fclose(out);
	out = NULL;
}
