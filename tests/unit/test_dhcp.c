/* DHCP message and framing codec: what QEMU's slirp really sends, every
 * truncation of it, and the malformed cases a hostile network can produce. */
#include <arpa/inet.h>

#include "../tap.h"
#include "base/bytes.h"
#include "dhcp_msg.h"

static const uint8_t MAC[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
static const uint32_t XID = 0x3903f326u;

static uint32_t ip(const char *s)
{
	struct in_addr a;
	if (inet_pton(AF_INET, s, &a) != 1)
		abort();
	return a.s_addr;
}

/* A BOOTREPLY laid out the way QEMU's slirp builds one: 236-byte header,
 * cookie, options, End, zero padding up to 548 bytes. opts/opts_len are the
 * options without End. Returns the offset just past End via end_at. */
static size_t make_reply(uint8_t *b, const uint8_t *opts, size_t opts_len, size_t *end_at)
{
	memset(b, 0, 548);
	b[0] = 2;
	b[1] = 1;
	b[2] = 6;
	be32_store(b + 4, XID);
	uint32_t y = ip("10.0.2.15"), s = ip("10.0.2.2");
	memcpy(b + 16, &y, 4);
	memcpy(b + 20, &s, 4);
	memcpy(b + 28, MAC, 6);
	memcpy(b + 236, "\x63\x82\x53\x63", 4);
	memcpy(b + 240, opts, opts_len);
	b[240 + opts_len] = 255;
	if (end_at)
		*end_at = 240 + opts_len + 1;
	return 548;
}

/* slirp's OFFER/ACK options: type, server id, mask, router, DNS, lease. */
static size_t slirp_opts(uint8_t *o, uint8_t type)
{
	const uint8_t t[] = {53, 1, type, 54, 4, 10, 0, 2, 2, 1, 4, 255, 255, 255, 0, 3, 4, 10, 0, 2, 2,
			     6, 4, 10, 0, 2, 3, 51, 4, 0, 1, 0x51, 0x80};
	memcpy(o, t, sizeof t);
	return sizeof t;
}

static void test_build(void)
{
	uint8_t b[DHCP_BUILD_MAX];
	struct dhcp_request rq = {.type = DHCP_DISCOVER, .xid = XID, .secs = 3};
	memcpy(rq.mac, MAC, 6);
	size_t n = dhcp_build(b, sizeof b, &rq);
	is_int(n, 300, "DISCOVER is padded to the 300-byte BOOTP minimum");
	is_int(b[0], 1, "op is BOOTREQUEST");
	ok(b[1] == 1 && b[2] == 6, "htype Ethernet, hlen 6");
	is_int(be32_load(b + 4), XID, "xid is big-endian");
	ok(b[8] == 0 && b[9] == 3, "secs");
	ok(b[10] == 0 && b[11] == 0, "broadcast flag clear");
	is_mem(b + 28, MAC, 6, "chaddr");
	is_mem(b + 236, "\x63\x82\x53\x63", 4, "magic cookie");
	const uint8_t want[] = {53, 1, 1, 61, 7, 1, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 55, 5, 1, 3, 6, 51, 54, 255};
	is_mem(b + 240, want, sizeof want, "DISCOVER options: type, client id, parameter list, End");
	ok(bytes_all_zero(b + 240 + sizeof want, n - 240 - sizeof want), "zero padding after End");

	rq.type = DHCP_REQUEST;
	rq.requested_ip = ip("10.0.2.15");
	rq.server_id = ip("10.0.2.2");
	rq.hostname = "guest";
	n = dhcp_build(b, sizeof b, &rq);
	const uint8_t want2[] = {53, 1, 3, 61, 7, 1, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 50, 4, 10, 0, 2, 15,
				 54, 4, 10, 0, 2, 2, 55, 5, 1, 3, 6, 51, 54, 12, 5, 'g', 'u', 'e', 's', 't', 255};
	is_mem(b + 240, want2, sizeof want2, "REQUEST options: 50, 54 and hostname");

	char big[300];
	memset(big, 'h', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	rq.hostname = big;
	is_int(dhcp_build(b, sizeof b, &rq), 0, "hostname over 255 bytes refused");
	big[255] = '\0';
	n = dhcp_build(b, sizeof b, &rq);
	ok(n > 0 && n <= DHCP_BUILD_MAX, "255-byte hostname fits (%zu bytes)", n);
	rq.hostname = NULL;
	rq.type = DHCP_ACK;
	is_int(dhcp_build(b, sizeof b, &rq), 0, "only DISCOVER and REQUEST are built");
	rq.type = DHCP_DISCOVER;
	is_int(dhcp_build(b, DHCP_BUILD_MAX - 1, &rq), 0, "small buffer refused");
}

/* Our own DISCOVER must not parse as a reply (it is looped back to packet sockets). */
static void test_own_request_refused(void)
{
	uint8_t b[DHCP_BUILD_MAX];
	struct dhcp_request rq = {.type = DHCP_DISCOVER, .xid = XID};
	memcpy(rq.mac, MAC, 6);
	size_t n = dhcp_build(b, sizeof b, &rq);
	struct dhcp_reply r;
	is_str(dhcp_parse(b, n, XID, MAC, &r), "not a BOOTREPLY", "our own request is not a reply");
}

static void test_slirp(void)
{
	uint8_t b[548], o[64];
	struct dhcp_reply r;
	size_t end;
	size_t n = make_reply(b, o, slirp_opts(o, 2), &end);
	const char *e = dhcp_parse(b, n, XID, MAC, &r);
	ok(e == NULL, "slirp OFFER parses (%s)", e ? e : "ok");
	is_int(r.type, DHCP_OFFER, "type OFFER");
	is_int(r.yiaddr, ip("10.0.2.15"), "yiaddr 10.0.2.15");
	is_int(r.server_id, ip("10.0.2.2"), "server id 10.0.2.2");
	is_int(r.prefix_len, 24, "255.255.255.0 is /24");
	ok(r.mask_present, "mask present");
	is_int(r.router, ip("10.0.2.2"), "router 10.0.2.2");
	is_int(r.dns_count, 1, "one DNS server");
	is_int(r.dns[0], ip("10.0.2.3"), "DNS 10.0.2.3");
	is_int(r.lease_s, 86400, "lease 86400 s");

	n = make_reply(b, o, slirp_opts(o, 5), &end);
	ok(dhcp_parse(b, n, XID, MAC, &r) == NULL && r.type == DHCP_ACK, "slirp ACK parses");

	/* Every truncation before End is refused; after End it is only padding. */
	int bad_ok = 0, good_fail = 0;
	for (size_t len = 0; len <= n; len++) {
		e = dhcp_parse(b, len, XID, MAC, &r);
		if (len < end && e == NULL)
			bad_ok++;
		if (len >= end && (e != NULL || r.yiaddr != ip("10.0.2.15") || r.lease_s != 86400))
			good_fail++;
	}
	is_int(bad_ok, 0, "every truncation before End is refused (0..%zu)", end - 1);
	is_int(good_fail, 0, "every length from End to 548 parses the same");
	is_str(dhcp_parse(b, 239, XID, MAC, &r), "shorter than a BOOTP header and magic cookie", "239 bytes");
	is_str(dhcp_parse(b, 240, XID, MAC, &r), "options are not terminated by End", "no options at all");
	is_str(dhcp_parse(b, 242, XID, MAC, &r), "option value runs past the end", "cut inside the type option");
	is_str(dhcp_parse(b, 241, XID, MAC, &r), "option header runs past the end", "cut after an option code");

	/* slirp's NAK: type, message text, End, no server identifier. */
	const uint8_t nak[] = {53, 1, 6, 56, 31, 'r', 'e', 'q', 'u', 'e', 's', 't', 'e', 'd', ' ', 'a', 'd', 'd',
			       'r', 'e', 's', 's', ' ', 'n', 'o', 't', ' ', 'a', 'v', 'a', 'i', 'l', 'a', 'b', 'l', 'e'};
	n = make_reply(b, nak, sizeof nak, NULL);
	memset(b + 16, 0, 4);
	e = dhcp_parse(b, n, XID, MAC, &r);
	ok(e == NULL && r.type == DHCP_NAK, "slirp NAK parses");
	is_int(r.server_id, 0, "NAK without server id");
	is_str(r.message, "requested address not available", "NAK message text");
}

static void test_header_checks(void)
{
	uint8_t b[548], o[64];
	struct dhcp_reply r;
	size_t n = make_reply(b, o, slirp_opts(o, 2), NULL);
	uint8_t mac2[6];
	memcpy(mac2, MAC, 6);
	mac2[5] ^= 1;
	is_str(dhcp_parse(b, n, XID + 1, MAC, &r), "transaction id does not match", "wrong xid");
	is_str(dhcp_parse(b, n, XID, mac2, &r), "client hardware address does not match", "wrong MAC");
	b[236] = 0x64;
	is_str(dhcp_parse(b, n, XID, MAC, &r), "bad magic cookie", "bad cookie");
	b[236] = 0x63;
	b[0] = 1;
	is_str(dhcp_parse(b, n, XID, MAC, &r), "not a BOOTREPLY", "op 1");
	b[0] = 2;
	b[2] = 8;
	is_str(dhcp_parse(b, n, XID, MAC, &r), "hardware type is not Ethernet", "hlen 8");
	b[2] = 6;
	ok(dhcp_parse(b, n, XID, MAC, &r) == NULL, "restored packet parses");
}

/* Parses a reply with the given options (End appended); returns the error. */
static const char *parse_opts(const uint8_t *opts, size_t len, struct dhcp_reply *r)
{
	static uint8_t b[548];
	size_t n = make_reply(b, opts, len, NULL);
	return dhcp_parse(b, n, XID, MAC, r);
}
#define PARSE(r, ...) parse_opts((const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}), r)

static void test_options(void)
{
	struct dhcp_reply r;
	is_str(PARSE(&r, 54, 4, 10, 0, 2, 2, 1, 4, 255, 255, 255, 0), "no DHCP message type (plain BOOTP?)",
	       "missing message type");
	is_str(PARSE(&r, 53, 1, 1, 54, 4, 10, 0, 2, 2), "not an OFFER, ACK or NAK", "DISCOVER from the wire");
	is_str(PARSE(&r, 53, 1, 0), "message type 0", "message type 0");
	is_str(PARSE(&r, 53, 2, 2, 2), "message type option has a bad length", "type length 2");
	is_str(PARSE(&r, 53, 1, 2, 53, 1, 5, 54, 4, 10, 0, 2, 2), "message type option is repeated",
	       "two message types");
	is_str(PARSE(&r, 53, 1, 2), "no server identifier", "OFFER without server id");
	is_str(PARSE(&r, 53, 1, 2, 54, 4, 0, 0, 0, 0), "no server identifier", "server id 0.0.0.0");
	is_str(PARSE(&r, 53, 1, 2, 54, 3, 10, 0, 2), "server identifier has a bad length", "server id length 3");
	is_str(PARSE(&r, 53, 1, 2, 54, 4, 10, 0, 2, 2, 54, 4, 10, 0, 2, 3), "a single-valued option is repeated",
	       "two server ids");
	is_str(PARSE(&r, 53, 1, 2, 54, 4, 10, 0, 2, 2, 1, 4, 255, 0, 255, 0), "subnet mask is not contiguous",
	       "mask 255.0.255.0");
	is_str(PARSE(&r, 53, 1, 2, 54, 4, 10, 0, 2, 2, 1, 4, 0, 0, 0, 0), "subnet mask is 0.0.0.0", "mask 0");
	is_str(PARSE(&r, 53, 1, 2, 54, 4, 10, 0, 2, 2, 6, 6, 10, 0, 2, 3, 8, 8), "DNS option has a bad length",
	       "DNS length 6");
	is_str(PARSE(&r, 53, 1, 2, 54, 4, 10, 0, 2, 2, 3, 0), "router option has a bad length", "router length 0");
	is_str(PARSE(&r, 53, 1, 2, 54, 4, 10, 0, 2, 2, 51, 2, 0, 1), "lease time has a bad length", "lease length 2");
	/* A length byte that swallows End: the rest is padding, so no End is left. */
	is_str(PARSE(&r, 53, 1, 2, 54, 4, 10, 0, 2, 2, 43, 255), "options are not terminated by End",
	       "option length swallowing End");
	{
		uint8_t b[548];
		const uint8_t opts[] = {53, 1, 2, 54, 4, 10, 0, 2, 2, 43, 255};
		make_reply(b, opts, sizeof opts, NULL);
		is_str(dhcp_parse(b, 300, XID, MAC, &r), "option value runs past the end",
		       "option length beyond the received bytes");
	}

	ok(PARSE(&r, 53, 1, 5, 54, 4, 10, 0, 2, 2) == NULL, "minimal ACK parses");
	is_int(r.prefix_len, 8, "no mask: classful /8 for 10.x");
	ok(!r.mask_present && r.router == 0 && r.dns_count == 0 && r.lease_s == 0, "absent options are zero");

	ok(PARSE(&r, 53, 1, 5, 54, 4, 10, 0, 2, 2, 1, 4, 255, 255, 255, 255, 3, 4, 10, 0, 2, 1) == NULL,
	   "/32 with a router parses");
	is_int(r.prefix_len, 32, "prefix 32");

	ok(PARSE(&r, 0, 0, 53, 1, 5, 0, 54, 4, 10, 0, 2, 2, 3, 8, 10, 0, 2, 1, 10, 0, 2, 9, 6, 16, 1, 1, 1, 1, 0, 0,
		 0, 0, 8, 8, 8, 8, 9, 9, 9, 9, 6, 4, 7, 7, 7, 7, 51, 4, 0xff, 0xff, 0xff, 0xff) == NULL,
	   "pads, two routers, five DNS entries in two options");
	is_int(r.router, ip("10.0.2.1"), "first router wins");
	is_int(r.dns_count, NET_DNS_MAX, "DNS capped at NET_DNS_MAX");
	ok(r.dns[0] == ip("1.1.1.1") && r.dns[1] == ip("8.8.8.8") && r.dns[2] == ip("9.9.9.9"),
	   "DNS in order, 0.0.0.0 skipped");
	is_int(r.lease_s, 0xffffffffu, "infinite lease");

	/* Addresses we must never configure. */
	uint8_t b[548], o[64];
	size_t n = make_reply(b, o, slirp_opts(o, 5), NULL);
	static const char *const bad[] = {"0.0.0.0", "127.0.0.1", "224.0.0.1", "255.255.255.255", "10.0.2.0",
					  "10.0.2.255"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		uint32_t a = ip(bad[i]);
		memcpy(b + 16, &a, 4);
		is_str(dhcp_parse(b, n, XID, MAC, &r), "offered address is not a usable unicast address",
		       "yiaddr %s refused", bad[i]);
	}
	/* Non-printable message text is sanitised. */
	ok(PARSE(&r, 53, 1, 6, 56, 3, 'a', 0x1b, 'b') == NULL, "NAK with control char");
	is_str(r.message, "a?b", "control char replaced");
}

static void test_overload(void)
{
	uint8_t b[548];
	struct dhcp_reply r;
	const uint8_t main_opts[] = {53, 1, 5, 52, 1, 3};
	size_t n = make_reply(b, main_opts, sizeof main_opts, NULL);
	const uint8_t file_opts[] = {54, 4, 10, 0, 2, 2, 6, 4, 10, 0, 2, 3, 255};
	const uint8_t sname_opts[] = {3, 4, 10, 0, 2, 2, 1, 4, 255, 255, 255, 0, 255};
	memcpy(b + 108, file_opts, sizeof file_opts);
	memcpy(b + 44, sname_opts, sizeof sname_opts);
	const char *e = dhcp_parse(b, n, XID, MAC, &r);
	ok(e == NULL, "overload 3: options in file and sname (%s)", e ? e : "ok");
	ok(r.server_id == ip("10.0.2.2") && r.dns_count == 1 && r.router == ip("10.0.2.2") && r.prefix_len == 24,
	   "values from both overloaded fields");

	b[108 + sizeof file_opts - 1] = 0;
	is_str(dhcp_parse(b, n, XID, MAC, &r), "options are not terminated by End", "file field without End");
	b[108 + sizeof file_opts - 1] = 255;
	b[108] = 52;
	b[109] = 1;
	b[110] = 1;
	is_str(dhcp_parse(b, n, XID, MAC, &r), "option overload inside an overloaded field", "nested overload");

	const uint8_t bad_overload[] = {53, 1, 5, 52, 1, 4};
	n = make_reply(b, bad_overload, sizeof bad_overload, NULL);
	is_str(dhcp_parse(b, n, XID, MAC, &r), "option overload has a bad value", "overload 4");
	/* Without overload, garbage in sname/file is ignored. */
	n = make_reply(b, (const uint8_t[]){53, 1, 5, 54, 4, 10, 0, 2, 2}, 9, NULL);
	memset(b + 44, 0xee, 64 + 128);
	ok(dhcp_parse(b, n, XID, MAC, &r) == NULL, "sname/file not parsed without overload");
}

static void test_mask(void)
{
	is_int(dhcp_mask_to_prefix(ip("255.255.255.0")), 24, "/24");
	is_int(dhcp_mask_to_prefix(ip("255.255.255.255")), 32, "/32");
	is_int(dhcp_mask_to_prefix(ip("0.0.0.0")), 0, "/0");
	is_int(dhcp_mask_to_prefix(ip("255.255.128.0")), 17, "/17");
	is_int(dhcp_mask_to_prefix(ip("255.255.0.255")), -1, "holes refused");
	is_int(dhcp_mask_to_prefix(ip("0.255.255.255")), -1, "inverted refused");
}

static void test_frame(void)
{
	uint8_t reply[548], o[64], f[1600];
	struct dhcp_frame fr;
	struct dhcp_reply r;
	size_t n = make_reply(reply, o, slirp_opts(o, 2), NULL);
	size_t fl = dhcp_frame_build(f, sizeof f, ip("10.0.2.2"), ip("255.255.255.255"), 67, 68, 7, reply, n);
	is_int(fl, n + DHCP_FRAME_OVERHEAD, "frame length");
	const char *e = dhcp_frame_parse(f, fl, 0, &fr);
	ok(e == NULL, "round trip frame parses (%s)", e ? e : "ok");
	ok(fr.payload == f + 28 && fr.payload_len == n && fr.src_ip == ip("10.0.2.2"), "payload and source");
	ok(e == NULL && dhcp_parse(fr.payload, fr.payload_len, XID, MAC, &r) == NULL && r.type == DHCP_OFFER,
	   "framed OFFER decodes");

	/* Ethernet may pad: bytes past the IP total length are ignored. */
	memset(f + fl, 0xaa, 16);
	ok(dhcp_frame_parse(f, fl + 16, 0, &fr) == NULL && fr.payload_len == n, "trailing padding ignored");

	int bad_ok = 0;
	for (size_t len = 0; len < fl; len++)
		if (dhcp_frame_parse(f, len, 0, &fr) == NULL)
			bad_ok++;
	is_int(bad_ok, 0, "every truncated frame refused");

	f[30] ^= 1;
	is_str(dhcp_frame_parse(f, fl, 0, &fr), "bad UDP checksum", "payload bit flip caught");
	ok(dhcp_frame_parse(f, fl, 1, &fr) == NULL, "checksum skipped when the kernel says offloaded");
	f[30] ^= 1;
	f[15] ^= 1;
	is_str(dhcp_frame_parse(f, fl, 0, &fr), "bad IPv4 header checksum", "header bit flip caught");
	f[15] ^= 1;

	uint8_t g[1600];
	memcpy(g, f, fl);
	g[26] = g[27] = 0;
	ok(dhcp_frame_parse(g, fl, 0, &fr) == NULL, "UDP checksum 0 means none");

	fl = dhcp_frame_build(f, sizeof f, ip("10.0.2.2"), ip("255.255.255.255"), 67, 69, 7, reply, n);
	is_str(dhcp_frame_parse(f, fl, 0, &fr), "not from port 67 to port 68", "wrong port");
	fl = dhcp_frame_build(f, sizeof f, ip("10.0.2.2"), ip("255.255.255.255"), 68, 67, 7, reply, n);
	is_str(dhcp_frame_parse(f, fl, 0, &fr), "not from port 67 to port 68", "our own outgoing frame");

	fl = dhcp_frame_build(f, sizeof f, ip("10.0.2.2"), ip("255.255.255.255"), 67, 68, 7, reply, n);
	memcpy(g, f, fl);
	g[6] = 0x20; /* MF */
	g[10] = g[11] = 0;
	{
		uint32_t s = 0;
		for (int i = 0; i < 20; i += 2)
			s += (uint32_t)(g[i] << 8 | g[i + 1]);
		while (s >> 16)
			s = (s & 0xffff) + (s >> 16);
		g[10] = (uint8_t)(~s >> 8);
		g[11] = (uint8_t)~s;
	}
	is_str(dhcp_frame_parse(g, fl, 0, &fr), "IPv4 fragment", "fragment refused");
	memcpy(g, f, fl);
	g[9] = 6;
	ok(dhcp_frame_parse(g, fl, 0, &fr) != NULL, "TCP refused");
	memcpy(g, f, fl);
	g[0] = 0x65;
	is_str(dhcp_frame_parse(g, fl, 0, &fr), "not IPv4", "version 6 refused");
	memcpy(g, f, fl);
	g[0] = 0x4f; /* 60-byte header: options are covered by the checksum, so just check it is refused or parsed safely */
	ok(dhcp_frame_parse(g, 40, 0, &fr) != NULL, "IHL past a short packet refused");
	memcpy(g, f, fl);
	g[24] = 0xff;
	g[25] = 0xff;
	ok(dhcp_frame_parse(g, fl, 1, &fr) != NULL, "UDP length past the IP payload refused");

	is_int(dhcp_frame_build(f, 27, 0, 0, 68, 67, 0, reply, 0), 0, "frame build refuses a tiny buffer");
	is_int(dhcp_frame_build(f, 100, 0, 0, 68, 67, 0, reply, 73), 0, "frame build refuses overflow");
	is_int(dhcp_frame_build(f, 100, 0, 0, 68, 67, 0, reply, 72), 100, "frame build exact fit");
}

/* Deterministic random mutations of a real OFFER frame: under ASan this
 * shows no read outside the buffer, and results stay within their bounds. */
static void test_mutations(void)
{
	uint8_t reply[548], o[64], f[600], g[600];
	size_t n = make_reply(reply, o, slirp_opts(o, 2), NULL);
	size_t fl = dhcp_frame_build(f, sizeof f, ip("10.0.2.2"), ip("255.255.255.255"), 67, 68, 1, reply, n);
	uint32_t seed = 12345;
	int sane = 1, parsed = 0;
	for (int iter = 0; iter < 20000; iter++) {
		memcpy(g, f, fl);
		int flips = 1 + iter % 8;
		for (int k = 0; k < flips; k++) {
			seed = seed * 1103515245u + 12345u;
			size_t pos = 28 + 236 + (seed >> 8) % 60; /* mostly the options */
			if (iter % 5 == 0)
				pos = (seed >> 8) % fl;
			seed = seed * 1103515245u + 12345u;
			g[pos] = (uint8_t)(seed >> 16);
		}
		seed = seed * 1103515245u + 12345u;
		size_t len = fl - (seed >> 8) % 40;
		struct dhcp_frame fr;
		struct dhcp_reply r;
		if (dhcp_frame_parse(g, len, 1, &fr) == NULL &&
		    dhcp_parse(fr.payload, fr.payload_len, XID, MAC, &r) == NULL) {
			parsed++;
			if (r.dns_count > NET_DNS_MAX || r.prefix_len > 32 || strlen(r.message) >= sizeof r.message)
				sane = 0;
		}
	}
	ok(sane, "20000 mutated frames: results stay in bounds (%d parsed)", parsed);
}

int main(void)
{
	test_build();
	test_own_request_refused();
	test_slirp();
	test_header_checks();
	test_options();
	test_overload();
	test_mask();
	test_frame();
	test_mutations();
	return done_testing();
}
