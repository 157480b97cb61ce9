/* A YAML document as a tree of nodes with line and column, built from libyaml events.
 *
 * The front end enforces the limits every input must respect: nesting depth, and the
 * number of nodes *after* alias expansion. An alias is not copied: it points at its
 * anchored node (the tree is a DAG), and its expanded weight is counted as it is read,
 * so a "billion laughs" document fails at the first alias that crosses the limit, in
 * memory proportional to its size. Recursive aliases cannot occur: an anchor becomes
 * usable only once its node is complete. Duplicate keys in a mapping are reported.
 *
 * Every node and scalar lives in the document's arena: ydoc_free() releases them all,
 * and nodes are borrowed from the document by everyone else. */
#ifndef BTD_YDOC_H
#define BTD_YDOC_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

enum ynode_type {
	YNODE_SCALAR,
	YNODE_SEQUENCE,
	YNODE_MAPPING,
};

struct ynode;

struct ypair {
	struct ynode *key;
	struct ynode *value;
};

struct ynode {
	enum ynode_type type;
	unsigned line, col; /* 1-based, where the node starts */
	size_t weight;	    /* nodes in this subtree, aliases expanded (saturates) */
	union {
		struct {
			const char *text; /* NUL-terminated; may hold NULs ("\0" escapes): see len */
			size_t len;
			bool plain; /* plain style without a tag: may be null, a number, a boolean */
		} scalar;
		struct {
			struct ynode **items;
			size_t n;
		} seq;
		struct {
			struct ypair *pairs;
			size_t n;
		} map;
	};
};

struct ydoc_limits {
	unsigned max_depth; /* collections nested deeper than this fail */
	size_t max_nodes;   /* nodes after alias expansion */
};

struct ydoc {
	struct ynode *root; /* NULL when the stream holds no document */
	size_t nodes;	    /* nodes created */
	size_t expanded;    /* nodes counting alias expansions */
	struct ydoc_block *blocks;
};

/* ydoc_parse: parse one YAML document from text (UTF-8). Returns 0 and the document in
 * *ret (root NULL for an empty stream) when a tree could be built; problems that do not
 * prevent it (duplicate keys) are added to diags meanwhile. Returns -EINVAL with the
 * reason in diags for syntax errors, more than one document, unsupported tags and
 * limits. */
int ydoc_parse(const char *file, const char *text, size_t len, const struct ydoc_limits *lim, struct ydoc **ret,
	       struct diag_list *diags);
void ydoc_free(struct ydoc *doc);

/* ynode_is_null: a plain `~`, `null` (any YAML case form) or empty scalar. */
bool ynode_is_null(const struct ynode *n);
/* ynode_get: the value of a mapping's key, or NULL. Borrowed. */
const struct ynode *ynode_get(const struct ynode *map, const char *key);
/* ynode_type_name: "a mapping", "a sequence", "null", "a string", ... for messages. */
const char *ynode_type_name(const struct ynode *n);

#endif
