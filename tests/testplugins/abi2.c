/*
 * abi2: a complete plugin descriptor that speaks another ABI major; the
 * loader must refuse it before calling anything in it.
 */
#include "tcptrack/plugin.h"

static const char *const keys[] = {NULL};

static int create(const struct tt_host *host, struct tt_ctx *ctx, const char *instance, void **state)
{
	(void)host, (void)ctx, (void)instance;
	*state = 0;
	return 0;
}

TT_PLUGIN_EXPORT const struct tt_plugin tcptrack_plugin = {
	.abi_major = TT_ABI_MAJOR + 1,
	.abi_minor = 0,
	.size = sizeof(struct tt_plugin),
	.name = "abi2",
	.description = "a plugin of the next ABI major",
	.keys = keys,
	.create = create,
};
