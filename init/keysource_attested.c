/* Production key source: the owner's client releases the key over the attested
 * TLS channel (DESIGN.md). The channel is not implemented in this build yet,
 * so this source fails closed with a clear message and the configured failure
 * action runs; it never falls back to anything weaker. */
#include <stdio.h>

#include "keysource.h"

const char *keysource_name(void) { return "attested channel"; }

int keysource_obtain(const struct boot_config *cfg, const struct net_state *net, struct disk_key *key, char *err,
		     size_t err_len)
{
	(void)cfg;
	(void)net;
	key->len = 0;
	snprintf(err, err_len, "the attested channel is not part of this build yet; no key source available");
	return -1;
}

void keysource_report(int unlock_ok, const char *detail)
{
	(void)unlock_ok;
	(void)detail;
}
