/*
 * ses.c - find an Amazon SES notification in a mail body.
 *
 * SES sends notifications by mail as one JSON object, sometimes wrapped by SNS
 * ({"Type": "Notification", "Message": "<the notification as a JSON string>"}).
 * Lenient: some relays break lines longer than 998 bytes with "!" + CRLF + space
 * (seen in lhost-amazonses-09); those three bytes are taken out before parsing.
 * Only bodies that start with '{' (after white space) are read, at most
 * SES_MAX_JSON bytes.
 */
#include "parsers/ses.h"

#include <stdlib.h>
#include <string.h>

#include "core/text.h"

#define SES_MAX_JSON (1024 * 1024)

const char *rb_ses_str(json_object *obj, const char *key)
{
	json_object *v = NULL;
	if (obj == NULL || !json_object_object_get_ex(obj, key, &v) || v == NULL ||
	    json_object_get_type(v) != json_type_string)
		return "";
	return json_object_get_string(v);
}

static json_object *parse_object(const char *text, size_t len)
{
	json_tokener *tok = json_tokener_new();
	if (tok == NULL)
		return NULL;
	json_object *obj = json_tokener_parse_ex(tok, text, (int)len);
	json_tokener_free(tok);
	if (obj != NULL && json_object_get_type(obj) != json_type_object) {
		json_object_put(obj);
		obj = NULL;
	}
	return obj;
}

json_object *rb_ses_notification(const struct rb_mail *mail)
{
	const char *p = mail->body;
	while (*p == ' ' || *p == '\n' || *p == '\t')
		p++;
	if (*p != '{' || strstr(p, "notificationType") == NULL)
		return NULL;
	size_t len = strlen(p);
	if (len > SES_MAX_JSON)
		return NULL;
	char *copy = malloc(len + 1);
	if (copy == NULL)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		if (p[i] == '!' && p[i + 1] == '\n' && p[i + 2] == ' ') {
			i += 2;
			continue;
		}
		copy[o++] = p[i];
	}
	copy[o] = '\0';
	json_object *obj = parse_object(copy, o);
	free(copy);
	if (obj == NULL)
		return NULL;
	const char *message = rb_ses_str(obj, "Message");
	if (*message == '{') {
		json_object *inner = parse_object(message, strlen(message));
		json_object_put(obj);
		obj = inner;
	}
	if (obj != NULL && *rb_ses_str(obj, "notificationType") == '\0') {
		json_object_put(obj);
		obj = NULL;
	}
	return obj;
}
