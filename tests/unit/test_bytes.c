#include "../tap.h"
#include "base/bytes.h"

int main(void)
{
	uint8_t buf[8];
	char hex[17];
	const uint8_t in[4] = {0xde, 0xad, 0xbe, 0xef};

	hex_encode(hex, in, 4);
	is_str(hex, "deadbeef", "hex_encode");
	is_int(hex_decode(buf, 4, "DEADbeef", 8), 0, "hex_decode accepts mixed case");
	is_mem(buf, in, 4, "hex_decode round trip");
	is_int(hex_decode(buf, 4, "deadbee", 7), -1, "hex_decode refuses odd length");
	is_int(hex_decode(buf, 4, "deadbexf", 8), -1, "hex_decode refuses a non-hex digit");

	char b64[16];
	base64_encode(b64, (const uint8_t *)"foob", 4);
	is_str(b64, "Zm9vYg==", "base64_encode pads");
	is_int(base64_decode(buf, sizeof buf, "Zm9vYg==", 8), 4, "base64_decode length");
	is_mem(buf, "foob", 4, "base64 round trip");
	is_int(base64_decode(buf, sizeof buf, "Zm9v=g==", 8), -1, "base64_decode refuses data after padding");
	is_int(base64_decode(buf, 2, "Zm9vYg==", 8), -1, "base64_decode refuses a small buffer");
	is_int(base64_decode(buf, sizeof buf, "Zm9", 3), -1, "base64_decode refuses a partial quantum");

	le32_store(buf, 0x01020304);
	is_int(buf[0], 4, "le32_store is little-endian");
	is_int(le64_load((const uint8_t *)"\x01\0\0\0\0\0\0\x80"), (long long)0x8000000000000001ull, "le64_load");
	ok(bytes_equal_ct("abc", "abc", 3) && !bytes_equal_ct("abc", "abd", 3), "bytes_equal_ct");
	memset(buf, 0xff, sizeof buf);
	secure_wipe(buf, sizeof buf);
	ok(bytes_all_zero(buf, sizeof buf), "secure_wipe zeroes");
	return done_testing();
}
