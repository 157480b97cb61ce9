/* AWS Budgets (awsJson1.1, global endpoint signed for us-east-1): budgets, their
 * notifications and subscribers, and budget tags. Every call names the account id
 * that owns the budgets (the API's AccountId).
 *
 * Every call returns 0 (the callback runs exactly once, later) or -errno (-EINVAL for
 * a missing argument, or aws_client_call()'s; the callback never runs). Results are
 * borrowed for the duration of the callback and NULL on error. The listings walk
 * every page at the largest size the API allows. The Describe calls ask for
 * ShowFilterExpression, so a budget's FilterExpression comes back when it has one. */
#ifndef BTD_BUDGETS_H
#define BTD_BUDGETS_H

#include "aws_client.h"
#include "budgets_parse.h"

#define BUDGETS_LIST_PAGE_SIZE	       1000 /* DescribeBudgets */
#define BUDGETS_NOTIFICATION_PAGE_SIZE 100  /* DescribeNotificationsForBudget, DescribeSubscribersForNotification */

struct budgets_create_input {
	const char *account_id;
	const struct budgets_budget *budget;
	const struct budgets_notification_with_subscribers *notifications;
	size_t n_notifications;
	const struct aws_tag *tags; /* ResourceTags */
	size_t n_tags;
};

typedef void (*budgets_budget_cb)(void *arg, int status, const struct aws_error *err,
				  const struct budgets_budget *budget);
typedef void (*budgets_budgets_cb)(void *arg, int status, const struct aws_error *err,
				   const struct budgets_budget_list *list);
typedef void (*budgets_notifications_cb)(void *arg, int status, const struct aws_error *err,
					 const struct budgets_notification_list *list);
typedef void (*budgets_subscribers_cb)(void *arg, int status, const struct aws_error *err,
				       const struct budgets_subscriber_list *list);

int budgets_create_budget(struct aws_client *c, const struct aws_target *t, const struct budgets_create_input *in,
			  aws_done_cb cb, void *arg);
int budgets_describe_budget(struct aws_client *c, const struct aws_target *t, const char *account_id, const char *name,
			    budgets_budget_cb cb, void *arg);
int budgets_describe_budgets(struct aws_client *c, const struct aws_target *t, const char *account_id,
			     budgets_budgets_cb cb, void *arg);
/* budgets_update_budget: replaces the budget named budget->name. */
int budgets_update_budget(struct aws_client *c, const struct aws_target *t, const char *account_id,
			  const struct budgets_budget *budget, aws_done_cb cb, void *arg);
int budgets_delete_budget(struct aws_client *c, const struct aws_target *t, const char *account_id, const char *name,
			  aws_done_cb cb, void *arg);

int budgets_create_notification(struct aws_client *c, const struct aws_target *t, const char *account_id,
				const char *budget, const struct budgets_notification *n,
				const struct budgets_subscriber *subscribers, size_t n_subscribers, aws_done_cb cb,
				void *arg);
int budgets_update_notification(struct aws_client *c, const struct aws_target *t, const char *account_id,
				const char *budget, const struct budgets_notification *old_n,
				const struct budgets_notification *new_n, aws_done_cb cb, void *arg);
int budgets_delete_notification(struct aws_client *c, const struct aws_target *t, const char *account_id,
				const char *budget, const struct budgets_notification *n, aws_done_cb cb, void *arg);
int budgets_describe_notifications(struct aws_client *c, const struct aws_target *t, const char *account_id,
				   const char *budget, budgets_notifications_cb cb, void *arg);

int budgets_create_subscriber(struct aws_client *c, const struct aws_target *t, const char *account_id,
			      const char *budget, const struct budgets_notification *n,
			      const struct budgets_subscriber *s, aws_done_cb cb, void *arg);
int budgets_delete_subscriber(struct aws_client *c, const struct aws_target *t, const char *account_id,
			      const char *budget, const struct budgets_notification *n,
			      const struct budgets_subscriber *s, aws_done_cb cb, void *arg);
int budgets_describe_subscribers(struct aws_client *c, const struct aws_target *t, const char *account_id,
				 const char *budget, const struct budgets_notification *n, budgets_subscribers_cb cb,
				 void *arg);

/* Tags on a budget ARN (arn:aws:budgets::ACCOUNT:budget/NAME). */
int budgets_tag_resource(struct aws_client *c, const struct aws_target *t, const char *arn, const struct aws_tag *tags,
			 size_t n_tags, aws_done_cb cb, void *arg);
int budgets_untag_resource(struct aws_client *c, const struct aws_target *t, const char *arn, const char *const *keys,
			   size_t n_keys, aws_done_cb cb, void *arg);
int budgets_list_tags_for_resource(struct aws_client *c, const struct aws_target *t, const char *arn, aws_tags_cb cb,
				   void *arg);

#endif
