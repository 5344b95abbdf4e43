/* The first stage's network settings and what was configured: the types
 * that net.c, the DHCP client and the boot configuration share, apart from
 * net.h so that the DHCP code does not depend on the code that calls it. */
#ifndef SNPBOOT_INIT_NET_TYPES_H
#define SNPBOOT_INIT_NET_TYPES_H

#include <stdint.h>

#define NET_IFNAME_MAX 16 /* IFNAMSIZ */
#define NET_DNS_MAX 3

enum net_mode { NET_MODE_NONE, NET_MODE_DHCP, NET_MODE_STATIC };

/* From boot.toml [network]; addresses are in network byte order. */
struct net_config {
	enum net_mode mode;
	char interface[NET_IFNAME_MAX]; /* empty: the first non-loopback link */
	uint32_t link_timeout_ms;       /* how long to wait for the link to exist and have carrier */
	uint32_t address;               /* static */
	uint8_t prefix_len;             /* static */
	uint32_t gateway;               /* static; 0 = no default route */
	uint32_t dns[NET_DNS_MAX];      /* static */
	unsigned dns_count;
	uint32_t dhcp_timeout_ms; /* per DHCP attempt (DISCOVER..ACK) */
	unsigned dhcp_retries;    /* attempts before giving up */
};

/* What was configured, for logs and for the attested channel. */
struct net_state {
	char ifname[NET_IFNAME_MAX];
	int ifindex;
	uint32_t address;
	uint8_t prefix_len;
	uint32_t gateway;
	uint32_t dns[NET_DNS_MAX];
	unsigned dns_count;
	uint32_t dhcp_server; /* 0 for static */
	uint32_t lease_s;     /* 0 for static */
};

#endif
