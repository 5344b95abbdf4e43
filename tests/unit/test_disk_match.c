/* UUID= and PARTUUID= matching against headers built here. */
#include "../tap.h"
#include "base/bytes.h"
#include "disk/disk_match.h"

int main(void)
{
	uint8_t luks[4096] = {'L', 'U', 'K', 'S', 0xba, 0xbe, 0, 2};
	memcpy(luks + 0xa8, "844a25d8-90c0-4542-9fd5-aa29eaa85a35", 36);
	ok(disk_luks_uuid_matches(luks, sizeof luks, "844A25D8-90c0-4542-9fd5-aa29eaa85a35"), "LUKS UUID matches");
	ok(!disk_luks_uuid_matches(luks, sizeof luks, "844a25d8-90c0-4542-9fd5-aa29eaa85a36"), "other UUID");
	ok(!disk_luks_uuid_matches(luks, sizeof luks, "844a25d8"), "prefix is not a match");
	ok(!disk_luks_uuid_matches(luks, 100, "844a25d8-90c0-4542-9fd5-aa29eaa85a35"), "short header");
	luks[0] = 'X';
	ok(!disk_luks_uuid_matches(luks, sizeof luks, "844a25d8-90c0-4542-9fd5-aa29eaa85a35"), "no magic");

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
	is_int(disk_gpt_find(hdr, sizeof hdr, entries, sizeof entries, "01020304-0506-0708-090A-0b0c0d0e0f10"), 2,
	       "GPT partition found (mixed-endian GUID)");
	is_int(disk_gpt_find(hdr, sizeof hdr, entries, sizeof entries, "01020304-0506-0708-090a-0b0c0d0e0f11"), 0,
	       "other GUID not found");
	is_int(disk_gpt_find(hdr, sizeof hdr, entries, 128, "01020304-0506-0708-090a-0b0c0d0e0f10"), 0,
	       "entries beyond the buffer are not read");
	uint64_t off, len;
	is_int(disk_gpt_entries_span(hdr, sizeof hdr, 4096, &off, &len), 0, "span");
	is_int(off, 8192, "entries offset uses the sector size");
	is_int(len, 512, "entries length");
	le32_store(hdr + 84, 100);
	is_int(disk_gpt_find(hdr, sizeof hdr, entries, sizeof entries, "x"), -1, "bad entry size refused");
	le32_store(hdr + 84, 128);
	le32_store(hdr + 80, 100000);
	is_int(disk_gpt_entries_span(hdr, sizeof hdr, 512, &off, &len), -1, "huge entry count refused");
	memcpy(hdr, "EFI PARX", 8);
	is_int(disk_gpt_find(hdr, sizeof hdr, entries, sizeof entries, "x"), -1, "no GPT signature");

	/* MBR: the kernel's PARTUUID is the disk signature and the partition number. */
	static uint8_t mbr[512];
	le32_store(mbr + 440, 0x1a2b3c4d);
	mbr[446 + 4] = 0x83;      /* 1: Linux */
	mbr[446 + 16 + 4] = 0x05; /* 2: extended container */
	mbr[446 + 48 + 4] = 0x83; /* 4: Linux */
	is_int(disk_mbr_find(mbr, sizeof mbr, "1a2b3c4d-01"), -1, "no 0x55aa: not an MBR");
	mbr[510] = 0x55;
	mbr[511] = 0xaa;
	is_int(disk_mbr_find(mbr, sizeof mbr, "1a2b3c4d-01"), 1, "MBR partition 1 by signature-number");
	is_int(disk_mbr_find(mbr, sizeof mbr, "1A2B3C4D-04"), 4, "partition 4, case-insensitive");
	is_int(disk_mbr_find(mbr, sizeof mbr, "1a2b3c4d-02"), 0, "an extended container never matches");
	is_int(disk_mbr_find(mbr, sizeof mbr, "1a2b3c4d-03"), 0, "an empty entry never matches");
	is_int(disk_mbr_find(mbr, sizeof mbr, "1a2b3c4e-01"), 0, "another disk's signature does not match");
	is_int(disk_mbr_find(mbr, sizeof mbr, "1a2b3c4d-1"), 0, "a malformed PARTUUID does not match");
	is_int(disk_mbr_find(mbr, sizeof mbr, "01020304-0506-0708-090a-0b0c0d0e0f10"), 0, "a GPT GUID does not match");
	is_int(disk_mbr_find(mbr, 511, "1a2b3c4d-01"), -1, "a short sector is not an MBR");
	mbr[446 + 4] = 0xee;
	is_int(disk_mbr_find(mbr, sizeof mbr, "1a2b3c4d-01"), 0, "a GPT's protective entry never matches");
	return done_testing();
}
