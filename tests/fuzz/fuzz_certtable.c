/* libFuzzer target for the SNP certificate table reader. Accepted tables
 * must satisfy what the reader promises (data inside the buffer, after the
 * entries, non-empty, not overlapping, kinds unique), and writing the
 * entries back out must give a table that parses to the same entries. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "snp/snp_certtable.h"
#include "snp/snp_verify.h"

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct snp_certtable t, t2;
	char err[256];
	uint8_t *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	err[0] = 'x';
	if (snp_certtable_parse(&t, buf, size, err, sizeof err) != 0) {
		CHECK(err[0] != '\0' && memchr(err, '\0', sizeof err));
		free(buf);
		return 0;
	}
	CHECK(t.count <= SNP_CERTTABLE_MAX_ENTRIES);
	CHECK(size == 0 || t.table_end == (t.count + 1) * SNP_CERTTABLE_ENTRY_SIZE);
	struct snp_certtable_input in[SNP_CERTTABLE_MAX_ENTRIES];
	for (size_t i = 0; i < t.count; i++) {
		const struct snp_certtable_entry *e = &t.entries[i];
		CHECK(e->length > 0 && e->offset >= t.table_end && (uint64_t)e->offset + e->length <= size);
		CHECK(e->data == buf + e->offset);
		CHECK(e->kind == snp_cert_kind_from_guid(e->guid));
		for (size_t j = 0; j < i; j++) {
			const struct snp_certtable_entry *f = &t.entries[j];
			CHECK(e->offset >= f->offset + f->length || f->offset >= e->offset + e->length);
			CHECK(e->kind == SNP_CERT_OTHER || e->kind != f->kind);
		}
		in[i] = (struct snp_certtable_input){SNP_CERT_OTHER, e->guid, e->data, e->length};
	}
	struct amd_certs certs;
	snp_certs_from_table(&t, &certs, err, sizeof err);
	if (t.count) {
		size_t need = snp_certtable_size(in, t.count);
		uint8_t *out = malloc(need ? need : 1);
		CHECK(out && need);
		CHECK(snp_certtable_write(out, need, in, t.count) == need);
		CHECK(snp_certtable_parse(&t2, out, need, err, sizeof err) == 0 && t2.count == t.count);
		for (size_t i = 0; i < t.count; i++)
			CHECK(t2.entries[i].length == t.entries[i].length &&
			      memcmp(t2.entries[i].data, t.entries[i].data, t.entries[i].length) == 0 &&
			      memcmp(t2.entries[i].guid, t.entries[i].guid, 16) == 0);
		free(out);
	}
	free(buf);
	return 0;
}
