/* DHCP message encode/decode and IPv4/UDP framing. Everything here treats
 * its input as hostile: every read is preceded by a length check, and a
 * packet is either fully understood or refused with a reason. */
#include "dhcp_msg.h"

#include <string.h>

#include "base/bytes.h"

/* BOOTP fixed header (RFC 951 / RFC 2131 section 2) byte offsets. */
enum {
	BOOTP_OP = 0,
	BOOTP_HTYPE = 1,
	BOOTP_HLEN = 2,
	BOOTP_XID = 4,
	BOOTP_SECS = 8,
	BOOTP_YIADDR = 16,
	BOOTP_CHADDR = 28,
	BOOTP_SNAME = 44,
	BOOTP_SNAME_LEN = 64,
	BOOTP_FILE = 108,
	BOOTP_FILE_LEN = 128,
	BOOTP_COOKIE = 236,
	BOOTP_OPTIONS = 240,
	/* RFC 1542: some relays and servers drop BOOTP messages under 300 bytes. */
	BOOTP_MIN_SEND = 300,
};

enum { BOOTREQUEST = 1, BOOTREPLY = 2, HTYPE_ETHER = 1 };

enum {
	OPT_PAD = 0,
	OPT_SUBNET_MASK = 1,
	OPT_ROUTER = 3,
	OPT_DNS = 6,
	OPT_HOSTNAME = 12,
	OPT_REQUESTED_IP = 50,
	OPT_LEASE_TIME = 51,
	OPT_OVERLOAD = 52,
	OPT_MSG_TYPE = 53,
	OPT_SERVER_ID = 54,
	OPT_PARAM_LIST = 55,
	OPT_MESSAGE = 56,
	OPT_CLIENT_ID = 61,
	OPT_END = 255,
};

static const uint8_t magic_cookie[4] = {99, 130, 83, 99};

/* Local big-endian 16-bit helpers (lib/bytes.h only has 32-bit ones). */
static uint16_t get_be16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Network-order address <-> packet bytes, without alignment assumptions. */
static uint32_t get_addr(const uint8_t *p)
{
	uint32_t a;
	memcpy(&a, p, 4);
	return a;
}
static void put_addr(uint8_t *p, uint32_t a) { memcpy(p, &a, 4); }
/* First octet of a network-order address, independent of host endianness. */
static uint8_t addr_octet0(uint32_t a)
{
	uint8_t b[4];
	memcpy(b, &a, 4);
	return b[0];
}
static uint32_t addr_host(uint32_t a)
{
	uint8_t b[4];
	memcpy(b, &a, 4);
	return be32_load(b);
}

int dhcp_mask_to_prefix(uint32_t mask)
{
	uint32_t m = addr_host(mask);
	/* Contiguous means the inverted mask is of the form 0...01...1. */
	uint32_t inv = ~m;
	if ((inv & (inv + 1u)) != 0)
		return -1;
	int n = 0;
	while (m & 0x80000000u) {
		n++;
		m <<= 1;
	}
	return n;
}

/* ---- building ------------------------------------------------------------ */

static size_t put_opt(uint8_t *out, size_t pos, uint8_t code, const void *data, uint8_t len)
{
	out[pos] = code;
	out[pos + 1] = len;
	memcpy(out + pos + 2, data, len);
	return pos + 2u + len;
}

size_t dhcp_build(uint8_t *out, size_t cap, const struct dhcp_request *req)
{
	if (cap < DHCP_BUILD_MAX || (req->type != DHCP_DISCOVER && req->type != DHCP_REQUEST))
		return 0;
	size_t hostname_len = req->hostname ? strnlen(req->hostname, 256) : 0;
	if (hostname_len > 255)
		return 0;
	/* 240 header + 3 type + 9 client id + 6 + 6 + (2+5) param list + 257 hostname + 1 end = 529. */
	memset(out, 0, DHCP_BUILD_MAX);
	out[BOOTP_OP] = BOOTREQUEST;
	out[BOOTP_HTYPE] = HTYPE_ETHER;
	out[BOOTP_HLEN] = 6;
	be32_store(out + BOOTP_XID, req->xid);
	put_be16(out + BOOTP_SECS, req->secs);
	/* flags stay 0: we read replies with AF_PACKET, so unicast to our MAC works
	 * before we have an address and the broadcast flag is not needed. */
	memcpy(out + BOOTP_CHADDR, req->mac, 6);
	memcpy(out + BOOTP_COOKIE, magic_cookie, 4);

	size_t pos = BOOTP_OPTIONS;
	uint8_t type = (uint8_t)req->type;
	pos = put_opt(out, pos, OPT_MSG_TYPE, &type, 1);
	/* Client identifier: hardware type 1 + MAC (RFC 2132 9.14). */
	uint8_t cid[7] = {HTYPE_ETHER};
	memcpy(cid + 1, req->mac, 6);
	pos = put_opt(out, pos, OPT_CLIENT_ID, cid, sizeof cid);
	if (req->requested_ip) {
		uint8_t a[4];
		put_addr(a, req->requested_ip);
		pos = put_opt(out, pos, OPT_REQUESTED_IP, a, 4);
	}
	if (req->server_id) {
		uint8_t a[4];
		put_addr(a, req->server_id);
		pos = put_opt(out, pos, OPT_SERVER_ID, a, 4);
	}
	/* Only what net_state uses; servers may still send more. */
	static const uint8_t params[] = {OPT_SUBNET_MASK, OPT_ROUTER, OPT_DNS, OPT_LEASE_TIME, OPT_SERVER_ID};
	pos = put_opt(out, pos, OPT_PARAM_LIST, params, sizeof params);
	if (hostname_len > 0)
		pos = put_opt(out, pos, OPT_HOSTNAME, req->hostname, (uint8_t)hostname_len);
	out[pos++] = OPT_END;
	return pos < BOOTP_MIN_SEND ? BOOTP_MIN_SEND : pos;
}

/* ---- parsing ------------------------------------------------------------- */

struct opt_state {
	int type;          /* 0 = not seen */
	int have_server, have_mask, have_lease, have_overload;
	uint32_t server_id, mask, lease_s, router;
	uint8_t overload;
	uint32_t dns[NET_DNS_MAX];
	unsigned dns_count;
	char message[DHCP_MESSAGE_TEXT_MAX];
};

/* Appends the printable part of option 56 to the message text (RFC 3396
 * concatenation of repeated options falls out of appending). */
static void add_message(struct opt_state *st, const uint8_t *p, size_t len)
{
	size_t used = strlen(st->message);
	for (size_t i = 0; i < len && used + 1 < sizeof st->message; i++)
		st->message[used++] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '?';
	st->message[used] = '\0';
}

static const char *fixed4(int *have, uint32_t *dst, const uint8_t *p, size_t len, const char *what)
{
	if (len != 4)
		return what;
	if (*have)
		return "a single-valued option is repeated";
	*have = 1;
	*dst = get_addr(p);
	return NULL;
}

/* Walks one option area. The main area may hold option 52 (overload); the
 * sname/file fields reused as option space may not. Every area must end with
 * the End option: a packet cut short therefore never parses as complete. */
static const char *parse_area(const uint8_t *p, size_t n, int main_area, struct opt_state *st)
{
	size_t i = 0;
	while (i < n) {
		uint8_t code = p[i];
		if (code == OPT_PAD) {
			i++;
			continue;
		}
		if (code == OPT_END)
			return NULL;
		if (n - i < 2)
			return "option header runs past the end";
		size_t len = p[i + 1];
		if (len > n - i - 2)
			return "option value runs past the end";
		const uint8_t *v = p + i + 2;
		const char *e = NULL;
		switch (code) {
		case OPT_MSG_TYPE:
			if (len != 1)
				return "message type option has a bad length";
			if (st->type)
				return "message type option is repeated";
			if (v[0] == 0)
				return "message type 0";
			st->type = v[0];
			break;
		case OPT_SERVER_ID:
			e = fixed4(&st->have_server, &st->server_id, v, len, "server identifier has a bad length");
			break;
		case OPT_SUBNET_MASK:
			e = fixed4(&st->have_mask, &st->mask, v, len, "subnet mask has a bad length");
			break;
		case OPT_LEASE_TIME: {
			uint32_t raw = 0;
			e = fixed4(&st->have_lease, &raw, v, len, "lease time has a bad length");
			st->lease_s = addr_host(raw);
			break;
		}
		case OPT_ROUTER:
			if (len == 0 || len % 4 != 0)
				return "router option has a bad length";
			if (!st->router)
				st->router = get_addr(v);
			break;
		case OPT_DNS:
			if (len == 0 || len % 4 != 0)
				return "DNS option has a bad length";
			for (size_t k = 0; k < len && st->dns_count < NET_DNS_MAX; k += 4) {
				uint32_t a = get_addr(v + k);
				if (a != 0)
					st->dns[st->dns_count++] = a;
			}
			break;
		case OPT_OVERLOAD:
			if (!main_area)
				return "option overload inside an overloaded field";
			if (len != 1 || v[0] < 1 || v[0] > 3)
				return "option overload has a bad value";
			if (st->have_overload)
				return "option overload is repeated";
			st->have_overload = 1;
			st->overload = v[0];
			break;
		case OPT_MESSAGE:
			add_message(st, v, len);
			break;
		default:
			break; /* not needed here */
		}
		if (e)
			return e;
		i += 2 + len;
	}
	return "options are not terminated by End";
}

/* A host address we can configure: not 0/8, loopback, multicast/reserved,
 * nor the network or broadcast address of its subnet. */
static int usable_unicast(uint32_t addr, uint8_t prefix_len)
{
	uint8_t o = addr_octet0(addr);
	if (o == 0 || o == 127 || o >= 224)
		return 0;
	if (prefix_len <= 30) {
		uint32_t host_mask = 0xffffffffu >> prefix_len;
		uint32_t h = addr_host(addr) & host_mask;
		if (h == 0 || h == host_mask)
			return 0;
	}
	return 1;
}

static uint8_t classful_prefix(uint32_t addr)
{
	uint8_t o = addr_octet0(addr);
	return o < 128 ? 8 : o < 192 ? 16 : 24;
}

const char *dhcp_parse(const uint8_t *msg, size_t len, uint32_t xid, const uint8_t mac[6],
		       struct dhcp_reply *out)
{
	memset(out, 0, sizeof *out);
	if (len < BOOTP_OPTIONS)
		return "shorter than a BOOTP header and magic cookie";
	if (msg[BOOTP_OP] != BOOTREPLY)
		return "not a BOOTREPLY";
	if (msg[BOOTP_HTYPE] != HTYPE_ETHER || msg[BOOTP_HLEN] != 6)
		return "hardware type is not Ethernet";
	if (be32_load(msg + BOOTP_XID) != xid)
		return "transaction id does not match";
	if (memcmp(msg + BOOTP_CHADDR, mac, 6) != 0)
		return "client hardware address does not match";
	if (memcmp(msg + BOOTP_COOKIE, magic_cookie, 4) != 0)
		return "bad magic cookie";

	struct opt_state st;
	memset(&st, 0, sizeof st);
	const char *e = parse_area(msg + BOOTP_OPTIONS, len - BOOTP_OPTIONS, 1, &st);
	/* RFC 2131 4.1: with overload, read file then sname after the options. */
	if (!e && st.have_overload && (st.overload & 1))
		e = parse_area(msg + BOOTP_FILE, BOOTP_FILE_LEN, 0, &st);
	if (!e && st.have_overload && (st.overload & 2))
		e = parse_area(msg + BOOTP_SNAME, BOOTP_SNAME_LEN, 0, &st);
	if (e)
		return e;

	if (st.type == 0)
		return "no DHCP message type (plain BOOTP?)";
	if (st.type != DHCP_OFFER && st.type != DHCP_ACK && st.type != DHCP_NAK)
		return "not an OFFER, ACK or NAK";
	out->type = (enum dhcp_msg_type)st.type;
	memcpy(out->message, st.message, sizeof out->message);
	/* A NAK carries nothing we use, and QEMU's slirp sends it without a server
	 * identifier; the caller decides whether to believe it. */
	out->server_id = st.have_server ? st.server_id : 0;
	if (st.type == DHCP_NAK)
		return NULL;

	if (!st.have_server || st.server_id == 0)
		return "no server identifier";
	out->yiaddr = get_addr(msg + BOOTP_YIADDR);
	if (st.have_mask) {
		int p = dhcp_mask_to_prefix(st.mask);
		if (p < 0)
			return "subnet mask is not contiguous";
		if (p == 0)
			return "subnet mask is 0.0.0.0";
		out->prefix_len = (uint8_t)p;
		out->mask_present = 1;
	} else {
		out->prefix_len = classful_prefix(out->yiaddr);
	}
	if (!usable_unicast(out->yiaddr, out->prefix_len))
		return "offered address is not a usable unicast address";
	out->router = st.router;
	memcpy(out->dns, st.dns, sizeof out->dns);
	out->dns_count = st.dns_count;
	out->lease_s = st.have_lease ? st.lease_s : 0;
	return NULL;
}

/* ---- IPv4/UDP framing ------------------------------------------------------ */

enum { IP_HDR = 20, UDP_HDR = 8, IPPROTO_UDP_NUM = 17 };

/* Ones' complement sum of big-endian 16-bit words, not yet folded. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i = 0;
	for (; i + 1 < len; i += 2)
		sum += get_be16(p + i);
	if (i < len)
		sum += (uint32_t)p[i] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)sum;
}

/* Sum of the UDP pseudo header (RFC 768). */
static uint32_t pseudo_sum(const uint8_t *src, const uint8_t *dst, size_t udp_len)
{
	uint32_t sum = csum_add(0, src, 4);
	sum = csum_add(sum, dst, 4);
	return sum + IPPROTO_UDP_NUM + (uint32_t)udp_len;
}

size_t dhcp_frame_build(uint8_t *out, size_t cap, uint32_t src_ip, uint32_t dst_ip, uint16_t src_port,
			uint16_t dst_port, uint16_t ip_id, const uint8_t *payload, size_t payload_len)
{
	if (cap < IP_HDR + UDP_HDR || payload_len > cap - IP_HDR - UDP_HDR || payload_len > 0xffff - IP_HDR - UDP_HDR)
		return 0;
	size_t total = IP_HDR + UDP_HDR + payload_len;
	uint8_t *ip = out, *udp = out + IP_HDR;
	memset(out, 0, IP_HDR + UDP_HDR);
	ip[0] = 0x45; /* version 4, 5 words */
	put_be16(ip + 2, (uint16_t)total);
	put_be16(ip + 4, ip_id);
	ip[8] = 64; /* TTL */
	ip[9] = IPPROTO_UDP_NUM;
	put_addr(ip + 12, src_ip);
	put_addr(ip + 16, dst_ip);
	put_be16(ip + 10, (uint16_t)~csum_fold(csum_add(0, ip, IP_HDR)));

	memmove(udp + UDP_HDR, payload, payload_len);
	put_be16(udp, src_port);
	put_be16(udp + 2, dst_port);
	put_be16(udp + 4, (uint16_t)(UDP_HDR + payload_len));
	uint32_t sum = pseudo_sum(ip + 12, ip + 16, UDP_HDR + payload_len);
	uint16_t c = (uint16_t)~csum_fold(csum_add(sum, udp, UDP_HDR + payload_len));
	put_be16(udp + 6, c ? c : 0xffff); /* 0 means "no checksum" in UDP */
	return total;
}

const char *dhcp_frame_parse(const uint8_t *pkt, size_t len, int skip_udp_csum, struct dhcp_frame *out)
{
	memset(out, 0, sizeof *out);
	if (len < IP_HDR)
		return "shorter than an IPv4 header";
	if ((pkt[0] >> 4) != 4)
		return "not IPv4";
	size_t ihl = (size_t)(pkt[0] & 0x0f) * 4;
	if (ihl < IP_HDR || ihl > len)
		return "bad IPv4 header length";
	size_t total = get_be16(pkt + 2);
	if (total < ihl + UDP_HDR)
		return "IPv4 total length too small for UDP";
	if (total > len)
		return "IPv4 total length exceeds the packet";
	if ((get_be16(pkt + 6) & 0x3fff) != 0)
		return "IPv4 fragment";
	if (pkt[9] != IPPROTO_UDP_NUM)
		return "not UDP";
	if (csum_fold(csum_add(0, pkt, ihl)) != 0xffff)
		return "bad IPv4 header checksum";

	const uint8_t *udp = pkt + ihl;
	size_t udp_len = get_be16(udp + 4);
	if (udp_len < UDP_HDR || udp_len > total - ihl)
		return "bad UDP length";
	if (get_be16(udp) != DHCP_SERVER_PORT || get_be16(udp + 2) != DHCP_CLIENT_PORT)
		return "not from port 67 to port 68";
	if (get_be16(udp + 6) != 0 && !skip_udp_csum) {
		uint32_t sum = pseudo_sum(pkt + 12, pkt + 16, udp_len);
		if (csum_fold(csum_add(sum, udp, udp_len)) != 0xffff)
			return "bad UDP checksum";
	}
	out->payload = udp + UDP_HDR;
	out->payload_len = udp_len - UDP_HDR;
	out->src_ip = get_addr(pkt + 12);
	return NULL;
}
