/* Where a tenant's models can be used from: the Regions a system-defined cross-Region
 * inference profile serves (its geography prefix), and the one Region a model ARN names.
 * Pure string checks on the desired model (state/model.h); placement asks them of every
 * place of a pool (state/placement.h), the manifest parser of a pool's Regions. */
#ifndef BTD_MODEL_REGION_H
#define BTD_MODEL_REGION_H

#include "model.h"

/* model_geo_check: NULL when a system profile id's geography serves region (us. ->
 * us-* but not us-gov-*, eu. -> eu-*, apac. -> ap-*, jp., au., ca., us-gov.; global.
 * and ids without a known prefix anywhere), else why not (a static string). */
const char *model_geo_check(const char *id, const char *region);
/* profile_region_check: NULL when p's model can be the source of a profile made in
 * region: a system profile (id or ARN) whose geography serves it, a model ARN of that
 * Region, any foundation-model id; else why not (a static string). */
const char *profile_region_check(const struct profile *p, const char *region);
/* tenant_region_check: the first of t's profiles that region cannot serve, why; NULL
 * when it serves them all. */
const char *tenant_region_check(const struct tenant *t, const char *region);

#endif
