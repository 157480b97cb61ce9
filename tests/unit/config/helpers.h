/* Helpers shared by the config/ unit tests: configurations from text, manifests from
 * text, diagnostics as one string, temporary directories. */
#ifndef BTD_TEST_CONFIG_HELPERS_H
#define BTD_TEST_CONFIG_HELPERS_H

#include <stdbool.h>
#include <stddef.h>

#include "daemon_config.h"
#include "diag.h"
#include "model.h"

/* A configuration parsed from text (must be clean), with file name "config.yaml". */
struct daemon_config *test_config(const char *text);
/* The configuration the manifest tests use (region us-east-1, accounts prod and
 * research, a governance policy). */
struct daemon_config *test_default_config(void);
extern const char test_default_config_text[];

/* Parse a manifest text as file "t.yaml"; *ret_diags gets every problem, one per line
 * ("t.yaml:3:5: ..."), heap, "" when clean. Returns the tenant or NULL. */
struct tenant *test_manifest(const struct daemon_config *cfg, const char *text, char **ret_diags);
/* test_diags_text: the list as lines (heap). */
char *test_diags_text(const struct diag_list *diags);
/* test_contains: haystack contains needle; prints both when not. */
bool test_contains(const char *haystack, const char *needle);

/* A fresh temporary directory (heap path); test_rmtree removes it. */
char *test_tmpdir(void);
void test_rmtree(const char *path);
void test_write(const char *dir, const char *name, const char *text);
char *test_read(const char *path, size_t *ret_len);

#endif
