#include "ydoc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "xalloc.h"

/* Arena: nodes, arrays and scalar texts of one document, freed at once. */
struct ydoc_block {
	struct ydoc_block *next;
	size_t used, size;
	max_align_t data[];
};

#define BLOCK_MIN 8192

static void *arena_alloc(struct ydoc *doc, size_t size)
{
	struct ydoc_block *b = doc->blocks;

	size = (size + 15) & ~(size_t)15;
	if (!b || b->size - b->used < size) {
		size_t cap = size > BLOCK_MIN ? size : BLOCK_MIN;
		b = xmalloc(sizeof(*b) + cap);
		b->next = doc->blocks;
		b->used = 0;
		b->size = cap;
		doc->blocks = b;
	}
	b->used += size;
	return (char *)b->data + b->used - size;
}

/* Anchors: an open-addressing table name -> node; a later anchor of the same name
 * replaces the earlier one, as YAML says. */
struct anchor {
	const char *name;
	struct ynode *node;
};

struct anchors {
	struct anchor *slots;
	size_t n, cap;
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static struct anchor *anchor_slot(struct anchors *a, const char *name)
{
	size_t i = hash_str(name) & (a->cap - 1);

	while (a->slots[i].name && strcmp(a->slots[i].name, name))
		i = (i + 1) & (a->cap - 1);
	return &a->slots[i];
}

static void anchor_put(struct anchors *a, const char *name, struct ynode *node)
{
	struct anchor *s;

	if ((a->n + 1) * 2 > a->cap) {
		struct anchors grown = { xcalloc(a->cap ? a->cap * 2 : 16, sizeof(struct anchor)), 0,
					 a->cap ? a->cap * 2 : 16 };
		for (size_t i = 0; i < a->cap; i++)
			if (a->slots[i].name)
				*anchor_slot(&grown, a->slots[i].name) = a->slots[i];
		grown.n = a->n;
		free(a->slots);
		*a = grown;
	}
	s = anchor_slot(a, name);
	if (!s->name)
		a->n++;
	s->name = name;
	s->node = node;
}

static struct ynode *anchor_get(struct anchors *a, const char *name)
{
	return a->cap ? anchor_slot(a, name)->node : NULL;
}

/* An open collection: its node, where its children start on the scratch stack, and
 * the anchor to register once it is complete. */
struct frame {
	struct ynode *node;
	size_t start;
	const char *anchor;
};

struct builder {
	const char *file;
	const struct ydoc_limits *lim;
	struct diag_list *diags;
	struct ydoc *doc;
	struct anchors anchors;
	struct ynode **stack; /* children of open collections */
	size_t n_stack, alloc_stack;
	struct frame *frames;
	size_t n_frames, alloc_frames;
};

static size_t add_weight(size_t a, size_t b)
{
	return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

static const char *arena_strdup(struct ydoc *doc, const char *s, size_t len)
{
	char *p = arena_alloc(doc, len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

static int __attribute__((format(printf, 3, 4))) fail_at(struct builder *b, yaml_mark_t mark, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(b->diags, DIAG_ERROR, b->file, (unsigned)mark.line + 1, (unsigned)mark.column + 1, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Count a node (or an alias' expansion) against the limit. */
static int count(struct builder *b, size_t weight, yaml_mark_t mark, bool alias)
{
	b->doc->expanded = add_weight(b->doc->expanded, weight);
	if (b->doc->expanded <= b->lim->max_nodes)
		return 0;
	if (alias) {
		diag_error(b->diags, b->file, (unsigned)mark.line + 1, (unsigned)mark.column + 1,
			   "YAML aliases expand the document beyond %zu nodes (a \"billion laughs\"?); "
			   "expand fewer aliases",
			   b->lim->max_nodes);
	} else {
		diag_error(b->diags, b->file, (unsigned)mark.line + 1, (unsigned)mark.column + 1,
			   "the document has more than %zu YAML nodes", b->lim->max_nodes);
	}
	return -EINVAL;
}

/* A complete node goes to its parent, or becomes the root. */
static void attach(struct builder *b, struct ynode *node, const char *anchor)
{
	if (anchor)
		anchor_put(&b->anchors, anchor, node);
	if (!b->n_frames) {
		b->doc->root = node;
		return;
	}
	XGROW(b->stack, b->n_stack + 1, b->alloc_stack);
	b->stack[b->n_stack++] = node;
}

static struct ynode *new_node(struct builder *b, enum ynode_type type, yaml_mark_t mark)
{
	struct ynode *n = arena_alloc(b->doc, sizeof(*n));

	memset(n, 0, sizeof(*n));
	n->type = type;
	n->line = (unsigned)mark.line + 1;
	n->col = (unsigned)mark.column + 1;
	n->weight = 1;
	b->doc->nodes++;
	return n;
}

/* Only the YAML core tags that change nothing are accepted; "!!str" makes a plain
 * scalar a string. */
static int check_tag(struct builder *b, const yaml_char_t *tag, yaml_mark_t mark, const char *allowed, bool *ret_str)
{
	const char *t = (const char *)tag;

	*ret_str = false;
	if (!t)
		return 0;
	if (!strcmp(t, "tag:yaml.org,2002:str") || !strcmp(t, "!")) {
		*ret_str = true;
		return 0;
	}
	if (allowed && !strcmp(t, allowed))
		return 0;
	return fail_at(b, mark, "unsupported YAML tag '%s' (write the value without a tag)", t);
}

static int on_scalar(struct builder *b, yaml_event_t *ev)
{
	struct ynode *n;
	bool str;
	const char *anchor = NULL;

	if (check_tag(b, ev->data.scalar.tag, ev->start_mark, NULL, &str) < 0)
		return -EINVAL;
	if (count(b, 1, ev->start_mark, false) < 0)
		return -EINVAL;
	n = new_node(b, YNODE_SCALAR, ev->start_mark);
	n->scalar.text = arena_strdup(b->doc, (const char *)ev->data.scalar.value, ev->data.scalar.length);
	n->scalar.len = ev->data.scalar.length;
	n->scalar.plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !str;
	if (ev->data.scalar.anchor)
		anchor = arena_strdup(b->doc, (const char *)ev->data.scalar.anchor,
				      strlen((const char *)ev->data.scalar.anchor));
	attach(b, n, anchor);
	return 0;
}

static int on_alias(struct builder *b, yaml_event_t *ev)
{
	struct ynode *target = anchor_get(&b->anchors, (const char *)ev->data.alias.anchor);

	if (!target)
		return fail_at(b, ev->start_mark,
			       "undefined YAML alias '*%s' (no complete anchor of that name before it)",
			       (const char *)ev->data.alias.anchor);
	if (count(b, target->weight, ev->start_mark, true) < 0)
		return -EINVAL;
	attach(b, target, NULL);
	return 0;
}

static int on_start(struct builder *b, yaml_event_t *ev, enum ynode_type type)
{
	const yaml_char_t *tag, *anchor;
	struct frame *f;
	bool str;

	if (type == YNODE_MAPPING) {
		tag = ev->data.mapping_start.tag;
		anchor = ev->data.mapping_start.anchor;
	} else {
		tag = ev->data.sequence_start.tag;
		anchor = ev->data.sequence_start.anchor;
	}
	if (check_tag(b, tag, ev->start_mark, type == YNODE_MAPPING ? "tag:yaml.org,2002:map" : "tag:yaml.org,2002:seq",
		      &str) < 0)
		return -EINVAL;
	if (str)
		return fail_at(b, ev->start_mark, "the YAML tag '%s' needs a scalar", (const char *)tag);
	if (b->n_frames >= b->lim->max_depth) {
		diag_error(b->diags, b->file, (unsigned)ev->start_mark.line + 1, (unsigned)ev->start_mark.column + 1,
			   "nesting deeper than %u levels", b->lim->max_depth);
		return -EINVAL;
	}
	if (count(b, 1, ev->start_mark, false) < 0)
		return -EINVAL;
	XGROW(b->frames, b->n_frames + 1, b->alloc_frames);
	f = &b->frames[b->n_frames++];
	f->node = new_node(b, type, ev->start_mark);
	f->start = b->n_stack;
	f->anchor = anchor ? arena_strdup(b->doc, (const char *)anchor, strlen((const char *)anchor)) : NULL;
	return 0;
}

static int key_cmp(const void *a, const void *b)
{
	const struct ypair *x = *(const struct ypair *const *)a, *y = *(const struct ypair *const *)b;
	size_t n = x->key->scalar.len < y->key->scalar.len ? x->key->scalar.len : y->key->scalar.len;
	int c = memcmp(x->key->scalar.text, y->key->scalar.text, n);

	if (c)
		return c;
	if (x->key->scalar.len != y->key->scalar.len)
		return x->key->scalar.len < y->key->scalar.len ? -1 : 1;
	return x < y ? -1 : x > y; /* pairs live in one array: keeps document order */
}

static int dup_cmp(const void *a, const void *b)
{
	const struct ynode *x = ((const struct ypair *)a)->value, *y = ((const struct ypair *)b)->value;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return (x->col > y->col) - (x->col < y->col);
}

static bool same_key(const struct ynode *a, const struct ynode *b)
{
	return a->scalar.len == b->scalar.len && !memcmp(a->scalar.text, b->scalar.text, a->scalar.len);
}

static void report_duplicate(struct builder *b, const struct ynode *first, const struct ynode *dup)
{
	diag_error(b->diags, b->file, dup->line, dup->col, "duplicate key '%s' (first at line %u)", dup->scalar.text,
		   first->line);
}

/* Duplicate keys: pairwise for small mappings, by sorting for large ones, so that an
 * adversarial mapping of thousands of keys stays O(n log n). */
static void check_duplicates(struct builder *b, struct ynode *map)
{
	struct ypair *p = map->map.pairs;
	size_t n = map->map.n;

	if (n <= 16) {
		for (size_t i = 1; i < n; i++) {
			if (p[i].key->type != YNODE_SCALAR)
				continue;
			for (size_t j = 0; j < i; j++) {
				if (p[j].key->type == YNODE_SCALAR && same_key(p[j].key, p[i].key)) {
					report_duplicate(b, p[j].key, p[i].key);
					break;
				}
			}
		}
		return;
	}
	struct ypair **sorted = xcalloc(n, sizeof(*sorted));
	struct ypair *dups = xcalloc(n, sizeof(*dups)); /* (first key, duplicate key) */
	size_t m = 0, d = 0;
	for (size_t i = 0; i < n; i++)
		if (p[i].key->type == YNODE_SCALAR)
			sorted[m++] = &p[i];
	qsort(sorted, m, sizeof(*sorted), key_cmp);
	for (size_t i = 1; i < m; i++) {
		size_t first = i - 1;
		while (i < m && same_key(sorted[first]->key, sorted[i]->key)) {
			dups[d].key = sorted[first]->key;
			dups[d++].value = sorted[i++]->key;
		}
	}
	/* Report in document order, as the small case does. */
	qsort(dups, d, sizeof(*dups), dup_cmp);
	for (size_t i = 0; i < d; i++)
		report_duplicate(b, dups[i].key, dups[i].value);
	free(dups);
	free(sorted);
}

static int on_end(struct builder *b, enum ynode_type type)
{
	struct frame *f = &b->frames[--b->n_frames];
	struct ynode *n = f->node;
	size_t count_children = b->n_stack - f->start;
	struct ynode **kids = b->stack ? &b->stack[f->start] : NULL; /* NULL: nothing pushed yet */

	for (size_t i = 0; i < count_children; i++)
		n->weight = add_weight(n->weight, kids[i]->weight);
	if (type == YNODE_SEQUENCE) {
		n->seq.n = count_children;
		n->seq.items = arena_alloc(b->doc, (count_children ? count_children : 1) * sizeof(*kids));
		if (count_children)
			memcpy(n->seq.items, kids, count_children * sizeof(*kids));
	} else {
		n->map.n = count_children / 2;
		n->map.pairs = arena_alloc(b->doc, (n->map.n ? n->map.n : 1) * sizeof(struct ypair));
		for (size_t i = 0; i < n->map.n; i++) {
			n->map.pairs[i].key = kids[2 * i];
			n->map.pairs[i].value = kids[2 * i + 1];
			if (kids[2 * i]->type != YNODE_SCALAR) {
				/* Reported, not fatal: the rest of the tree is still worth checking. */
				diag_error(b->diags, b->file, kids[2 * i]->line, kids[2 * i]->col,
					   "mapping keys must be plain strings, not %s", ynode_type_name(kids[2 * i]));
			}
		}
		check_duplicates(b, n);
	}
	b->n_stack = f->start;
	attach(b, n, f->anchor);
	return 0;
}

/* libyaml reader errors carry a byte offset, not a mark. */
static void offset_to_mark(const char *text, size_t len, size_t offset, yaml_mark_t *mark)
{
	mark->line = 0;
	mark->column = 0;
	for (size_t i = 0; i < offset && i < len; i++) {
		if (text[i] == '\n') {
			mark->line++;
			mark->column = 0;
		} else if (((unsigned char)text[i] & 0xc0) != 0x80) {
			mark->column++;
		}
	}
}

/* The byte at a mark (line and column, both counting from 0, the column in
 * characters), or -1 past the text. */
static int byte_at_mark(const char *text, size_t len, yaml_mark_t mark)
{
	size_t i = 0, line = 0, column = 0;

	while (i < len && line < mark.line)
		if (text[i++] == '\n')
			line++;
	for (; i < len && text[i] != '\n'; i++) {
		if (((unsigned char)text[i] & 0xc0) == 0x80)
			continue;
		if (column++ == mark.column)
			return (unsigned char)text[i];
	}
	return -1;
}

static int syntax_error(struct builder *b, yaml_parser_t *p, const char *text, size_t len)
{
	yaml_mark_t mark = p->problem_mark;
	const char *problem = p->problem ? p->problem : "unknown error";

	if (p->error == YAML_READER_ERROR)
		offset_to_mark(text, len, p->problem_offset, &mark);
	if (p->error == YAML_MEMORY_ERROR)
		problem = "out of memory";
	/* libyaml's word for a tab where a token may start (an indentation) */
	if (p->error == YAML_SCANNER_ERROR && byte_at_mark(text, len, mark) == '\t')
		problem = "found a tab character where YAML allows only spaces (indent with spaces)";
	if (p->context)
		diag_error(b->diags, b->file, (unsigned)mark.line + 1, (unsigned)mark.column + 1,
			   "invalid YAML: %s (%s at line %zu, column %zu)", problem, p->context,
			   (size_t)p->context_mark.line + 1, (size_t)p->context_mark.column + 1);
	else
		diag_error(b->diags, b->file, (unsigned)mark.line + 1, (unsigned)mark.column + 1, "invalid YAML: %s",
			   problem);
	return -EINVAL;
}

static int dispatch(struct builder *b, yaml_event_t *ev, unsigned *docs)
{
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++*docs > 1)
			return fail_at(b, ev->start_mark, "%s",
				       "a file holds one YAML document; a second document starts here");
		return 0;
	case YAML_SCALAR_EVENT:
		return on_scalar(b, ev);
	case YAML_ALIAS_EVENT:
		return on_alias(b, ev);
	case YAML_SEQUENCE_START_EVENT:
		return on_start(b, ev, YNODE_SEQUENCE);
	case YAML_MAPPING_START_EVENT:
		return on_start(b, ev, YNODE_MAPPING);
	case YAML_SEQUENCE_END_EVENT:
		return on_end(b, YNODE_SEQUENCE);
	case YAML_MAPPING_END_EVENT:
		return on_end(b, YNODE_MAPPING);
	case YAML_NO_EVENT:
	case YAML_STREAM_START_EVENT:
	case YAML_STREAM_END_EVENT:
	case YAML_DOCUMENT_END_EVENT:
		break;
	}
	return 0;
}

int ydoc_parse(const char *file, const char *text, size_t len, const struct ydoc_limits *lim, struct ydoc **ret,
	       struct diag_list *diags)
{
	struct builder b = { .file = file, .lim = lim, .diags = diags };
	yaml_parser_t parser;
	unsigned docs = 0;
	bool done = false;
	int r = 0;

	/* A UTF-8 byte order mark (some editors write one) is no content: positions
	 * count from the character after it, as editors show them. */
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3)) {
		text += 3;
		len -= 3;
	}
	b.doc = xcalloc(1, sizeof(*b.doc));
	if (!yaml_parser_initialize(&parser))
		abort(); /* only fails on allocation */
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
	while (!done && r == 0) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&parser, &ev)) {
			r = syntax_error(&b, &parser, text, len);
			break;
		}
		r = dispatch(&b, &ev, &docs);
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	free(b.anchors.slots);
	free(b.stack);
	free(b.frames);
	if (r < 0) {
		ydoc_free(b.doc);
		return r;
	}
	*ret = b.doc;
	return 0;
}

void ydoc_free(struct ydoc *doc)
{
	if (!doc)
		return;
	while (doc->blocks) {
		struct ydoc_block *next = doc->blocks->next;
		free(doc->blocks);
		doc->blocks = next;
	}
	free(doc);
}

bool ynode_is_null(const struct ynode *n)
{
	const char *t;

	if (!n)
		return true;
	if (n->type != YNODE_SCALAR || !n->scalar.plain)
		return false;
	t = n->scalar.text;
	return !n->scalar.len || !strcmp(t, "~") || !strcmp(t, "null") || !strcmp(t, "Null") || !strcmp(t, "NULL");
}

const struct ynode *ynode_get(const struct ynode *map, const char *key)
{
	if (!map || map->type != YNODE_MAPPING)
		return NULL;
	for (size_t i = 0; i < map->map.n; i++) {
		const struct ynode *k = map->map.pairs[i].key;
		if (k->type == YNODE_SCALAR && k->scalar.len == strlen(key) && !strcmp(k->scalar.text, key))
			return map->map.pairs[i].value;
	}
	return NULL;
}

static bool looks_numeric(const char *s)
{
	const char *p = s;
	bool digits = false;

	if (*p == '+' || *p == '-')
		p++;
	if (!strcmp(p, ".inf") || !strcmp(p, ".Inf") || !strcmp(p, ".INF"))
		return true;
	if (!strcmp(s, ".nan") || !strcmp(s, ".NaN") || !strcmp(s, ".NAN"))
		return true;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'o'))
		return p[2] != '\0';
	while (*p >= '0' && *p <= '9')
		p++, digits = true;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			digits = true;
	if (digits && (*p == 'e' || *p == 'E')) {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return digits && !*p;
}

const char *ynode_type_name(const struct ynode *n)
{
	if (!n || ynode_is_null(n))
		return "null";
	switch (n->type) {
	case YNODE_MAPPING:
		return "a mapping";
	case YNODE_SEQUENCE:
		return "a sequence";
	case YNODE_SCALAR:
		break;
	}
	if (!n->scalar.plain)
		return "a quoted string";
	if (!strcmp(n->scalar.text, "true") || !strcmp(n->scalar.text, "false"))
		return "a boolean";
	if (looks_numeric(n->scalar.text))
		return "a number";
	return "a string";
}
