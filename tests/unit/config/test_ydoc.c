/* The YAML front end: nodes and positions, limits, aliases, duplicates, tags. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "helpers.h"
#include "strbuf.h"
#include "xalloc.h"
#include "ydoc.h"

static const struct ydoc_limits lim = { .max_depth = 16, .max_nodes = 10000 };

/* Parse; returns the document or NULL, with the diagnostics as text in *ret. */
static struct ydoc *parse(const char *text, char **ret)
{
	struct diag_list diags;
	struct ydoc *doc = NULL;

	diag_list_init(&diags);
	if (ydoc_parse("y.yaml", text, strlen(text), &lim, &doc, &diags) < 0)
		doc = NULL;
	*ret = test_diags_text(&diags);
	diag_list_release(&diags);
	return doc;
}

static void test_tree_and_positions(void **state)
{
	char *d;
	struct ydoc *doc = parse("a: 1\nb:\n  - x\n  - 'y'\nc: {k: v}\n", &d);
	const struct ynode *b, *c;

	assert_non_null(doc);
	assert_string_equal(d, "");
	assert_int_equal(doc->root->type, YNODE_MAPPING);
	assert_int_equal(doc->root->map.n, 3);
	b = ynode_get(doc->root, "b");
	assert_int_equal(b->type, YNODE_SEQUENCE);
	assert_int_equal(b->seq.n, 2);
	assert_int_equal(b->seq.items[0]->line, 3);
	assert_int_equal(b->seq.items[0]->col, 5);
	assert_true(b->seq.items[0]->scalar.plain);
	assert_false(b->seq.items[1]->scalar.plain);
	c = ynode_get(doc->root, "c");
	assert_string_equal(ynode_get(c, "k")->scalar.text, "v");
	assert_null(ynode_get(doc->root, "zz"));
	assert_string_equal(ynode_type_name(ynode_get(doc->root, "a")), "a number");
	ydoc_free(doc);
	free(d);
}

static void test_empty_stream(void **state)
{
	char *d;
	struct ydoc *doc = parse("# nothing\n", &d);

	assert_non_null(doc);
	assert_null(doc->root);
	ydoc_free(doc);
	free(d);
}

static void test_billion_laughs_fails_fast(void **state)
{
	const char *text = "a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n"
			   "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
			   "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
			   "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
			   "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
			   "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
			   "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
			   "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
			   "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n";
	char *d;
	struct ydoc *doc = parse(text, &d);

	assert_null(doc);
	/* It stops on line 5 (the expansion reaches 10^4 there), long before 10^9. */
	assert_true(test_contains(d, "y.yaml:5:"));
	assert_true(test_contains(d, "YAML aliases expand the document beyond 10000 nodes"));
	free(d);
}

static void test_aliases_share_nodes(void **state)
{
	char *d;
	struct ydoc *doc = parse("base: &b {x: 1}\ncopy: *b\n", &d);

	assert_non_null(doc);
	assert_ptr_equal(ynode_get(doc->root, "base"), ynode_get(doc->root, "copy"));
	/* root + 2 keys + mapping + x + 1, and the alias counts its 3 nodes again */
	assert_int_equal(doc->nodes, 6);
	assert_int_equal(doc->expanded, 9);
	ydoc_free(doc);
	free(d);
}

static void test_recursive_alias_is_undefined(void **state)
{
	char *d;

	assert_null(parse("a: &a [1, *a]\n", &d));
	assert_true(test_contains(d, "y.yaml:1:11: undefined YAML alias '*a'"));
	free(d);
	assert_null(parse("a: *nope\n", &d));
	assert_true(test_contains(d, "undefined YAML alias '*nope'"));
	free(d);
}

static void test_depth_limit(void **state)
{
	struct strbuf sb;
	char *d;

	strbuf_init(&sb, STRBUF_NO_CAP);
	for (int i = 0; i < 17; i++)
		strbuf_addch(&sb, '[');
	for (int i = 0; i < 17; i++)
		strbuf_addch(&sb, ']');
	assert_null(parse(sb.buf, &d));
	assert_true(test_contains(d, "y.yaml:1:17: nesting deeper than 16 levels"));
	free(d);
	strbuf_release(&sb);
}

static void test_node_limit(void **state)
{
	struct strbuf sb;
	char *d;

	strbuf_init(&sb, STRBUF_NO_CAP);
	strbuf_addch(&sb, '[');
	for (int i = 0; i < 10000; i++)
		strbuf_adds(&sb, "1,");
	strbuf_addch(&sb, ']');
	assert_null(parse(sb.buf, &d));
	assert_true(test_contains(d, "the document has more than 10000 YAML nodes"));
	free(d);
	strbuf_release(&sb);
}

static void test_duplicate_keys(void **state)
{
	struct strbuf sb;
	char *d;
	struct ydoc *doc = parse("a: 1\nb: 2\na: 3\n", &d);

	assert_non_null(doc); /* reported, not fatal */
	assert_string_equal(d, "y.yaml:3:1: duplicate key 'a' (first at line 1)\n");
	ydoc_free(doc);
	free(d);
	/* A large mapping takes the sorted path. */
	strbuf_init(&sb, STRBUF_NO_CAP);
	for (int i = 0; i < 40; i++)
		strbuf_addf(&sb, "k%d: v\n", i);
	strbuf_adds(&sb, "k7: again\nk39: again\n");
	doc = parse(sb.buf, &d);
	assert_non_null(doc);
	assert_string_equal(d, "y.yaml:41:1: duplicate key 'k7' (first at line 8)\n"
			       "y.yaml:42:1: duplicate key 'k39' (first at line 40)\n");
	ydoc_free(doc);
	free(d);
	strbuf_release(&sb);
}

static void test_several_documents(void **state)
{
	char *d;

	assert_null(parse("a: 1\n---\nb: 2\n", &d));
	assert_string_equal(d, "y.yaml:2:1: a file holds one YAML document; a second document starts here\n");
	free(d);
}

static void test_tags(void **state)
{
	char *d;
	struct ydoc *doc = parse("a: !!str 123\nb: ! true\n", &d);

	assert_non_null(doc);
	assert_false(ynode_get(doc->root, "a")->scalar.plain);
	assert_false(ynode_get(doc->root, "b")->scalar.plain);
	ydoc_free(doc);
	free(d);
	assert_null(parse("a: !!python/object:os.system x\n", &d));
	assert_true(test_contains(d, "unsupported YAML tag 'tag:yaml.org,2002:python/object:os.system'"));
	free(d);
	assert_null(parse("a: !!str [1]\n", &d));
	assert_true(test_contains(d, "needs a scalar"));
	free(d);
}

static void test_complex_keys(void **state)
{
	char *d;
	struct ydoc *doc = parse("? [a, b]\n: c\n", &d);

	assert_non_null(doc);
	assert_true(test_contains(d, "y.yaml:1:3: mapping keys must be plain strings, not a sequence"));
	ydoc_free(doc);
	free(d);
}

static void test_syntax_error_position(void **state)
{
	char *d;

	assert_null(parse("a: [1, 2\nb: 3\n", &d));
	assert_true(test_contains(d, "y.yaml:2:"));
	assert_true(test_contains(d, "invalid YAML: "));
	free(d);
}

static void test_scalars(void **state)
{
	char *d;
	struct ydoc *doc = parse("a: ~\nb: null\nc:\nd: ''\ne: 'null'\nf: true\ng: x\nh: \"\\0x\"\n", &d);
	const struct ynode *h;

	assert_non_null(doc);
	assert_true(ynode_is_null(ynode_get(doc->root, "a")));
	assert_true(ynode_is_null(ynode_get(doc->root, "b")));
	assert_true(ynode_is_null(ynode_get(doc->root, "c")));
	assert_false(ynode_is_null(ynode_get(doc->root, "d")));
	assert_false(ynode_is_null(ynode_get(doc->root, "e")));
	assert_string_equal(ynode_type_name(ynode_get(doc->root, "e")), "a quoted string");
	assert_string_equal(ynode_type_name(ynode_get(doc->root, "f")), "a boolean");
	assert_string_equal(ynode_type_name(ynode_get(doc->root, "g")), "a string");
	h = ynode_get(doc->root, "h");
	assert_int_equal(h->scalar.len, 2); /* the NUL is kept, with its length */
	ydoc_free(doc);
	free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree_and_positions),
		cmocka_unit_test(test_empty_stream),
		cmocka_unit_test(test_billion_laughs_fails_fast),
		cmocka_unit_test(test_aliases_share_nodes),
		cmocka_unit_test(test_recursive_alias_is_undefined),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_node_limit),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_several_documents),
		cmocka_unit_test(test_tags),
		cmocka_unit_test(test_complex_keys),
		cmocka_unit_test(test_syntax_error_position),
		cmocka_unit_test(test_scalars),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
