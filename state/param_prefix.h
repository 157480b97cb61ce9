/* Where the daemon lists SSM parameters: the path below which a naming template puts
 * every parameter (GetParametersByPath and DescribeParameters take one path), widened
 * to cover the parameters the daemon made under an earlier template. A parameter the
 * listings do not cover is neither seen nor deleted, and its old profile would be
 * deleted while it still names it; so the records' parameters (what the daemon tagged
 * and has not forgotten) widen the path until they are gone. Pure. */
#ifndef BTD_PARAM_PREFIX_H
#define BTD_PARAM_PREFIX_H

/* param_prefix_of_template: the static part of a parameter naming template up to the
 * last '/' before its first placeholder, without the trailing '/' ("/bedrock-tenants"
 * of "/bedrock-tenants/{tenant}/{profile}/profile-arn"); "/" at least. Owned. */
char *param_prefix_of_template(const char *tpl);
/* param_prefix_covers: name lies below the path prefix ("/" covers every name). */
bool param_prefix_covers(const char *prefix, const char *name);
/* param_prefix_widen: *prefix (owned, replaced) made the longest path that covers both
 * itself and name, a parameter name ("/a/b" and "/a/c/d" give "/a"; "/x" and "/y/z"
 * give "/"). Nothing when it covers name already. */
void param_prefix_widen(char **prefix, const char *name);
/* param_prefix_widen_record: param_prefix_widen by every parameter r names (a
 * resource whose tags it applied or whose timer runs). */
struct tenant_record;
void param_prefix_widen_record(char **prefix, const struct tenant_record *r);

#endif
