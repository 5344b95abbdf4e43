/* Certificate table: writer/reader round trip, GUID byte order, and every
 * malformed shape refused with the entry named. */
#include <stdio.h>
#include <string.h>

#include "../tap.h"
#include "base/bytes.h"
#include "snp/snp_certtable.h"

static char err[256];
static uint8_t buf[8192];

static size_t read_file(const char *rel, uint8_t *out, size_t cap)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", shared_dir(), rel);
	FILE *f = fopen(path, "rb");
	if (!f)
		return 0;
	size_t n = fread(out, 1, cap, f);
	fclose(f);
	return n;
}

/* A hand-built table: n entries {guid byte, offset, length}, then a terminator. */
static size_t build(uint8_t *out, size_t n, const uint8_t *guid_first_bytes, const uint32_t *off, const uint32_t *len)
{
	memset(out, 0, sizeof buf);
	for (size_t i = 0; i < n; i++) {
		memcpy(out + 24 * i, snp_cert_kind_guid(SNP_CERT_VCEK), 16);
		out[24 * i] = guid_first_bytes[i];
		le32_store(out + 24 * i + 16, off[i]);
		le32_store(out + 24 * i + 20, len[i]);
	}
	return 24 * (n + 1);
}

static int refuses(size_t len, const char *needle)
{
	struct snp_certtable t;
	int rc = snp_certtable_parse(&t, buf, len, err, sizeof err);
	return rc == -1 && strstr(err, needle) != NULL;
}

int main(void)
{
	static uint8_t vcek[4096];
	size_t vcek_len = read_file("testvectors/real/milan/vcek.der", vcek, sizeof vcek);
	ok(vcek_len > 1000, "real VCEK read");
	static const uint8_t ask[] = "ask certificate bytes", ark[] = "ark certificate bytes!";
	struct snp_certtable_input in[] = {
		{SNP_CERT_ARK, NULL, ark, sizeof ark},
		{SNP_CERT_ASK, NULL, ask, sizeof ask},
		{SNP_CERT_VCEK, NULL, vcek, vcek_len},
	};
	size_t need = snp_certtable_size(in, 3);
	is_int(need, 4 * 24 + sizeof ark + sizeof ask + vcek_len, "size: 3 entries + terminator + data");
	is_int(snp_certtable_write(buf, need - 1, in, 3), 0, "writer refuses a short buffer");
	memset(buf, 0, sizeof buf);
	is_int(snp_certtable_write(buf, sizeof buf, in, 3), need, "writer returns the size");

	/* GUID byte order: the text form's bytes in sequence (RFC 4122). */
	static const uint8_t ark_guid[16] = {0xc0, 0xb4, 0x06, 0xa4, 0xa8, 0x03, 0x49, 0x52,
					     0x97, 0x43, 0x3f, 0xb6, 0x01, 0x4c, 0xd0, 0xae};
	is_mem(buf, ark_guid, 16, "ARK GUID written in text order");
	char g[37];
	snp_guid_format(g, buf);
	is_str(g, "c0b406a4-a803-4952-9743-3fb6014cd0ae", "ARK GUID formats as in the GHCB spec");
	snp_guid_format(g, snp_cert_kind_guid(SNP_CERT_ASK));
	is_str(g, "4ab7b379-bbac-4fe4-a02f-05aef327c782", "ASK GUID");
	snp_guid_format(g, snp_cert_kind_guid(SNP_CERT_VCEK));
	is_str(g, "63da758d-e664-4564-adc5-f4b93be8accd", "VCEK GUID");
	snp_guid_format(g, snp_cert_kind_guid(SNP_CERT_VLEK));
	is_str(g, "a8074bc2-a25a-483e-aae6-39c045a0b8a1", "VLEK GUID");
	is_int(le32_load(buf + 16), 96, "first offset right after the terminator");
	ok(bytes_all_zero(buf + 72, 24), "terminator all zero");

	struct snp_certtable t;
	/* Page padding after the data is fine. */
	is_int(snp_certtable_parse(&t, buf, 4096, err, sizeof err), 0, "round trip parses (padded to a page)");
	is_int(t.count, 3, "3 entries");
	const struct snp_certtable_entry *e = snp_certtable_find(&t, SNP_CERT_VCEK);
	ok(e && e->length == vcek_len && memcmp(e->data, vcek, vcek_len) == 0, "VCEK found, bytes intact");
	e = snp_certtable_find(&t, SNP_CERT_ARK);
	ok(e && e->length == sizeof ark && memcmp(e->data, ark, sizeof ark) == 0, "ARK found");
	ok(snp_certtable_find(&t, SNP_CERT_VLEK) == NULL, "no VLEK");
	is_int(snp_certtable_parse(&t, buf, need, err, sizeof err), 0, "exact size parses");
	is_int(snp_certtable_parse(&t, buf, 0, err, sizeof err), 0, "empty buffer: empty table");
	is_int(t.count, 0, "no entries");

	/* Malformed tables. */
	ok(refuses(need - 1, "ends past the buffer"), "last byte missing: %s", err);
	ok(refuses(3 * 24 + 10, "missing terminator"), "cut inside the terminator: %s", err);
	ok(refuses(3 * 24, "missing terminator"), "no terminator at all: %s", err);
	ok(refuses(5, "missing terminator"), "shorter than one entry: %s", err);

	uint8_t kinds[20];
	uint32_t off[20], len[20];
	for (int i = 0; i < 20; i++)
		kinds[i] = (uint8_t)(0x10 + i), off[i] = (uint32_t)(1000 + 10 * i), len[i] = 10;
	size_t end = build(buf, 2, kinds, off, len);
	ok(end == 72 && snp_certtable_parse(&t, buf, 2000, err, sizeof err) == 0 && t.count == 2 &&
		   t.entries[0].kind == SNP_CERT_OTHER,
	   "unknown GUIDs kept as other");
	len[1] = 0;
	build(buf, 2, kinds, off, len);
	ok(refuses(2000, "entry 1") && strstr(err, "non-zero length"), "zero length: %s", err);
	len[1] = 10, off[1] = 40;
	build(buf, 2, kinds, off, len);
	ok(refuses(2000, "points into the entry area"), "offset inside the entries: %s", err);
	off[1] = 1005;
	build(buf, 2, kinds, off, len);
	ok(refuses(2000, "overlaps entry 0"), "overlapping data: %s", err);
	off[1] = 1010;
	build(buf, 2, kinds, off, len);
	ok(snp_certtable_parse(&t, buf, 2000, err, sizeof err) == 0, "adjacent data is fine");
	off[1] = 0xfffffff0u, len[1] = 0x20;
	build(buf, 2, kinds, off, len);
	ok(refuses(2000, "ends past the buffer"), "offset+length wrapping u32: %s", err);
	off[1] = 1995, len[1] = 10;
	build(buf, 2, kinds, off, len);
	ok(refuses(2000, "ends past the buffer"), "data beyond the buffer: %s", err);
	off[1] = 1010;
	kinds[1] = kinds[0];
	build(buf, 2, kinds, off, len);
	ok(refuses(2000, "appears twice"), "same unknown GUID twice: %s", err);
	kinds[1] = 0x11;
	build(buf, 2, kinds, off, len);
	memset(buf + 24, 0, 16); /* entry 1: zero GUID, offset and length left */
	ok(refuses(2000, "zero GUID"), "zero GUID with an offset: %s", err);

	for (int i = 0; i < 20; i++)
		kinds[i] = (uint8_t)(0x10 + i), off[i] = (uint32_t)(1000 + 10 * i), len[i] = 10;
	build(buf, 17, kinds, off, len);
	ok(refuses(2000, "at most 16"), "17 entries: %s", err);
	build(buf, 16, kinds, off, len);
	ok(snp_certtable_parse(&t, buf, 2000, err, sizeof err) == 0 && t.count == 16, "16 entries accepted");

	/* Two VCEKs: which one would count? Refused. */
	struct snp_certtable_input two[] = {
		{SNP_CERT_VCEK, NULL, ark, sizeof ark},
		{SNP_CERT_VCEK, NULL, ask, sizeof ask},
	};
	memset(buf, 0, sizeof buf);
	size_t n = snp_certtable_write(buf, sizeof buf, two, 2);
	ok(n && refuses(n, "VCEK appears twice"), "duplicate VCEK: %s", err);

	/* A mixed-endian (EFI_GUID layout) VCEK GUID is recognised too; both forms at once are a duplicate. */
	static const uint8_t vcek_mixed[16] = {0x8d, 0x75, 0xda, 0x63, 0x64, 0xe6, 0x64, 0x45,
					       0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd};
	is_int(snp_cert_kind_from_guid(vcek_mixed), SNP_CERT_VCEK, "mixed-endian VCEK GUID recognised");
	static const uint8_t ark_mixed[16] = {0xa4, 0x06, 0xb4, 0xc0, 0x03, 0xa8, 0x52, 0x49,
					      0x97, 0x43, 0x3f, 0xb6, 0x01, 0x4c, 0xd0, 0xae};
	is_int(snp_cert_kind_from_guid(ark_mixed), SNP_CERT_ARK, "mixed-endian ARK GUID recognised");
	struct snp_certtable_input other[] = {{SNP_CERT_OTHER, vcek_mixed, vcek, 100}};
	n = snp_certtable_write(buf, sizeof buf, other, 1);
	e = NULL;
	ok(n == 48 + 100 && snp_certtable_parse(&t, buf, n, err, sizeof err) == 0 &&
		   (e = snp_certtable_find(&t, SNP_CERT_VCEK)) && memcmp(e->guid, vcek_mixed, 16) == 0,
	   "table with a mixed-endian VCEK entry: VCEK found, GUID kept as written");
	struct snp_certtable_input both[] = {{SNP_CERT_OTHER, vcek_mixed, vcek, 100}, {SNP_CERT_VCEK, NULL, vcek, 100}};
	n = snp_certtable_write(buf, sizeof buf, both, 2);
	ok(n && refuses(n, "VCEK appears twice"), "VCEK in both byte orders: %s", err);
	static const uint8_t unknown[16] = {0x12, 0x34};
	is_int(snp_cert_kind_from_guid(unknown), SNP_CERT_OTHER, "unknown GUID is other");

	/* Writer refusals. */
	struct snp_certtable_input bad[] = {{SNP_CERT_OTHER, NULL, ark, sizeof ark}};
	is_int(snp_certtable_write(buf, sizeof buf, bad, 1), 0, "OTHER without GUID refused");
	struct snp_certtable_input empty[] = {{SNP_CERT_ARK, NULL, ark, 0}};
	is_int(snp_certtable_write(buf, sizeof buf, empty, 1), 0, "empty certificate refused");
	is_int(snp_certtable_write(buf, sizeof buf, in, 0), 0, "no entries refused");
	return done_testing();
}
