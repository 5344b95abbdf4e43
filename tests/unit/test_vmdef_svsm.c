/* vm.toml [svsm]: the table's keys and their rules, the definition's
 * MEASUREMENT through the SVSM (the hardware vector of testvectors/svsm/),
 * a kernel refused with a message that says what works instead, and
 * `measure --explain`'s SVSM candidates (vCPUs, vars size, no SVSM). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../tap.h"
#include "base/bytes.h"
#include "measure/measure_explain.h"
#include "vmdef/vmdef.h"

#define HW_2VCPU                                                                                         \
	"9b94745036aafddf4f7f8b00c7513abb5b7703178cb95aaa57928bd963d68d3bfcb715d6019b9167ee2517b11b0d9be7"
#define REF_4VCPU                                                                                        \
	"27d154c27b7b359c935e250ec6fee72aa0ae8c1225e3b0e1cf46a9567e938066d7d6f94bbdc4a857818bdb79277a44b2"

static char tmpdir[256], ovmf[PATH_MAX], svsm[PATH_MAX];
static struct vmdef def; /* large */
static char err[VMDEF_ERR_LEN];

static int parse(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int parse(const char *fmt, ...)
{
	char text[2048], path[300];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	snprintf(path, sizeof path, "%s/vm.toml", tmpdir);
	err[0] = '\0';
	return vmdef_parse(path, text, strlen(text), &def, err, sizeof err);
}

#define HEAD_VM "[vm]\nname = \"svsm\"\nvcpus = 2\n"
#define HEAD_FW "[firmware]\novmf = \"%s\"\n"
#define HEAD HEAD_VM HEAD_FW

static void test_keys(void)
{
	ok(parse(HEAD "[svsm]\nimage = \"%s\"\novmf_vars_size = 540672\n", ovmf, svsm) == 0 && def.has_svsm &&
		   def.svsm.ovmf_vars_size == 540672 && strcmp(def.svsm.image, svsm) == 0,
	   "image and ovmf_vars_size %s", err);
	ok(parse(HEAD, ovmf) == 0 && !def.has_svsm, "no table: no SVSM");

	char vars[300];
	snprintf(vars, sizeof vars, "%s/OVMF_VARS.fd", tmpdir);
	FILE *f = fopen(vars, "wb");
	if (f) {
		static const char page[4096];
		for (int i = 0; i < 132; i++)
			fwrite(page, 1, sizeof page, f);
		fclose(f);
	}
	uint64_t size = 0;
	ok(parse(HEAD "[svsm]\nimage = \"%s\"\novmf_vars = \"%s\"\n", ovmf, svsm, vars) == 0 &&
		   vmdef_svsm_vars_size(&def, &size, err, sizeof err) == 0 && size == 540672,
	   "ovmf_vars gives the size when it is used %s", err);
	ok(parse(HEAD "[svsm]\nimage = \"%s\"\novmf_vars = \"%s/none.fd\"\n", ovmf, svsm, tmpdir) == 0 &&
		   vmdef_svsm_vars_size(&def, &size, err, sizeof err) == -1 && strstr(err, "none.fd"),
	   "a missing vars file: loads, refused when used (%s)", err);
	ok(parse(HEAD "[svsm]\nimage = \"%s\"\novmf_vars = \"%s\"\novmf_vars_size = 4096\n", ovmf, svsm, vars) == 0 &&
		   vmdef_svsm_vars_size(&def, &size, err, sizeof err) == -1 && strstr(err, "540672 bytes"),
	   "ovmf_vars_size disagreeing with the file refused when used (%s)", err);
	ok(parse(HEAD "[svsm]\novmf_vars_size = 540672\n", ovmf) == -1 && strstr(err, "needs 'image'"),
	   "table without image refused (%s)", err);
	ok(parse(HEAD "[svsm]\nimage = \"%s\"\n", ovmf, svsm) == -1 && strstr(err, "ovmf_vars_size"),
	   "no vars size refused (%s)", err);
	ok(parse(HEAD "[svsm]\nimage = \"%s\"\novmf_vars_size = 540673\n", ovmf, svsm) == -1 && strstr(err, "4 KiB"),
	   "vars size not whole pages refused (%s)", err);
	ok(parse(HEAD "[svsm]\nimage = \"%s\"\novmf_vars_size = 540672\nvtpm = true\n", ovmf, svsm) == -1 &&
		   strstr(err, "vtpm"),
	   "unknown key refused (%s)", err);
}

static void test_measurement(void)
{
	uint8_t d[MEASURE_DIGEST_LEN];
	char hex[2 * MEASURE_DIGEST_LEN + 1] = "";
	if (parse(HEAD_VM "guest_features = 0x21\n" HEAD_FW "[svsm]\nimage = \"%s\"\novmf_vars_size = 540672\n", ovmf, svsm) == 0 &&
	    vmdef_measure(&def, d, err, sizeof err) == 0)
		hex_encode(hex, d, sizeof d);
	ok(strcmp(hex, HW_2VCPU) == 0, "definition computes the hardware vector (%s)", err);

	ok(parse(HEAD "[boot]\nkernel = \"/dev/null\"\n[svsm]\nimage = \"%s\"\novmf_vars_size = 540672\n", ovmf,
		 svsm) == 0,
	   "a kernel with [svsm] loads");
	ok(vmdef_measure(&def, d, err, sizeof err) == -1 && strstr(err, "no kernel hashes") &&
		   strstr(err, "firmware image instead"),
	   "but its measurement is refused, saying what works instead (%s)", err);
}

static void test_explain(void)
{
	uint8_t target[MEASURE_DIGEST_LEN];
	struct measure_explain x;
	if (parse(HEAD "[svsm]\nimage = \"%s\"\novmf_vars_size = 540672\n", ovmf, svsm) != 0)
		diag("%s", err);
	hex_decode(target, sizeof target, REF_4VCPU, strlen(REF_4VCPU));
	ok(vmdef_explain_measurement(&def, target, &x, err, sizeof err) == 0 && !x.matches && x.n_found == 1 &&
		   strstr(x.found[0], "vcpus = 4 (definition says 2)"),
	   "explain: 4 vCPUs instead of 2 (%s)", x.n_found ? x.found[0] : err);
	hex_decode(target, sizeof target, HW_2VCPU, strlen(HW_2VCPU));
	ok(vmdef_explain_measurement(&def, target, &x, err, sizeof err) == 0 && x.matches, "explain: matches as it is");

	/* The same firmware launched without the SVSM. */
	struct measure_files f = {.ovmf = ovmf, .vcpus = 2, .vcpu_type = "EPYC-v4", .vmm = MEASURE_VMM_QEMU,
				  .guest_features = 0x1};
	struct measure_result r;
	char why[MEASURE_ERR_LEN] = "";
	int measured = measure_launch_digest_files(&r, &f, why, sizeof why);
	ok(measured == 0, "the OVMF alone measures (%s)", why);
	ok(measured == 0 && vmdef_explain_measurement(&def, r.digest, &x, err, sizeof err) == 0 && x.n_found == 1 &&
		   strstr(x.found[0], "without the SVSM"),
	   "explain: the host left the SVSM out (%s)", x.n_found ? x.found[0] : x.checked);
}

int main(void)
{
	/* Absolute: relative paths in a definition resolve against its directory. */
	char shared[PATH_MAX];
	if (!ok(realpath(shared_dir(), shared) != NULL, "shared directory %s", shared_dir()))
		return done_testing();
	snprintf(ovmf, sizeof ovmf, "%s/testvectors/svsm/svsm_ovmf.fd", shared);
	snprintf(svsm, sizeof svsm, "%s/testvectors/svsm/svsm.bin", shared);
	snprintf(tmpdir, sizeof tmpdir, "%s/snpboot-vmdef-svsm-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!ok(mkdtemp(tmpdir) != NULL, "temporary directory"))
		return done_testing();
	test_keys();
	test_measurement();
	test_explain();
	char vars[300];
	snprintf(vars, sizeof vars, "%s/OVMF_VARS.fd", tmpdir);
	unlink(vars);
	rmdir(tmpdir);
	return done_testing();
}
