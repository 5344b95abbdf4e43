/* DHCP (RFC 2131/2132) messages and the IPv4/UDP framing around them: pure
 * encode and decode, no I/O and no logging, so every byte of parsing can be
 * unit-tested and fuzzed on the host. Addresses are uint32_t in network byte
 * order (the bytes as they sit in the packet), like struct net_config. */
#ifndef SNPBOOT_INIT_DHCP_MSG_H
#define SNPBOOT_INIT_DHCP_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "bootcfg/net_types.h"

#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68
/* Largest message dhcp_build() makes (fits the 576-byte minimum IP datagram). */
#define DHCP_BUILD_MAX 548
/* IPv4 header (no options) + UDP header, as written by dhcp_frame_build(). */
#define DHCP_FRAME_OVERHEAD 28
#define DHCP_MESSAGE_TEXT_MAX 64

enum dhcp_msg_type {
	DHCP_DISCOVER = 1,
	DHCP_OFFER = 2,
	DHCP_REQUEST = 3,
	DHCP_DECLINE = 4,
	DHCP_ACK = 5,
	DHCP_NAK = 6,
	DHCP_RELEASE = 7,
	DHCP_INFORM = 8,
};

/* What the client sends. */
struct dhcp_request {
	enum dhcp_msg_type type; /* DHCP_DISCOVER or DHCP_REQUEST */
	uint8_t mac[6];
	uint32_t xid;          /* host order; written big-endian */
	uint16_t secs;         /* seconds since the client began */
	uint32_t requested_ip; /* option 50; 0 = omit */
	uint32_t server_id;    /* option 54; 0 = omit */
	const char *hostname;  /* option 12; NULL or "" = omit; at most 255 bytes */
};

/* Builds a BOOTREQUEST into out. Returns its length, or 0 if the request is
 * invalid (wrong type, hostname too long) or out has less than DHCP_BUILD_MAX. */
size_t dhcp_build(uint8_t *out, size_t cap, const struct dhcp_request *req);

/* What a server said, after validation. */
struct dhcp_reply {
	enum dhcp_msg_type type; /* DHCP_OFFER, DHCP_ACK or DHCP_NAK */
	uint32_t yiaddr;         /* OFFER/ACK: a usable unicast address */
	uint32_t server_id;      /* OFFER/ACK: always set; NAK: 0 if absent */
	uint8_t prefix_len;      /* from option 1, or the classful default if absent */
	int mask_present;
	uint32_t router;         /* first router of option 3; 0 if none */
	uint32_t dns[NET_DNS_MAX];
	unsigned dns_count;
	uint32_t lease_s;        /* option 51; 0 if absent, 0xffffffff = infinite */
	char message[DHCP_MESSAGE_TEXT_MAX]; /* option 56, printable ASCII only */
};

/* Decodes a BOOTREPLY that must carry our xid and MAC. Returns NULL and fills
 * out, or returns a static string saying why the packet is not acceptable.
 * Never reads outside msg[0..len). */
const char *dhcp_parse(const uint8_t *msg, size_t len, uint32_t xid, const uint8_t mac[6],
		       struct dhcp_reply *out);

/* Prefix length of a contiguous netmask (network order), or -1. */
int dhcp_mask_to_prefix(uint32_t mask);

/* Wraps payload in an IPv4 header (no options, TTL 64, DF clear) and a UDP
 * header with a correct checksum. Returns the frame length, or 0 if it does
 * not fit in cap. */
size_t dhcp_frame_build(uint8_t *out, size_t cap, uint32_t src_ip, uint32_t dst_ip, uint16_t src_port,
			uint16_t dst_port, uint16_t ip_id, const uint8_t *payload, size_t payload_len);

struct dhcp_frame {
	const uint8_t *payload; /* points into the packet */
	size_t payload_len;
	uint32_t src_ip;
};

/* Checks an IPv4 packet (network header first, as AF_PACKET/SOCK_DGRAM gives
 * it) carrying UDP from port 67 to port 68. Trailing bytes past the IP total
 * length (Ethernet padding) are ignored. skip_udp_csum: the kernel said the
 * checksum is not filled in yet (offload), so it cannot be verified. Returns
 * NULL or why the packet is refused. */
const char *dhcp_frame_parse(const uint8_t *pkt, size_t len, int skip_udp_csum, struct dhcp_frame *out);

#endif
