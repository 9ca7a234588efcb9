/* A plugin whose every event fails: the core must disable it, once, and
 * carry on with the other outputs. */
#include <errno.h>

#include "tcptrack/plugin.h"

static int f_create(const struct tt_host *h, struct tt_ctx *c, const char *n, void **s)
{
	(void)h, (void)c, (void)n;
	*s = (void *)1;
	return 0;
}

static int f_event(void *s, const struct tt_event *ev)
{
	(void)s, (void)ev;
	return -EIO;
}

TT_PLUGIN_EXPORT const struct tt_plugin tcptrack_plugin = {
	.abi_major = TT_ABI_MAJOR, .abi_minor = TT_ABI_MINOR, .size = sizeof(struct tt_plugin),
	.events = TT_EV_OPENED | TT_EV_STATE | TT_EV_REMOVED, .name = "failing",
	.description = "fails every call", .create = f_create, .on_event = f_event,
};
