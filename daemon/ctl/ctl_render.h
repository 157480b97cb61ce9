/* Helpers shared by the renderings of the control API's documents (the views of
 * ctl.h are defined in ctl_render.c and ctl_render_tenant.c). */
#ifndef BTD_CTL_RENDER_H
#define BTD_CTL_RENDER_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "ctl.h"

/* render_str: j's string member key, or fallback when absent, null or empty. */
const char *render_str(const cJSON *j, const char *key, const char *fallback);
/* render_num: j's number member key, or 0. */
double render_num(const cJSON *j, const char *key);
/* render_manifest_fails: the tenant keeps its last good definition (a problem is set). */
bool render_manifest_fails(const cJSON *t);
/* render_text_safe: every control character in s (C0, DEL, and C1 as UTF-8) replaced
 * by '?', in place: the daemon's answers carry text from outside (a manifest's file
 * name, AWS's error messages) that must not drive the operator's terminal. */
void render_text_safe(char *s);
/* render_tree_safe: render_text_safe on every string and member name of j. */
void render_tree_safe(cJSON *j);

#endif
