/* The errors of the configuration file as the last refused reload (SIGHUP) found them:
 * kept for status until a reload succeeds, and the judge of when to log them again.
 * A refused reload logs its errors; one that finds the same errors again within
 * RELOAD_ERRORS_LOG_EVERY_MS logs one line that says so instead of all of them again,
 * so that a storm of SIGHUPs on a bad file costs one line each, not one per error. Owns its lines (at
 * most RELOAD_ERRORS_MAX; beyond that one line counts the rest). No libuv: the time is
 * passed in. */
#ifndef BTD_RELOAD_ERRORS_H
#define BTD_RELOAD_ERRORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

#define RELOAD_ERRORS_MAX	   20
#define RELOAD_ERRORS_LOG_EVERY_MS 60000

struct reload_errors {
	char *lines[RELOAD_ERRORS_MAX + 2]; /* "file:line:col: message", NULL-terminated */
	size_t n;
	uint64_t logged_ms;	  /* when they were last logged */
	unsigned long not_logged; /* refusals with the same errors since then */
};

void reload_errors_init(struct reload_errors *r);
void reload_errors_release(struct reload_errors *r);
/* reload_errors_refused: a reload was refused for diags at now_ms; the kept lines
 * become diags'. True when they must be logged in full now (they differ from the kept
 * ones, or were last logged RELOAD_ERRORS_LOG_EVERY_MS ago or more). */
bool reload_errors_refused(struct reload_errors *r, const struct diag_list *diags, uint64_t now_ms);
/* reload_errors_clear: a reload succeeded; nothing is kept. */
void reload_errors_clear(struct reload_errors *r);

#endif
