#include "parsers/bounce.h"
#include "parsers/mta/mta.h"
struct rb_bounce *rb_bounce_add(struct rb_bounce_set *set)
{
	(void)set;
	return NULL; /* PLACEHOLDER */
}
enum rb_status rb_bounce_parse(const struct rb_mail *mail, struct rb_arena *arena,
			       const struct rb_limits *limits, struct rb_emitter *em,
			       bool *handled_r)
{
	(void)mail; (void)arena; (void)limits; (void)em;
	*handled_r = false; /* PLACEHOLDER */
	return RB_OK;
}
