/* Internals shared by the files of the manifest parser (manifest.c, manifest_budget.c);
 * not for use outside config/. */
#ifndef BTD_MANIFEST_IMPL_H
#define BTD_MANIFEST_IMPL_H

#include <stdbool.h>

#include "daemon_config.h"
#include "model.h"
#include "walk.h"

#define N_KEYS(a) (sizeof(a) / sizeof((a)[0]))

/* One manifest being read: the walk, the configuration it is checked against, and the
 * tenant being filled. */
struct mparse {
	struct walk w;
	const struct daemon_config *cfg;
	struct tenant *t;
	const struct cfg_account *account; /* NULL: the default account */
	const struct ynode *root, *spec, *id_node;
	const struct ynode *enforce_node; /* spec.budget.enforce, checked once access is read */
};

/* manifest__string: read a string at key (pushed on the path) and check it with rule (may be
 * NULL); what names the value in messages. Returns NULL when absent or wrong. */
char *manifest__string(struct mparse *m, const struct ynode *n, const char *key, size_t max,
		       const char *(*rule)(const char *), const char *what);
/* manifest__error_free: report a heap message from governance (NULL: nothing) at the node,
 * under key (NULL: the current path), and free it. */
void manifest__error_free(struct mparse *m, const struct ynode *at, const char *key, char *message);

void manifest_read_budget(struct mparse *m, const struct ynode *n);
void manifest_read_access(struct mparse *m, const struct ynode *n);
/* manifest_check_enforce: what spec.budget.enforce needs beyond its own block: the
 * tenant's roles, a subscriber among the alerts, the configuration's execution role. */
void manifest_check_enforce(struct mparse *m);

#endif
