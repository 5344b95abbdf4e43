/* Network bring-up for the first stage: rtnetlink only, static or DHCP. */
#ifndef SNPBOOT_INIT_NET_H
#define SNPBOOT_INIT_NET_H

#include <stddef.h>

#include "bootcfg/net_types.h"

/* Brings up lo and the configured link, then applies static or DHCP config.
 * Returns 0, or -1 with a reason in err (what failed and why). Logs progress. */
int net_bring_up(const struct net_config *cfg, struct net_state *state, char *err, size_t err_len);

#endif
