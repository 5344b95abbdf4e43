/* net_bring_up: the order of the network phase. lo first (local services
 * need it even without a network), then the link, then static or DHCP
 * addressing, then routes. Each step logs what it did, and a failure says
 * which step failed and why. */
#include "net.h"

#include <stdio.h>
#include <string.h>

#include <linux/rtnetlink.h>

#include "clock.h"
#include "dhcp_client.h"
#include "dhcp_msg.h"
#include "log.h"
#include "net_link.h"

/* 1 if addr is inside the subnet addr0/prefix_len (all network order). */
static int same_subnet(uint32_t a, uint32_t b, uint8_t prefix_len)
{
	uint8_t x[4], y[4];
	memcpy(x, &a, 4);
	memcpy(y, &b, 4);
	for (unsigned bit = 0; bit < prefix_len && bit < 32; bit++) {
		uint8_t m = (uint8_t)(0x80u >> (bit % 8));
		if ((x[bit / 8] & m) != (y[bit / 8] & m))
			return 0;
	}
	return 1;
}

/* Address, then (if any) the default route. A gateway outside the subnet
 * (e.g. the /32 leases some clouds hand out) is reachable only through an
 * on-link host route, which must exist before the default route. */
static int configure_ipv4(struct nl_conn *nl, const struct net_state *st, unsigned char proto, char *err,
			  size_t err_len)
{
	if (addr_add_ipv4(nl, st->ifindex, st->address, st->prefix_len, err, err_len) != 0)
		return -1;
	if (!st->gateway)
		return 0;
	if (!same_subnet(st->address, st->gateway, st->prefix_len) &&
	    route_add_ipv4(nl, st->ifindex, st->gateway, 32, 0, proto, err, err_len) != 0)
		return -1;
	return route_add_ipv4(nl, st->ifindex, 0, 0, st->gateway, proto, err, err_len);
}

static int check_config(const struct net_config *cfg, char *err, size_t err_len)
{
	if (cfg->mode != NET_MODE_NONE && cfg->mode != NET_MODE_DHCP && cfg->mode != NET_MODE_STATIC) {
		snprintf(err, err_len, "net: unknown mode %d", (int)cfg->mode);
		return -1;
	}
	if (memchr(cfg->interface, '\0', sizeof cfg->interface) == NULL) {
		snprintf(err, err_len, "net: interface name is not terminated");
		return -1;
	}
	if (cfg->mode == NET_MODE_STATIC) {
		if (cfg->address == 0 || cfg->prefix_len == 0 || cfg->prefix_len > 32) {
			snprintf(err, err_len, "net: static mode needs an address and a prefix length 1..32");
			return -1;
		}
		if (cfg->dns_count > NET_DNS_MAX) {
			snprintf(err, err_len, "net: more than %d DNS servers", NET_DNS_MAX);
			return -1;
		}
	}
	if (cfg->mode == NET_MODE_DHCP && (cfg->dhcp_retries == 0 || cfg->dhcp_timeout_ms == 0)) {
		snprintf(err, err_len, "net: dhcp needs retries >= 1 and a non-zero timeout");
		return -1;
	}
	return 0;
}

static void log_dns(const struct net_state *st)
{
	char line[NET_DNS_MAX * 17 + 1] = "", a[16];
	size_t used = 0;
	for (unsigned i = 0; i < st->dns_count && i < NET_DNS_MAX; i++) {
		net_ip4_text(st->dns[i], a, sizeof a);
		int w = snprintf(line + used, sizeof line - used, "%s%s", i ? " " : "", a);
		if (w < 0 || (size_t)w >= sizeof line - used)
			break;
		used += (size_t)w;
	}
	if (st->dns_count)
		log_info("net: dns %s", line);
}

int net_bring_up(const struct net_config *cfg, struct net_state *state, char *err, size_t err_len)
{
	memset(state, 0, sizeof *state);
	if (check_config(cfg, err, err_len) != 0)
		return -1;
	struct nl_conn nl;
	char why[200];
	if (nl_open(&nl, 0, why, sizeof why) != 0) {
		snprintf(err, err_len, "net: %s", why);
		return -1;
	}
	int rc = -1;
	if (link_loopback_up(&nl, why, sizeof why) != 0) {
		snprintf(err, err_len, "net: lo: %s", why);
		goto out;
	}
	if (cfg->mode == NET_MODE_NONE) {
		log_info("net: mode none, only lo is up");
		rc = 0;
		goto out;
	}

	uint64_t t0 = boottime_ms();
	struct link_info link;
	if (link_wait_running(&nl, cfg->interface, cfg->link_timeout_ms, &link, why, sizeof why) != 0) {
		snprintf(err, err_len, "net: %s", why);
		goto out;
	}
	memcpy(state->ifname, link.name, sizeof state->ifname);
	state->ifindex = link.ifindex;
	log_info("net: %s has carrier after %llu ms (index %d, mac %02x:%02x:%02x:%02x:%02x:%02x)", link.name,
		 (unsigned long long)(boottime_ms() - t0), link.ifindex, link.mac[0], link.mac[1], link.mac[2],
		 link.mac[3], link.mac[4], link.mac[5]);

	unsigned char proto;
	if (cfg->mode == NET_MODE_STATIC) {
		state->address = cfg->address;
		state->prefix_len = cfg->prefix_len;
		state->gateway = cfg->gateway;
		memcpy(state->dns, cfg->dns, sizeof state->dns);
		state->dns_count = cfg->dns_count;
		proto = RTPROT_STATIC;
	} else {
		if (!link.has_mac) {
			snprintf(err, err_len, "net: %s has no Ethernet address, cannot use DHCP", link.name);
			goto out;
		}
		struct dhcp_params dp = {
			.ifindex = link.ifindex,
			.ifname = link.name,
			.timeout_ms = cfg->dhcp_timeout_ms,
			.attempts = cfg->dhcp_retries,
		};
		memcpy(dp.mac, link.mac, sizeof dp.mac);
		struct dhcp_reply ack;
		t0 = boottime_ms();
		if (dhcp_acquire(&dp, &ack, why, sizeof why) != 0) {
			snprintf(err, err_len, "net: %s", why);
			goto out;
		}
		log_debug("net: dhcp lease after %llu ms", (unsigned long long)(boottime_ms() - t0));
		state->address = ack.yiaddr;
		state->prefix_len = ack.prefix_len;
		state->gateway = ack.router;
		memcpy(state->dns, ack.dns, sizeof state->dns);
		state->dns_count = ack.dns_count;
		state->dhcp_server = ack.server_id;
		state->lease_s = ack.lease_s;
		if (!ack.mask_present)
			log_warn("net: dhcp server sent no subnet mask, assuming /%u", ack.prefix_len);
		proto = RTPROT_DHCP;
	}

	if (configure_ipv4(&nl, state, proto, why, sizeof why) != 0) {
		snprintf(err, err_len, "net: %s: %s", link.name, why);
		goto out;
	}

	char addr[16], gw[16], srv[16], tail[80];
	net_ip4_text(state->address, addr, sizeof addr);
	net_ip4_text(state->gateway, gw, sizeof gw);
	net_ip4_text(state->dhcp_server, srv, sizeof srv);
	if (cfg->mode == NET_MODE_DHCP)
		snprintf(tail, sizeof tail, " (dhcp from %s, lease %u s)", srv, state->lease_s);
	else
		snprintf(tail, sizeof tail, " (static)");
	if (state->gateway)
		log_info("net: %s up, %s/%u via %s%s", state->ifname, addr, state->prefix_len, gw, tail);
	else
		log_info("net: %s up, %s/%u, no default route%s", state->ifname, addr, state->prefix_len, tail);
	log_dns(state);
	rc = 0;
out:
	nl_close(&nl);
	return rc;
}
