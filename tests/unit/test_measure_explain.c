/* MEASUREMENT mismatch explanations: the real vectors of
 * testvectors/measurement (0x1 vs 0x21, kernel vs firmware-only, QEMU vs
 * EC2 are single changes of each other), synthetic targets computed with
 * exactly one changed parameter (the explanation must name exactly that
 * change), targets no single change gives, and the report/evidence path
 * (explain_report_run with the real Milan report, its MEASUREMENT replaced). */
#include "../tap.h"
#include "base/bytes.h"
#include "chan/chan_frame.h"
#include "chan/chan_payload.h"
#include "client/explain_report.h"
#include "measure/measure_explain.h"
#include "vmdef/vmdef.h"

#include <unistd.h>

static uint8_t amd[4096];
static size_t amd_len;
static const char *append0 = "console=ttyS0 loglevel=7";

static void hex_to(uint8_t out[MEASURE_DIGEST_LEN], const char *hex)
{
	hex_decode(out, MEASURE_DIGEST_LEN, hex, strlen(hex));
}

/* The definition of the first vector row: AmdSev, /dev/null kernel and
 * initrd, append, 1 vCPU EPYC-v4, QEMU, 0x1. */
static struct measure_kernel_hashes kh;
static struct measure_explain_input base(void)
{
	uint32_t sig = 0;
	measure_vcpu_type_sig("EPYC-v4", &sig);
	measure_sha256(kh.kernel, (const uint8_t *)"", 0);
	measure_sha256(kh.initrd, (const uint8_t *)"", 0);
	measure_cmdline_hash(kh.cmdline, append0);
	return (struct measure_explain_input){.ovmf = amd, .ovmf_len = amd_len, .kernel = &kh, .has_initrd = 1,
					      .append = append0, .vcpus = 1, .vcpu_sig = sig,
					      .vcpu_type = "EPYC-v4", .vmm = MEASURE_VMM_QEMU,
					      .guest_features = 0x1};
}

/* Digest of in with its kernel hashes replaced (cmdline: NULL keeps in's). */
static void digest_of(uint8_t out[MEASURE_DIGEST_LEN], const struct measure_explain_input *in)
{
	struct measure_params p = {.ovmf = in->ovmf, .ovmf_len = in->ovmf_len, .kernel = in->kernel,
				   .vcpus = in->vcpus, .vcpu_sig = in->vcpu_sig, .vmm = in->vmm,
				   .guest_features = in->guest_features};
	struct measure_result r;
	char err[MEASURE_ERR_LEN];
	if (measure_launch_digest(&r, &p, err, sizeof err) != 0)
		diag("digest_of: %s", err);
	memcpy(out, r.digest, MEASURE_DIGEST_LEN);
}

/* Explains target against def; checks exactly one change is named and it starts with want. */
static void expect_one(const struct measure_explain_input *def, const uint8_t target[MEASURE_DIGEST_LEN],
		       const char *want, const char *what)
{
	struct measure_explain x;
	char err[MEASURE_ERR_LEN], line[1024];
	ok(measure_explain(&x, def, target, err, sizeof err) == 0, "%s: explained", what);
	is_int(x.n_found, 1, "%s: exactly one change gives it", what);
	ok(x.n_found >= 1 && strncmp(x.found[0], want, strlen(want)) == 0, "%s: names '%s'", what, want);
	if (x.n_found >= 1 && strncmp(x.found[0], want, strlen(want)) != 0)
		diag("got '%s'", x.found[0]);
	measure_explain_summary(&x, line, sizeof line);
	ok(strncmp(line, "MEASUREMENT matches the definition with ", 40) == 0 && strstr(line, want),
	   "%s: summary line '%.90s...'", what, line);
}

static void expect_none(const struct measure_explain_input *def, const uint8_t target[MEASURE_DIGEST_LEN],
			const char *what)
{
	struct measure_explain x;
	char err[MEASURE_ERR_LEN], line[2048];
	ok(measure_explain(&x, def, target, err, sizeof err) == 0, "%s: explained", what);
	is_int(x.n_found, 0, "%s: no single change gives it", what);
	ok(!x.matches, "%s: not the definition itself", what);
	measure_explain_summary(&x, line, sizeof line);
	ok(strncmp(line, "no single change explains it; checked: ", 39) == 0, "%s: says so", what);
	ok(strstr(line, "guest_features") && strstr(line, "vcpus 1..64") && strstr(line, "vcpu_type") &&
		   strstr(line, "vmm_type ") && strstr(line, "ec2-2025") && strstr(line, "firmware-only") && strstr(line, "initrd absent") &&
		   strstr(line, "append ("),
	   "%s: lists what was checked", what);
	ok(x.tried > 100, "%s: %u digests computed", what, x.tried);
}

static void test_vectors(void)
{
	struct measure_explain_input def = base();
	uint8_t t[MEASURE_DIGEST_LEN];
	struct measure_explain x;
	char err[MEASURE_ERR_LEN], line[512];

	hex_to(t, "6d287813eb5222d770f75005c664e34c204f385ce832cc2ce7d0d6f354454362f390ef83a92046c042e706363b4b08fa");
	ok(measure_explain(&x, &def, t, err, sizeof err) == 0 && x.matches && x.n_found == 0,
	   "vector row 1 is the definition as it is");
	measure_explain_summary(&x, line, sizeof line);
	is_str(line, "MEASUREMENT matches the definition as it is", "  and says so");

	hex_to(t, "803f691094946e42068aaa3a8f9e26a5c89f36f7b73ecfb28c653360fe4b3aba7e534442e7e1e17895dfe778d0228977");
	expect_one(&def, t, "guest_features = 0x21 (definition says 0x1: the host turned DebugSwap, bit 5 on)",
		   "vector 0x21 vs definition 0x1");
	hex_to(t, "19358ba9a7615534a9a1e2f0dfc29384dcd4dcb7062ff9c6013b26869a5fc6ecabe033c48dd6f6db5d6d76e7c5df632d");
	expect_one(&def, t, "no kernel hashes: the firmware-only digest", "vector without kernel vs definition with one");

	/* The EC2 and GCE rows (no append) against a definition without append:
	 * every other VMM type is tried, whichever the definition names. */
	def.append = NULL;
	measure_cmdline_hash(kh.cmdline, NULL);
	hex_to(t, "7d3756157c805bf6adf617064c8552e8c1688fa1c8756f11cbf56ba5d25c9270fb69c0505c1cbe1c5c66c0e34c6ed3be");
	expect_one(&def, t, "vmm_type = \"ec2-2025\" (definition says \"qemu\")",
		   "vector EC2 before 2026 vs definition QEMU");
	hex_to(t, "0883bd0eeb716e65b7b977a321c278d1e51b33b5c655fab985443bbcc65c086b9c15e8a0bd8811050dec7e24964e5056");
	expect_one(&def, t, "vmm_type = \"ec2\" (definition says \"qemu\")", "vector EC2 today vs definition QEMU");
	hex_to(t, "5da7106cf14cf46b1725ebab123eb9e53bd46a1e9f400cd0c08e7827b04b688ea8b4e403c8404efed4397ea5d5d0722e");
	expect_one(&def, t, "vmm_type = \"gce\" (definition says \"qemu\")", "vector GCE vs definition QEMU");
	/* A definition written before AWS's change, a report from today's EC2. */
	def.vmm = MEASURE_VMM_EC2_2025;
	hex_to(t, "0883bd0eeb716e65b7b977a321c278d1e51b33b5c655fab985443bbcc65c086b9c15e8a0bd8811050dec7e24964e5056");
	expect_one(&def, t, "vmm_type = \"ec2\" (definition says \"ec2-2025\")",
		   "vector EC2 today vs definition EC2 before 2026");
	def.vmm = MEASURE_VMM_GCE;
	hex_to(t, "6d287813eb5222d770f75005c664e34c204f385ce832cc2ce7d0d6f354454362f390ef83a92046c042e706363b4b08fa");
	expect_none(&def, t, "QEMU row with append vs GCE definition without (two changes)");
	/* The other way round: the definition says 0x21, the host launched 0x1. */
	def = base();
	def.guest_features = 0x21;
	hex_to(t, "6d287813eb5222d770f75005c664e34c204f385ce832cc2ce7d0d6f354454362f390ef83a92046c042e706363b4b08fa");
	expect_one(&def, t, "guest_features = 0x1 (definition says 0x21: the host turned DebugSwap, bit 5 off)",
		   "vector 0x1 vs definition 0x21");
	/* Two changes at once: 0x21 and no kernel. */
	def = base();
	hex_to(t, "e1e1ca029dd7973ab9513295be68198472dcd4fc834bd9af9b63f6e8a1674dbf281a9278a4a2ebe0eed9f22adbcd0e2b");
	expect_none(&def, t, "vector 0x21 without kernel vs definition 0x1 with one (two changes)");
}

static void test_synthetic(void)
{
	struct measure_explain_input def = base(), launched;
	struct measure_kernel_hashes k2;
	uint8_t t[MEASURE_DIGEST_LEN];

	launched = def;
	launched.vcpus = 4;
	digest_of(t, &launched);
	expect_one(&def, t, "vcpus = 4 (definition says 1)", "4 vCPUs launched, definition 1");
	launched.vcpus = 64;
	digest_of(t, &launched);
	expect_one(&def, t, "vcpus = 64 (definition says 1)", "64 vCPUs (the top of the range)");
	launched.vcpus = 65;
	digest_of(t, &launched);
	expect_none(&def, t, "65 vCPUs: outside the range tried for a 1-vCPU definition");
	def.vcpus = 40;
	launched.vcpus = 80;
	digest_of(t, &launched);
	expect_one(&def, t, "vcpus = 80 (definition says 40)", "80 vCPUs launched, definition 40 (range 2x)");
	launched.vcpus = 1;
	digest_of(t, &launched);
	expect_one(&def, t, "vcpus = 1 (definition says 40)", "1 vCPU launched, definition 40");

	def = base();
	launched = def;
	measure_vcpu_type_sig("EPYC-Milan", &launched.vcpu_sig);
	digest_of(t, &launched);
	expect_one(&def, t, "vcpu_type = \"EPYC-Milan\" (CPUID signature 0xa00f11; same as EPYC-Milan-v1",
		   "EPYC-Milan launched, definition EPYC-v4");
	launched = def;
	launched.guest_features = 0x201;
	digest_of(t, &launched);
	expect_one(&def, t, "guest_features = 0x201 (definition says 0x1: the host turned SecureTSC, bit 9 on)",
		   "SecureTSC on");

	launched = def;
	k2 = kh;
	launched.kernel = &k2;
	measure_sha256(k2.initrd, (const uint8_t *)"x", 1);
	def.has_initrd = 1;
	/* The definition names an initrd ("x"), the host launched none. */
	struct measure_explain_input with_initrd = def;
	struct measure_kernel_hashes k_initrd = k2;
	with_initrd.kernel = &k_initrd;
	launched.kernel = &kh;
	digest_of(t, &launched);
	expect_one(&with_initrd, t, "no initrd (the definition names one)", "initrd missing at launch");

	struct {
		const char *launched, *want, *what;
	} cmdlines[] = {
		{"console=ttyS0 loglevel=7\n", "append with a trailing newline", "command line with a newline"},
		{"console=ttyS0 loglevel=7 ", "append with a trailing blank", "command line with a blank"},
		{"console=ttyS0", "append without \"loglevel=7\" (the definition has it)", "last word missing"},
		{"loglevel=7", "append without \"console=ttyS0\" (the definition has it)", "first word missing"},
		{"console=ttyS0 loglevel=7 quiet", "append with \"quiet\" added at the end", "quiet added"},
		{NULL, "no command line (definition's append is \"console=ttyS0 loglevel=7\")", "no -append"},
	};
	for (size_t i = 0; i < sizeof cmdlines / sizeof cmdlines[0]; i++) {
		def = base();
		launched = def;
		k2 = kh;
		measure_cmdline_hash(k2.cmdline, cmdlines[i].launched);
		launched.kernel = &k2;
		digest_of(t, &launched);
		expect_one(&def, t, cmdlines[i].want, cmdlines[i].what);
	}
	/* The definition's append has a newline the launch lacked, and runs of blanks. */
	def = base();
	def.append = "console=ttyS0  loglevel=7\n";
	measure_cmdline_hash(kh.cmdline, def.append);
	launched = def;
	k2 = kh;
	measure_cmdline_hash(k2.cmdline, "console=ttyS0  loglevel=7");
	launched.kernel = &k2;
	digest_of(t, &launched);
	expect_one(&def, t, "append without its trailing newline", "definition with a newline the launch lacks");
	measure_cmdline_hash(k2.cmdline, "console=ttyS0 loglevel=7\n");
	digest_of(t, &launched);
	expect_one(&def, t, "append with runs of blanks collapsed", "definition with a double blank");

	/* No match: two changes, and an unrelated digest. */
	def = base();
	launched = def;
	launched.vcpus = 2;
	launched.guest_features = 0x21;
	digest_of(t, &launched);
	expect_none(&def, t, "2 vCPUs and 0x21 at once");
	memset(t, 0xa5, sizeof t);
	expect_none(&def, t, "an unrelated digest");

	/* The OVMF hash given is used instead of the pages (same results). */
	uint8_t seed[MEASURE_DIGEST_LEN];
	char err[MEASURE_ERR_LEN];
	ok(measure_ovmf_hash(seed, amd, amd_len, err, sizeof err) == 0, "OVMF hash");
	def.ovmf_hash = seed;
	launched = def;
	launched.vcpus = 3;
	digest_of(t, &launched);
	expect_one(&def, t, "vcpus = 3 (definition says 1)", "with a precomputed OVMF hash");

	/* A definition that cannot be measured is an error, not an explanation. */
	def = base();
	def.guest_features = 0x20;
	struct measure_explain x;
	err[0] = 0;
	ok(measure_explain(&x, &def, t, err, sizeof err) == -1 && strstr(err, "SNPActive"),
	   "unmeasurable definition: error (%s)", err);
}

/* The report path: a definition file, the real Milan report with its
 * MEASUREMENT replaced by a launch with 4 vCPUs, raw and as an EVIDENCE frame. */
static void test_report(void)
{
	static struct vmdef def;
	static struct explain_report e;
	static uint8_t report[SNP_REPORT_SIZE], frame[8192], payload[8192];
	char path[512], err[VMDEF_ERR_LEN], text[1024];
	snprintf(path, sizeof path, "%s/testvectors/real/milan/report.bin", shared_dir());
	FILE *f = fopen(path, "rb");
	ok(f && fread(report, 1, sizeof report, f) == sizeof report, "read the real Milan report");
	if (f)
		fclose(f);
	char ovmf[600];
	snprintf(ovmf, sizeof ovmf, "%s/testvectors/measurement/ovmf_AmdSev_suffix.bin", shared_dir());
	char *abs = realpath(ovmf, NULL);
	snprintf(text, sizeof text,
		 "[vm]\nname = \"t\"\n[firmware]\novmf = \"%s\"\n[boot]\nkernel = \"/dev/null\"\n"
		 "initrd = \"/dev/null\"\nappend = \"%s\"\n[policy]\nsingle_socket = true\n",
		 abs ? abs : ovmf, append0);
	free(abs);
	ok(vmdef_parse("/tmp/t.toml", text, strlen(text), &def, err, sizeof err) == 0, "definition parses (%s)",
	   err);

	struct measure_explain_input launched = base();
	launched.vcpus = 4;
	digest_of(report + 0x90, &launched);
	ok(explain_report_run(&e, &def, report, err, sizeof err) == 0, "report explained");
	ok(!e.matches, "  MEASUREMENT differs");
	ok(strcmp(e.summary, "MEASUREMENT matches the definition with vcpus = 4 (definition says 1)") == 0,
	   "  summary: %s", e.summary);
	int policy_note = 0, generic = 0;
	for (size_t i = 0; i < e.n_notes; i++) {
		policy_note |= strstr(e.notes[i], "POLICY 0x30000 differs from the definition's guest_policy 0x130000") !=
			       NULL;
		generic |= strstr(e.notes[i], "not part of MEASUREMENT at all: memory size, POLICY") != NULL;
	}
	ok(policy_note, "  notes that POLICY differs but is not part of MEASUREMENT");
	ok(generic, "  lists the fields that are not part of MEASUREMENT");

	struct measure_explain_input same = base();
	digest_of(report + 0x90, &same);
	ok(explain_report_run(&e, &def, report, err, sizeof err) == 0 && e.matches && e.n_notes == 0,
	   "report with the definition's MEASUREMENT: matches, no notes");

	/* Read back from files: raw, EVIDENCE frame, and something else. */
	char dir[] = "/tmp/test_explainXXXXXX";
	ok(mkdtemp(dir) != NULL, "temp dir");
	char raw[600], ev_path[600], bad[600];
	snprintf(raw, sizeof raw, "%s/report.bin", dir);
	snprintf(ev_path, sizeof ev_path, "%s/evidence.frame", dir);
	snprintf(bad, sizeof bad, "%s/bad.bin", dir);
	uint8_t back[SNP_REPORT_SIZE];
	f = fopen(raw, "wb");
	fwrite(report, 1, sizeof report, f);
	fclose(f);
	ok(explain_read_report("test", raw, back) == 0 && memcmp(back, report, sizeof back) == 0, "raw report read");
	struct chan_evidence ev = {.report = report, .boot_facts = "facts", .boot_facts_len = 5};
	size_t plen = chan_evidence_encode(payload, sizeof payload, &ev, err, sizeof err);
	size_t flen = chan_frame_encode(frame, sizeof frame, CHAN_FRAME_EVIDENCE, payload, plen, err, sizeof err);
	f = fopen(ev_path, "wb");
	fwrite(frame, 1, flen, f);
	fclose(f);
	memset(back, 0, sizeof back);
	ok(plen && flen && explain_read_report("test", ev_path, back) == 0 && memcmp(back, report, sizeof back) == 0,
	   "report read from a saved EVIDENCE frame");
	f = fopen(bad, "wb");
	fwrite(frame, 1, flen - 1, f);
	fclose(f);
	ok(explain_read_report("test", bad, back) == -1, "a cut EVIDENCE frame is refused");
	unlink(raw);
	unlink(ev_path);
	unlink(bad);
	rmdir(dir);
}

int main(void)
{
	char path[512], err[MEASURE_ERR_LEN];
	uint8_t *data;
	snprintf(path, sizeof path, "%s/testvectors/measurement/ovmf_AmdSev_suffix.bin", shared_dir());
	if (measure_read_file(&data, &amd_len, path, sizeof amd, err, sizeof err) != 0) {
		printf("1..0 # SKIP %s\n", err);
		return 0;
	}
	memcpy(amd, data, amd_len);
	free(data);
	test_vectors();
	test_synthetic();
	test_report();
	return done_testing();
}
