/* SNP certificate table: reader and writer. Everything in the table comes
 * from the untrusted host, so every offset and length is checked here;
 * the certificates themselves are checked by the chain verification. */
#include "snp_certtable.h"

#include <stdio.h>
#include <string.h>

#include "base/bytes.h"
#include "base/err_text.h"

/* The GUIDs in table byte order (the text form's bytes in sequence). */
static const uint8_t guid_ark[16] = {0xc0, 0xb4, 0x06, 0xa4, 0xa8, 0x03, 0x49, 0x52,
				     0x97, 0x43, 0x3f, 0xb6, 0x01, 0x4c, 0xd0, 0xae};
static const uint8_t guid_ask[16] = {0x4a, 0xb7, 0xb3, 0x79, 0xbb, 0xac, 0x4f, 0xe4,
				     0xa0, 0x2f, 0x05, 0xae, 0xf3, 0x27, 0xc7, 0x82};
static const uint8_t guid_vcek[16] = {0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64,
				      0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd};
static const uint8_t guid_vlek[16] = {0xa8, 0x07, 0x4b, 0xc2, 0xa2, 0x5a, 0x48, 0x3e,
				      0xaa, 0xe6, 0x39, 0xc0, 0x45, 0xa0, 0xb8, 0xa1};

const char *snp_cert_kind_name(enum snp_cert_kind k)
{
	switch (k) {
	case SNP_CERT_ARK: return "ARK";
	case SNP_CERT_ASK: return "ASK";
	case SNP_CERT_VCEK: return "VCEK";
	case SNP_CERT_VLEK: return "VLEK";
	case SNP_CERT_OTHER: break;
	}
	return "other";
}

const uint8_t *snp_cert_kind_guid(enum snp_cert_kind k)
{
	switch (k) {
	case SNP_CERT_ARK: return guid_ark;
	case SNP_CERT_ASK: return guid_ask;
	case SNP_CERT_VCEK: return guid_vcek;
	case SNP_CERT_VLEK: return guid_vlek;
	case SNP_CERT_OTHER: break;
	}
	return NULL;
}

/* EFI_GUID layout: Data1 (4), Data2 (2), Data3 (2) little-endian, Data4 as is. */
static void guid_swap_mixed(uint8_t out[16], const uint8_t in[16])
{
	static const uint8_t order[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
	for (int i = 0; i < 16; i++)
		out[i] = in[order[i]];
}

enum snp_cert_kind snp_cert_kind_from_guid(const uint8_t guid[16])
{
	static const enum snp_cert_kind kinds[] = {SNP_CERT_ARK, SNP_CERT_ASK, SNP_CERT_VCEK, SNP_CERT_VLEK};
	uint8_t mixed[16];
	guid_swap_mixed(mixed, guid);
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		const uint8_t *g = snp_cert_kind_guid(kinds[i]);
		if (memcmp(guid, g, 16) == 0 || memcmp(mixed, g, 16) == 0)
			return kinds[i];
	}
	return SNP_CERT_OTHER;
}

void snp_guid_format(char out[37], const uint8_t g[16])
{
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", g[0], g[1], g[2],
		 g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
}

int snp_certtable_parse(struct snp_certtable *t, const uint8_t *buf, size_t len, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	memset(t, 0, sizeof *t);
	if (len == 0)
		return 0;
	if (!buf)
		return err_set(err, errlen, "certificate table: no buffer for %zu bytes", len);

	/* Pass 1: walk the entries up to the terminator. */
	size_t pos = 0;
	for (;;) {
		if (len - pos < SNP_CERTTABLE_ENTRY_SIZE)
			return err_set(err, errlen,
				    "certificate table entry %zu: expected an entry or the all-zero terminator at offset %zu, "
				    "got only %zu bytes left (missing terminator)",
				    t->count, pos, len - pos);
		const uint8_t *e = buf + pos;
		uint32_t off = le32_load(e + 16), elen = le32_load(e + 20);
		pos += SNP_CERTTABLE_ENTRY_SIZE;
		if (bytes_all_zero(e, 16)) {
			if (off || elen)
				return err_set(err, errlen,
					    "certificate table entry %zu: zero GUID must end the table with offset 0 and "
					    "length 0, got offset %u length %u",
					    t->count, off, elen);
			break;
		}
		if (t->count == SNP_CERTTABLE_MAX_ENTRIES)
			return err_set(err, errlen, "certificate table: expected at most %u entries, got more",
				    SNP_CERTTABLE_MAX_ENTRIES);
		struct snp_certtable_entry *x = &t->entries[t->count++];
		memcpy(x->guid, e, 16);
		x->kind = snp_cert_kind_from_guid(x->guid);
		x->offset = off;
		x->length = elen;
	}
	t->table_end = pos;

	/* Pass 2: each entry's data lies after the entries, inside the buffer,
	 * and apart from every other entry's data. */
	for (size_t i = 0; i < t->count; i++) {
		struct snp_certtable_entry *x = &t->entries[i];
		char g[37];
		snp_guid_format(g, x->guid);
		if (x->length == 0)
			return err_set(err, errlen, "certificate table entry %zu (%s %s): expected a non-zero length, got 0", i,
				    snp_cert_kind_name(x->kind), g);
		if (x->offset < t->table_end)
			return err_set(err, errlen,
				    "certificate table entry %zu (%s %s): offset %u points into the entry area (expected >= %zu)",
				    i, snp_cert_kind_name(x->kind), g, x->offset, t->table_end);
		if ((uint64_t)x->offset + x->length > len)
			return err_set(err, errlen,
				    "certificate table entry %zu (%s %s): data at %u+%u ends past the buffer (%zu bytes)", i,
				    snp_cert_kind_name(x->kind), g, x->offset, x->length, len);
		for (size_t j = 0; j < i; j++) {
			const struct snp_certtable_entry *y = &t->entries[j];
			if ((uint64_t)x->offset < (uint64_t)y->offset + y->length &&
			    (uint64_t)y->offset < (uint64_t)x->offset + x->length)
				return err_set(err, errlen,
					    "certificate table entry %zu (%s %s): data at %u+%u overlaps entry %zu at %u+%u", i,
					    snp_cert_kind_name(x->kind), g, x->offset, x->length, j, y->offset, y->length);
			/* Two VCEKs would leave the choice to whoever reads first. */
			if (x->kind != SNP_CERT_OTHER && x->kind == y->kind)
				return err_set(err, errlen, "certificate table entry %zu: %s appears twice (entries %zu and %zu)",
					    i, snp_cert_kind_name(x->kind), j, i);
			if (x->kind == SNP_CERT_OTHER && memcmp(x->guid, y->guid, 16) == 0)
				return err_set(err, errlen, "certificate table entry %zu: GUID %s appears twice (entries %zu and %zu)",
					    i, g, j, i);
		}
		x->data = buf + x->offset;
	}
	return 0;
}

const struct snp_certtable_entry *snp_certtable_find(const struct snp_certtable *t, enum snp_cert_kind k)
{
	for (size_t i = 0; i < t->count; i++)
		if (t->entries[i].kind == k)
			return &t->entries[i];
	return NULL;
}

size_t snp_certtable_size(const struct snp_certtable_input *in, size_t n)
{
	if (n == 0 || n > SNP_CERTTABLE_MAX_ENTRIES)
		return 0;
	uint64_t total = (uint64_t)(n + 1) * SNP_CERTTABLE_ENTRY_SIZE;
	for (size_t i = 0; i < n; i++) {
		total += in[i].len;
		if (total > UINT32_MAX)
			return 0;
	}
	return (size_t)total;
}

size_t snp_certtable_write(uint8_t *out, size_t cap, const struct snp_certtable_input *in, size_t n)
{
	size_t total = snp_certtable_size(in, n);
	if (total == 0 || total > cap)
		return 0;
	for (size_t i = 0; i < n; i++) {
		const uint8_t *g = in[i].kind == SNP_CERT_OTHER ? in[i].guid : snp_cert_kind_guid(in[i].kind);
		if (!g || bytes_all_zero(g, 16) || !in[i].data || in[i].len == 0)
			return 0;
	}
	size_t off = (n + 1) * SNP_CERTTABLE_ENTRY_SIZE;
	for (size_t i = 0; i < n; i++) {
		uint8_t *e = out + i * SNP_CERTTABLE_ENTRY_SIZE;
		memcpy(e, in[i].kind == SNP_CERT_OTHER ? in[i].guid : snp_cert_kind_guid(in[i].kind), 16);
		le32_store(e + 16, (uint32_t)off);
		le32_store(e + 20, (uint32_t)in[i].len);
		memcpy(out + off, in[i].data, in[i].len);
		off += in[i].len;
	}
	memset(out + n * SNP_CERTTABLE_ENTRY_SIZE, 0, SNP_CERTTABLE_ENTRY_SIZE);
	return total;
}
