/* The owner's VM definition: strict loading with positioned errors,
 * defaults, policy consistency, and the computed MEASUREMENT matching the
 * launch-digest vectors (same result as `snpboot measure`). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/bytes.h"
#include "../tap.h"
#include "vmdef/vmdef.h"

#define Z32 "00000000000000000000000000000000"
static char tmpdir[256];
static char ovmf_amdsev[PATH_MAX], ovmf_x64[PATH_MAX], amd_milan_ark[PATH_MAX];
static struct vmdef def; /* large: not on the stack */
static char err[VMDEF_ERR_LEN];

/* README test vector: AmdSev tail, 1 vCPU EPYC-v4, features 0x1, /dev/null kernel and initrd. */
static const char *const vector_append = "6d287813eb5222d770f75005c664e34c204f385ce832cc2ce7d0d6f354454362"
					 "f390ef83a92046c042e706363b4b08fa";

static int parse(const char *text)
{
	char path[300];
	snprintf(path, sizeof path, "%s/vm.toml", tmpdir);
	return vmdef_parse(path, text, strlen(text), &def, err, sizeof err);
}

/* Parses text, expects failure with an error containing want (e.g. "vm.toml:3:9: "). */
static void fails_with(const char *text, const char *want, const char *what)
{
	int rc = parse(text);
	ok(rc == -1 && strstr(err, want) != NULL, "refused: %s", what);
	if (rc != -1 || !strstr(err, want))
		diag("rc %d, error '%s', expected to contain '%s'", rc, rc ? err : "", want);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

static void test_full_example(void)
{
	char text[4096];
	snprintf(text, sizeof text,
		 "# every section\n"
		 "[vm]\n"
		 "name = \"demo\"\n"
		 "vcpus = 2\n"
		 "vcpu_type = \"EPYC-Milan\"\n"
		 "memory_mib = 4096\n"
		 "vmm_type = \"qemu\"\n"
		 "guest_features = 0x21\n"
		 "[firmware]\n"
		 "ovmf = \"%s\"\n"
		 "[boot]\n"
		 "kernel = \"vmlinuz\"\n"
		 "initrd = \"/abs/initrd.img\"\n"
		 "append = \"console=ttyS0\"\n"
		 "[policy]\n"
		 "debug = false\n"
		 "smt = \"allowed\"\n"
		 "migrate_ma = false\n"
		 "single_socket = true\n"
		 "abi_major = 1\n"
		 "abi_minor = 51\n"
		 "[expect]\n"
		 "measurement = \"%s\"\n"
		 "host_data = \"%064d\"\n"
		 "id_key_digest = \"WfssaG36T+9J84M5qndckAUcKNVzg93DuvO160sUlt87DbvcuuX+J2d6ZEggdz/i\"\n"
		 "author_key_digest = \"%096d\"\n"
		 "family_id = \"000102030405060708090a0b0c0d0e0f\"\n"
		 "image_id = \"%032d\"\n"
		 "min_guest_svn = 2\n"
		 "vmpl = 0\n"
		 "min_tcb = { bootloader = 3, tee = 0, snp = 8, microcode = 115 }\n"
		 "[platform]\n"
		 "product = \"milan\"\n"
		 "trust_anchor = \"sim/ark.pem\"\n"
		 "simulated = true\n"
		 "certs = \"certs\"\n"
		 "[channel]\n"
		 "mode = \"listen\"\n"
		 "address = \"[::1]:7443\"\n"
		 "timeout_s = 30\n"
		 "owner_key = \"owner.pem\"\n"
		 "disk_key_file = \"keys/disk.key\"\n"
		 "[sim]\n"
		 "state_dir = \"/var/tmp/sim\"\n"
		 "chip_id = \"%0128d\"\n"
		 "reported_tcb = { bootloader = 4, microcode = 200 }\n"
		 "platform_info = 3\n"
		 "guest_svn = 5\n"
		 "report_version = 3\n"
		 "firmware_version = \"1.55.31\"\n",
		 ovmf_amdsev, vector_append, 7, 1, 3, 9);
	int rc = parse(text);
	ok(rc == 0, "full example loads");
	if (rc)
		diag("%s", err);
	is_str(def.name, "demo", "vm.name");
	is_int(def.vcpus, 2, "vm.vcpus");
	is_str(def.vcpu_type, "EPYC-Milan", "vm.vcpu_type");
	ok(def.vcpu_sig != 0, "vcpu signature looked up");
	is_int(def.memory_mib, 4096, "vm.memory_mib");
	is_int(def.vmm, MEASURE_VMM_QEMU, "vm.vmm_type");
	is_int(def.guest_features, 0x21, "vm.guest_features");
	is_str(def.ovmf, ovmf_amdsev, "absolute path kept");
	char want[600];
	snprintf(want, sizeof want, "%s/vmlinuz", tmpdir);
	is_str(def.kernel, want, "relative path resolved against the definition's directory");
	is_str(def.initrd, "/abs/initrd.img", "absolute initrd");
	ok(def.has_append && strcmp(def.append, "console=ttyS0") == 0, "boot.append");
	is_int(def.guest_policy, 0x130000 | 0x133, "guest_policy composed from the [policy] keys");
	ok(!def.debug && !def.migrate_ma && def.single_socket, "policy booleans");
	is_int(def.smt, SNP_REQUIRE_ON, "smt allowed");
	ok(def.abi_major == 1 && def.abi_minor == 51, "abi minimum");
	ok(!def.measurement_computed, "explicit measurement");
	uint8_t m[48];
	hex_decode(m, 48, vector_append, 96);
	is_mem(def.measurement, m, 48, "measurement bytes");
	ok(def.has_host_data && def.host_data[31] == 0x07, "host_data");
	ok(def.has_id_key_digest && def.id_key_digest[0] == 0x59 && def.id_key_digest[1] == 0xfb,
	   "id_key_digest in base64");
	ok(def.has_author_key_digest && def.author_key_digest[47] == 1, "author_key_digest in hex");
	ok(def.has_family_id && def.family_id[15] == 0x0f, "family_id");
	ok(def.has_image_id && def.image_id[15] == 0x03, "image_id");
	is_int(def.min_guest_svn, 2, "min_guest_svn");
	ok(def.has_vmpl && def.vmpl == 0, "vmpl");
	ok(def.has_min_tcb && def.min_tcb.bootloader == 3 && def.min_tcb.snp == 8 && def.min_tcb.microcode == 115,
	   "min_tcb");
	is_int(def.product, SNP_PRODUCT_MILAN, "platform.product");
	snprintf(want, sizeof want, "%s/sim/ark.pem", tmpdir);
	is_str(def.trust_anchor, want, "trust anchor resolved");
	ok(def.simulated, "simulated");
	is_int(def.channel_mode, VMDEF_CHANNEL_LISTEN, "channel.mode");
	ok(strcmp(def.host, "::1") == 0 && def.port == 7443, "IPv6 address split");
	is_int(def.timeout_s, 30, "channel.timeout_s");
	snprintf(want, sizeof want, "%s/keys/disk.key", tmpdir);
	is_str(def.disk_key_file, want, "channel.disk_key_file resolved like every path");
	ok(def.has_sim, "[sim] present");
	is_str(def.sim.state_dir, "/var/tmp/sim", "sim.state_dir");
	ok(def.sim.has_chip_id && def.sim.chip_id[63] == 9, "sim.chip_id");
	ok(def.sim.reported_tcb.bootloader == 4 && def.sim.reported_tcb.tee == 0 && def.sim.reported_tcb.snp == 8 &&
		   def.sim.reported_tcb.microcode == 200,
	   "sim.reported_tcb: given components replace the defaults");
	is_int(def.sim.platform_info, 3, "sim.platform_info");
	is_int(def.sim.guest_svn, 5, "sim.guest_svn");
	is_int(def.sim.report_version, 3, "sim.report_version");
	ok(def.sim.fw_major == 1 && def.sim.fw_minor == 55 && def.sim.fw_build == 31, "sim.firmware_version");
	ok(def.sim.host_data[31] == 0x07, "sim host_data defaults to [expect]");

	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	vmdef_warn_if_simulated(f, "tool", &def);
	fclose(f);
	ok(buf && strstr(buf, "tool: WARNING: SIMULATED SNP PLATFORM") && strstr(buf, "tool: WARNING: a report that verifies") &&
		   strstr(buf, "sim/ark.pem"),
	   "simulated: the warning names the platform, every line prefixed, and the anchor");
	free(buf);
	def.simulated = 0;
	f = open_memstream(&buf, &len);
	vmdef_warn_if_simulated(f, "tool", &def);
	fclose(f);
	ok(len == 0, "not simulated: no warning");
	free(buf);
}

static void test_defaults(void)
{
	char text[1024];
	snprintf(text, sizeof text, "[vm]\nname = \"x\"\n[firmware]\novmf = \"%s\"\n", ovmf_amdsev);
	int rc = parse(text);
	ok(rc == 0, "minimal definition loads");
	if (rc)
		diag("%s", err);
	ok(def.vcpus == 1 && strcmp(def.vcpu_type, "EPYC-v4") == 0 && def.memory_mib == 2048 &&
		   def.vmm == MEASURE_VMM_QEMU && def.guest_features == 1,
	   "[vm] defaults");
	is_int(def.guest_policy, 0x30000, "default guest policy 0x30000");
	ok(!def.debug && !def.migrate_ma && !def.single_socket && def.smt == SNP_REQUIRE_ON, "policy defaults");
	ok(def.measurement_computed, "measurement computed by default");
	ok(!def.has_host_data && !def.has_vmpl && !def.has_min_tcb && def.min_guest_svn == 0, "nothing else expected");
	ok(def.product == SNP_PRODUCT_UNKNOWN && !def.simulated && !def.trust_anchor[0], "platform defaults: pinned roots");
	ok(def.channel_mode == VMDEF_CHANNEL_CONNECT && strcmp(def.host, "127.0.0.1") == 0 && def.port == 7443 &&
		   def.timeout_s == 60,
	   "channel defaults");
	char want[600];
	snprintf(want, sizeof want, "%s/snp-sim-state", tmpdir);
	ok(!def.has_sim, "no [sim]");
	is_str(def.sim.state_dir, want, "sim.state_dir default next to the definition");
	ok(def.sim.reported_tcb.bootloader == 3 && def.sim.reported_tcb.snp == 8 && def.sim.reported_tcb.microcode == 115,
	   "sim.reported_tcb default (Milan)");
	ok(def.sim.platform_info == 1 && def.sim.report_version == 2, "sim platform_info SMT_EN, report v2");

	ok(parse("[vm]\nname = \"x\"\n[expect]\nmeasurement = \"" "00112233445566778899aabbccddeeff"
		 "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\"\n") == 0,
	   "explicit measurement needs no firmware");

	snprintf(text, sizeof text,
		 "[vm]\nname = \"x\"\n[firmware]\novmf = \"%s\"\n[policy]\nguest_policy = 0x1a0100\n"
		 "[platform]\nproduct = \"turin\"\n",
		 ovmf_amdsev);
	rc = parse(text);
	ok(rc == 0, "guest_policy given alone");
	ok(def.debug && !def.migrate_ma && def.single_socket && def.smt == SNP_REQUIRE_OFF && def.abi_major == 1 &&
		   def.abi_minor == 0,
	   "policy keys follow guest_policy 0x1a0100");
	ok(def.sim.platform_info == 0, "sim platform_info: SMT off when the policy forbids it");
	ok(def.sim.report_version == 3 && def.sim.reported_tcb.has_fmc, "Turin: report v3, TCB with FMC");

	snprintf(text, sizeof text, "[vm]\nname = \"x\"\n[firmware]\novmf = \"%s\"\n[policy]\nsmt = \"required-off\"\n",
		 ovmf_amdsev);
	ok(parse(text) == 0 && def.guest_policy == 0x20000, "smt required-off composes a policy without bit 16");
}

/* [svsm]: the service attestation keys. */
static void test_svsm_attest(void)
{
	char t[2048];
	const char *head = "[vm]\nname = \"x\"\n[expect]\nmeasurement = \"" Z32 Z32 Z32 "\"\n"
			   "[svsm]\nimage = \"/dev/null\"\novmf_vars_size = 4096\n";
#define SVSM(body) (snprintf(t, sizeof t, "%s%s", head, body), t)
	ok(parse(SVSM("")) == 0 && def.has_svsm && !def.svsm.attest_services, "svsm: attest_services defaults to false");
	ok(parse(SVSM("attest_services = true\nservice_guid = \"" GUID_SVSM_VTPM "\"\nvtpm_ek_sha256 = \"" Z32 Z32 "\"\n")) == 0 &&
		   def.svsm.attest_services && def.svsm.has_service_guid && def.svsm.has_vtpm_ek_sha256,
	   "svsm: attest_services, service_guid, vtpm_ek_sha256 read (%s)", err);
	struct snp_verify_policy pol;
	ok(vmdef_policy_fill(&def, &pol, NULL, err, sizeof err) == 0 && pol.expect_manifest &&
		   pol.manifest_is_vtpm && pol.has_manifest_sha256 && pol.has_vmpl && pol.vmpl == 0,
	   "svsm: the policy expects the vTPM manifest, its pin, VMPL 0 (%s)", err);
	fails_with(SVSM("service_guid = \"" GUID_SVSM_VTPM "\"\n"), "vm.toml:8:16: 'svsm.service_guid' needs",
		   "svsm: service_guid without attest_services");
	fails_with(SVSM("attest_services = true\nservice_guid = \"vtpm\"\n"), "vm.toml:9:16: 'svsm.service_guid' must be a GUID",
		   "svsm: a GUID that is not one");
	fails_with(SVSM("attest_services = true\nvtpm_ek_sha256 = \"" Z32 Z32 "\"\n"), "needs 'svsm.service_guid'",
		   "svsm: an EK pin without the vTPM GUID");
	fails_with(SVSM("attest_services = true\nservice_guid = \"" GUID_SVSM_VTPM "\"\nvtpm_ek_sha256 = \"00\"\n"),
		   "vm.toml:10:18:", "svsm: a short EK pin");
	snprintf(t, sizeof t, "[vm]\nname = \"x\"\n[expect]\nmeasurement = \"" Z32 Z32 Z32 "\"\nvmpl = 2\n"
			      "[svsm]\nimage = \"/dev/null\"\novmf_vars_size = 4096\nattest_services = true\n");
	fails_with(t, "the report comes from the SVSM at VMPL 0", "svsm: attest_services with [expect] vmpl 2");
#undef SVSM
}

static void test_errors(void)
{
	char fw[1200];
	snprintf(fw, sizeof fw, "[firmware]\novmf = \"%s\"\n", ovmf_amdsev);
	char t[2048];
#define WITH_FW(body) (snprintf(t, sizeof t, "%s%s", fw, body), t)
	fails_with("", "missing required table [vm]", "no [vm]");
	fails_with("[vm]\nvcpus = 1\n", "vm.toml:1:1: missing required key 'vm.name'", "no name");
	fails_with(WITH_FW("[vm]\nname = \"x\"\nvcpu = 2\n"), "vm.toml:5:1: unknown key 'vm.vcpu'", "typo in a key");
	fails_with(WITH_FW("[vm]\nname = \"x\"\n[network]\n"), "vm.toml:5:1: unknown key", "unknown table");
	fails_with(WITH_FW("[vm]\nname = \"x\"\nvcpus = \"2\"\n"), "vm.toml:5:9: 'vm.vcpus' must be an integer",
		   "wrong type");
	fails_with(WITH_FW("[vm]\nname = \"x\"\nvcpus = 513\n"), "vm.toml:5:9: 'vm.vcpus' must be between 1 and 512",
		   "vcpus out of range");
	fails_with(WITH_FW("[vm]\nname = \"x\"\nvcpu_type = \"Pentium\"\n"), "vm.toml:5:13: 'vm.vcpu_type': unknown",
		   "unknown vCPU type");
	fails_with(WITH_FW("[vm]\nname = \"x\"\nvmm_type = \"kvm\"\n"), "vm.toml:5:12: 'vm.vmm_type' must be",
		   "unknown VMM");
	fails_with(WITH_FW("[vm]\nname = \"x\"\nguest_features = 0x20\n"), "vm.toml:5:18: 'vm.guest_features' must have bit 0",
		   "SNPActive missing from guest_features");
	fails_with(WITH_FW("[vm]\nname = \"\"\n"), "vm.toml:4:8: 'vm.name' is empty", "empty name");
	fails_with("[vm]\nname = \"x\"\n", "needs [firmware] ovmf", "computed measurement without firmware");
	fails_with(WITH_FW("[vm]\nname = \"x\"\n[boot]\ninitrd = \"i\"\n"), "vm.toml:6:10: 'boot.initrd' needs 'boot.kernel'",
		   "initrd without kernel");
	fails_with(WITH_FW("[vm]\nname = \"x\"\n[boot]\nkernel = \"\"\n"), "vm.toml:6:10: 'boot.kernel' is an empty path",
		   "empty path");
	fails_with(WITH_FW("[vm]\nname = \"x\"\n[policy]\nguest_policy = 0xa0000\ndebug = false\n"),
		   "vm.toml:7:9: 'policy.debug = false' disagrees with guest_policy 0xa0000 (bit 19 is 1)",
		   "debug = false vs policy bit 19");
	fails_with(WITH_FW("[vm]\nname = \"x\"\n[policy]\nguest_policy = 0x20000\nsmt = \"allowed\"\n"),
		   "vm.toml:7:7: 'policy.smt = \"allowed\"' disagrees with guest_policy 0x20000 (bit 16 is 0)",
		   "smt allowed vs policy bit 16");
	fails_with(WITH_FW("[vm]\nname = \"x\"\n[policy]\nguest_policy = 0x30000\nsingle_socket = true\n"),
		   "vm.toml:7:17: 'policy.single_socket = true' disagrees", "single_socket vs bit 20");
	fails_with(WITH_FW("[vm]\nname = \"x\"\n[policy]\nsmt = \"maybe\"\n"), "vm.toml:6:7: 'policy.smt' must be",
		   "bad smt value");
	fails_with(WITH_FW("[vm]\nname = \"x\"\n[policy]\nguest_policy = 0x10000\n"), "vm.toml:6:16: 'policy.guest_policy' 0x10000: bit 17",
		   "reserved bit 17 clear");
	fails_with(WITH_FW("[vm]\nname = \"x\"\n[policy]\nguest_policy = 0x4030000\n"), "bits 63:26 are reserved",
		   "unknown policy bit");
	fails_with(WITH_FW("[vm]\nname = \"x\"\n[policy]\nguest_policy = 0x30000\nabi_major = 1\n"),
		   "vm.toml:7:13: minimum ABI 1.0 is above the ABI 0.0", "ABI minimum above the launch policy");
	fails_with(WITH_FW("[vm]\nname = \"x\"\n[expect]\nmeasurement = \"abc\"\n"),
		   "vm.toml:6:15: 'expect.measurement' must be \"computed\" or 96 hex digits", "bad measurement");
	fails_with(WITH_FW("[vm]\nname = \"x\"\n[expect]\nhost_data = \"zz\"\n"),
		   "vm.toml:6:13: 'expect.host_data' must be 64 hex digits (32 bytes), got 2 characters", "short host_data");
	fails_with(WITH_FW("[vm]\nname = \"x\"\n[expect]\nvmpl = 4\n"), "vm.toml:6:8: 'expect.vmpl' must be between 0 and 3",
		   "vmpl out of range");
	fails_with(WITH_FW("[vm]\nname = \"x\"\n[expect]\nmin_tcb = { bootloader = 256 }\n"),
		   "vm.toml:6:26: 'expect.min_tcb.bootloader' must be between 0 and 255", "TCB component out of range");
	fails_with(WITH_FW("[vm]\nname = \"x\"\n[expect]\nmin_tcb = { ucode = 1 }\n"), "vm.toml:6:13: unknown key 'expect.min_tcb.ucode'",
		   "unknown TCB component");
	fails_with(WITH_FW("[vm]\nname = \"x\"\n[platform]\nproduct = \"rome\"\n"),
		   "vm.toml:6:11: 'platform.product' must be \"milan\", \"genoa\" or \"turin\"", "unknown product");
	fails_with(WITH_FW("[vm]\nname = \"x\"\n[platform]\nsimulated = true\n"),
		   "vm.toml:6:13: 'platform.simulated = true' needs 'platform.trust_anchor'", "simulated without anchor");
	fails_with(WITH_FW("[vm]\nname = \"x\"\n[channel]\nmode = \"dial\"\n"), "vm.toml:6:8: 'channel.mode' must be",
		   "bad channel mode");
	fails_with(WITH_FW("[vm]\nname = \"x\"\n[channel]\naddress = \"localhost\"\n"),
		   "vm.toml:6:11: 'channel.address' \"localhost\": expected \"HOST:PORT\"", "address without port");
	fails_with(WITH_FW("[vm]\nname = \"x\"\n[channel]\naddress = \"h:0\"\n"), "port must be a number 1..65535",
		   "port 0 when dialling");
	fails_with(WITH_FW("[vm]\nname = \"x\"\n[channel]\naddress = \"::1:80\"\n"), "expected \"HOST:PORT\"",
		   "bare IPv6 address");
	fails_with(WITH_FW("[vm]\nname = \"x\"\n[sim]\nfirmware_version = \"1.55\"\n"),
		   "vm.toml:6:20: 'sim.firmware_version' must be \"MAJOR.MINOR.BUILD\"", "bad firmware version");
	fails_with(WITH_FW("[vm]\nname = \"x\"\n[sim]\nreport_version = 5\n"), "vm.toml:6:18: 'sim.report_version' must be between 2 and 3",
		   "unsupported report version");
	fails_with(WITH_FW("[vm]\nname = \"x\"\n[sim]\nchip_id = \"00\"\n"), "'sim.chip_id' must be 128 hex digits",
		   "short chip_id");
	fails_with(WITH_FW("[vm]\nname = \"x\"\nname = \"y\"\n"), "vm.toml:5:", "duplicate key (TOML parser)");
#undef WITH_FW
	snprintf(t, sizeof t, "[vm]\nname = \"x\"\n[channel]\nmode = \"listen\"\naddress = \"0.0.0.0:0\"\n%s", fw);
	ok(parse(t) == 0 && def.port == 0, "port 0 accepted when listening");
}

static void test_load_file(void)
{
	char path[300];
	snprintf(path, sizeof path, "%s/file.toml", tmpdir);
	char text[1200];
	snprintf(text, sizeof text, "[vm]\nname = \"f\"\n[firmware]\novmf = \"%s\"\n[vm.extra]\n", ovmf_amdsev);
	write_file(path, text);
	ok(vmdef_load(path, &def, err, sizeof err) == -1 && strstr(err, "file.toml:5:") && strstr(err, "unknown key"),
	   "vmdef_load: errors name the file and line");
	snprintf(text, sizeof text, "[vm]\nname = \"f\"\n[firmware]\novmf = \"%s\"\n", ovmf_amdsev);
	write_file(path, text);
	ok(vmdef_load(path, &def, err, sizeof err) == 0 && strcmp(def.name, "f") == 0, "vmdef_load reads a file");
	snprintf(path, sizeof path, "%s/missing.toml", tmpdir);
	ok(vmdef_load(path, &def, err, sizeof err) == -1 && strstr(err, "missing.toml: cannot open"),
	   "missing file named");
}

static void test_measurement(void)
{
	char text[2048];
	snprintf(text, sizeof text,
		 "[vm]\nname = \"m\"\nvcpus = 1\nvcpu_type = \"EPYC-v4\"\nvmm_type = \"qemu\"\nguest_features = 1\n"
		 "[firmware]\novmf = \"%s\"\n[boot]\nkernel = \"/dev/null\"\ninitrd = \"/dev/null\"\n"
		 "append = \"console=ttyS0 loglevel=7\"\n[expect]\nmin_tcb = { bootloader = 3, tee = 0, snp = 8, microcode = 115 }\n",
		 ovmf_amdsev);
	ok(parse(text) == 0, "measurement definition loads");
	uint8_t got[48], want[48];
	int rc = vmdef_measure(&def, got, err, sizeof err);
	ok(rc == 0, "vmdef_measure");
	if (rc)
		diag("%s", err);
	hex_decode(want, 48, vector_append, 96);
	is_mem(got, want, 48, "computed MEASUREMENT equals the vector (6d2878...)");

	/* Same inputs through the function `snpboot measure` uses. */
	struct measure_files f = {.ovmf = ovmf_amdsev, .kernel = "/dev/null", .initrd = "/dev/null",
				  .append = "console=ttyS0 loglevel=7", .vcpus = 1, .vcpu_type = "EPYC-v4",
				  .vmm = MEASURE_VMM_QEMU, .guest_features = 1};
	struct measure_result mr;
	ok(measure_launch_digest_files(&mr, &f, err, sizeof err) == 0 && memcmp(mr.digest, got, 48) == 0,
	   "same digest as measure_launch_digest_files (snpboot measure)");

	static struct snp_verify_policy pol;
	uint8_t rd[64];
	memset(rd, 0xab, sizeof rd);
	ok(vmdef_to_policy(&def, &pol, rd, err, sizeof err) == 0, "vmdef_to_policy");
	ok(pol.has_measurement && memcmp(pol.measurement, want, 48) == 0, "policy MEASUREMENT computed");
	ok(pol.has_report_data && pol.report_data[63] == 0xab, "policy REPORT_DATA");
	ok(!pol.allow_debug && !pol.allow_migrate_ma && pol.smt == SNP_REQUIRE_ON && !pol.trust_anchor,
	   "policy bits; no explicit anchor (pinned roots)");
	ok(pol.now > 1700000000, "policy now is the current time");
	ok(vmdef_to_policy(&def, &pol, NULL, err, sizeof err) == 0 && !pol.has_report_data, "REPORT_DATA left unset");

	/* Changing the command line changes the digest. */
	snprintf(text, sizeof text,
		 "[vm]\nname = \"m\"\n[firmware]\novmf = \"%s\"\n[boot]\nkernel = \"/dev/null\"\ninitrd = \"/dev/null\"\n"
		 "append = \"console=ttyS0 loglevel=8\"\n",
		 ovmf_amdsev);
	ok(parse(text) == 0 && vmdef_measure(&def, got, err, sizeof err) == 0 && memcmp(got, want, 48) != 0,
	   "another append gives another MEASUREMENT");

	snprintf(text, sizeof text, "[vm]\nname = \"m\"\n[firmware]\novmf = \"%s\"\n[boot]\nkernel = \"/dev/null\"\n",
		 ovmf_x64);
	ok(parse(text) == 0, "OvmfX64 definition loads");
	rc = vmdef_measure(&def, got, err, sizeof err);
	ok(rc == -1 && strstr(err, "vm.toml:6:10: 'boot.kernel': firmware") && strstr(err, "cannot measure a kernel"),
	   "firmware without kernel hashes refused, pointing at boot.kernel");
	if (rc != -1)
		diag("%s", err);

	snprintf(text, sizeof text, "[vm]\nname = \"m\"\n[firmware]\novmf = \"%s/nope.fd\"\n", tmpdir);
	ok(parse(text) == 0 && vmdef_measure(&def, got, err, sizeof err) == -1 && strstr(err, "vm.toml:4:8: 'firmware.ovmf'"),
	   "unreadable firmware named with its position");
}

/* What a verifier needs beyond a loadable definition: min_tcb on a real
 * platform, the CRL unless check_crl = false, VMPL 0 unless named. */
static void test_verifier_requirements(void)
{
	char text[1024];
	static struct snp_verify_policy pol;
	snprintf(text, sizeof text, "[vm]\nname = \"r\"\n[expect]\nmeasurement = \"%096d\"\n", 0);
	ok(parse(text) == 0, "a real definition without min_tcb loads (measure, launch-qemu, snp-sim read it)");
	ok(def.check_crl == 1 && !def.has_vmpl, "defaults: check_crl = true, no vmpl named");
	ok(vmdef_verifier_ready(&def, err, sizeof err) == -1 && strstr(err, "vm.toml: [expect] min_tcb is required") &&
		   strstr(err, "got none") && strstr(err, "--min-tcb-from FILE"),
	   "the verifier refuses it, saying why and the fix: %s", err);
	ok(vmdef_to_policy(&def, &pol, NULL, err, sizeof err) == -1 && strstr(err, "min_tcb is required"),
	   "vmdef_to_policy refuses it too");
	ok(vmdef_policy_fill(&def, &pol, NULL, err, sizeof err) == 0 && pol.require_crl == 1,
	   "the reviewer's fill works, and requires a CRL");

	snprintf(text, sizeof text,
		 "[vm]\nname = \"r\"\n[expect]\nmeasurement = \"%096d\"\nmin_tcb = { bootloader = 3, snp = 8 }\n"
		 "[platform]\ncheck_crl = false\n",
		 0);
	ok(parse(text) == 0 && vmdef_to_policy(&def, &pol, NULL, err, sizeof err) == 0 && pol.require_crl == 0 &&
		   pol.has_min_tcb && pol.min_tcb.snp == 8 && !pol.has_vmpl,
	   "with min_tcb: accepted; check_crl = false turns the CRL requirement off");
	snprintf(text, sizeof text, "[vm]\nname = \"r\"\n[expect]\nmeasurement = \"%096d\"\n[platform]\ncheck_crl = \"no\"\n",
		 0);
	ok(parse(text) == -1 && strstr(err, "check_crl"), "check_crl must be a boolean: %s", err);

	/* A simulated definition keeps working without min_tcb. */
	char anchor[300];
	snprintf(anchor, sizeof anchor, "%s/ark.pem", tmpdir);
	snprintf(text, sizeof text,
		 "[vm]\nname = \"s\"\n[expect]\nmeasurement = \"%096d\"\n[platform]\ntrust_anchor = \"%s\"\n"
		 "simulated = true\n[sim]\nstate_dir = \"%s\"\n",
		 0, anchor, tmpdir);
	ok(parse(text) == 0 && vmdef_verifier_ready(&def, err, sizeof err) == 0, "simulated: min_tcb not required");

	/* Its CRL: [sim] state_dir's crl.der (PEM also read). */
	uint8_t *crl = NULL;
	size_t len = 0;
	char where[2 * VMDEF_PATH_MAX + 32], path[400];
	ok(vmdef_sim_crl(&def, &crl, &len, where, sizeof where, err, sizeof err) == 1 && strstr(where, "/crl.der"),
	   "no crl.der yet: 1, saying where it looked (%s)", where);
	snprintf(path, sizeof path, "%s/crl.pem", tmpdir);
	FILE *f = fopen(path, "w");
	ok(f && fputs("-----BEGIN X509 CRL-----\nMAMCAQE=\n-----END X509 CRL-----\n", f) >= 0 && fclose(f) == 0,
	   "a crl.pem in the state directory");
	ok(vmdef_sim_crl(&def, &crl, &len, where, sizeof where, err, sizeof err) == 0 && len == 5 && crl[0] == 0x30 &&
		   strstr(where, "/crl.pem"),
	   "read from %s, PEM to DER", where);
	free(crl);
	unlink(path);
}

static void test_anchor(void)
{
	char text[2048], anchor[300];
	static struct snp_verify_policy pol;
	snprintf(text, sizeof text,
		 "[vm]\nname = \"a\"\n[expect]\nmeasurement = \"%096d\"\nmin_tcb = { snp = 8 }\n[platform]\n"
		 "product = \"milan\"\ntrust_anchor = \"%s\"\n",
		 0, amd_milan_ark);
	ok(parse(text) == 0 && vmdef_to_policy(&def, &pol, NULL, err, sizeof err) == 0 && pol.trust_anchor &&
		   pol.trust_anchor_len > 1000,
	   "AMD's real Milan ARK accepted as an explicit non-simulated anchor");

	snprintf(text, sizeof text,
		 "[vm]\nname = \"a\"\n[expect]\nmeasurement = \"%096d\"\nmin_tcb = { snp = 8 }\n[platform]\n"
		 "product = \"genoa\"\ntrust_anchor = \"%s\"\n",
		 0, amd_milan_ark);
	ok(parse(text) == 0 && vmdef_to_policy(&def, &pol, NULL, err, sizeof err) == -1 &&
		   strstr(err, "vm.toml:8:16: 'platform.trust_anchor'") && strstr(err, "not AMD's pinned Genoa root"),
	   "Milan ARK refused as the Genoa anchor");

	/* A root that is not AMD's: only with simulated = true. The certificate is a test vector PEM. */
	snprintf(anchor, sizeof anchor, "%s/testvectors/real/milan/cert_chain.pem", shared_dir());
	snprintf(text, sizeof text,
		 "[vm]\nname = \"a\"\n[expect]\nmeasurement = \"%096d\"\n[platform]\ntrust_anchor = \"%s/nope.pem\"\n"
		 "simulated = true\n",
		 0, tmpdir);
	ok(parse(text) == 0 && vmdef_to_policy(&def, &pol, NULL, err, sizeof err) == -1 &&
		   strstr(err, "vm.toml:6:16: 'platform.trust_anchor'"),
	   "missing anchor file named with its position");

	/* Junk in the anchor file fails when the definition is applied, not later at verification. */
	char junk[300];
	snprintf(junk, sizeof junk, "%s/junk.der", tmpdir);
	FILE *f = fopen(junk, "w");
	ok(f && fputs("this is not a certificate, in DER or PEM\n", f) >= 0 && fclose(f) == 0, "a junk anchor file");
	snprintf(text, sizeof text,
		 "[vm]\nname = \"a\"\n[expect]\nmeasurement = \"%096d\"\n[platform]\ntrust_anchor = \"%s\"\n"
		 "simulated = true\n",
		 0, junk);
	ok(parse(text) == 0 && vmdef_to_policy(&def, &pol, NULL, err, sizeof err) == -1 &&
		   strstr(err, "vm.toml:6:16: 'platform.trust_anchor'") && strstr(err, "not an X.509 certificate"),
	   "a junk simulated anchor refused as not a certificate");
	if (!strstr(err, "not an X.509 certificate"))
		diag("%s", err);
	unlink(junk);
}

int main(void)
{
	snprintf(tmpdir, sizeof tmpdir, "%s/test_vmdef.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	char p[PATH_MAX];
	snprintf(p, sizeof p, "%s/testvectors/measurement/ovmf_AmdSev_suffix.bin", shared_dir());
	if (!realpath(p, ovmf_amdsev)) {
		perror(p);
		return 1;
	}
	snprintf(p, sizeof p, "%s/testvectors/measurement/ovmf_OvmfX64_suffix.bin", shared_dir());
	if (!realpath(p, ovmf_x64)) {
		perror(p);
		return 1;
	}
	snprintf(p, sizeof p, "%s/testvectors/amd/milan/ark.pem", shared_dir());
	if (!realpath(p, amd_milan_ark)) {
		perror(p);
		return 1;
	}
	test_full_example();
	test_defaults();
	test_errors();
	test_svsm_attest();
	test_load_file();
	test_measurement();
	test_anchor();
	test_verifier_requirements();

	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		diag("could not remove %s", tmpdir);
	return done_testing();
}
