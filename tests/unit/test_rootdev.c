/* UUID= and PARTUUID= matching against headers built here. */
#include "../tap.h"
#include "bytes.h"
#include "rootdev.h"

int main(void)
{
	uint8_t luks[4096] = {'L', 'U', 'K', 'S', 0xba, 0xbe, 0, 2};
	memcpy(luks + 0xa8, "844a25d8-90c0-4542-9fd5-aa29eaa85a35", 36);
	ok(rootdev_luks_uuid_matches(luks, sizeof luks, "844A25D8-90c0-4542-9fd5-aa29eaa85a35"), "LUKS UUID matches");
	ok(!rootdev_luks_uuid_matches(luks, sizeof luks, "844a25d8-90c0-4542-9fd5-aa29eaa85a36"), "other UUID");
	ok(!rootdev_luks_uuid_matches(luks, sizeof luks, "844a25d8"), "prefix is not a match");
	ok(!rootdev_luks_uuid_matches(luks, 100, "844a25d8-90c0-4542-9fd5-aa29eaa85a35"), "short header");
	luks[0] = 'X';
	ok(!rootdev_luks_uuid_matches(luks, sizeof luks, "844a25d8-90c0-4542-9fd5-aa29eaa85a35"), "no magic");

	uint8_t hdr[512] = {0}, entries[128 * 4] = {0};
	memcpy(hdr, "EFI PART", 8);
	le64_store(hdr + 72, 2);
	le32_store(hdr + 80, 4);
	le32_store(hdr + 84, 128);
	/* Partition 2: type non-zero, unique GUID 01020304-0506-0708-090a-0b0c0d0e0f10. */
	uint8_t *e = entries + 128;
	e[0] = 1;
	const uint8_t guid[16] = {4, 3, 2, 1, 6, 5, 8, 7, 9, 10, 11, 12, 13, 14, 15, 16};
	memcpy(e + 16, guid, 16);
	is_int(rootdev_gpt_find(hdr, sizeof hdr, entries, sizeof entries, "01020304-0506-0708-090A-0b0c0d0e0f10"), 2,
	       "GPT partition found (mixed-endian GUID)");
	is_int(rootdev_gpt_find(hdr, sizeof hdr, entries, sizeof entries, "01020304-0506-0708-090a-0b0c0d0e0f11"), 0,
	       "other GUID not found");
	is_int(rootdev_gpt_find(hdr, sizeof hdr, entries, 128, "01020304-0506-0708-090a-0b0c0d0e0f10"), 0,
	       "entries beyond the buffer are not read");
	uint64_t off, len;
	is_int(rootdev_gpt_entries_span(hdr, sizeof hdr, 4096, &off, &len), 0, "span");
	is_int(off, 8192, "entries offset uses the sector size");
	is_int(len, 512, "entries length");
	le32_store(hdr + 84, 100);
	is_int(rootdev_gpt_find(hdr, sizeof hdr, entries, sizeof entries, "x"), -1, "bad entry size refused");
	le32_store(hdr + 84, 128);
	le32_store(hdr + 80, 100000);
	is_int(rootdev_gpt_entries_span(hdr, sizeof hdr, 512, &off, &len), -1, "huge entry count refused");
	memcpy(hdr, "EFI PARX", 8);
	is_int(rootdev_gpt_find(hdr, sizeof hdr, entries, sizeof entries, "x"), -1, "no GPT signature");
	return done_testing();
}
