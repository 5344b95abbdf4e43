/* rtnetlink for the first stage (internal to net.c): find links, wait for
 * carrier, set links up, add an IPv4 address and routes. Every request asks
 * for an ACK and every wait is bounded, so a silent kernel cannot hang boot. */
#ifndef SNPBOOT_INIT_NET_LINK_H
#define SNPBOOT_INIT_NET_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "bootcfg/net_types.h"

struct nl_conn {
	int fd;
	uint32_t seq;
};

struct link_info {
	int ifindex;
	char name[NET_IFNAME_MAX];
	unsigned flags;      /* IFF_* from ifinfomsg */
	unsigned short type; /* ARPHRD_* */
	uint8_t mac[6];
	int has_mac;         /* IFLA_ADDRESS was 6 bytes */
	int carrier;         /* IFLA_CARRIER, or -1 if the kernel did not say */
	int operstate;       /* IFLA_OPERSTATE (IF_OPER_*), or -1 */
};

/* Opens a NETLINK_ROUTE socket; groups is an RTMGRP_* mask (0 for requests). */
int nl_open(struct nl_conn *nl, unsigned groups, char *err, size_t err_len);
void nl_close(struct nl_conn *nl);

/* Sets the loopback link up (the kernel then adds 127.0.0.1/8 itself). */
int link_loopback_up(struct nl_conn *nl, char *err, size_t err_len);

/* Waits until the link called name (or, if name is empty, the Ethernet link
 * with the lowest index) exists, sets it up and waits for it to be running
 * (carrier), all within timeout_ms. Fills out with the link as last seen. */
int link_wait_running(struct nl_conn *nl, const char *name, uint32_t timeout_ms, struct link_info *out,
		      char *err, size_t err_len);

int link_set_up(struct nl_conn *nl, int ifindex, char *err, size_t err_len);

/* Adds (or replaces) addr/prefix_len on the link; addresses in network order. */
int addr_add_ipv4(struct nl_conn *nl, int ifindex, uint32_t addr, uint8_t prefix_len, char *err, size_t err_len);

/* Adds (or replaces) a main-table IPv4 route dst/dst_len out of ifindex.
 * gateway 0 makes it on-link (scope link). protocol is an RTPROT_* value. */
int route_add_ipv4(struct nl_conn *nl, int ifindex, uint32_t dst, uint8_t dst_len, uint32_t gateway,
		   unsigned char protocol, char *err, size_t err_len);

/* Dotted quad of a network-order address; buf should hold 16 bytes. */
void net_ip4_text(uint32_t addr, char *buf, size_t len);

#endif
