/*
 * short: a descriptor of the right ABI major that ends after create(): its
 * size says so, and the loader must refuse it rather than read past it.
 */
#include <stdint.h>

#include "tcptrack/plugin.h"

struct short_plugin {
	uint32_t abi_major, abi_minor, size, caps, events;
	const char *name;
	const char *description;
	const char *const *keys;
	int (*create)(const struct tt_host *host, struct tt_ctx *ctx, const char *instance,
	              void **state);
};

static const char *const keys[] = {NULL};

static int create(const struct tt_host *host, struct tt_ctx *ctx, const char *instance, void **state)
{
	(void)host, (void)ctx, (void)instance;
	*state = 0;
	return 0;
}

TT_PLUGIN_EXPORT const struct short_plugin tcptrack_plugin = {
	.abi_major = TT_ABI_MAJOR,
	.abi_minor = TT_ABI_MINOR,
	.size = sizeof(struct short_plugin),
	.name = "short",
	.description = "a descriptor cut after create",
	.keys = keys,
	.create = create,
};
