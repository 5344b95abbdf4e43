/* AMD VCEK/VLEK extensions, their comparison with a report, and product names. */
#include "amd_cert.h"
#include "amd_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/bytes.h"
#include "der/der.h"
#include "x509/x509.h"

/* 1.3.6.1.4.1.3704.1 (AMD SEV arc), contents bytes of the OID. */
static const uint8_t amd_arc[] = {0x2b, 0x06, 0x01, 0x04, 0x01, 0x9c, 0x78, 0x01};

const char *amd_product_name(enum amd_product p)
{
	switch (p) {
	case AMD_PRODUCT_MILAN: return "Milan";
	case AMD_PRODUCT_GENOA: return "Genoa";
	case AMD_PRODUCT_TURIN: return "Turin";
	default: return "unknown";
	}
}

enum amd_product amd_product_from_name(const char *name, size_t len)
{
	size_t fam = 0;
	while (fam < len && name[fam] != '-')
		fam++;
	for (int p = AMD_PRODUCT_MILAN; p <= AMD_PRODUCT_TURIN; p++) {
		const char *n = amd_product_name((enum amd_product)p);
		if (strlen(n) == fam && memcmp(n, name, fam) == 0)
			return (enum amd_product)p;
	}
	return AMD_PRODUCT_UNKNOWN;
}

/* An extension value holding one DER INTEGER that must fit a byte (an SPL). */
static int spl_value(const struct x509_ext *e, uint8_t *out, const char *name, char *err, size_t err_len)
{
	struct der d;
	uint32_t v;
	der_init(&d, e->value.p, e->value.len, err, err_len);
	if (der_uint32(&d, &v, name) || der_finish(&d, name))
		return -1;
	if (v > 255) {
		der_errf(err, err_len, "%s is %u, expected 0..255 (one REPORTED_TCB byte)", name, (unsigned)v);
		return -1;
	}
	*out = (uint8_t)v;
	return 0;
}

/* A printable-ASCII string extension (IA5String, or UTF8String for csp_id), NUL-terminated into out. */
static int string_value(const struct x509_ext *e, char *out, size_t cap, int allow_utf8, const char *name,
			char *err, size_t err_len)
{
	struct der d;
	struct der_tlv t;
	der_init(&d, e->value.p, e->value.len, err, err_len);
	if (allow_utf8 && der_peek_tag(&d) == DER_UTF8_STRING) {
		if (der_expect(&d, DER_UTF8_STRING, &t, name))
			return -1;
	} else if (der_ia5_string(&d, &t.val, &t.len, name)) {
		return -1;
	}
	if (der_finish(&d, name))
		return -1;
	if (t.len == 0 || t.len >= cap) {
		der_errf(err, err_len, "%s of %zu bytes, expected 1..%zu", name, t.len, cap - 1);
		return -1;
	}
	for (size_t i = 0; i < t.len; i++) {
		if (t.val[i] < 0x20 || t.val[i] > 0x7e) {
			der_errf(err, err_len, "%s byte 0x%02x at %zu is not printable ASCII", name, t.val[i], i);
			return -1;
		}
	}
	memcpy(out, t.val, t.len);
	out[t.len] = '\0';
	return 0;
}

static int one_ext(const struct x509_ext *e, struct amd_vcek_ext *ext, char *err, size_t err_len)
{
	const uint8_t *s = e->oid.p + sizeof(amd_arc);
	size_t n = e->oid.len - sizeof(amd_arc);
	struct der d;

	if (n == 1 && s[0] == 1) {
		der_init(&d, e->value.p, e->value.len, err, err_len);
		ext->present |= AMD_EXT_STRUCT_VERSION;
		return der_uint32(&d, &ext->struct_version, "structVersion (.1)") ||
		       der_finish(&d, "structVersion (.1)");
	}
	if (n == 1 && s[0] == 2) {
		ext->present |= AMD_EXT_PRODUCT_NAME;
		return string_value(e, ext->product_name, sizeof(ext->product_name), 0, "productName (.2)",
				    err, err_len);
	}
	if (n == 2 && s[0] == 3) {
		uint8_t ignored;
		switch (s[1]) {
		case 1: ext->present |= AMD_EXT_BL_SPL; return spl_value(e, &ext->bl_spl, "blSPL (.3.1)", err, err_len);
		case 2: ext->present |= AMD_EXT_TEE_SPL; return spl_value(e, &ext->tee_spl, "teeSPL (.3.2)", err, err_len);
		case 3: ext->present |= AMD_EXT_SNP_SPL; return spl_value(e, &ext->snp_spl, "snpSPL (.3.3)", err, err_len);
		case 8: ext->present |= AMD_EXT_UCODE_SPL; return spl_value(e, &ext->ucode_spl, "ucodeSPL (.3.8)", err, err_len);
		case 9: ext->present |= AMD_EXT_FMC_SPL; return spl_value(e, &ext->fmc_spl, "fmcSPL (.3.9)", err, err_len);
		case 4: case 5: case 6: case 7: /* reserved SPLs: checked well-formed, not compared */
			return spl_value(e, &ignored, "reserved SPL (.3.4-.3.7)", err, err_len);
		default: return 0;
		}
	}
	if (n == 1 && s[0] == 4) {
		/* hwID is the raw bytes of the OCTET STRING extnValue, not a nested DER value. */
		if (e->value.len != 64 && e->value.len != 8) {
			der_errf(err, err_len, "hwID (.4) of %zu bytes, expected 64 (Milan, Genoa) or 8 (Turin)",
				 e->value.len);
			return -1;
		}
		memcpy(ext->hwid, e->value.p, e->value.len);
		ext->hwid_len = e->value.len;
		ext->present |= AMD_EXT_HWID;
		return 0;
	}
	if (n == 1 && s[0] == 5) {
		ext->present |= AMD_EXT_CSP_ID;
		return string_value(e, ext->csp_id, sizeof(ext->csp_id), 1, "cspId (.5)", err, err_len);
	}
	return 0; /* other AMD extensions: not used */
}

static int ext_from_cert(const struct x509_cert *c, struct amd_vcek_ext *ext, char *err, size_t err_len)
{
	memset(ext, 0, sizeof(*ext));
	for (size_t i = 0; i < c->n_ext; i++) {
		const struct x509_ext *e = &c->ext[i];
		if (e->oid.len <= sizeof(amd_arc) || memcmp(e->oid.p, amd_arc, sizeof(amd_arc)) != 0)
			continue;
		if (one_ext(e, ext, err, err_len))
			return -1;
	}
	return 0;
}

int amd_vcek_ext_parse(const uint8_t *der, size_t len, struct amd_vcek_ext *ext, char *err, size_t err_len)
{
	struct x509_cert c;
	if (x509_parse(&c, der, len, err, err_len)) {
		der_err_prefix(err, err_len, "VCEK: ");
		return -1;
	}
	if (ext_from_cert(&c, ext, err, err_len)) {
		der_err_prefix(err, err_len, "VCEK extension ");
		return -1;
	}
	return 0;
}

int amd_vcek_ext_from_cert(const struct x509_cert *c, struct amd_vcek_ext *ext, char *err, size_t err_len)
{
	return ext_from_cert(c, ext, err, err_len);
}

int amd_vcek_public_key(const uint8_t *der, size_t len, br_ec_public_key *pk, uint8_t q[AMD_EC_P384_POINT_LEN],
			char *err, size_t err_len)
{
	struct x509_cert c;
	if (x509_parse(&c, der, len, err, err_len) ||
	    x509_ec_key(&c, pk, q, AMD_EC_P384_POINT_LEN, err, err_len)) {
		der_err_prefix(err, err_len, "VCEK: ");
		return -1;
	}
	return 0;
}

/* Appends "; "-separated mismatch descriptions. */
struct mismatches {
	char *err;
	size_t err_len;
	int count;
};

__attribute__((format(printf, 2, 3)))
static void mismatch(struct mismatches *m, const char *fmt, ...)
{
	va_list ap;
	m->count++;
	if (!m->err || !m->err_len)
		return;
	size_t used = strnlen(m->err, m->err_len);
	if (m->count > 1 && used + 2 < m->err_len) {
		memcpy(m->err + used, "; ", 3);
		used += 2;
	}
	va_start(ap, fmt);
	vsnprintf(m->err + used, m->err_len - used, fmt, ap);
	va_end(ap);
}

int amd_vcek_match_report(const struct amd_vcek_ext *ext, enum amd_product product, const uint8_t reported_tcb[8],
			  const uint8_t *chip_id, char *err, size_t err_len)
{
	struct mismatches m = {err, err_len, 0};
	const char *who = (ext->present & AMD_EXT_CSP_ID) ? "VLEK" : "VCEK";
	uint32_t need = AMD_EXT_BL_SPL | AMD_EXT_TEE_SPL | AMD_EXT_SNP_SPL | AMD_EXT_UCODE_SPL;
	int bl, tee, snp, ucode = 7, fmc = -1;

	if (err && err_len)
		err[0] = '\0';
	switch (product) {
	case AMD_PRODUCT_MILAN:
	case AMD_PRODUCT_GENOA:
		bl = 0, tee = 1, snp = 6;
		break;
	case AMD_PRODUCT_TURIN:
		fmc = 0, bl = 1, tee = 2, snp = 3;
		need |= AMD_EXT_FMC_SPL;
		break;
	default:
		der_errf(err, err_len, "%s: unknown product, cannot pick the REPORTED_TCB layout", who);
		return -1;
	}
	if ((ext->present & need) != need) {
		der_errf(err, err_len, "%s: missing TCB extension(s) for %s (have mask 0x%x, need 0x%x)", who,
			 amd_product_name(product), (unsigned)ext->present, (unsigned)need);
		return -1;
	}
	if (fmc >= 0 && ext->fmc_spl != reported_tcb[fmc])
		mismatch(&m, "%s fmcSPL %u != REPORTED_TCB fmc %u", who, ext->fmc_spl, reported_tcb[fmc]);
	if (ext->bl_spl != reported_tcb[bl])
		mismatch(&m, "%s blSPL %u != REPORTED_TCB boot_loader %u", who, ext->bl_spl, reported_tcb[bl]);
	if (ext->tee_spl != reported_tcb[tee])
		mismatch(&m, "%s teeSPL %u != REPORTED_TCB tee %u", who, ext->tee_spl, reported_tcb[tee]);
	if (ext->snp_spl != reported_tcb[snp])
		mismatch(&m, "%s snpSPL %u != REPORTED_TCB snp %u", who, ext->snp_spl, reported_tcb[snp]);
	if (ext->ucode_spl != reported_tcb[ucode])
		mismatch(&m, "%s ucodeSPL %u != REPORTED_TCB microcode %u", who, ext->ucode_spl,
			 reported_tcb[ucode]);

	if (ext->present & AMD_EXT_HWID) {
		size_t want = product == AMD_PRODUCT_TURIN ? 8 : 64;
		char a[17], b[17];
		if (ext->hwid_len != want) {
			der_errf(err, err_len, "%s: hwID of %zu bytes, expected %zu for %s", who, ext->hwid_len,
				 want, amd_product_name(product));
			return -1;
		}
		if (!chip_id) {
			der_errf(err, err_len, "%s: has a hwID but no CHIP_ID was given", who);
			return -1;
		}
		if (memcmp(ext->hwid, chip_id, want) != 0) {
			hex_encode(a, ext->hwid, 8);
			hex_encode(b, chip_id, 8);
			mismatch(&m, "%s hwID %s... != CHIP_ID %s...%s", who, a, b,
				 bytes_all_zero(chip_id, want) ? " (zero: MASK_CHIP_ID set?)" : "");
		}
	} else if (!(ext->present & AMD_EXT_CSP_ID)) {
		der_errf(err, err_len, "%s: neither hwID (.4) nor cspId (.5) present", who);
		return -1;
	}
	return m.count;
}
