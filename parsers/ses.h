/*
 * ses.h - Amazon SES notifications: JSON in the body of a mail, either the SES
 * notification itself ({"notificationType": "Bounce" | "Complaint" | "Delivery", ...})
 * or an SNS envelope whose "Message" string holds it.
 *
 * rb_ses_notification() returns the notification object (caller owns a reference:
 * json_object_put it) or NULL when the body is none. Pure.
 */
#ifndef REBOUND_PARSERS_SES_H
#define REBOUND_PARSERS_SES_H

#include <json-c/json.h>

#include "parsers/mime.h"

json_object *rb_ses_notification(const struct rb_mail *mail);

/* A string member ("" when absent or not a string). Borrowed. */
const char *rb_ses_str(json_object *obj, const char *key);

#endif
