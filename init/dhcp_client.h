/* DHCP client state machine (internal to net.c): DISCOVER -> OFFER ->
 * REQUEST -> ACK on one interface that has no IPv4 address yet. */
#ifndef SNPBOOT_INIT_DHCP_CLIENT_H
#define SNPBOOT_INIT_DHCP_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "dhcp_msg.h"

struct dhcp_params {
	int ifindex;
	const char *ifname; /* for logs */
	uint8_t mac[6];
	uint32_t timeout_ms; /* per attempt, DISCOVER..ACK */
	unsigned attempts;   /* >= 1 */
};

/* Runs up to p->attempts attempts. Returns 0 with the server's ACK in ack, or
 * -1 with the reason in err. Does not configure the interface. */
int dhcp_acquire(const struct dhcp_params *p, struct dhcp_reply *ack, char *err, size_t err_len);

#endif
