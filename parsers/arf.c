#include "parsers/arf.h"
enum rb_status rb_arf_parse(const struct rb_mail *mail, struct rb_arena *arena,
			    struct rb_emitter *em, bool *handled_r)
{
	(void)mail; (void)arena; (void)em;
	*handled_r = false; /* PLACEHOLDER: replaced by the ARF work */
	return RB_OK;
}
