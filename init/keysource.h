/* Where the disk key comes from: only the owner, over the attested channel
 * (keysource_attested.c). The interface keeps the boot flow in main.c apart
 * from the protocol. */
#ifndef SNPBOOT_INIT_KEYSOURCE_H
#define SNPBOOT_INIT_KEYSOURCE_H

#include <stddef.h>

#include "bootcfg/bootcfg.h"
#include "disk_key.h"
#include "net.h"

/* Unlock outcome reported back to the key's sender, so the owner learns
 * whether the key worked and whether another attempt is possible. */
enum keysource_outcome { KEYSOURCE_OK, KEYSOURCE_RETRY, KEYSOURCE_FAILED };

/* Obtains the disk key. Returns 0 with key filled, or -1 with a reason. */
int keysource_obtain(const struct boot_config *cfg, const struct net_state *net, struct disk_key *key,
		     char *err, size_t err_len);
/* Tells the sender how the unlock went (and why not); best effort. */
void keysource_report(enum keysource_outcome outcome, const char *detail);
/* Name of the compiled-in source, for the log. */
const char *keysource_name(void);

#endif
