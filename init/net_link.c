/* rtnetlink requests for the first stage. Messages are assembled and read
 * with memcpy into local structs, never by casting pointers into buffers, so
 * alignment and lengths stay explicit; every length the kernel sends is
 * checked before it is used. */
#include "net_link.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <net/if.h>
#include <net/if_arp.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "clock.h"
#include "log.h"

#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000 /* linux/if.h; musl's net/if.h has it, glibc's does not */
#endif

/* How long one request may wait for its ACK. The kernel answers in
 * microseconds; this only bounds a wedged kernel or a lost message. */
#define NL_REPLY_TIMEOUT_MS 3000u
/* The kernel caps one netlink datagram (a dump chunk) at 32 KiB when the
 * reader offers that much, so a buffer this size is never truncated. */
#define NL_RX_MAX 32768u
/* While waiting for a link we re-read the link table at least this often,
 * in case a notification was lost (monitor socket overrun, or none at all). */
#define LINK_RECHECK_MS 250u

static uint8_t rx_buf[NL_RX_MAX];

int nl_open(struct nl_conn *nl, unsigned groups, char *err, size_t err_len)
{
	nl->fd = -1;
	nl->seq = 0;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0) {
		snprintf(err, err_len, "netlink socket: %s", strerror(errno));
		return -1;
	}
	struct sockaddr_nl local = {.nl_family = AF_NETLINK, .nl_groups = groups};
	if (bind(fd, (struct sockaddr *)&local, sizeof local) != 0) {
		snprintf(err, err_len, "netlink bind: %s", strerror(errno));
		close(fd);
		return -1;
	}
	/* Short errors with the kernel's own explanation ("Nexthop has invalid
	 * gateway") instead of an echo of our request. Older kernels lack them:
	 * then errors carry only errno, which is fine. */
	int one = 1;
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
	nl->fd = fd;
	return 0;
}

void nl_close(struct nl_conn *nl)
{
	if (nl->fd >= 0)
		close(nl->fd);
	nl->fd = -1;
}

/* ---- request assembly ------------------------------------------------------ */

struct nl_req {
	uint8_t buf[256];
	size_t len;
	int overflow;
};

static void req_init(struct nl_req *r, const void *body, size_t body_len)
{
	memset(r, 0, sizeof *r);
	memcpy(r->buf + NLMSG_HDRLEN, body, body_len);
	r->len = NLMSG_HDRLEN + NLMSG_ALIGN(body_len);
}

static void req_attr(struct nl_req *r, unsigned short type, const void *data, size_t len)
{
	if (RTA_SPACE(len) > sizeof r->buf - r->len) {
		r->overflow = 1;
		return;
	}
	struct rtattr a = {.rta_len = (unsigned short)RTA_LENGTH(len), .rta_type = type};
	memcpy(r->buf + r->len, &a, sizeof a);
	memcpy(r->buf + r->len + RTA_LENGTH(0), data, len);
	r->len += RTA_SPACE(len);
}

static int req_send(struct nl_conn *nl, struct nl_req *r, uint16_t type, uint16_t flags, uint32_t *seq,
		    const char *what, char *err, size_t err_len)
{
	if (r->overflow) {
		snprintf(err, err_len, "%s: request too large", what);
		return -1;
	}
	if (++nl->seq == 0) /* 0 is what notifications carry */
		nl->seq = 1;
	struct nlmsghdr h = {
		.nlmsg_len = (uint32_t)r->len,
		.nlmsg_type = type,
		.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags),
		.nlmsg_seq = nl->seq,
	};
	memcpy(r->buf, &h, sizeof h);
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	ssize_t n;
	do
		n = sendto(nl->fd, r->buf, r->len, 0, (struct sockaddr *)&kernel, sizeof kernel);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)r->len) {
		snprintf(err, err_len, "%s: netlink send: %s", what, n < 0 ? strerror(errno) : "short write");
		return -1;
	}
	*seq = nl->seq;
	return 0;
}

/* ---- receiving ------------------------------------------------------------- */

/* One datagram from the kernel into rx_buf before deadline. Returns its
 * length, 0 on timeout, -1 on error. */
static ssize_t nl_recv(struct nl_conn *nl, uint64_t deadline, const char *what, char *err, size_t err_len)
{
	for (;;) {
		uint64_t now = boottime_ms();
		if (now >= deadline)
			return 0;
		uint64_t left = deadline - now;
		struct pollfd p = {.fd = nl->fd, .events = POLLIN};
		int r = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, err_len, "%s: poll: %s", what, strerror(errno));
			return -1;
		}
		if (r == 0)
			return 0;
		struct sockaddr_nl from;
		struct iovec iov = {.iov_base = rx_buf, .iov_len = sizeof rx_buf};
		struct msghdr mh = {.msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1};
		ssize_t n = recvmsg(nl->fd, &mh, MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0) {
			snprintf(err, err_len, "%s: netlink receive: %s", what, strerror(errno));
			return -1;
		}
		if (mh.msg_flags & MSG_TRUNC) {
			snprintf(err, err_len, "%s: netlink reply truncated", what);
			return -1;
		}
		if (mh.msg_namelen < sizeof from || from.nl_family != AF_NETLINK || from.nl_pid != 0)
			continue; /* only the kernel talks to us */
		return n;
	}
}

/* Next message in buf[*off..len): header into h, payload pointer and length.
 * Returns 1, 0 at the end, -1 if the framing is broken. */
static int nl_next(const uint8_t *buf, size_t len, size_t *off, struct nlmsghdr *h, const uint8_t **payload,
		   size_t *plen)
{
	if (*off >= len || len - *off < NLMSG_HDRLEN)
		return 0;
	memcpy(h, buf + *off, sizeof *h);
	if (h->nlmsg_len < NLMSG_HDRLEN || h->nlmsg_len > len - *off)
		return -1;
	*payload = buf + *off + NLMSG_HDRLEN;
	*plen = h->nlmsg_len - NLMSG_HDRLEN;
	size_t step = NLMSG_ALIGN(h->nlmsg_len);
	*off = step > len - *off ? len : *off + step;
	return 1;
}

/* Decodes an NLMSG_ERROR payload: returns the (positive) errno, 0 for an
 * ACK, and copies the kernel's extended-ack text (if any) into msg. */
static int nl_error_of(const struct nlmsghdr *h, const uint8_t *p, size_t plen, char *msg, size_t msg_len)
{
	msg[0] = '\0';
	int e;
	if (plen < sizeof e)
		return EPROTO;
	memcpy(&e, p, sizeof e);
	if (e == 0)
		return 0;
	if ((h->nlmsg_flags & NLM_F_ACK_TLVS) && plen >= sizeof(struct nlmsgerr)) {
		struct nlmsghdr orig;
		memcpy(&orig, p + sizeof e, sizeof orig);
		size_t off = sizeof(struct nlmsgerr);
		if (!(h->nlmsg_flags & NLM_F_CAPPED))
			off = sizeof e + NLMSG_ALIGN((size_t)orig.nlmsg_len);
		while (off < plen && plen - off >= sizeof(struct rtattr)) {
			struct rtattr a;
			memcpy(&a, p + off, sizeof a);
			if (a.rta_len < sizeof a || a.rta_len > plen - off)
				break;
			if (a.rta_type == NLMSGERR_ATTR_MSG) {
				size_t n = a.rta_len - RTA_LENGTH(0), k = 0;
				const uint8_t *s = p + off + RTA_LENGTH(0);
				for (; k < n && k + 1 < msg_len && s[k] != '\0'; k++)
					msg[k] = (s[k] >= 0x20 && s[k] < 0x7f) ? (char)s[k] : '?';
				msg[k] = '\0';
				break;
			}
			off += RTA_ALIGN(a.rta_len);
		}
	}
	return e < 0 && e != INT_MIN ? -e : EPROTO;
}

/* Sends r with NLM_F_ACK and waits for the kernel's verdict on it. */
static int nl_transact(struct nl_conn *nl, struct nl_req *r, uint16_t type, uint16_t flags, const char *what,
		       char *err, size_t err_len)
{
	uint32_t seq;
	if (req_send(nl, r, type, (uint16_t)(flags | NLM_F_ACK), &seq, what, err, err_len) != 0)
		return -1;
	uint64_t deadline = boottime_ms() + NL_REPLY_TIMEOUT_MS;
	for (;;) {
		ssize_t n = nl_recv(nl, deadline, what, err, err_len);
		if (n < 0)
			return -1;
		if (n == 0) {
			snprintf(err, err_len, "%s: no answer from the kernel within %u ms", what, NL_REPLY_TIMEOUT_MS);
			return -1;
		}
		size_t off = 0, plen;
		struct nlmsghdr h;
		const uint8_t *p;
		int more;
		while ((more = nl_next(rx_buf, (size_t)n, &off, &h, &p, &plen)) > 0) {
			if (h.nlmsg_seq != seq || h.nlmsg_type != NLMSG_ERROR)
				continue; /* a stale reply to an earlier request */
			char ext[128];
			int e = nl_error_of(&h, p, plen, ext, sizeof ext);
			if (e == 0)
				return 0;
			snprintf(err, err_len, "%s: %s%s%s", what, strerror(e), ext[0] ? " - " : "", ext);
			return -1;
		}
		if (more < 0) {
			snprintf(err, err_len, "%s: malformed netlink reply", what);
			return -1;
		}
	}
}

/* ---- links --------------------------------------------------------------- */

static void parse_link(const uint8_t *p, size_t plen, struct link_info *li)
{
	struct ifinfomsg ifi;
	memset(li, 0, sizeof *li);
	li->carrier = -1;
	li->operstate = -1;
	memcpy(&ifi, p, sizeof ifi);
	li->ifindex = ifi.ifi_index;
	li->flags = ifi.ifi_flags;
	li->type = ifi.ifi_type;
	size_t off = NLMSG_ALIGN(sizeof ifi);
	while (off < plen && plen - off >= sizeof(struct rtattr)) {
		struct rtattr a;
		memcpy(&a, p + off, sizeof a);
		if (a.rta_len < sizeof a || a.rta_len > plen - off)
			break;
		const uint8_t *v = p + off + RTA_LENGTH(0);
		size_t vlen = a.rta_len - RTA_LENGTH(0);
		switch (a.rta_type) {
		case IFLA_IFNAME: {
			size_t k = 0;
			for (; k < vlen && k + 1 < sizeof li->name && v[k] != '\0'; k++)
				li->name[k] = (char)v[k];
			li->name[k] = '\0';
			break;
		}
		case IFLA_ADDRESS:
			if (vlen == sizeof li->mac) {
				memcpy(li->mac, v, sizeof li->mac);
				li->has_mac = 1;
			}
			break;
		case IFLA_CARRIER:
			if (vlen >= 1)
				li->carrier = v[0];
			break;
		case IFLA_OPERSTATE:
			if (vlen >= 1)
				li->operstate = v[0];
			break;
		default:
			break;
		}
		off += RTA_ALIGN(a.rta_len);
	}
}

typedef void (*link_fn)(const struct link_info *li, void *ctx);

/* Reads the whole link table and calls fn for each link. */
static int link_dump(struct nl_conn *nl, link_fn fn, void *ctx, char *err, size_t err_len)
{
	struct nl_req r;
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
	req_init(&r, &ifi, sizeof ifi);
	uint32_t seq;
	const char *what = "list links";
	if (req_send(nl, &r, RTM_GETLINK, NLM_F_DUMP, &seq, what, err, err_len) != 0)
		return -1;
	uint64_t deadline = boottime_ms() + NL_REPLY_TIMEOUT_MS;
	for (;;) {
		ssize_t n = nl_recv(nl, deadline, what, err, err_len);
		if (n < 0)
			return -1;
		if (n == 0) {
			snprintf(err, err_len, "%s: no answer from the kernel within %u ms", what, NL_REPLY_TIMEOUT_MS);
			return -1;
		}
		size_t off = 0, plen;
		struct nlmsghdr h;
		const uint8_t *p;
		int more;
		while ((more = nl_next(rx_buf, (size_t)n, &off, &h, &p, &plen)) > 0) {
			if (h.nlmsg_seq != seq)
				continue;
			if (h.nlmsg_type == NLMSG_DONE)
				return 0; /* a link that changed mid-dump is seen on the next round */
			if (h.nlmsg_type == NLMSG_ERROR) {
				char ext[128];
				int e = nl_error_of(&h, p, plen, ext, sizeof ext);
				snprintf(err, err_len, "%s: %s", what, strerror(e ? e : EPROTO));
				return -1;
			}
			if (h.nlmsg_type == RTM_NEWLINK && plen >= sizeof(struct ifinfomsg)) {
				struct link_info li;
				parse_link(p, plen, &li);
				if (li.ifindex > 0)
					fn(&li, ctx);
			}
		}
		if (more < 0) {
			snprintf(err, err_len, "%s: malformed netlink reply", what);
			return -1;
		}
	}
}

struct link_pick {
	const char *name; /* NULL: loopback; "": first Ethernet link */
	struct link_info best;
	int found;
};

static void pick_link(const struct link_info *li, void *ctx)
{
	struct link_pick *pk = ctx;
	int match;
	if (!pk->name)
		match = (li->flags & IFF_LOOPBACK) != 0;
	else if (pk->name[0])
		match = strcmp(li->name, pk->name) == 0;
	else /* DHCP and a MAC need Ethernet; skip tunnels such as sit0 */
		match = !(li->flags & IFF_LOOPBACK) && li->type == ARPHRD_ETHER && li->has_mac;
	if (match && (!pk->found || li->ifindex < pk->best.ifindex)) {
		pk->best = *li;
		pk->found = 1;
	}
}

int link_set_up(struct nl_conn *nl, int ifindex, char *err, size_t err_len)
{
	struct nl_req r;
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = ifindex, .ifi_flags = IFF_UP, .ifi_change = IFF_UP};
	req_init(&r, &ifi, sizeof ifi);
	char what[48];
	snprintf(what, sizeof what, "set link %d up", ifindex);
	return nl_transact(nl, &r, RTM_NEWLINK, 0, what, err, err_len);
}

int link_loopback_up(struct nl_conn *nl, char *err, size_t err_len)
{
	struct link_pick pk = {.name = NULL};
	if (link_dump(nl, pick_link, &pk, err, err_len) != 0)
		return -1;
	if (!pk.found) {
		snprintf(err, err_len, "no loopback link");
		return -1;
	}
	if (pk.best.flags & IFF_UP)
		return 0;
	return link_set_up(nl, pk.best.ifindex, err, err_len);
}

/* Sleeps until a link notification arrives on mon (if open) or ms pass. The
 * notification's content does not matter: the caller re-reads the table. */
static void wait_link_event(struct nl_conn *mon, uint32_t ms)
{
	struct pollfd p = {.fd = mon->fd, .events = POLLIN};
	if (poll(&p, mon->fd >= 0 ? 1 : 0, (int)ms) <= 0)
		return;
	/* Drain; ENOBUFS (overrun) is harmless for the same reason. Bounded so a
	 * busy socket cannot keep us here. */
	for (int i = 0; i < 64; i++) {
		ssize_t n = recv(mon->fd, rx_buf, sizeof rx_buf, MSG_DONTWAIT);
		if (n < 0 && errno != EINTR && errno != ENOBUFS)
			break;
	}
}

/* RFC 2863 operational states as the kernel numbers them (IF_OPER_*). */
static const char *operstate_name(int s)
{
	static const char *const names[] = {"unknown", "notpresent", "down", "lowerlayerdown",
					    "testing", "dormant", "up"};
	if (s < 0)
		return "not reported";
	return (size_t)s < sizeof names / sizeof names[0] ? names[s] : "?";
}

int link_wait_running(struct nl_conn *nl, const char *name, uint32_t timeout_ms, struct link_info *out,
		      char *err, size_t err_len)
{
	uint64_t start = boottime_ms(), deadline = start + timeout_ms;
	/* A second socket subscribed to link events wakes us as soon as the
	 * device appears or gets carrier; without it we just poll the table. */
	struct nl_conn mon;
	char mon_err[96];
	if (nl_open(&mon, RTMGRP_LINK, mon_err, sizeof mon_err) != 0)
		log_debug("net: no link monitor (%s), polling every %u ms", mon_err, LINK_RECHECK_MS);
	memset(out, 0, sizeof *out);
	int set_up_index = 0, rc = -1;
	for (;;) {
		struct link_pick pk = {.name = name};
		if (link_dump(nl, pick_link, &pk, err, err_len) != 0)
			break;
		if (pk.found) {
			*out = pk.best;
			if (!(pk.best.flags & IFF_UP) && set_up_index != pk.best.ifindex) {
				if (link_set_up(nl, pk.best.ifindex, err, err_len) != 0)
					break;
				set_up_index = pk.best.ifindex;
				continue; /* read the new state at once */
			}
			/* IFF_LOWER_UP is the driver's carrier, set at once. IFF_RUNNING
			 * (operstate UP or UNKNOWN) follows it only after the kernel's
			 * linkwatch delay (up to a second, measured by make bench), but it
			 * is the only sign from drivers that never report carrier. */
			if ((pk.best.flags & IFF_UP) && (pk.best.flags & (IFF_LOWER_UP | IFF_RUNNING))) {
				rc = 0;
				break;
			}
		}
		uint64_t now = boottime_ms();
		if (now >= deadline) {
			if (!pk.found && name[0])
				snprintf(err, err_len, "no link named %s appeared within %u ms", name, timeout_ms);
			else if (!pk.found)
				snprintf(err, err_len, "no Ethernet link appeared within %u ms", timeout_ms);
			else
				snprintf(err, err_len, "link %s has no carrier after %u ms (%s, operstate %s)",
					 pk.best.name, timeout_ms, (pk.best.flags & IFF_UP) ? "up" : "down",
					 operstate_name(pk.best.operstate));
			break;
		}
		uint64_t left = deadline - now;
		wait_link_event(&mon, left < LINK_RECHECK_MS ? (uint32_t)left : LINK_RECHECK_MS);
	}
	nl_close(&mon);
	return rc;
}

/* ---- addresses and routes ---------------------------------------------------- */

void net_ip4_text(uint32_t a, char *buf, size_t len)
{
	uint8_t b[4];
	memcpy(b, &a, 4);
	snprintf(buf, len, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
}

int addr_add_ipv4(struct nl_conn *nl, int ifindex, uint32_t addr, uint8_t prefix_len, char *err, size_t err_len)
{
	char a[16], what[64];
	net_ip4_text(addr, a, sizeof a);
	snprintf(what, sizeof what, "add address %s/%u", a, prefix_len);
	if (prefix_len > 32 || addr == 0) {
		snprintf(err, err_len, "%s: invalid address", what);
		return -1;
	}
	struct ifaddrmsg ifa = {
		.ifa_family = AF_INET,
		.ifa_prefixlen = prefix_len,
		.ifa_scope = RT_SCOPE_UNIVERSE,
		.ifa_index = (unsigned)ifindex,
	};
	struct nl_req r;
	req_init(&r, &ifa, sizeof ifa);
	req_attr(&r, IFA_LOCAL, &addr, 4);
	req_attr(&r, IFA_ADDRESS, &addr, 4);
	if (prefix_len <= 30) {
		/* Directed broadcast, as `ip addr add ... brd +` would set it. */
		uint32_t host_bits = prefix_len ? (0xffffffffu >> prefix_len) : 0xffffffffu;
		uint8_t hb[4] = {(uint8_t)(host_bits >> 24), (uint8_t)(host_bits >> 16), (uint8_t)(host_bits >> 8),
				 (uint8_t)host_bits};
		uint8_t bb[4];
		memcpy(bb, &addr, 4);
		for (int i = 0; i < 4; i++)
			bb[i] |= hb[i];
		req_attr(&r, IFA_BROADCAST, bb, 4);
	}
	return nl_transact(nl, &r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, what, err, err_len);
}

int route_add_ipv4(struct nl_conn *nl, int ifindex, uint32_t dst, uint8_t dst_len, uint32_t gateway,
		   unsigned char protocol, char *err, size_t err_len)
{
	char d[16], g[16], what[80];
	net_ip4_text(dst, d, sizeof d);
	net_ip4_text(gateway, g, sizeof g);
	if (gateway)
		snprintf(what, sizeof what, "add route %s/%u via %s", d, dst_len, g);
	else
		snprintf(what, sizeof what, "add on-link route %s/%u", d, dst_len);
	if (dst_len > 32) {
		snprintf(err, err_len, "%s: invalid prefix", what);
		return -1;
	}
	struct rtmsg rtm = {
		.rtm_family = AF_INET,
		.rtm_dst_len = dst_len,
		.rtm_table = RT_TABLE_MAIN,
		.rtm_protocol = protocol,
		.rtm_scope = gateway ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK,
		.rtm_type = RTN_UNICAST,
	};
	struct nl_req r;
	req_init(&r, &rtm, sizeof rtm);
	if (dst_len > 0)
		req_attr(&r, RTA_DST, &dst, 4);
	if (gateway)
		req_attr(&r, RTA_GATEWAY, &gateway, 4);
	uint32_t oif = (uint32_t)ifindex;
	req_attr(&r, RTA_OIF, &oif, 4);
	return nl_transact(nl, &r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, what, err, err_len);
}
