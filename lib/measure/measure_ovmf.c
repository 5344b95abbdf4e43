/* OVMF footer GUID table and SEV metadata parser (untrusted input). */
#include "measure_ovmf.h"

#include <string.h>

#include "base/bytes.h"
#include "measure_err.h"

/* GUIDs in their on-disk (little-endian "bytes_le") form. */
/* 96b582de-1fb2-45f7-baea-a366c55a082d: the table footer */
static const uint8_t guid_footer[16] = {0xde, 0x82, 0xb5, 0x96, 0xb2, 0x1f, 0xf7, 0x45,
					0xba, 0xea, 0xa3, 0x66, 0xc5, 0x5a, 0x08, 0x2d};
/* dc886566-984a-4798-a75e-5585a7bf67cc: SEV metadata (offset from the end of the image) */
static const uint8_t guid_metadata[16] = {0x66, 0x65, 0x88, 0xdc, 0x4a, 0x98, 0x98, 0x47,
					  0xa7, 0x5e, 0x55, 0x85, 0xa7, 0xbf, 0x67, 0xcc};
/* 00f771de-1a7e-4fcb-890e-68c77e2fb44e: SEV-ES reset block (AP reset EIP) */
static const uint8_t guid_sev_es_reset[16] = {0xde, 0x71, 0xf7, 0x00, 0x7e, 0x1a, 0xcb, 0x4f,
					      0x89, 0x0e, 0x68, 0xc7, 0x7e, 0x2f, 0xb4, 0x4e};
/* 7255371f-3a3b-4b04-927b-1da6efa8d454: SEV hashes table (gpa, size) */
static const uint8_t guid_hashes_table[16] = {0x1f, 0x37, 0x55, 0x72, 0x3b, 0x3a, 0x04, 0x4b,
					      0x92, 0x7b, 0x1d, 0xa6, 0xef, 0xa8, 0xd4, 0x54};
/* a789a612-0597-4c4b-a49f-cbb1fe9d1ddd: SVSM information (u32 entry offset in the image) */
static const uint8_t guid_svsm_info[16] = {0x12, 0xa6, 0x89, 0xa7, 0x97, 0x05, 0x4b, 0x4c,
					   0xa4, 0x9f, 0xcb, 0xb1, 0xfe, 0x9d, 0x1d, 0xdd};

#define FOOTER_END_GAP 32u  /* the table ends this many bytes before the end of the image */
#define ENTRY_HDR_LEN 18u   /* each entry ends with u16 length + GUID */
#define META_HDR_LEN 16u    /* "ASEV", u32 size, u32 version, u32 count */
#define META_DESC_LEN 12u   /* u32 gpa, u32 size, u32 type */
#define PAGE 4096u

const char *ovmf_section_name(uint32_t type)
{
	switch (type) {
	case OVMF_SECTION_SNP_SEC_MEM: return "SNP_SEC_MEM";
	case OVMF_SECTION_SNP_SECRETS: return "SNP_SECRETS";
	case OVMF_SECTION_CPUID: return "CPUID";
	case OVMF_SECTION_SVSM_CAA: return "SVSM_CAA";
	case OVMF_SECTION_SNP_KERNEL_HASHES: return "SNP_KERNEL_HASHES";
	default: return "unknown";
	}
}

int ovmf_has_section(const struct ovmf_info *info, uint32_t type)
{
	for (uint32_t i = 0; i < info->n_sections; i++)
		if (info->sections[i].type == type)
			return 1;
	return 0;
}

static int parse_metadata(struct ovmf_info *info, const uint8_t *img, size_t len, const uint8_t *data,
			  size_t data_len, char *err, size_t err_len)
{
	if (data_len < 4) {
		measure_seterr(err, err_len, "OVMF: SEV metadata entry has %zu data bytes, needs 4", data_len);
		return -1;
	}
	uint32_t from_end = le32_load(data);
	if (from_end < META_HDR_LEN || from_end > len) {
		measure_seterr(err, err_len, "OVMF: SEV metadata offset 0x%x from the end is outside the %zu-byte image",
		       from_end, len);
		return -1;
	}
	size_t hdr = len - from_end;
	if (memcmp(img + hdr, "ASEV", 4) != 0) {
		measure_seterr(err, err_len, "OVMF: no \"ASEV\" signature at image offset 0x%zx (SEV metadata)", hdr);
		return -1;
	}
	uint32_t size = le32_load(img + hdr + 4), version = le32_load(img + hdr + 8),
		 count = le32_load(img + hdr + 12);
	if (version != 1) {
		measure_seterr(err, err_len, "OVMF: SEV metadata version %u is not supported (only 1)", version);
		return -1;
	}
	if (count > OVMF_MAX_SECTIONS) {
		measure_seterr(err, err_len, "OVMF: SEV metadata declares %u sections (at most %d supported)", count,
		       OVMF_MAX_SECTIONS);
		return -1;
	}
	if ((uint64_t)size < META_HDR_LEN + (uint64_t)count * META_DESC_LEN || size > from_end) {
		measure_seterr(err, err_len,
		       "OVMF: SEV metadata size %u does not fit its %u sections or the image (0x%x bytes left)",
		       size, count, from_end);
		return -1;
	}
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *d = img + hdr + META_HDR_LEN + (size_t)i * META_DESC_LEN;
		struct ovmf_section s = {le32_load(d), le32_load(d + 4), le32_load(d + 8)};
		if (strcmp(ovmf_section_name(s.type), "unknown") == 0) {
			measure_seterr(err, err_len, "OVMF: SEV metadata section %u has unknown type 0x%x", i, s.type);
			return -1;
		}
		if (s.gpa % PAGE || s.size % PAGE || s.size == 0 || (uint64_t)s.gpa + s.size > 0x100000000ull) {
			measure_seterr(err, err_len,
			       "OVMF: SEV metadata section %u (%s) gpa 0x%x size 0x%x is not a whole number of pages below 4 GiB",
			       i, ovmf_section_name(s.type), s.gpa, s.size);
			return -1;
		}
		info->sections[i] = s;
	}
	info->n_sections = count;
	info->has_metadata = 1;
	return 0;
}

int ovmf_parse(struct ovmf_info *info, const uint8_t *img, size_t len, char *err, size_t err_len)
{
	memset(info, 0, sizeof *info);
	info->image_len = len;
	if (len < FOOTER_END_GAP + ENTRY_HDR_LEN) {
		measure_seterr(err, err_len, "OVMF: image of %zu bytes is too short for the GUID table footer", len);
		return -1;
	}
	size_t footer = len - FOOTER_END_GAP - ENTRY_HDR_LEN; /* u16 length, then the footer GUID */
	if (memcmp(img + footer + 2, guid_footer, 16) != 0) {
		measure_seterr(err, err_len,
		       "OVMF: no GUID table footer (96b582de-...) 0x20 bytes before the end: not an OVMF image with SEV support");
		return -1;
	}
	size_t table_len = le16_load(img + footer); /* includes the footer entry itself */
	if (table_len < ENTRY_HDR_LEN || table_len > len - FOOTER_END_GAP) {
		measure_seterr(err, err_len, "OVMF: GUID table length %zu is impossible (image %zu bytes)", table_len, len);
		return -1;
	}
	size_t start = len - FOOTER_END_GAP - table_len, end = footer;
	int seen_meta = 0;
	/* Entries are laid out data, u16 length (incl. header), GUID, and are
	 * read from the end. Each step consumes >= 18 bytes, so this ends. */
	while (end > start) {
		if (end - start < ENTRY_HDR_LEN) {
			measure_seterr(err, err_len, "OVMF: %zu stray bytes at the start of the GUID table (offset 0x%zx)",
			       end - start, start);
			return -1;
		}
		size_t elen = le16_load(img + end - ENTRY_HDR_LEN);
		const uint8_t *guid = img + end - 16;
		if (elen < ENTRY_HDR_LEN || elen > end - start) {
			measure_seterr(err, err_len, "OVMF: GUID table entry ending at offset 0x%zx has bad length %zu", end,
			       elen);
			return -1;
		}
		const uint8_t *data = img + end - elen;
		size_t dlen = elen - ENTRY_HDR_LEN;
		int *seen = NULL;
		if (memcmp(guid, guid_metadata, 16) == 0) {
			seen = &seen_meta;
		} else if (memcmp(guid, guid_sev_es_reset, 16) == 0) {
			seen = &info->has_sev_es_reset;
			if (!*seen && dlen < 4)
				goto short_entry;
			if (!*seen)
				info->sev_es_reset_eip = le32_load(data);
		} else if (memcmp(guid, guid_hashes_table, 16) == 0) {
			seen = &info->has_hashes_table;
			if (!*seen && dlen < 8)
				goto short_entry;
			if (!*seen) {
				info->hashes_table_gpa = le32_load(data);
				info->hashes_table_size = le32_load(data + 4);
			}
		} else if (memcmp(guid, guid_svsm_info, 16) == 0) {
			seen = &info->has_svsm_info;
			if (!*seen && dlen < 4)
				goto short_entry;
			if (!*seen)
				info->svsm_entry_offset = le32_load(data);
		}
		if (seen) {
			/* Two entries with the same GUID would make the measurement
			 * depend on which one a tool picks: refuse. */
			if (*seen) {
				measure_seterr(err, err_len, "OVMF: duplicate GUID table entry at offset 0x%zx", end - elen);
				return -1;
			}
			*seen = 1;
			if (seen == &seen_meta && parse_metadata(info, img, len, data, dlen, err, err_len) != 0)
				return -1;
		}
		end -= elen;
	}
	return 0;
short_entry:
	measure_seterr(err, err_len, "OVMF: GUID table entry at offset 0x%zx is too short for its data", end);
	return -1;
}
