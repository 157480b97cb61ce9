/* The canonical form of a manifest: what manifest_parse understood, printed back as
 * YAML in schema order, with sorted tags, profiles, alerts, e-mails and roles,
 * defaults written out (but spec.region: absent, it is the configuration's default,
 * a place kept or a pool's choice, state/model.h). Parsing the canonical form gives an
 * equal tenant (tenant_equal), and printing it again gives the same text. */
#ifndef BTD_MANIFEST_PRINT_H
#define BTD_MANIFEST_PRINT_H

#include "model.h"
#include "strbuf.h"

/* manifest_print: append the canonical manifest of t. Returns 0 or -ENOBUFS. */
int manifest_print(const struct tenant *t, struct strbuf *out);
/* manifest_print_scalar: append s as a YAML scalar, quoted only when it must be (it
 * would read as another type or break the syntax). */
int manifest_print_scalar(struct strbuf *out, const char *s);
/* manifest_print_number: the shortest decimal that reads back as exactly v. */
int manifest_print_number(struct strbuf *out, double v);

#endif
