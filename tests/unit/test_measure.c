/* Launch-digest calculator: every vector of testvectors/README.md
 * (measurement/: QEMU, EC2 before 2026 and today, GCE), the OVMF-hash path,
 * vCPU signatures from family/model/stepping, the refusal of firmware that cannot
 * measure a kernel, and malformed OVMF footers. */
#include "../tap.h"
#include "base/bytes.h"
#include "measure/measure.h"

#define TAIL_LEN 4096

static const char *want_ovmf_hash =
	"086e2e9149ebf45abdc3445fba5b2da8270bdbb04094d7a2c37faaa4b24af3aa16aff8c374c2a55c467a50da6d466b74";

static int load(const char *name, uint8_t *buf, size_t cap)
{
	char path[512], err[MEASURE_ERR_LEN];
	uint8_t *data;
	size_t len;
	snprintf(path, sizeof path, "%s/testvectors/measurement/%s", shared_dir(), name);
	if (measure_read_file(&data, &len, path, cap, err, sizeof err) != 0) {
		diag("%s", err);
		return -1;
	}
	memcpy(buf, data, len);
	free(data);
	return (int)len;
}

static void hexof(char out[2 * MEASURE_DIGEST_LEN + 1], const uint8_t d[MEASURE_DIGEST_LEN])
{
	hex_encode(out, d, MEASURE_DIGEST_LEN);
}

/* Offset of the data of the GUID-table entry whose GUID starts with these 4 bytes. */
static size_t entry_data(const uint8_t *img, size_t len, const uint8_t guid4[4], size_t data_len)
{
	for (size_t i = len - 64; i > 0; i--)
		if (memcmp(img + i, guid4, 4) == 0)
			return i - 2 - data_len;
	return 0;
}

struct row {
	const char *what;
	uint64_t features;
	int kernel;
	enum measure_vmm vmm;
	const char *append;
	const char *digest;
};

static const struct row rows[] = {
	{"AmdSev 0x1 kernel+initrd /dev/null, append, QEMU", 0x1, 1, MEASURE_VMM_QEMU, "console=ttyS0 loglevel=7",
	 "6d287813eb5222d770f75005c664e34c204f385ce832cc2ce7d0d6f354454362f390ef83a92046c042e706363b4b08fa"},
	{"AmdSev 0x21 kernel+initrd /dev/null, append, QEMU", 0x21, 1, MEASURE_VMM_QEMU, "console=ttyS0 loglevel=7",
	 "803f691094946e42068aaa3a8f9e26a5c89f36f7b73ecfb28c653360fe4b3aba7e534442e7e1e17895dfe778d0228977"},
	{"AmdSev 0x1 no kernel, QEMU", 0x1, 0, MEASURE_VMM_QEMU, NULL,
	 "19358ba9a7615534a9a1e2f0dfc29384dcd4dcb7062ff9c6013b26869a5fc6ecabe033c48dd6f6db5d6d76e7c5df632d"},
	{"AmdSev 0x21 no kernel, QEMU", 0x21, 0, MEASURE_VMM_QEMU, NULL,
	 "e1e1ca029dd7973ab9513295be68198472dcd4fc834bd9af9b63f6e8a1674dbf281a9278a4a2ebe0eed9f22adbcd0e2b"},
	{"AmdSev 0x1 kernel+initrd /dev/null, no append, EC2 before 2026 (ec2-2025)", 0x1, 1, MEASURE_VMM_EC2_2025, NULL,
	 "7d3756157c805bf6adf617064c8552e8c1688fa1c8756f11cbf56ba5d25c9270fb69c0505c1cbe1c5c66c0e34c6ed3be"},
	{"AmdSev 0x1 kernel+initrd /dev/null, no append, EC2 today (RDX 0x600)", 0x1, 1, MEASURE_VMM_EC2, NULL,
	 "0883bd0eeb716e65b7b977a321c278d1e51b33b5c655fab985443bbcc65c086b9c15e8a0bd8811050dec7e24964e5056"},
	{"AmdSev 0x1 kernel+initrd /dev/null, no append, GCE", 0x1, 1, MEASURE_VMM_GCE, NULL,
	 "5da7106cf14cf46b1725ebab123eb9e53bd46a1e9f400cd0c08e7827b04b688ea8b4e403c8404efed4397ea5d5d0722e"},
};

static void test_vectors(const uint8_t *amd, size_t amd_len)
{
	char hex[2 * MEASURE_DIGEST_LEN + 1], err[MEASURE_ERR_LEN];
	uint8_t h[MEASURE_DIGEST_LEN];
	struct measure_kernel_hashes k;
	uint32_t sig = 0;

	ok(measure_vcpu_type_sig("EPYC-v4", &sig) == 0, "EPYC-v4 is a known vCPU type");
	/* /dev/null for kernel and initrd, through the file path the CLI uses. */
	ok(measure_kernel_hashes_files(&k, "/dev/null", "/dev/null", NULL, err, sizeof err) == 0,
	   "kernel hashes of /dev/null");

	ok(measure_ovmf_hash(h, amd, amd_len, err, sizeof err) == 0, "OVMF hash of the AmdSev tail");
	hexof(hex, h);
	is_str(hex, want_ovmf_hash, "OVMF hash (tail image at 4 GiB - 4 KiB) matches the vector");

	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const struct row *r = &rows[i];
		struct measure_kernel_hashes kr = k;
		measure_cmdline_hash(kr.cmdline, r->append);
		struct measure_params p = {.ovmf = amd, .ovmf_len = amd_len, .kernel = r->kernel ? &kr : NULL,
					   .vcpus = 1, .vcpu_sig = sig, .vmm = r->vmm, .guest_features = r->features};
		struct measure_result res;
		int rc = measure_launch_digest(&res, &p, err, sizeof err);
		if (rc)
			diag("%s", err);
		hexof(hex, res.digest);
		is_str(hex, r->digest, "vector: %s", r->what);
		is_int(res.kernel_measured, r->kernel, "  kernel_measured flag for: %s", r->what);
	}

	/* Starting from the precomputed OVMF hash (sev-snp-measure --snp-ovmf-hash). */
	uint8_t seed[MEASURE_DIGEST_LEN];
	hex_decode(seed, sizeof seed, want_ovmf_hash, strlen(want_ovmf_hash));
	struct measure_params p = {.ovmf = amd, .ovmf_len = amd_len, .ovmf_hash = seed, .kernel = &k, .vcpus = 1,
				   .vcpu_sig = sig, .vmm = MEASURE_VMM_QEMU, .guest_features = 0x1};
	struct measure_result res;
	ok(measure_launch_digest(&res, &p, err, sizeof err) == 0, "launch digest from the OVMF hash");
	hexof(hex, res.digest);
	is_str(hex, "ddc5224521617a536ee7ce9dd6224d1b58a8d4fda1c741f3ac99fc4bfa04ba6e9fc98646d4a07a9079397fa3852819b5",
	       "vector: OVMF hash + /dev/null kernel and initrd, no append, 0x1");
	/* With the OVMF hash the image pages are not read: any size works. */
	p.ovmf_len = amd_len - 100;
	p.ovmf = amd + 100;
	ok(measure_launch_digest(&res, &p, err, sizeof err) == 0, "OVMF hash path accepts a non-page-sized image");
	hexof(hex, res.digest);
	is_str(hex, "ddc5224521617a536ee7ce9dd6224d1b58a8d4fda1c741f3ac99fc4bfa04ba6e9fc98646d4a07a9079397fa3852819b5",
	       "  and gives the same digest");
}

static void test_parse(const uint8_t *amd, size_t amd_len, const uint8_t *x64, size_t x64_len)
{
	struct ovmf_info info;
	char err[MEASURE_ERR_LEN];

	ok(ovmf_parse(&info, amd, amd_len, err, sizeof err) == 0, "AmdSev tail parses");
	is_int(info.n_sections, 7, "AmdSev: 7 metadata sections");
	is_int(info.sections[4].type, OVMF_SECTION_SVSM_CAA, "AmdSev: section 4 is SVSM_CAA");
	ok(ovmf_has_section(&info, OVMF_SECTION_SNP_KERNEL_HASHES), "AmdSev has SNP_KERNEL_HASHES");
	ok(info.has_sev_es_reset && info.sev_es_reset_eip == 0x80b004, "AmdSev: SEV-ES reset EIP 0x80b004");
	ok(info.has_hashes_table && info.hashes_table_gpa == 0x810c00 && info.hashes_table_size == 0x400,
	   "AmdSev: hashes table at 0x810c00, 0x400 bytes");

	ok(ovmf_parse(&info, x64, x64_len, err, sizeof err) == 0, "OvmfX64 tail parses");
	is_int(info.n_sections, 6, "OvmfX64: 6 metadata sections");
	ok(!ovmf_has_section(&info, OVMF_SECTION_SNP_KERNEL_HASHES), "OvmfX64 has no SNP_KERNEL_HASHES");
	is_str(ovmf_section_name(0x10), "SNP_KERNEL_HASHES", "section names");
}

static void test_refusal(const uint8_t *x64, size_t x64_len)
{
	char err[MEASURE_ERR_LEN] = "";
	struct measure_kernel_hashes k;
	struct measure_result res, plain;
	measure_sha256(k.kernel, (const uint8_t *)"", 0);
	measure_sha256(k.initrd, (const uint8_t *)"", 0);
	measure_cmdline_hash(k.cmdline, "console=ttyS0");
	struct measure_params p = {.ovmf = x64, .ovmf_len = x64_len, .kernel = &k, .vcpus = 1, .vcpu_sig = 0x800f12,
				   .vmm = MEASURE_VMM_QEMU, .guest_features = 0x1};

	is_int(measure_launch_digest(&res, &p, err, sizeof err), MEASURE_ERR_KERNEL_NOT_MEASURED,
	       "OvmfX64 + kernel is refused");
	ok(strstr(err, "NOT") && strstr(err, "kernel, initrd and command line"), "  and the error says why: %s", err);

	p.allow_unmeasured_kernel = 1;
	ok(measure_launch_digest(&res, &p, err, sizeof err) == 0 && res.kernel_ignored && !res.kernel_measured,
	   "with allow_unmeasured_kernel: computed, flagged as kernel_ignored");
	p.kernel = NULL;
	ok(measure_launch_digest(&plain, &p, err, sizeof err) == 0 && !plain.kernel_ignored,
	   "OvmfX64 without a kernel is fine");
	is_mem(res.digest, plain.digest, MEASURE_DIGEST_LEN, "  firmware-only digest equals the no-kernel digest");
}

static int parse_fails(const uint8_t *img, size_t len, const char *what)
{
	struct ovmf_info info;
	char err[MEASURE_ERR_LEN] = "";
	int rc = ovmf_parse(&info, img, len, err, sizeof err);
	ok(rc == -1 && err[0] && strncmp(err, "OVMF: ", 6) == 0, "refused: %s (%s)", what, err);
	return rc;
}

static void test_malformed(const uint8_t *amd, size_t len)
{
	uint8_t img[TAIL_LEN];
	static const uint8_t meta4[4] = {0x66, 0x65, 0x88, 0xdc};
	static const uint8_t reset4[4] = {0xde, 0x71, 0xf7, 0x00};
	static const uint8_t hashes4[4] = {0x1f, 0x37, 0x55, 0x72};
	size_t meta = entry_data(amd, len, meta4, 4);
	size_t reset = entry_data(amd, len, reset4, 4);
	size_t hashes = entry_data(amd, len, hashes4, 8);
	size_t footer_len = len - 50, last_entry_len = len - 50 - 18;
	size_t hdr = len - le32_load(amd + meta);
	ok(meta && reset && hashes && memcmp(amd + hdr, "ASEV", 4) == 0, "located the entries in the AmdSev tail");

	parse_fails(amd, 0, "empty image");
	parse_fails(amd + len - 49, 49, "image shorter than the footer");
	parse_fails(amd + len - 120, 120, "truncated: table reaches before the image start");
	parse_fails(amd + len - 1024, 1024, "truncated: SEV metadata before the image start");
	parse_fails(amd, len - 16, "truncated at the end: no footer GUID");

#define PATCH(what, stmt)                    \
	do {                                 \
		memcpy(img, amd, len);       \
		stmt;                        \
		parse_fails(img, len, what); \
	} while (0)
	PATCH("footer GUID corrupted", img[len - 40] ^= 1);
	PATCH("table length 0xffff reaching before the image start", le16_store(img + footer_len, 0xffff));
	PATCH("table length smaller than the footer", le16_store(img + footer_len, 17));
	PATCH("table length one byte short (stray bytes)", le16_store(img + footer_len, le16_load(amd + footer_len) + 1));
	PATCH("entry length 0 (would loop forever)", le16_store(img + last_entry_len, 0));
	PATCH("entry length below the header size", le16_store(img + last_entry_len, 17));
	PATCH("entry length beyond the table", le16_store(img + last_entry_len, 0x1000));
	PATCH("metadata offset beyond the image", le32_store(img + meta, (uint32_t)len + 1));
	PATCH("metadata offset 0", le32_store(img + meta, 0));
	PATCH("metadata offset 0xffffffff", le32_store(img + meta, 0xffffffffu));
	PATCH("metadata signature", img[hdr] = 'B');
	PATCH("metadata version 2", le32_store(img + hdr + 8, 2));
	PATCH("metadata count 2^32-1", le32_store(img + hdr + 12, 0xffffffffu));
	PATCH("metadata count beyond its size", le32_store(img + hdr + 12, 8));
	PATCH("metadata size beyond the image", le32_store(img + hdr + 4, 0x10000));
	PATCH("section gpa not page aligned", le32_store(img + hdr + 16, 0x800010));
	PATCH("section size 0", le32_store(img + hdr + 16 + 4, 0));
	PATCH("section beyond 4 GiB", le32_store(img + hdr + 16, 0xfffff000u); le32_store(img + hdr + 20, 0x2000));
	PATCH("unknown section type", le32_store(img + hdr + 16 + 8, 7));
	/* Make the hashes-table entry a second SEV-ES reset block. */
	PATCH("duplicate GUID entry", memcpy(img + hashes + 8 + 2, img + reset + 4 + 2, 16));
#undef PATCH

	/* Sizes the digest cannot use, on an otherwise valid image. */
	struct measure_kernel_hashes k = {{0}, {0}, {0}};
	struct measure_params p = {.ovmf = amd, .ovmf_len = len - 8, .vcpus = 1, .vmm = MEASURE_VMM_QEMU,
				   .guest_features = 1};
	struct measure_result res;
	char err[MEASURE_ERR_LEN];
	memcpy(img, amd + 8, len - 8);
	p.ovmf = img;
	is_int(measure_launch_digest(&res, &p, err, sizeof err), MEASURE_ERR_INPUT,
	       "image not a whole number of pages refused (%s)", err);
	p.ovmf = amd;
	p.ovmf_len = len;
	p.vcpus = 0;
	is_int(measure_launch_digest(&res, &p, err, sizeof err), MEASURE_ERR_INPUT, "0 vCPUs refused (%s)", err);
	p.vcpus = MEASURE_MAX_VCPUS + 1;
	is_int(measure_launch_digest(&res, &p, err, sizeof err), MEASURE_ERR_INPUT, "too many vCPUs refused");
	p.vcpus = 1;
	p.guest_features = 0x20;
	is_int(measure_launch_digest(&res, &p, err, sizeof err), MEASURE_ERR_INPUT,
	       "guest features without SNPActive refused (%s)", err);
	p.guest_features = 1;
	p.vmm = (enum measure_vmm)7;
	is_int(measure_launch_digest(&res, &p, err, sizeof err), MEASURE_ERR_INPUT, "unknown VMM refused");
	p.vmm = MEASURE_VMM_QEMU;

	/* Hashes table outside the kernel-hashes page. */
	memcpy(img, amd, len);
	le32_store(img + hashes, 0x900c00);
	p.ovmf = img;
	p.kernel = &k;
	is_int(measure_launch_digest(&res, &p, err, sizeof err), MEASURE_ERR_INPUT,
	       "hashes table outside the SNP_KERNEL_HASHES page refused (%s)", err);
	le32_store(img + hashes, 0x810f80);
	is_int(measure_launch_digest(&res, &p, err, sizeof err), MEASURE_ERR_INPUT,
	       "hashes table crossing its page refused (%s)", err);
	/* No reset block: fine for 1 vCPU, refused for APs. */
	memcpy(img, amd, len);
	img[reset + 4 + 2 + 5] ^= 0xff; /* unknown GUID now */
	p.kernel = NULL;
	ok(measure_launch_digest(&res, &p, err, sizeof err) == 0, "no SEV-ES reset block, 1 vCPU: ok");
	p.vcpus = 2;
	is_int(measure_launch_digest(&res, &p, err, sizeof err), MEASURE_ERR_INPUT,
	       "no SEV-ES reset block, 2 vCPUs: refused (%s)", err);
}

static void test_vcpu_types(void)
{
	static const struct {
		const char *name;
		uint32_t sig;
	} t[] = {{"EPYC", 0x800f12},      {"epyc-v4", 0x800f12},     {"EPYC-Rome", 0x830f10},
		 {"EPYC-Milan", 0xa00f11}, {"EPYC-Milan-v2", 0xa00f11}, {"EPYC-Genoa", 0xa10f10},
		 {"EPYC-Turin", 0xb00f00}};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		uint32_t sig = 0;
		ok(measure_vcpu_type_sig(t[i].name, &sig) == 0 && sig == t[i].sig, "vCPU %s = 0x%x", t[i].name,
		   t[i].sig);
	}
	uint32_t sig;
	is_int(measure_vcpu_type_sig("Skylake-Server", &sig), -1, "unknown vCPU type refused");
	enum measure_vmm vmm;
	ok(measure_vmm_parse("EC2", &vmm) == 0 && vmm == MEASURE_VMM_EC2, "vmm ec2 (today's EC2)");
	ok(measure_vmm_parse("ec2-2025", &vmm) == 0 && vmm == MEASURE_VMM_EC2_2025, "vmm ec2-2025");
	ok(measure_vmm_parse("GCE", &vmm) == 0 && vmm == MEASURE_VMM_GCE, "vmm gce");
	is_int(measure_vmm_parse("krun", &vmm), -1, "vmm krun not supported");
	unsigned n = 0;
	for (unsigned i = 0; measure_vmm_at(i); i++, n++)
		ok(measure_vmm_parse(measure_vmm_name(measure_vmm_at(i)), &vmm) == 0 && vmm == measure_vmm_at(i) &&
			   measure_vmm_help(vmm)[0],
		   "vmm %s: its name parses back, it has a help line", measure_vmm_name(measure_vmm_at(i)));
	is_int(n, 4, "four VMM types");
	ok(!measure_vmm_known((enum measure_vmm)7) && strcmp(measure_vmm_name((enum measure_vmm)7), "unknown") == 0,
	   "unknown VMM value named \"unknown\"");
}

static void test_pieces(void)
{
	uint8_t page[MEASURE_PAGE_SIZE], a[MEASURE_SHA256_LEN], b[MEASURE_SHA256_LEN];
	measure_vmsa_page(page, MEASURE_BSP_EIP, 0x21, 0x800f12, MEASURE_VMM_QEMU);
	ok(le64_load(page + 0x310) == 0x800f12 && le64_load(page + 0x3b0) == 0x21 && le64_load(page + 0x178) == 0xfff0 &&
		   le64_load(page + 0x18) == 0xffff0000u && le32_load(page + 0x408) == 0x1f80 &&
		   le16_load(page + 0x410) == 0x37f,
	   "QEMU BSP VMSA: RDX, SEV_FEATURES, RIP, CS base, MXCSR, FCW");
	measure_vmsa_page(page, 0x80b004, 0x1, 0x800f12, MEASURE_VMM_EC2_2025);
	ok(le64_load(page + 0x310) == 0 && le16_load(page + 0x12) == 0x9b && le16_load(page + 0x22) == 0x92 &&
		   le64_load(page + 0x178) == 0xb004 && le64_load(page + 0x18) == 0x800000 && le32_load(page + 0x408) == 0,
	   "EC2 (before 2026) AP VMSA: RDX 0, CS 0x9b, SS 0x92, RIP/CS base from the reset EIP");
	measure_vmsa_page(page, MEASURE_BSP_EIP, 0x1, 0x800f12, MEASURE_VMM_EC2);
	ok(le64_load(page + 0x310) == 0x600 && le16_load(page + 0x12) == 0x9a && le16_load(page + 0x92) == 0x83 &&
		   le64_load(page + 0x268) == 0x0007040600070406ull && le16_load(page + 0x410) == 0,
	   "EC2 (today) BSP VMSA: RDX 0x600 whatever the vCPU, CS 0x9a, TR 0x83, reset PAT, FCW 0");
	measure_vmsa_page(page, MEASURE_BSP_EIP, 0x1, 0x800f12, MEASURE_VMM_GCE);
	ok(le64_load(page + 0x310) == 0x600 && le16_load(page + 0x12) == 0x9b && le16_load(page + 0x22) == 0x93 &&
		   le16_load(page + 0x92) == 0x8b && le64_load(page + 0x268) == 0x00070106 &&
		   le32_load(page + 0x408) == 0 && le16_load(page + 0x410) == 0,
	   "GCE BSP VMSA: RDX 0x600, CS 0x9b, SS 0x93, TR 0x8b, G_PAT 0x70106, MXCSR 0, FCW 0");

	measure_cmdline_hash(a, NULL);
	measure_sha256(b, (const uint8_t *)"", 1);
	is_mem(a, b, sizeof a, "no append hashes a lone NUL");
	measure_cmdline_hash(a, "");
	is_mem(a, b, sizeof a, "empty append is the same");
	measure_cmdline_hash(a, "console=ttyS0");
	measure_sha256(b, (const uint8_t *)"console=ttyS0", 14);
	is_mem(a, b, sizeof a, "append is hashed with its NUL");

	struct measure_kernel_hashes k;
	memset(&k, 0x11, sizeof k);
	is_int(measure_hashes_page(page, 4096 - 176, &k), 0, "hashes table fits at the end of a page");
	is_int(measure_hashes_page(page, 4096 - 175, &k), -1, "hashes table crossing the page refused");
	is_int(le16_load(page + 4096 - 176 + 16), 168, "table length field 168");
}

static void test_files(void)
{
	char ovmf[512], err[MEASURE_ERR_LEN];
	snprintf(ovmf, sizeof ovmf, "%s/testvectors/measurement/ovmf_AmdSev_suffix.bin", shared_dir());
	struct measure_files f = {.ovmf = ovmf, .kernel = "/dev/null", .initrd = "/dev/null",
				  .append = "console=ttyS0 loglevel=7", .vcpus = 1, .vcpu_type = "EPYC-v4",
				  .vmm = MEASURE_VMM_QEMU, .guest_features = 0x1};
	struct measure_result r;
	char hex[2 * MEASURE_DIGEST_LEN + 1];
	ok(measure_launch_digest_files(&r, &f, err, sizeof err) == 0, "launch digest from file paths");
	hexof(hex, r.digest);
	is_str(hex, rows[0].digest, "  equals the first vector");
	f.ovmf_hash_hex = want_ovmf_hash;
	f.append = NULL;
	ok(measure_launch_digest_files(&r, &f, err, sizeof err) == 0, "file paths + OVMF hash hex");
	hexof(hex, r.digest);
	is_str(hex, "ddc5224521617a536ee7ce9dd6224d1b58a8d4fda1c741f3ac99fc4bfa04ba6e9fc98646d4a07a9079397fa3852819b5",
	       "  equals the OVMF-hash vector");
	f.ovmf_hash_hex = "00";
	is_int(measure_launch_digest_files(&r, &f, err, sizeof err), MEASURE_ERR_INPUT, "short OVMF hash: %s", err);
	f.ovmf_hash_hex = NULL;
	f.vcpu_type = "486";
	is_int(measure_launch_digest_files(&r, &f, err, sizeof err), MEASURE_ERR_INPUT, "unknown vCPU type: %s", err);
	f.vcpu_type = NULL;
	f.kernel = NULL;
	is_int(measure_launch_digest_files(&r, &f, err, sizeof err), MEASURE_ERR_INPUT, "initrd without kernel: %s", err);
	f.kernel = "/nonexistent/vmlinuz";
	is_int(measure_launch_digest_files(&r, &f, err, sizeof err), MEASURE_ERR_INPUT, "missing kernel: %s", err);
	snprintf(ovmf, sizeof ovmf, "%s/testvectors/measurement/ovmf_OvmfX64_suffix.bin", shared_dir());
	f.kernel = "/dev/null";
	is_int(measure_launch_digest_files(&r, &f, err, sizeof err), MEASURE_ERR_KERNEL_NOT_MEASURED,
	       "OvmfX64 + kernel through file paths refused");
	ok(strstr(err, "ovmf_OvmfX64_suffix.bin: OVMF: ") != NULL, "  error names the file: %s", err);
}

/* --vcpu-family/--vcpu-model/--vcpu-stepping: a triple equal to a named
 * model gives that model's signature, hence its digest. */
static void test_fms(const uint8_t *amd, size_t amd_len)
{
	static const struct {
		const char *name;
		unsigned family, model, stepping;
	} t[] = {{"EPYC-v4", 23, 1, 2}, {"EPYC-Milan", 25, 1, 1}, {"EPYC-Genoa", 25, 17, 0}, {"EPYC-Turin", 26, 0, 0}};
	char err[MEASURE_ERR_LEN];
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		uint32_t named = 0, fms = 0;
		struct measure_result a, b;
		struct measure_params p = {.ovmf = amd, .ovmf_len = amd_len, .vcpus = 3, .vmm = MEASURE_VMM_QEMU,
					   .guest_features = 0x1};
		int got = measure_vcpu_type_sig(t[i].name, &named) == 0 &&
			  measure_cpu_sig_checked(t[i].family, t[i].model, t[i].stepping, &fms) == 0;
		ok(got && named == fms, "family %u model %u stepping %u is %s (0x%x)", t[i].family, t[i].model,
		   t[i].stepping, t[i].name, fms);
		p.vcpu_sig = named;
		int rc = measure_launch_digest(&a, &p, err, sizeof err);
		p.vcpu_sig = fms;
		rc |= measure_launch_digest(&b, &p, err, sizeof err);
		ok(rc == 0 && memcmp(a.digest, b.digest, MEASURE_DIGEST_LEN) == 0, "  same digest, 3 vCPUs, as %s",
		   t[i].name);
	}
	uint32_t sig = 0;
	int rc = measure_cpu_sig_checked(0x10e, 0xff, 0xf, &sig);
	ok(rc == 0 && sig == 0x0fff0fff, "largest triple: 0x%x (bits 12-15 reserved)", sig);
	is_int(measure_cpu_sig_checked(0x10f, 0, 0, &sig), -1, "family 0x10f refused");
	is_int(measure_cpu_sig_checked(25, 0x100, 0, &sig), -1, "model 0x100 refused");
	is_int(measure_cpu_sig_checked(25, 1, 16, &sig), -1, "stepping 16 refused");
}

int main(void)
{
	static uint8_t amd[TAIL_LEN], x64[TAIL_LEN];
	int amd_len = load("ovmf_AmdSev_suffix.bin", amd, sizeof amd);
	int x64_len = load("ovmf_OvmfX64_suffix.bin", x64, sizeof x64);
	if (!ok(amd_len == TAIL_LEN && x64_len == TAIL_LEN, "read the two 4 KiB OVMF tail images"))
		return done_testing();
	test_parse(amd, TAIL_LEN, x64, TAIL_LEN);
	test_vectors(amd, TAIL_LEN);
	test_refusal(x64, TAIL_LEN);
	test_malformed(amd, TAIL_LEN);
	test_vcpu_types();
	test_fms(amd, TAIL_LEN);
	test_pieces();
	test_files();
	return done_testing();
}
