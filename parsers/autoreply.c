#include "parsers/autoreply.h"
enum rb_status rb_autoreply_parse(const struct rb_mail *mail, struct rb_arena *arena,
				  struct rb_emitter *em, bool *handled_r)
{
	(void)mail; (void)arena; (void)em;
	*handled_r = false; /* PLACEHOLDER: replaced by the auto-reply work */
	return RB_OK;
}
