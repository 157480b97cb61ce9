/* The account's part of a listing: what belongs to the account, not to one of its
 * places (IAM roles with their inline policies, the budgets with their tags, and with
 * enforcement the deny policies and the Budgets actions). The places of one account
 * listed together share one reading of it: a listing joins a reading in flight when
 * its place names the same account (credentials and account id) and the same
 * account_epoch, which the engine gives every listing it starts between two answers
 * of its actions, so a write the joining place saw answered is never missing from the
 * shared reading. A reading is joinable until its last answer; each listing holds a
 * reference until its snapshot is built. */
#include "cloud_aws_impl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "iam_account.h"
#include "log.h"
#include "policy_doc.h"
#include "xalloc.h"

#define BUDGETS_REGION "us-east-1"

static bool same(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static void unlink_reading(struct cloud_aws__account_read *a)
{
	struct cloud_aws *c = a->c;

	if (!a->joinable)
		return;
	*(a->prev ? &a->prev->next : &c->reading) = a->next;
	if (a->next)
		a->next->prev = a->prev;
	a->prev = a->next = NULL;
	a->joinable = false;
}

void cloud_aws__account_unref(struct cloud_aws__account_read *a)
{
	if (!a || --a->refs)
		return;
	unlink_reading(a);
	budgets_budget_list_release(&a->budgets);
	tagging_resource_list_release(&a->budget_tags);
	iam_role_detail_list_release(&a->roles);
	cloud_aws__enforce_listing_release(&a->enforce);
	free(a->budgets_error);
	free(a->waiters);
	free(a->account);
	free(a->account_id);
	free(a->region);
	free(a);
}

static void failed(struct cloud_aws__account_read *a, int status, const struct aws_error *err, const char *what)
{
	if (a->status < 0)
		return;
	a->status = status < 0 ? status : -EIO;
	cloud_error_from_aws(&a->err, status, err);
	snprintf(a->err.message, sizeof(a->err.message), "%s: %s", what,
		 err && err->message && err->message[0] ? err->message : strerror(-a->status));
}

/* A Budgets read failed: the budgets are left out of the listings, not the place's
 * profiles and parameters (a role without budgets:ViewBudget still reconciles them). */
static void budgets_failed(struct cloud_aws__account_read *a, int status, const struct aws_error *err, const char *what)
{
	struct cloud_error e;

	if (a->budgets_error)
		return;
	cloud_error_from_aws(&e, status, err);
	a->budgets_error = xasprintf("%s%s%s: %s", e.code, e.code[0] ? ": " : "", what, e.message);
}

/* One answer in: after the last, the reading is no longer joinable and every listing
 * that holds it hears so (in the order they joined). */
static void step_done(void *arg)
{
	struct cloud_aws__account_read *a = arg;

	if (--a->pending)
		return;
	unlink_reading(a);
	for (size_t i = 0; i < a->n_waiters; i++)
		a->waiters[i].done(a->waiters[i].arg);
	a->n_waiters = 0;
	cloud_aws__account_unref(a); /* the reference the calls held */
}

/* The observed model keeps a bulk-read policy's digest and size only (build_roles):
 * computed once per account as each page comes, no page's documents kept meanwhile. */
static void digest_policy(const char *document, char **ret_hash, size_t *ret_chars)
{
	*ret_hash = policy_hash(document);
	*ret_chars = policy_size(document);
}

/* The answers are moved out of the borrowed lists: the pagers release a zeroed list. */
static void on_roles(void *arg, int status, const struct aws_error *err, const struct iam_role_detail_list *list)
{
	struct cloud_aws__account_read *a = arg;

	/* not being allowed to read roles in bulk is no failure: policies are then read
	 * one by one, as the diff asks (roles_read stays false); any other failure is
	 * said, since hand edits of role policies are then seen only when a document
	 * changes */
	a->roles_failed = status < 0 && status != -EACCES; /* aws_error_errno: AccessDenied* */
	if (a->roles_failed)
		log_warning("account %s: its IAM roles could not be read in bulk (%s: %s): role policies are read one "
			    "by one, and one edited by hand is seen only when its document changes",
			    a->account ? a->account : "default", err && err->code ? err->code : "error",
			    err && err->message ? err->message : strerror(-status));
	if (status == 0) {
		uintptr_t size = iam_role_details_next_size(list);
		if (size < IAM_DETAILS_PAGE_SIZE)
			hashmap_put(&a->c->iam_page_sizes, a->account ? a->account : "", (void *)size);
		else
			hashmap_remove(&a->c->iam_page_sizes, a->account ? a->account : "");
		a->roles = *list;
		memset((void *)list, 0, sizeof(*list));
		a->roles_read = true;
	}
	step_done(a);
}

static void on_budgets(void *arg, int status, const struct aws_error *err, const struct budgets_budget_list *list)
{
	struct cloud_aws__account_read *a = arg;

	if (status < 0) {
		budgets_failed(a, status, err, "DescribeBudgets");
	} else {
		a->budgets = *list;
		memset((void *)list, 0, sizeof(*list));
	}
	step_done(a);
}

static void on_budget_tags(void *arg, int status, const struct aws_error *err, const struct tagging_resource_list *list)
{
	struct cloud_aws__account_read *a = arg;

	if (status < 0) {
		budgets_failed(a, status, err, "GetResources (budgets)");
	} else {
		a->budget_tags = *list;
		memset((void *)list, 0, sizeof(*list));
	}
	step_done(a);
}

static void enforce_done(void *arg)
{
	step_done(arg);
}

/* A new reading: its calls sent, or -errno when none could be. */
static int start(struct cloud_aws *c, const struct place *p, struct cloud_aws__account_read **ret)
{
	static const char *const budget_type[] = { "budgets:budget" };
	struct tagging_filter filter = { TAG_MANAGED_BY, NULL, 0 };
	struct tagging_get_resources_input budget_tags = { &filter, 1, budget_type, 1 };
	struct cloud_aws__account_read *a = xcalloc(1, sizeof(*a));
	int r;

	a->c = c;
	a->refs = 1;	/* the calls' */
	a->pending = 1; /* held while the calls are sent */
	a->account = cloud_aws__target_account(c, p->account);
	a->account_id = xstrdup_or_null(p->account_id);
	a->region = xstrdup_or_null(p->region);
	a->enforcement = p->list_enforcement;
	a->budget_tags_read = !p->keep_budget_tags;
	a->epoch = p->account_epoch;
	a->iam_target = (struct aws_target){ .account = a->account, .region = a->region };
	a->budgets_target = (struct aws_target){ .account = a->account, .region = BUDGETS_REGION };
	a->with_budgets = a->account_id != NULL;
	a->enforce.done = enforce_done;
	a->enforce.arg = a;

	r = iam_get_role_details(c->client, &a->iam_target, digest_policy,
				 (unsigned)(uintptr_t)hashmap_get(&c->iam_page_sizes, a->account ? a->account : ""),
				 on_roles, a);
	if (r == 0)
		a->pending++;
	if (r == 0 && a->with_budgets &&
	    (r = budgets_describe_budgets(c->client, &a->budgets_target, a->account_id, on_budgets, a)) == 0)
		a->pending++;
	if (r == 0 && a->with_budgets && a->budget_tags_read &&
	    (r = tagging_get_resources(c->client, &a->budgets_target, &budget_tags, on_budget_tags, a)) == 0)
		a->pending++;
	if (r == 0 && a->with_budgets && a->enforcement)
		r = cloud_aws__list_enforce(c, &a->iam_target, &a->budgets_target, a->account_id, &a->enforce,
					    &a->pending);
	else if (!a->enforce.error)
		a->enforce.error = xstrdup("budget_actions.execution_role is not configured");
	if (r < 0) {
		if (a->pending == 1) {
			cloud_aws__account_unref(a);
			return r;
		}
		failed(a, r, NULL, "an account listing call could not be sent");
	}
	a->pending--; /* the hold: no answer comes before the loop turns */
	a->next = c->reading;
	if (a->next)
		a->next->prev = a;
	c->reading = a;
	a->joinable = true;
	*ret = a;
	return 0;
}

int cloud_aws__account_join(struct cloud_aws *c, const struct place *p, void (*done)(void *arg), void *arg,
			    struct cloud_aws__account_read **ret)
{
	struct cloud_aws__account_read *a;
	char *account = cloud_aws__target_account(c, p->account);
	int r;

	for (a = c->reading; a; a = a->next)
		if (a->epoch == p->account_epoch && a->enforcement == p->list_enforcement &&
		    a->budget_tags_read == !p->keep_budget_tags && same(a->account, account) &&
		    same(a->account_id, p->account_id))
			break;
	free(account);
	if (!a) {
		r = start(c, p, &a);
		if (r < 0)
			return r;
	}
	a->refs++;
	XGROW(a->waiters, a->n_waiters + 1, a->alloc_waiters);
	a->waiters[a->n_waiters++] = (struct cloud_aws__account_waiter){ done, arg };
	*ret = a;
	return 0;
}
