/* libFuzzer target for the DHCP codec. Each input is tried two ways:
 * as a whole IPv4/UDP frame (what AF_PACKET hands the client), and as a bare
 * DHCP message. The xid and MAC the parser must match are taken from the
 * input itself, so the fuzzer reaches the option parser instead of stopping
 * at the header checks; a fixed xid/MAC covers the mismatch path. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/bytes.h"
#include "dhcp_msg.h"

static void check_reply(const uint8_t *msg, size_t len)
{
	static const uint8_t fixed_mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
	struct dhcp_reply r;
	uint32_t xid = len >= 8 ? be32_load(msg + 4) : 0;
	uint8_t mac[6] = {0};
	if (len >= 34)
		memcpy(mac, msg + 28, 6);
	const char *e = dhcp_parse(msg, len, xid, mac, &r);
	if (e == NULL) {
		if (r.dns_count > NET_DNS_MAX || r.prefix_len > 32 || memchr(r.message, '\0', sizeof r.message) == NULL)
			abort();
		if (r.type != DHCP_OFFER && r.type != DHCP_ACK && r.type != DHCP_NAK)
			abort();
		/* A NAK carries nothing; an OFFER/ACK always an address, server and prefix. */
		if (r.type != DHCP_NAK && (r.yiaddr == 0 || r.server_id == 0 || r.prefix_len < 1))
			abort();
	} else if (e[0] == '\0') {
		abort(); /* every refusal must say why */
	}
	(void)dhcp_parse(msg, len, 0x3903f326u, fixed_mac, &r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Copy into an exact-size heap buffer so ASan sees any overread. */
	uint8_t *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);

	struct dhcp_frame fr;
	for (int skip = 0; skip < 2; skip++) {
		if (dhcp_frame_parse(buf, size, skip, &fr) == NULL) {
			if (fr.payload < buf || fr.payload + fr.payload_len > buf + size)
				abort();
			check_reply(fr.payload, fr.payload_len);
		}
	}
	check_reply(buf, size);

	/* Building must always succeed for a sane request and round-trip its header. */
	if (size >= 10) {
		uint8_t out[DHCP_BUILD_MAX], frame[DHCP_BUILD_MAX + DHCP_FRAME_OVERHEAD];
		struct dhcp_request rq = {.type = (data[0] & 1) ? DHCP_REQUEST : DHCP_DISCOVER,
					  .xid = be32_load(data + 1),
					  .requested_ip = data[5],
					  .server_id = data[6]};
		memcpy(rq.mac, data + 4, 6);
		size_t n = dhcp_build(out, sizeof out, &rq);
		if (n < 300 || n > DHCP_BUILD_MAX || be32_load(out + 4) != rq.xid)
			abort();
		size_t fl = dhcp_frame_build(frame, sizeof frame, 0, 0xffffffffu, 68, 67, 0, out, n);
		if (fl != n + DHCP_FRAME_OVERHEAD)
			abort();
	}
	free(buf);
	return 0;
}
