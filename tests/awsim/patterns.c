#include "patterns.h"

#include <errno.h>
#include <string.h>

/* A class spec lists allowed characters with ranges ("a-z"); a trailing "\x80" item
 * in flags allows every byte >= 0x80; "\s" allows ASCII whitespace. */
struct class_def {
	enum pattern id;
	const char *spec;
	bool high;  /* bytes >= 0x80 (\p{L}, \p{Z}, \p{N} beyond ASCII) */
	bool space; /* \s or \p{Z} */
	const char *model;
};

struct regex_def {
	enum pattern id;
	const char *ere;
	const char *model;
};

static const struct class_def classes[] = {
	{ PAT_BR_TAG, "a-zA-Z0-9._:/=+@-", false, true, "[a-zA-Z0-9\\s._:/=+@-]*" },
	{ PAT_NO_SPACE, "\x21-\x7e", true, false, "\\S*" },
	{ PAT_SSM_NAME_CHARS, "a-zA-Z0-9_./-", false, false, "[a-zA-Z0-9_.\\-/]+ (user guide)" },
	{ PAT_SSM_TAG, "a-zA-Z0-9_.:/=+@-", true, true, "^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$" },
	{ PAT_SSM_KEY_ID, "a-zA-Z0-9:/_-", false, false, "^([a-zA-Z0-9:/_-]+)$" },
	{ PAT_IAM_NAME, "a-zA-Z0-9_+=,.@-", false, false, "[\\w+=,.@-]+" },
	{ PAT_IAM_POLICY_CHARS, "\t\n\r\x20-\x7e", true, false, "[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+" },
	{ PAT_IAM_DESCRIPTION, "\t\n\r\x20-\x7e", true, false,
	  "[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*" },
	{ PAT_IAM_TAG, "a-zA-Z0-9_.:/=+@-", true, true, "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*" },
	{ PAT_STS_EXTERNAL_ID, "a-zA-Z0-9_+=,.@:/-", false, false, "[\\w+=,.@:\\/-]*" },
};

static const struct regex_def regexes[] = {
	{ PAT_BR_NAME, "^([0-9a-zA-Z][ _-]?)+$", "([0-9a-zA-Z][ _-]?)+" },
	{ PAT_BR_DESCRIPTION, "^([0-9a-zA-Z:.][ _-]?)+$", "([0-9a-zA-Z:.][ _-]?)+" },
	/* the length (1-256) is checked apart, so {0,254} becomes * */
	{ PAT_BR_TOKEN, "^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$", "[a-zA-Z0-9]([-a-zA-Z0-9]{0,254}[a-zA-Z0-9])?" },
	{ PAT_BR_COPY_FROM,
	  "^arn:aws(-us-gov|-cn|-iso|-iso-b)?:bedrock:[0-9a-z-]{0,20}:([0-9]{12})?:(inference-profile|foundation-model)"
	  "/"
	  "[a-zA-Z0-9:.-]+$",
	  "arn:aws(|-us-gov|-cn|-iso|-iso-b):bedrock:(|[0-9a-z-]{0,20}):(|[0-9]{12}):(inference-profile|foundation-"
	  "model)/[a-zA-Z0-9-:.]+" },
	{ PAT_BR_PROFILE_IDENT,
	  "^(arn:aws(-us-gov|-cn|-iso|-iso-b)?:bedrock:[0-9a-z-]{0,20}:([0-9]{12})?:(inference-profile|application-"
	  "inference-profile)/)?[a-zA-Z0-9:.-]+$",
	  "(arn:aws(|-us-gov|-cn|-iso|-iso-b):bedrock:(|[0-9a-z-]{0,20}):(|[0-9]{12}):(inference-profile|application-"
	  "inference-profile)/)?[a-zA-Z0-9-:.]+" },
	/* the model's TaggableResourcesArn alternation, reduced to the branches that
	 * decide between "malformed" and "not found" for the resources awsim has */
	{ PAT_BR_TAGGABLE_ARN, "^([a-zA-Z0-9][a-zA-Z0-9-]*|arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:([0-9]{12})?:.+)$",
	  "(^[a-zA-Z0-9][a-zA-Z0-9\\-]*$)|(^arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:([0-9]{12}|)...)" },
	{ PAT_BR_MODEL_IDENT,
	  "^((arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}::foundation-model/)?[a-z0-9-]{1,63}[.][a-z0-9-]{1,63}([.]?[a-z0-"
	  "9-]{1,63})([:][a-z0-9-]{1,63}){0,2})$",
	  "(arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}::foundation-model/...)|([a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63}([.]?["
	  "a-z0-9-]{1,63})([:][a-z0-9-]{1,63}){0,2})" },
	{ PAT_BR_PROVIDER, "^[A-Za-z0-9 -]{1,63}$", "[A-Za-z0-9- ]{1,63}" },
	{ PAT_BUDGET_ACCOUNT, "^[0-9]{12}$", "\\d{12}" },
	{ PAT_BUDGET_NUMERIC, "^([0-9]*\\.)?[0-9]+$", "([0-9]*\\.)?[0-9]+" },
	{ PAT_IAM_PATH, "^(/|/[!-~]+/)$", "(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)" },
	{ PAT_IAM_PATH_PREFIX, "^/[!-~]*$", "\\u002F[\\u0021-\\u007F]*" },
	{ PAT_STS_ROLE_ARN, "^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", "arn:aws:iam::<account>:role/<path><name>" },
};

static void build_class(struct patterns *p, const struct class_def *d)
{
	bool *ok = p->chars[d->id];
	const unsigned char *s = (const unsigned char *)d->spec;
	size_t n = strlen(d->spec);

	for (size_t i = 0; i < n; i++) {
		if (i + 2 < n && s[i + 1] == '-') {
			for (unsigned c = s[i]; c <= s[i + 2]; c++)
				ok[c] = true;
			i += 2;
		} else {
			ok[s[i]] = true;
		}
	}
	if (d->space)
		for (const char *c = " \t\n\r\f\v"; *c; c++)
			ok[(unsigned char)*c] = true;
	if (d->high)
		for (unsigned c = 0x80; c < 256; c++)
			ok[c] = true;
	p->is_class[d->id] = true;
	p->text[d->id] = d->model;
}

int patterns_init(struct patterns *p)
{
	memset(p, 0, sizeof(*p));
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		build_class(p, &classes[i]);
	for (size_t i = 0; i < sizeof(regexes) / sizeof(regexes[0]); i++) {
		const struct regex_def *d = &regexes[i];

		if (regcomp(&p->re[d->id], d->ere, REG_EXTENDED | REG_NOSUB) != 0) {
			patterns_release(p);
			return -EINVAL;
		}
		p->compiled[d->id] = true;
		p->text[d->id] = d->model;
	}
	return 0;
}

void patterns_release(struct patterns *p)
{
	for (int i = 0; i < PAT_COUNT; i++) {
		if (p->compiled[i])
			regfree(&p->re[i]);
		p->compiled[i] = false;
	}
}

bool pattern_match(const struct patterns *p, enum pattern id, const char *s)
{
	if (id == PAT_NONE)
		return true;
	if (p->is_class[id]) {
		for (const unsigned char *c = (const unsigned char *)s; *c; c++)
			if (!p->chars[id][*c])
				return false;
		return true;
	}
	return p->compiled[id] && regexec(&p->re[id], s, 0, NULL, 0) == 0;
}
