/* SVSM launches (measure_svsm.h): the digest real hardware measured for
 * testvectors/svsm/ (2 vCPUs) and sev-snp-measure's 4-vCPU value for the
 * same images, through the buffer and the file interfaces, and the
 * refusals: a kernel (never measured with an SVSM), images that are not
 * whole pages, an OVMF given as the SVSM, an entry point outside the
 * image, a layout that does not fit below 4 GiB. */
#include "../tap.h"
#include "base/bytes.h"
#include "measure/measure.h"
#include "measure/measure_svsm.h"

#define VARS_SIZE 540672u
#define EPYC_V4_SIG 0x800f12u
#define HW_2VCPU                                                                                         \
	"9b94745036aafddf4f7f8b00c7513abb5b7703178cb95aaa57928bd963d68d3bfcb715d6019b9167ee2517b11b0d9be7"
#define REF_4VCPU                                                                                        \
	"27d154c27b7b359c935e250ec6fee72aa0ae8c1225e3b0e1cf46a9567e938066d7d6f94bbdc4a857818bdb79277a44b2"

static char ovmf_path[512], svsm_path[512];

static int same_digest(const uint8_t d[MEASURE_DIGEST_LEN], const char *want)
{
	char hex[2 * MEASURE_DIGEST_LEN + 1];
	hex_encode(hex, d, MEASURE_DIGEST_LEN);
	return strcmp(hex, want) == 0;
}

/* same_digest, saying what differs. */
static int digest_is(const uint8_t d[MEASURE_DIGEST_LEN], const char *want)
{
	char hex[2 * MEASURE_DIGEST_LEN + 1];
	hex_encode(hex, d, MEASURE_DIGEST_LEN);
	if (!same_digest(d, want))
		diag("got  %s\nwant %s", hex, want);
	return same_digest(d, want);
}

static void test_vectors(struct measure_svsm_params p)
{
	uint8_t d[MEASURE_DIGEST_LEN];
	char err[MEASURE_ERR_LEN] = "";
	p.vcpus = 2;
	ok(measure_svsm_digest(d, &p, err, sizeof err) == 0 && digest_is(d, HW_2VCPU),
	   "2 vCPUs EPYC-v4: the digest measured on hardware %s", err);
	p.vcpus = 4;
	ok(measure_svsm_digest(d, &p, err, sizeof err) == 0 && digest_is(d, REF_4VCPU),
	   "4 vCPUs EPYC-v4: sev-snp-measure's value");
	p.vcpus = 2;
	p.vcpu_sig = 0xa00f11; /* EPYC-Milan */
	ok(measure_svsm_digest(d, &p, err, sizeof err) == 0 && !same_digest(d, HW_2VCPU),
	   "another vCPU signature changes the digest");
	p.vcpu_sig = EPYC_V4_SIG;
	p.vars_size = VARS_SIZE + 4096;
	ok(measure_svsm_digest(d, &p, err, sizeof err) == 0 && !same_digest(d, HW_2VCPU),
	   "another vars area size moves the SVSM and changes the digest");
}

static void test_files(void)
{
	struct measure_files f = {.ovmf = ovmf_path, .svsm = svsm_path, .ovmf_vars_size = VARS_SIZE, .vcpus = 2,
				  .vcpu_type = "EPYC-v4", .vmm = MEASURE_VMM_QEMU, .guest_features = 0x21};
	struct measure_result r;
	char err[MEASURE_ERR_LEN] = "";
	ok(measure_launch_digest_files(&r, &f, err, sizeof err) == 0 && digest_is(r.digest, HW_2VCPU) &&
		   !r.kernel_measured,
	   "file interface: hardware vector; guest features 0x21 are not measured with an SVSM %s", err);
	f.kernel = "/dev/null";
	is_int(measure_launch_digest_files(&r, &f, err, sizeof err), MEASURE_ERR_KERNEL_NOT_MEASURED,
	       "a kernel with an SVSM is refused as unmeasurable");
	ok(strstr(err, "kernel hashes") != NULL, "and says why (%s)", err);
	f.kernel = NULL;
	f.vmm = MEASURE_VMM_EC2;
	is_int(measure_launch_digest_files(&r, &f, err, sizeof err), MEASURE_ERR_INPUT, "SVSM on EC2 refused");
	f.vmm = MEASURE_VMM_QEMU;
	f.svsm = ovmf_path;
	is_int(measure_launch_digest_files(&r, &f, err, sizeof err), MEASURE_ERR_INPUT, "an OVMF as the SVSM refused");
	ok(strstr(err, "a789a612") != NULL, "names the missing SVSM information entry (%s)", err);
}

static void test_refusals(struct measure_svsm_params p, uint8_t *svsm_copy)
{
	uint8_t d[MEASURE_DIGEST_LEN];
	char err[MEASURE_ERR_LEN];
	struct measure_svsm_params q = p;
	q.vars_size = VARS_SIZE + 1;
	is_int(measure_svsm_digest(d, &q, err, sizeof err), -1, "vars area not whole pages refused");
	q = p;
	q.vars_size = 0x100000000ull;
	is_int(measure_svsm_digest(d, &q, err, sizeof err), -1, "layout above 4 GiB refused");
	ok(strstr(err, "4 GiB") != NULL, "says it does not fit (%s)", err);
	q = p;
	q.svsm_len -= 1;
	is_int(measure_svsm_digest(d, &q, err, sizeof err), -1, "SVSM image not whole pages refused");
	q = p;
	q.vcpus = 0;
	is_int(measure_svsm_digest(d, &q, err, sizeof err), -1, "0 vCPUs refused");

	/* Point the information entry's entry offset past the image. */
	memcpy(svsm_copy, p.svsm, p.svsm_len);
	static const uint8_t info_guid[16] = {0x12, 0xa6, 0x89, 0xa7, 0x97, 0x05, 0x4b, 0x4c,
					      0xa4, 0x9f, 0xcb, 0xb1, 0xfe, 0x9d, 0x1d, 0xdd};
	size_t at = 0;
	for (size_t i = p.svsm_len - 64; i > 0 && !at; i--)
		if (memcmp(svsm_copy + i, info_guid, 16) == 0)
			at = i - 2 - 4;
	if (ok(at != 0, "found the SVSM information entry")) {
		le32_store(svsm_copy + at, (uint32_t)p.svsm_len);
		q = p;
		q.svsm = svsm_copy;
		is_int(measure_svsm_digest(d, &q, err, sizeof err), -1, "entry point outside the image refused");
		ok(strstr(err, "outside") != NULL, "says so (%s)", err);
	}
}

int main(void)
{
	snprintf(ovmf_path, sizeof ovmf_path, "%s/testvectors/svsm/svsm_ovmf.fd", shared_dir());
	snprintf(svsm_path, sizeof svsm_path, "%s/testvectors/svsm/svsm.bin", shared_dir());
	uint8_t *ovmf = NULL, *svsm = NULL;
	size_t ovmf_len = 0, svsm_len = 0;
	char err[MEASURE_ERR_LEN] = "";
	if (!ok(measure_read_file(&ovmf, &ovmf_len, ovmf_path, MEASURE_OVMF_MAX_LEN, err, sizeof err) == 0 &&
			measure_read_file(&svsm, &svsm_len, svsm_path, MEASURE_OVMF_MAX_LEN, err, sizeof err) == 0,
		"read testvectors/svsm/ %s", err))
		return done_testing();
	struct measure_svsm_params p = {.ovmf = ovmf, .ovmf_len = ovmf_len, .svsm = svsm, .svsm_len = svsm_len,
					.vars_size = VARS_SIZE, .vcpus = 2, .vcpu_sig = EPYC_V4_SIG};
	uint64_t base = 0;
	int based = measure_svsm_base(&base, &p, err, sizeof err);
	ok(based == 0 && base == 0x100000000ull - ovmf_len - VARS_SIZE - svsm_len && base == 0xffaea000u,
	   "the SVSM ends where the vars area starts (base 0x%llx)", (unsigned long long)base);
	test_vectors(p);
	test_files();
	uint8_t *copy = svsm_len ? malloc(svsm_len) : NULL;
	if (copy)
		test_refusals(p, copy);
	free(copy);
	free(ovmf);
	free(svsm);
	return done_testing();
}
