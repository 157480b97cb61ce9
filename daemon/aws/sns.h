/* SNS (awsQuery): Publish, for the daemon's notifications (daemon/alerts.c).
 *
 * sns_publish returns 0 (the callback runs exactly once, later) or -errno (it never
 * runs). The message id is borrowed for the duration of the callback; NULL on
 * error. */
#ifndef BTD_SNS_H
#define BTD_SNS_H

#include <stddef.h>

#include "aws_client.h"

#define SNS_SUBJECT_MAX 100	     /* characters, printable ASCII, no newline */
#define SNS_MESSAGE_MAX (256 * 1024) /* bytes */

typedef void (*sns_publish_cb)(void *arg, int status, const struct aws_error *err, const char *message_id);

/* sns_publish: Publish message (with subject, which may be NULL) to topic_arn, in
 * the topic's Region, with the default credentials. -EINVAL when the ARN names no
 * Region or the message is empty or too long. */
int sns_publish(struct aws_client *c, const char *topic_arn, const char *subject, const char *message,
		sns_publish_cb cb, void *arg);
/* sns_topic_region: the Region of an SNS topic ARN, copied into out; -EINVAL when
 * the ARN has none. */
int sns_topic_region(const char *topic_arn, char *out, size_t size);
/* sns_parse_publish: the MessageId of a PublishResponse (pure; *ret owned). */
int sns_parse_publish(const char *body, size_t len, char **ret);

#endif
