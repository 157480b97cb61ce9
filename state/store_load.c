/* The start's load of the state store into the tenants' records (store_load), a
 * tenant's rows of a table added together: one by one, each row would search or
 * rewrite every row its record already holds (docs/operations.md, "A store edited by
 * hand"). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "hashmap.h"
#include "model.h"
#include "record.h"
#include "store_impl.h"
#include "xalloc.h"

static struct tenant_record *record_for(struct hashmap *records, const char *tenant)
{
	struct tenant_record *r = hashmap_get(records, tenant);

	if (!r) {
		r = tenant_record_new(tenant);
		hashmap_put(records, tenant, r);
	}
	return r;
}

/* not_loaded: a row of tenant's that its record refused (loaded, it would be
 * past one of the record's limits, RECORD_ITEMS_MAX and RECORD_FACTS_MAX). */
static void not_loaded(struct store *s, const char *tenant)
{
	if (!s->rows_not_loaded++)
		s->first_not_loaded = xstrdup(tenant);
}

unsigned long store_rows_not_loaded(const struct store *s, const char **ret_tenant)
{
	if (ret_tenant)
		*ret_tenant = s->first_not_loaded;
	return s->rows_not_loaded;
}

/* One tenant's rows of a table as store_load gathers them (the rows come ordered by
 * tenant): copies of their text columns after the tenant's, and the last column as an
 * integer, handed to its record at once (record_load_*). */
struct row_batch {
	char *tenant;
	size_t cols;   /* text columns a row, the tenant's not counted */
	bool with_int; /* then an integer column */
	char **text;   /* n * cols */
	int64_t *ints;
	size_t n, alloc;
};

static void batch_add(struct row_batch *b, sqlite3_stmt *st)
{
	if (b->n == b->alloc) {
		b->alloc = b->alloc ? 2 * b->alloc : 16;
		b->text = xreallocarray(b->text, b->alloc * b->cols, sizeof(char *));
		b->ints = xreallocarray(b->ints, b->alloc, sizeof(int64_t));
	}
	for (size_t c = 0; c < b->cols; c++)
		b->text[b->n * b->cols + c] = xstrdup(store__col(st, (int)c + 1));
	b->ints[b->n++] = b->with_int ? sqlite3_column_int64(st, (int)b->cols + 1) : 0;
}

static void batch_clear(struct row_batch *b)
{
	for (size_t i = 0; i < b->n * b->cols; i++)
		free(b->text[i]);
	b->n = 0;
	free(b->tenant);
	b->tenant = NULL;
}

/* Hands batch b to record r; returns the rows r refused. */
typedef size_t (*load_fn)(struct tenant_record *r, const struct row_batch *b);

static size_t load_intents(struct tenant_record *r, const struct row_batch *b)
{
	struct record_intent_row *rows = xcalloc(b->n + 1, sizeof(*rows));
	size_t taken;

	for (size_t i = 0; i < b->n; i++)
		rows[i] = (struct record_intent_row){ b->text[3 * i], b->text[3 * i + 1], b->text[3 * i + 2],
						      b->ints[i] };
	taken = record_load_intents(r, rows, b->n);
	free(rows);
	return b->n - taken;
}

static size_t load_timers(struct tenant_record *r, const struct row_batch *b)
{
	struct resource_timer *rows = xcalloc(b->n + 1, sizeof(*rows));
	size_t taken;

	for (size_t i = 0; i < b->n; i++)
		rows[i] = (struct resource_timer){ strcmp(b->text[2 * i + 1], "drain") == 0 ? TIMER_DRAIN : TIMER_GRACE,
						   b->text[2 * i], b->ints[i] };
	taken = record_load_timers(r, rows, b->n);
	free(rows);
	return b->n - taken;
}

/* The rows come ordered by resource: one record_applied_row a resource, its keys
 * those of its rows but the reserved ones, which a record never keeps
 * (record_note_tagged) and which are counted as refused. */
static size_t load_applied(struct tenant_record *r, const struct row_batch *b)
{
	struct record_applied_row *rows = xcalloc(b->n + 1, sizeof(*rows));
	char **keys = xcalloc(b->n + 1, sizeof(char *));
	size_t n_rows = 0, n_keys = 0, refused = 0, kept = 0;

	for (size_t i = 0; i < b->n; i++) {
		const char *resource = b->text[2 * i], *key = b->text[2 * i + 1];
		if (strncmp(key, TAG_RESERVED_PREFIX, strlen(TAG_RESERVED_PREFIX)) == 0) {
			refused++;
			continue;
		}
		if (!n_rows || strcmp(rows[n_rows - 1].resource, resource) != 0)
			rows[n_rows++] = (struct record_applied_row){ resource, keys + n_keys, 0 };
		keys[n_keys++] = (char *)key;
		rows[n_rows - 1].n_keys++;
	}
	kept = record_load_applied(r, rows, n_rows);
	for (size_t i = kept; i < n_rows; i++)
		refused += rows[i].n_keys;
	free(keys);
	free(rows);
	return refused;
}

static size_t load_facts(struct tenant_record *r, const struct row_batch *b)
{
	const char **keys = xcalloc(b->n + 1, sizeof(char *)), **values = xcalloc(b->n + 1, sizeof(char *));
	size_t taken;

	for (size_t i = 0; i < b->n; i++) {
		keys[i] = b->text[2 * i];
		values[i] = b->text[2 * i + 1];
	}
	taken = record_load_facts(r, keys, values, b->n);
	free(keys);
	free(values);
	return b->n - taken;
}

static void batch_flush(struct store *s, struct hashmap *records, struct row_batch *b, load_fn load)
{
	if (b->tenant) {
		size_t refused = load(record_for(records, b->tenant), b);
		for (size_t i = 0; i < refused; i++)
			not_loaded(s, b->tenant);
	}
	batch_clear(b);
}

/* Loads the rows of query (tenant, `cols` text columns, then an integer one when
 * with_int), ordered by tenant: a tenant's at once. -1 when a step fails. */
static int load_ordered(struct store *s, struct hashmap *records, const char *query, size_t cols, bool with_int,
			load_fn load)
{
	struct row_batch b = { .cols = cols, .with_int = with_int };
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(s->db, query, -1, &st, NULL) != SQLITE_OK)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!b.tenant || strcmp(b.tenant, store__col(st, 0)) != 0) {
			batch_flush(s, records, &b, load);
			b.tenant = xstrdup(store__col(st, 0));
		}
		batch_add(&b, st);
	}
	batch_flush(s, records, &b, load);
	sqlite3_finalize(st);
	free(b.text);
	free(b.ints);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* A record that holds fewer rows of a kind than this takes the next one at once (a
 * tenant has a few of each); past it, its tenant's further rows wait in a batch of
 * their own, added at the end together. */
#define LOAD_ONE_BY_ONE 64

/* Loads the rows of query as load_ordered, but in the table's order, which scatters a
 * tenant's rows (ordered by tenant through the primary key's index, each row is a
 * look-up into the table: several times as long at 100,000 tenants). held: how many
 * rows of the kind a record holds. */
static int load_scattered(struct store *s, struct hashmap *records, const char *query, size_t cols, bool with_int,
			  size_t (*held)(const struct tenant_record *r), load_fn load)
{
	struct row_batch one = { .cols = cols, .with_int = with_int }, *b;
	struct hashmap big; /* tenant -> struct row_batch * */
	sqlite3_stmt *st = NULL;
	const char *tenant;
	size_t pos = 0;
	int rc;

	if (sqlite3_prepare_v2(s->db, query, -1, &st, NULL) != SQLITE_OK)
		return -1;
	hashmap_init(&big);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		tenant = store__col(st, 0);
		b = hashmap_get(&big, tenant);
		if (!b && held(record_for(records, tenant)) < LOAD_ONE_BY_ONE) {
			one.tenant = xstrdup(tenant);
			batch_add(&one, st);
			batch_flush(s, records, &one, load);
			continue;
		}
		if (!b) {
			b = xcalloc(1, sizeof(*b));
			*b = (struct row_batch){ .cols = cols, .with_int = with_int, .tenant = xstrdup(tenant) };
			hashmap_put(&big, tenant, b);
		}
		batch_add(b, st);
	}
	sqlite3_finalize(st);
	while (hashmap_next(&big, &pos, NULL, (void **)&b)) {
		batch_flush(s, records, b, load);
		free(b->text);
		free(b->ints);
		free(b);
	}
	hashmap_release(&big, NULL);
	free(one.text);
	free(one.ints);
	return rc == SQLITE_DONE ? 0 : -1;
}

static size_t held_intents(const struct tenant_record *r)
{
	return r->n_intents;
}

static size_t held_timers(const struct tenant_record *r)
{
	return r->n_timers;
}

static size_t held_facts(const struct tenant_record *r)
{
	return r->n_facts;
}

static bool table_exists(struct store *s, const char *name)
{
	sqlite3_stmt *st = NULL;
	bool found = false;

	if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", -1, &st, NULL) ==
		    SQLITE_OK &&
	    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC) == SQLITE_OK)
		found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

int store_load(struct store *s, struct hashmap *records)
{
	sqlite3_stmt *st = NULL;
	struct tenant_record *r;
	int rc = 0;

	s->rows_not_loaded = 0;
	free(s->first_not_loaded);
	s->first_not_loaded = NULL;

	if (sqlite3_prepare_v2(s->db, "SELECT tenant, deletion_policy FROM tenants", -1, &st, NULL) != SQLITE_OK)
		return store__fail(s, "load tenants");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r = record_for(records, store__col(st, 0));
		r->known = true;
		r->deletion_policy = strcmp(store__col(st, 1), "retain") == 0 ? DELETION_RETAIN : DELETION_DELETE;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store__fail(s, "load tenants");

	if (load_scattered(s, records, "SELECT tenant, profile_key, name, token, since FROM intents", 3, true,
			   held_intents, load_intents) < 0)
		return store__fail(s, "load intents");
	if (load_scattered(s, records, "SELECT tenant, resource, kind, since FROM timers", 2, true, held_timers,
			   load_timers) < 0)
		return store__fail(s, "load timers");
	/* ordered as the index is: no sort, and no look-up into the table (it covers every column) */
	if (load_ordered(s, records, "SELECT tenant, resource, key FROM applied_tags ORDER BY tenant, resource", 2,
			 false, load_applied) < 0)
		return store__fail(s, "load applied tags");
	/* a database from before facts existed has no such table: nothing to load */
	if (!table_exists(s, "facts"))
		return 0;
	if (load_scattered(s, records, "SELECT tenant, key, value FROM facts", 2, false, held_facts, load_facts) < 0)
		return store__fail(s, "load facts");
	return 0;
}
