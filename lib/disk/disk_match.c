/* Matching a device against a UUID= or PARTUUID= spec by reading its headers
 * ourselves: the first stage has no udev and no blkid. */
#include "disk_match.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "base/bytes.h"

static const uint8_t luks_magic[6] = {'L', 'U', 'K', 'S', 0xba, 0xbe};
#define LUKS_UUID_OFFSET 0xa8 /* both LUKS1 and LUKS2 binary headers */
#define LUKS_UUID_LEN 40

static int strcaseeq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return 0;
	return *a == *b;
}

int disk_luks_uuid_matches(const uint8_t *hdr, size_t len, const char *uuid)
{
	char found[LUKS_UUID_LEN + 1];
	if (len < LUKS_UUID_OFFSET + LUKS_UUID_LEN || memcmp(hdr, luks_magic, sizeof luks_magic) != 0)
		return 0;
	memcpy(found, hdr + LUKS_UUID_OFFSET, LUKS_UUID_LEN);
	found[LUKS_UUID_LEN] = '\0';
	return found[0] && strcaseeq(found, uuid);
}

/* GPT GUIDs are stored mixed-endian: the first three fields little-endian. */
void disk_guid_format(const uint8_t *g, char out[37])
{
	snprintf(out, 37, "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", le32_load(g), le16_load(g + 4),
		 le16_load(g + 6), g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
}

int disk_gpt_entries_span(const uint8_t *h, size_t header_len, uint32_t sector_size, uint64_t *offset,
			     uint64_t *len)
{
	if (header_len < 92 || memcmp(h, "EFI PART", 8) != 0)
		return -1;
	uint64_t lba = le64_load(h + 72);
	uint32_t count = le32_load(h + 80), entry_size = le32_load(h + 84);
	/* The spec allows 128-byte multiples; cap the array to keep reads bounded. */
	if (entry_size < 128 || entry_size % 128 != 0 || count == 0 || count > 1024 || lba < 2 ||
	    lba > UINT64_MAX / sector_size)
		return -1;
	*offset = lba * sector_size;
	*len = (uint64_t)count * entry_size;
	return 0;
}

int disk_gpt_find(const uint8_t *h, size_t header_len, const uint8_t *entries, size_t entries_len,
		     const char *guid)
{
	uint64_t offset, len;
	if (disk_gpt_entries_span(h, header_len, 512, &offset, &len) != 0)
		return -1;
	uint32_t count = le32_load(h + 80), entry_size = le32_load(h + 84);
	for (uint32_t i = 0; i < count && (uint64_t)(i + 1) * entry_size <= entries_len; i++) {
		const uint8_t *e = entries + (size_t)i * entry_size;
		char text[37];
		if (bytes_all_zero(e, 16)) /* unused entry: zero type GUID */
			continue;
		disk_guid_format(e + 16, text);
		if (strcaseeq(text, guid))
			return (int)i + 1;
	}
	return 0;
}

/* MBR partition types that are containers or mark a GPT, never a root. */
static int mbr_type_usable(uint8_t type)
{
	return type != 0x00 && type != 0x05 && type != 0x0f && type != 0x85 && type != 0xee;
}

int disk_mbr_find(const uint8_t *sector0, size_t len, const char *partuuid)
{
	if (len < 512 || sector0[510] != 0x55 || sector0[511] != 0xaa)
		return -1;
	/* The kernel's form: the disk signature, then the partition number, both hex. */
	char want[12];
	if (strlen(partuuid) != 11 || partuuid[8] != '-')
		return 0;
	for (unsigned n = 1; n <= 4; n++) {
		const uint8_t *e = sector0 + 446 + 16 * (n - 1);
		if (!mbr_type_usable(e[4]))
			continue;
		snprintf(want, sizeof want, "%08x-%02x", le32_load(sector0 + 440), n);
		if (strcaseeq(want, partuuid))
			return (int)n;
	}
	return 0;
}
