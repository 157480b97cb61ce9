/* The budget and access blocks of a manifest. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "governance.h"
#include "manifest.h"
#include "manifest_impl.h"
#include "rules.h"
#include "units.h"
#include "xalloc.h"

/* An alert with the place it was written, for duplicate messages. */
struct placed_alert {
	struct alert a;
	unsigned line, col;
};

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A sequence of strings checked by rule; duplicates (case-insensitive: e-mail
 * addresses and IAM role names do not distinguish case) are errors. Sorted result. */
static char **read_names(struct mparse *m, const struct ynode *n, const char *key, size_t max,
			 const char *(*rule)(const char *), const char *what, const char *items, size_t *ret_n)
{
	size_t mark = walk_push_key(&m->w, key), k = 0;
	char **v = NULL;

	if (!walk_sequence(&m->w, n, 0, max, items))
		goto out;
	v = xcalloc(n->seq.n ? n->seq.n : 1, sizeof(*v));
	for (size_t i = 0; i < n->seq.n; i++) {
		const struct ynode *item = n->seq.items[i];
		size_t im = walk_push_index(&m->w, i);
		char *s = NULL;
		const char *why;
		if (walk_string(&m->w, item, 2048, &s) && (why = rule(s))) {
			walk_error(&m->w, item, "'%.100s' is not a valid %s: %s", s, what, why);
			free(s);
			s = NULL;
		}
		for (size_t j = 0; s && j < k; j++) {
			if (!strcasecmp(v[j], s)) {
				walk_error(&m->w, item, "'%s' is listed twice", s);
				free(s);
				s = NULL;
			}
		}
		if (s)
			v[k++] = s;
		walk_pop(&m->w, im);
	}
	qsort(v, k, sizeof(*v), str_cmp);
out:
	walk_pop(&m->w, mark);
	*ret_n = k;
	return v;
}

static void read_alert(struct mparse *m, const struct ynode *n, struct placed_alert *pa)
{
	static const char *const keys[] = { "threshold_percent", "type", "emails", "sns_topic" };
	const struct ynode *v[N_KEYS(keys)];
	struct alert *a = &pa->a;
	size_t mark;
	int e;

	pa->line = n ? n->line : 0;
	pa->col = n ? n->col : 0;
	if (!walk_mapping(&m->w, n, keys, N_KEYS(keys), v))
		return;
	if (walk_require(&m->w, n, v[0], "threshold_percent")) {
		mark = walk_push_key(&m->w, "threshold_percent");
		if (walk_number(&m->w, v[0], 0, MANIFEST_MAX_THRESHOLD, &a->threshold_percent) &&
		    a->threshold_percent <= 0)
			walk_error(&m->w, v[0], "the threshold must be greater than 0");
		walk_pop(&m->w, mark);
	}
	if (v[1]) {
		mark = walk_push_key(&m->w, "type");
		if (walk_enum(&m->w, v[1], (const char *const[]){ "actual", "forecasted" }, 2, &e))
			a->type = (enum alert_type)e;
		walk_pop(&m->w, mark);
	}
	if (v[2])
		a->emails = read_names(m, v[2], "emails", MANIFEST_MAX_EMAILS, rule_email, "e-mail address",
				       "e-mail addresses", &a->n_emails);
	/* interned (state/model.h): tenants repeat their teams' addresses and topics */
	for (size_t k = 0; k < a->n_emails; k++)
		a->emails[k] = (char *)intern_take(a->emails[k]);
	a->sns_topic = intern_take(manifest__string(m, v[3], "sns_topic", 1024, rule_sns_topic_arn, "SNS topic ARN"));
	if (!a->n_emails && !a->sns_topic && !v[3] && !(v[2] && v[2]->type == YNODE_SEQUENCE && v[2]->seq.n))
		walk_error(&m->w, n, "an alert needs at least one subscriber: emails or sns_topic");
}

static int alert_cmp(const void *x, const void *y)
{
	const struct placed_alert *a = x, *b = y;

	if (a->a.type != b->a.type)
		return a->a.type < b->a.type ? -1 : 1;
	if (a->a.threshold_percent != b->a.threshold_percent)
		return a->a.threshold_percent < b->a.threshold_percent ? -1 : 1;
	return (a->line > b->line) - (a->line < b->line);
}

static void read_alerts(struct mparse *m, const struct ynode *n, struct budget *b)
{
	size_t mark = walk_push_key(&m->w, "alerts"), k = 0;
	struct placed_alert *pa;

	if (!walk_sequence(&m->w, n, 0, MANIFEST_MAX_ALERTS, "alerts"))
		goto out;
	pa = xcalloc(n->seq.n ? n->seq.n : 1, sizeof(*pa));
	for (size_t i = 0; i < n->seq.n; i++) {
		size_t im = walk_push_index(&m->w, i);
		read_alert(m, n->seq.items[i], &pa[i]);
		walk_pop(&m->w, im);
	}
	qsort(pa, n->seq.n, sizeof(*pa), alert_cmp);
	b->alerts = xcalloc(n->seq.n ? n->seq.n : 1, sizeof(*b->alerts));
	for (size_t i = 0; i < n->seq.n; i++) {
		if (k && b->alerts[k - 1].type == pa[i].a.type &&
		    b->alerts[k - 1].threshold_percent == pa[i].a.threshold_percent) {
			walk_error_at(&m->w, pa[i].line, pa[i].col,
				      "duplicate alert: %s at %g%% is already defined (line %u)",
				      alert_type_name(pa[i].a.type), pa[i].a.threshold_percent, pa[i - 1].line);
			alert_release(&pa[i].a);
			continue;
		}
		b->alerts[k++] = pa[i].a;
	}
	b->n_alerts = k;
	free(pa);
out:
	walk_pop(&m->w, mark);
}

/* enforce: {at_percent: N}; `enforce: {}` enforces at 100 %. */
static void read_enforce(struct mparse *m, const struct ynode *n, struct budget *b)
{
	static const char *const keys[] = { "at_percent" };
	const struct ynode *v[1];
	size_t mark = walk_push_key(&m->w, "enforce");

	if (!walk_mapping(&m->w, n, keys, 1, v))
		goto out;
	b->enforce = true;
	b->enforce_at_percent = 100;
	m->enforce_node = n;
	if (v[0]) {
		size_t am = walk_push_key(&m->w, "at_percent");
		walk_number(&m->w, v[0], 1, MANIFEST_MAX_THRESHOLD, &b->enforce_at_percent);
		walk_pop(&m->w, am);
	}
out:
	walk_pop(&m->w, mark);
}

void manifest_check_enforce(struct mparse *m)
{
	const struct tenant *t = m->t;
	const struct ynode *n = m->enforce_node;
	bool subscriber = false;
	size_t mark;

	if (!n || !t->budget || !t->budget->enforce)
		return;
	mark = walk_push_key(&m->w, "budget");
	walk_push_key(&m->w, "enforce");
	for (size_t i = 0; i < t->budget->n_alerts; i++)
		subscriber |= t->budget->alerts[i].n_emails > 0 || t->budget->alerts[i].sns_topic != NULL;
	if (!t->n_roles)
		walk_error(&m->w, n, "enforcement needs spec.access.roles: the deny policy is attached to them");
	if (!subscriber)
		walk_error(&m->w, n,
			   "enforcement needs an alert with a subscriber: a Budgets action notifies at least one");
	if (!m->cfg->budget_actions.execution_role)
		walk_error(&m->w, n,
			   "enforcement needs budget_actions.execution_role in the daemon configuration (the role "
			   "Budgets assumes to attach the policy)");
	walk_pop(&m->w, mark);
}

void manifest_read_budget(struct mparse *m, const struct ynode *n)
{
	static const char *const keys[] = { "limit_usd", "period", "alerts", "enforce" };
	const struct ynode *v[N_KEYS(keys)];
	struct budget *b;
	size_t mark;
	int e;

	if (!n)
		return;
	mark = walk_push_key(&m->w, "budget");
	if (!walk_mapping(&m->w, n, keys, N_KEYS(keys), v))
		goto out;
	b = m->t->budget = xcalloc(1, sizeof(*b));
	if (walk_require(&m->w, n, v[0], "limit_usd")) {
		size_t lm = walk_push_key(&m->w, "limit_usd");
		if (walk_decimal(&m->w, v[0], 2, &b->limit_usd)) {
			if (units_decimal_cmp(b->limit_usd, MANIFEST_MAX_BUDGET_USD) > 0)
				walk_error(&m->w, v[0], "%s is above the largest budget accepted (%s)", b->limit_usd,
					   MANIFEST_MAX_BUDGET_USD);
			manifest__error_free(m, v[0], NULL, governance_budget_limit(m->cfg, b->limit_usd));
		}
		walk_pop(&m->w, lm);
	}
	if (v[1]) {
		size_t pm = walk_push_key(&m->w, "period");
		if (walk_enum(&m->w, v[1], (const char *const[]){ "monthly", "quarterly", "annually" }, 3, &e))
			b->period = (enum budget_period)e;
		walk_pop(&m->w, pm);
	}
	if (v[2])
		read_alerts(m, v[2], b);
	if (v[3])
		read_enforce(m, v[3], b);
out:
	walk_pop(&m->w, mark);
}

void manifest_read_access(struct mparse *m, const struct ynode *n)
{
	static const char *const keys[] = { "roles" };
	const struct ynode *v[1];
	size_t mark;

	if (!n)
		return;
	mark = walk_push_key(&m->w, "access");
	if (walk_mapping(&m->w, n, keys, 1, v) && v[0]) {
		size_t n_roles = 0;
		m->t->roles = read_names(m, v[0], "roles", MANIFEST_MAX_ROLES, rule_iam_role_name, "IAM role name",
					 "IAM role names", &n_roles);
		m->t->n_roles = n_roles; /* at most MANIFEST_MAX_ROLES */
	}
	walk_pop(&m->w, mark);
}
