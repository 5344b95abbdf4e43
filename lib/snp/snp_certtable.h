/* The SNP certificate table (GHCB spec 56421, extended guest request; the
 * configfs-tsm `auxblob`): entries {GUID 16, offset u32 LE, length u32 LE},
 * ended by an all-zero entry, offsets from the start of the table, the
 * certificates (DER) after the entries.
 *
 * GUID byte order: the 16 bytes are the GUID's text form in order (RFC
 * 4122 / "big-endian"). That is what the producers and readers in use
 * write and read: virtee/sev (Uuid::as_bytes), google/go-sev-guest
 * (uuid.Parse bytes), AMD's sev-guest tools (libuuid uuid_parse). A few
 * readers use the UEFI mixed-endian EFI_GUID layout instead (first three
 * groups little-endian), so the reader also recognises that form; the
 * writer always uses text order. A kind present in both forms counts as
 * twice and is refused. */
#ifndef SNPBOOT_SNP_CERTTABLE_H
#define SNPBOOT_SNP_CERTTABLE_H

#include <stddef.h>
#include <stdint.h>

#define SNP_CERTTABLE_ENTRY_SIZE 24u
#define SNP_CERTTABLE_MAX_ENTRIES 16u

enum snp_cert_kind {
	SNP_CERT_OTHER = 0,
	SNP_CERT_ARK,  /* c0b406a4-a803-4952-9743-3fb6014cd0ae */
	SNP_CERT_ASK,  /* 4ab7b379-bbac-4fe4-a02f-05aef327c782 (also used for the ASVK) */
	SNP_CERT_VCEK, /* 63da758d-e664-4564-adc5-f4b93be8accd */
	SNP_CERT_VLEK, /* a8074bc2-a25a-483e-aae6-39c045a0b8a1 */
};

/* "ARK", "ASK", "VCEK", "VLEK", "other". */
const char *snp_cert_kind_name(enum snp_cert_kind k);
/* The 16 table bytes of a known kind's GUID; NULL for OTHER. */
const uint8_t *snp_cert_kind_guid(enum snp_cert_kind k);
/* Text order or mixed-endian; OTHER if neither. */
enum snp_cert_kind snp_cert_kind_from_guid(const uint8_t guid[16]);
/* "c0b406a4-a803-4952-9743-3fb6014cd0ae" (37 bytes with the NUL). */
void snp_guid_format(char out[37], const uint8_t guid[16]);

struct snp_certtable_entry {
	uint8_t guid[16];
	enum snp_cert_kind kind;
	uint32_t offset;
	uint32_t length;
	const uint8_t *data; /* points into the buffer given to snp_certtable_parse */
};

struct snp_certtable {
	size_t count;
	struct snp_certtable_entry entries[SNP_CERTTABLE_MAX_ENTRIES];
	size_t table_end; /* bytes used by the entries and the terminator */
};

/* Parses and bounds-checks a table. len 0 is an empty table (no
 * certificates supplied). Refused, with the entry named: missing
 * terminator, more than SNP_CERTTABLE_MAX_ENTRIES entries, a zero GUID with
 * a non-zero offset or length, zero length, data reaching into the entry
 * area or beyond the buffer, overlapping data, the same known kind twice.
 * Returns 0, or -1 with the message in err (err may be NULL). */
int snp_certtable_parse(struct snp_certtable *t, const uint8_t *buf, size_t len, char *err, size_t errlen);

/* The first entry of the kind, or NULL. */
const struct snp_certtable_entry *snp_certtable_find(const struct snp_certtable *t, enum snp_cert_kind k);

/* One certificate to write: the kind's GUID, or `guid` when kind is OTHER. */
struct snp_certtable_input {
	enum snp_cert_kind kind;
	const uint8_t *guid;
	const uint8_t *data;
	size_t len;
};

/* Bytes needed to write the n inputs (entries, terminator, data). 0 if the
 * total would not fit in a u32 offset. */
size_t snp_certtable_size(const struct snp_certtable_input *in, size_t n);
/* Writes the table into out (cap bytes): entries in input order, the
 * terminator, then each certificate back to back. Bytes of out past the
 * table are left alone (callers padding to a page zero them first).
 * Returns the bytes written, or 0 if cap is too small, n is 0 or too large,
 * an input is empty, or an OTHER input has no GUID. */
size_t snp_certtable_write(uint8_t *out, size_t cap, const struct snp_certtable_input *in, size_t n);

#endif
