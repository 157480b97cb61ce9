/* AWS Budgets notifications and subscribers. A notification has no id: it is
 * identified by its value (type, comparison, threshold, threshold type). Each has 1
 * to 11 subscribers: at most one SNS topic and at most ten e-mail addresses. */
#include "awsim.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define PAGE_DEFAULT 100

static const char *const note_types[] = { "ACTUAL", "FORECASTED", NULL };
static const char *const operators[] = { "GREATER_THAN", "LESS_THAN", "EQUAL_TO", NULL };
static const char *const threshold_types[] = { "PERCENTAGE", "ABSOLUTE_VALUE", NULL };
static const char *const states[] = { "OK", "ALARM", NULL };
static const char *const sub_types[] = { "SNS", "EMAIL", NULL };

static const char *str_of(const cJSON *o, const char *name, const char *dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) ? v->valuestring : dflt;
}

int budgets_check_notification(struct call *c, const cJSON *n, const char *field)
{
	const cJSON *t;
	const char *v;

	if (!cJSON_IsObject(n))
		return call_invalid(c, field, NULL, "Member must not be null");
	if (in_enum(c, n, "NotificationType", true, note_types, &v) < 0 ||
	    in_enum(c, n, "ComparisonOperator", true, operators, &v) < 0 ||
	    in_enum(c, n, "ThresholdType", false, threshold_types, &v) < 0 ||
	    in_enum(c, n, "NotificationState", false, states, &v) < 0)
		return -1;
	t = cJSON_GetObjectItemCaseSensitive(n, "Threshold");
	if (!t)
		return call_invalid(c, "Threshold", NULL, "Member must not be null");
	if (!cJSON_IsNumber(t))
		return call_error(c, 400, "SerializationException", "Threshold must be a number.");
	if (t->valuedouble < 0 || t->valuedouble > 15e12)
		return call_error(c, 400, "InvalidParameterException", "Threshold %g is out of range.", t->valuedouble);
	return 0;
}

static int check_subscriber(struct call *c, const cJSON *s)
{
	static const struct strspec addr_spec = { true, 1, 0, PAT_NONE };
	const char *addr, *type;

	if (!cJSON_IsObject(s))
		return call_error(c, 400, "SerializationException", "A Subscriber must be a structure.");
	if (in_enum(c, s, "SubscriptionType", true, sub_types, &type) < 0 ||
	    in_str(c, s, "Address", &addr_spec, &addr) < 0)
		return -1;
	if (!strcmp(type, "SNS") && (strncmp(addr, "arn:aws", 7) != 0 || !strstr(addr, ":sns:")))
		return call_error(c, 400, "InvalidParameterException", "%.200s is not a valid SNS topic ARN.", addr);
	if (!strcmp(type, "EMAIL") && !strchr(addr, '@'))
		return call_error(c, 400, "InvalidParameterException", "%.200s is not a valid e-mail address.", addr);
	return 0;
}

static bool same_subscriber(const cJSON *a, const cJSON *b)
{
	return !strcmp(str_of(a, "SubscriptionType", ""), str_of(b, "SubscriptionType", "")) &&
	       !strcmp(str_of(a, "Address", ""), str_of(b, "Address", ""));
}

/* The SNS and e-mail limits over a whole list; duplicates are refused. */
static int check_limits(struct call *c, const cJSON *subs)
{
	int sns = 0, email = 0, i = 0;
	const cJSON *s, *t;

	cJSON_ArrayForEach(s, subs)
	{
		int j = 0;
		if (!strcmp(str_of(s, "SubscriptionType", ""), "SNS"))
			sns++;
		else
			email++;
		cJSON_ArrayForEach(t, subs)
		{
			if (j++ < i && same_subscriber(s, t))
				return call_error(c, 400, "DuplicateRecordException",
						  "Subscriber %.200s is listed twice.", str_of(s, "Address", ""));
		}
		i++;
	}
	if (sns > 1 || email > AWSIM_MAX_EMAIL_SUBS)
		return call_error(c, 400, "CreationLimitExceededException",
				  "A notification can have at most 1 SNS subscriber and %d e-mail subscribers.",
				  AWSIM_MAX_EMAIL_SUBS);
	return 0;
}

int budgets_check_subscribers(struct call *c, const cJSON *subs, const char *field)
{
	const cJSON *s;

	if (!cJSON_IsArray(subs) || cJSON_GetArraySize(subs) < 1)
		return call_invalid(c, field, NULL, "Member must have length greater than or equal to 1");
	cJSON_ArrayForEach(s, subs) if (check_subscriber(c, s) < 0) return -1;
	return check_limits(c, subs);
}

static bool same_notification(const cJSON *a, const cJSON *b)
{
	const cJSON *ta = cJSON_GetObjectItemCaseSensitive(a, "Threshold");
	const cJSON *tb = cJSON_GetObjectItemCaseSensitive(b, "Threshold");

	return !strcmp(str_of(a, "NotificationType", ""), str_of(b, "NotificationType", "")) &&
	       !strcmp(str_of(a, "ComparisonOperator", ""), str_of(b, "ComparisonOperator", "")) &&
	       !strcmp(str_of(a, "ThresholdType", "PERCENTAGE"), str_of(b, "ThresholdType", "PERCENTAGE")) &&
	       cJSON_IsNumber(ta) && cJSON_IsNumber(tb) && ta->valuedouble == tb->valuedouble;
}

static ssize_t find_note(const struct budget *b, const cJSON *n)
{
	for (size_t i = 0; i < b->n_notes; i++)
		if (same_notification(b->notes[i].notification, n))
			return (ssize_t)i;
	return -1;
}

/* The stored form: the identifying members plus a state. */
static cJSON *note_copy(const cJSON *n)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "NotificationType", str_of(n, "NotificationType", ""));
	cJSON_AddStringToObject(o, "ComparisonOperator", str_of(n, "ComparisonOperator", ""));
	cJSON_AddNumberToObject(o, "Threshold", cJSON_GetObjectItemCaseSensitive(n, "Threshold")->valuedouble);
	cJSON_AddStringToObject(o, "ThresholdType", str_of(n, "ThresholdType", "PERCENTAGE"));
	cJSON_AddStringToObject(o, "NotificationState", str_of(n, "NotificationState", "OK"));
	return o;
}

static cJSON *subscriber_copy(const cJSON *s)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "SubscriptionType", str_of(s, "SubscriptionType", ""));
	cJSON_AddStringToObject(o, "Address", str_of(s, "Address", ""));
	return o;
}

int budgets_add_notification(struct call *c, struct budget *b, const cJSON *n, const cJSON *subs)
{
	struct notification *note;
	const cJSON *s;

	if (find_note(b, n) >= 0)
		return call_error(c, 400, "DuplicateRecordException",
				  "Error creating notification: the notification already exists for budget %.100s.",
				  b->name);
	if (b->n_notes >= AWSIM_MAX_NOTIFICATIONS)
		return call_error(c, 400, "CreationLimitExceededException",
				  "A budget can have at most %d notifications.", AWSIM_MAX_NOTIFICATIONS);
	XGROW(b->notes, b->n_notes + 1, b->alloc_notes);
	note = &b->notes[b->n_notes++];
	note->notification = note_copy(n);
	note->subscribers = cJSON_CreateArray();
	cJSON_ArrayForEach(s, subs) cJSON_AddItemToArray(note->subscribers, subscriber_copy(s));
	return 0;
}

/* Common start of every operation: account, budget, the named Notification. */
static int start(struct call *c, const char *field, struct budget **b, const cJSON **n)
{
	static const struct strspec name_spec = { true, 1, 100, PAT_NONE };
	const char *name;

	if (budgets_account(c) < 0 || in_str(c, c->json, "BudgetName", &name_spec, &name) < 0 ||
	    budgets_find(c, name, b) < 0)
		return -1;
	if (!field)
		return 0;
	if (in_object(c, c->json, field, true, n) < 0 || budgets_check_notification(c, *n, field) < 0)
		return -1;
	return 0;
}

/* The stored notification equal to n; NULL after answering NotFoundException. */
static struct notification *existing_note(struct call *c, struct budget *b, const cJSON *n)
{
	ssize_t i = find_note(b, n);

	if (i < 0) {
		call_error(c, 400, "NotFoundException", "Unable to find the notification for budget %.100s.", b->name);
		return NULL;
	}
	return &b->notes[i];
}

int op_budgets_create_notification(struct call *c)
{
	struct budget *b;
	const cJSON *n, *subs;

	if (start(c, "Notification", &b, &n) < 0 || in_array(c, c->json, "Subscribers", true, 1, 11, &subs) < 0 ||
	    budgets_check_subscribers(c, subs, "Subscribers") < 0 || budgets_add_notification(c, b, n, subs) < 0)
		return -1;
	return call_json(c, cJSON_CreateObject());
}

int op_budgets_update_notification(struct call *c)
{
	struct budget *b;
	const cJSON *old, *new;
	struct notification *note;
	ssize_t other;

	if (start(c, "OldNotification", &b, &old) < 0 || in_object(c, c->json, "NewNotification", true, &new) < 0 ||
	    budgets_check_notification(c, new, "NewNotification") < 0 || !(note = existing_note(c, b, old)))
		return -1;
	other = find_note(b, new);
	if (other >= 0 && &b->notes[other] != note)
		return call_error(c, 400, "DuplicateRecordException", "The new notification already exists for %.100s.",
				  b->name);
	cJSON_Delete(note->notification);
	note->notification = note_copy(new);
	return call_json(c, cJSON_CreateObject());
}

int op_budgets_delete_notification(struct call *c)
{
	struct budget *b;
	const cJSON *n;
	struct notification *note;
	size_t i;

	if (start(c, "Notification", &b, &n) < 0 || !(note = existing_note(c, b, n)))
		return -1;
	i = (size_t)(note - b->notes);
	cJSON_Delete(note->notification);
	cJSON_Delete(note->subscribers);
	memmove(&b->notes[i], &b->notes[i + 1], (b->n_notes - i - 1) * sizeof(b->notes[0]));
	b->n_notes--;
	return call_json(c, cJSON_CreateObject());
}

/* Paging over a list by position: the token carries the index of the next item. */
static int page(struct call *c, const char *kind, size_t total, size_t *first, size_t *count)
{
	static const struct strspec tspec = { false, 0, 0, PAT_NONE };
	const char *token;
	long long max = PAGE_DEFAULT;
	bool present, bad;
	struct strbuf last;

	if (in_int(c, c->json, "MaxResults", 1, 100, &max, &present) < 0 ||
	    in_str(c, c->json, "NextToken", &tspec, &token) < 0)
		return -1;
	if (!present)
		max = PAGE_DEFAULT;
	*first = 0;
	if (token) {
		char *end;
		strbuf_init(&last, 64);
		if (page_token_decode(c, token, kind, &last) < 0) {
			strbuf_release(&last);
			return -1;
		}
		*first = strtoul(last.buf, &end, 10);
		bad = *end || !last.len || *first > total;
		strbuf_release(&last);
		if (bad)
			return call_error(c, 400, "InvalidNextTokenException", "The pagination token is invalid.");
	}
	*count = total - *first < (size_t)max ? total - *first : (size_t)max;
	return 0;
}

static void add_next(cJSON *out, const char *kind, size_t next, size_t total)
{
	struct strbuf tok;
	char idx[32];

	if (next >= total)
		return;
	snprintf(idx, sizeof(idx), "%zu", next);
	strbuf_init(&tok, STRBUF_NO_CAP);
	page_token_encode(kind, idx, &tok);
	cJSON_AddStringToObject(out, "NextToken", tok.buf);
	strbuf_release(&tok);
}

int op_budgets_describe_notifications(struct call *c)
{
	struct budget *b;
	size_t first, count;
	cJSON *out, *list;

	if (start(c, NULL, &b, NULL) < 0 || page(c, "notifications", b->n_notes, &first, &count) < 0)
		return -1;
	out = cJSON_CreateObject();
	list = cJSON_AddArrayToObject(out, "Notifications");
	for (size_t i = first; i < first + count; i++)
		cJSON_AddItemToArray(list, cJSON_Duplicate(b->notes[i].notification, 1));
	add_next(out, "notifications", first + count, b->n_notes);
	return call_json(c, out);
}

static ssize_t find_subscriber(const struct notification *note, const cJSON *s)
{
	const cJSON *t;
	ssize_t i = 0;

	cJSON_ArrayForEach(t, note->subscribers)
	{
		if (same_subscriber(t, s))
			return i;
		i++;
	}
	return -1;
}

int op_budgets_create_subscriber(struct call *c)
{
	struct budget *b;
	const cJSON *n, *s;
	struct notification *note;
	cJSON *all;
	int r;

	if (start(c, "Notification", &b, &n) < 0 || in_object(c, c->json, "Subscriber", true, &s) < 0 ||
	    check_subscriber(c, s) < 0 || !(note = existing_note(c, b, n)))
		return -1;
	if (find_subscriber(note, s) >= 0)
		return call_error(c, 400, "DuplicateRecordException", "Subscriber %.200s already exists.",
				  str_of(s, "Address", ""));
	all = cJSON_Duplicate(note->subscribers, 1);
	cJSON_AddItemToArray(all, subscriber_copy(s));
	r = check_limits(c, all);
	if (r < 0) {
		cJSON_Delete(all);
		return -1;
	}
	cJSON_Delete(note->subscribers);
	note->subscribers = all;
	return call_json(c, cJSON_CreateObject());
}

int op_budgets_update_subscriber(struct call *c)
{
	struct budget *b;
	const cJSON *n, *old, *new;
	struct notification *note;
	ssize_t i, other;
	cJSON *all;

	if (start(c, "Notification", &b, &n) < 0 || in_object(c, c->json, "OldSubscriber", true, &old) < 0 ||
	    in_object(c, c->json, "NewSubscriber", true, &new) < 0 || check_subscriber(c, old) < 0 ||
	    check_subscriber(c, new) < 0 || !(note = existing_note(c, b, n)))
		return -1;
	i = find_subscriber(note, old);
	if (i < 0)
		return call_error(c, 400, "NotFoundException", "Subscriber %.200s does not exist.",
				  str_of(old, "Address", ""));
	other = find_subscriber(note, new);
	if (other >= 0 && other != i)
		return call_error(c, 400, "DuplicateRecordException", "Subscriber %.200s already exists.",
				  str_of(new, "Address", ""));
	all = cJSON_Duplicate(note->subscribers, 1);
	cJSON_ReplaceItemInArray(all, (int)i, subscriber_copy(new));
	if (check_limits(c, all) < 0) {
		cJSON_Delete(all);
		return -1;
	}
	cJSON_Delete(note->subscribers);
	note->subscribers = all;
	return call_json(c, cJSON_CreateObject());
}

int op_budgets_delete_subscriber(struct call *c)
{
	struct budget *b;
	const cJSON *n, *s;
	struct notification *note;
	ssize_t i;

	if (start(c, "Notification", &b, &n) < 0 || in_object(c, c->json, "Subscriber", true, &s) < 0 ||
	    check_subscriber(c, s) < 0 || !(note = existing_note(c, b, n)))
		return -1;
	i = find_subscriber(note, s);
	if (i < 0)
		return call_error(c, 400, "NotFoundException", "Subscriber %.200s does not exist.",
				  str_of(s, "Address", ""));
	if (cJSON_GetArraySize(note->subscribers) == 1)
		return call_error(c, 400, "InvalidParameterException",
				  "A notification must have at least one subscriber; delete the notification instead.");
	cJSON_DeleteItemFromArray(note->subscribers, (int)i);
	return call_json(c, cJSON_CreateObject());
}

int op_budgets_describe_subscribers(struct call *c)
{
	struct budget *b;
	const cJSON *n;
	struct notification *note;
	size_t first, count, total;
	cJSON *out, *list;

	if (start(c, "Notification", &b, &n) < 0 || !(note = existing_note(c, b, n)))
		return -1;
	total = (size_t)cJSON_GetArraySize(note->subscribers);
	if (page(c, "subscribers", total, &first, &count) < 0)
		return -1;
	out = cJSON_CreateObject();
	list = cJSON_AddArrayToObject(out, "Subscribers");
	for (size_t i = first; i < first + count; i++)
		cJSON_AddItemToArray(list, cJSON_Duplicate(cJSON_GetArrayItem(note->subscribers, (int)i), 1));
	add_next(out, "subscribers", first + count, total);
	return call_json(c, out);
}
