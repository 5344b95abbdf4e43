/* launch-qemu's command-line builder: the argv for a real SNP host and for
 * the simulated platform, networking per channel mode, values QEMU would
 * split at commas, refusals, and the printed command read back by a real
 * shell giving the same words. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../tap.h"
#include "qemu/qemu_cmd.h"
#include "vmdef/vmdef.h"

static struct vmdef def; /* large: not on the stack */
static char err[VMDEF_ERR_LEN];
static char tmpdir[] = "/tmp/test_qemu_cmd.XXXXXX";

static int load(const char *extra)
{
	char text[4096];
	snprintf(text, sizeof text,
		 "[vm]\nname = \"q\"\nvcpus = 2\nvcpu_type = \"EPYC-Milan\"\nmemory_mib = 1024\n"
		 "[firmware]\novmf = \"/fw/OVMF.amdsev.fd\"\n"
		 "[boot]\nkernel = \"/b/vmlinuz\"\ninitrd = \"/b/initrd.gz\"\nappend = \"console=ttyS0 a='b c'\"\n"
		 "[expect]\nmeasurement = \"%0*d\"\n%s",
		 96, 0, extra);
	int rc = vmdef_parse("/defs/vm.toml", text, strlen(text), &def, err, sizeof err);
	if (rc)
		diag("vmdef_parse: %s", err);
	return rc;
}

/* Index of the option name followed by value (value NULL: the option alone), or -1. */
static long find(const struct qemu_cmd *c, const char *name, const char *value)
{
	for (size_t i = 0; i + (value ? 1 : 0) < c->argc; i++)
		if (strcmp(c->argv[i], name) == 0 && (!value || strcmp(c->argv[i + 1], value) == 0))
			return (long)i;
	return -1;
}

static int has(const struct qemu_cmd *c, const char *name, const char *value)
{
	int found = find(c, name, value) >= 0;
	if (!found)
		diag("missing: %s %s", name, value ? value : "");
	return found;
}

static int has_word_prefix(const struct qemu_cmd *c, const char *prefix)
{
	for (size_t i = 0; i < c->argc; i++)
		if (strncmp(c->argv[i], prefix, strlen(prefix)) == 0)
			return 1;
	return 0;
}

static void test_snp(void)
{
	struct qemu_cmd c;
	struct qemu_cmd_opts o = {0};
	ok(load("host_data = \"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\"\n"
		"[policy]\nsmt = \"required-off\"\n"
		"[channel]\naddress = \"127.0.0.1:9000\"\n"
		"[launch]\nqemu = \"/opt/qemu/bin/qemu-system-x86_64\"\ndisk = \"a,b.img\"\ndisk_format = \"qcow2\"\n"
		"disk_snapshot = true\nguest_port = 7444\nid_block = \"id.b64\"\nid_auth = \"auth.b64\"\n"
		"extra_args = [\"-device\", \"virtio-rng-pci\", \"-nodefaults\"]\n") == 0,
	   "SNP definition loads");
	o.id_block_b64 = "SURCTE9DSw==";
	o.id_auth_b64 = "QVVUSA==";
	ok(qemu_cmd_build(&c, &def, &o, err, sizeof err) == 0, "SNP command built");
	is_str(c.argv[0], "/opt/qemu/bin/qemu-system-x86_64", "argv[0] is launch.qemu");
	ok(c.argv[c.argc] == NULL, "argv is NULL-terminated");
	ok(has(&c, "-machine", "q35,confidential-guest-support=sev0,memory-backend=ram1,vmport=off"),
	   "q35 with confidential-guest-support=sev0 and the memfd backend");
	ok(has(&c, "-accel", "kvm"), "KVM");
	ok(has(&c, "-object", "memory-backend-memfd,id=ram1,size=1024M,share=true,prealloc=false"),
	   "memory-backend-memfd of memory_mib");
	ok(has(&c, "-object",
	       "sev-snp-guest,id=sev0,cbitpos=51,reduced-phys-bits=1,policy=0x20000,kernel-hashes=on,"
	       "id-block=SURCTE9DSw==,id-auth=QVVUSA==,author-key-enabled=on,"
	       "host-data=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="),
	   "sev-snp-guest: policy, kernel-hashes, ID block, host data (base64)");
	ok(has(&c, "-bios", "/fw/OVMF.amdsev.fd"), "the AmdSev OVMF as -bios");
	ok(has(&c, "-cpu", "EPYC-Milan"), "-cpu is vm.vcpu_type (measured)");
	ok(has(&c, "-smp", "2") && has(&c, "-m", "1024M"), "-smp and -m");
	ok(has(&c, "-kernel", "/b/vmlinuz") && has(&c, "-initrd", "/b/initrd.gz") &&
	       has(&c, "-append", "console=ttyS0 a='b c'"),
	   "kernel, initrd and the command line byte for byte");
	ok(has(&c, "-netdev", "user,id=n0,hostfwd=tcp:127.0.0.1:9000-:7444"),
	   "connect mode: the channel's port forwarded to launch.guest_port");
	ok(has(&c, "-device", "virtio-net-pci,netdev=n0,disable-legacy=on,iommu_platform=on,romfile="),
	   "virtio-net through the DMA API under SNP");
	ok(has(&c, "-drive", "file=/defs/a,,b.img,if=none,id=disk0,format=qcow2,snapshot=on"),
	   "disk resolved against the definition, comma doubled, format and snapshot");
	ok(has(&c, "-serial", "stdio"), "console on stdout by default");
	ok(!has_word_prefix(&c, "tcg") && find(&c, "-chardev", NULL) < 0, "no TCG, no snp-sim port");
	is_str(c.argv[c.argc - 3], "-device", "extra_args at the end, in order");
	is_str(c.argv[c.argc - 1], "-nodefaults", "last extra argument last");
	ok(c.group[c.argc - 3] && !c.group[c.argc - 2] && c.group[c.argc - 1],
	   "extra arguments starting with '-' start a printed line");
	qemu_cmd_free(&c);

	/* author_key_enabled = false, no ID block, no host data, no kernel: no kernel-hashes. */
	ok(load("[launch]\nid_block = \"i\"\nid_auth = \"a\"\nauthor_key_enabled = false\ncbitpos = 47\n"
		"reduced_phys_bits = 5\n") == 0,
	   "definition with cbitpos and author_key_enabled = false loads");
	o.id_block_b64 = "SQ==";
	o.id_auth_b64 = "QQ==";
	def.kernel[0] = def.initrd[0] = '\0';
	def.has_append = 0;
	ok(qemu_cmd_build(&c, &def, &o, err, sizeof err) == 0, "built");
	ok(has(&c, "-object",
	       "sev-snp-guest,id=sev0,cbitpos=47,reduced-phys-bits=5,policy=0x30000,id-block=SQ==,id-auth=QQ==,"
	       "author-key-enabled=off"),
	   "cbitpos, reduced-phys-bits, author-key-enabled=off; no kernel-hashes without a kernel");
	ok(find(&c, "-kernel", NULL) < 0 && find(&c, "-append", NULL) < 0, "no -kernel or -append when not given");
	ok(find(&c, "-drive", NULL) < 0, "no -drive without launch.disk");
	qemu_cmd_free(&c);
}

static void test_sim(void)
{
	struct qemu_cmd c;
	struct qemu_cmd_opts o = {.sim = 1, .sim_socket = "/run/x,y/sim.sock", .console = "/logs/con.log"};
	ok(load("[channel]\naddress = \"127.0.0.1:7500\"\n[launch]\ndisk = \"/d/disk.img\"\n") == 0,
	   "sim definition loads");
	ok(qemu_cmd_build(&c, &def, &o, err, sizeof err) == 0, "sim command built");
	ok(has(&c, "-accel", "tcg") && has(&c, "-cpu", "max") && has(&c, "-machine", "q35"), "TCG, -cpu max, plain q35");
	ok(find(&c, "-bios", NULL) < 0, "no -bios: SeaBIOS (the AmdSev OVMF boots no plain guest)");
	ok(!has_word_prefix(&c, "sev-snp-guest") && !has_word_prefix(&c, "memory-backend-memfd"),
	   "no SNP objects");
	ok(has(&c, "-kernel", "/b/vmlinuz") && has(&c, "-initrd", "/b/initrd.gz") &&
	       has(&c, "-append", "console=ttyS0 a='b c'"),
	   "the same kernel, initrd and command line");
	ok(has(&c, "-serial", "file:/logs/con.log"), "--console overrides the console");
	ok(has(&c, "-netdev", "user,id=n0,hostfwd=tcp:127.0.0.1:7500-:7443") &&
	       has(&c, "-device", "virtio-net-pci,netdev=n0"),
	   "user networking with the client's port forwarded to 7443");
	ok(has(&c, "-drive", "file=/d/disk.img,if=none,id=disk0,format=raw") &&
	       has(&c, "-device", "virtio-blk-pci,drive=disk0"),
	   "the disk on virtio-blk");
	ok(has(&c, "-chardev", "socket,id=snpsim,path=/run/x,,y/sim.sock,reconnect=1"),
	   "snp-sim's socket (comma doubled), reconnect=1 for old QEMU");
	ok(has(&c, "-device", "virtio-serial-pci") &&
	       has(&c, "-device", "virtserialport,chardev=snpsim,name=" QEMU_SIM_PORT_NAME),
	   "the org.snpboot.sim virtio-serial port");
	qemu_cmd_free(&c);

	o.qemu_version = QEMU_VERSION(9, 2);
	ok(qemu_cmd_build(&c, &def, &o, err, sizeof err) == 0 &&
	       has(&c, "-chardev", "socket,id=snpsim,path=/run/x,,y/sim.sock,reconnect-ms=1000"),
	   "QEMU 9.2+: reconnect-ms");
	qemu_cmd_free(&c);

	/* listen mode: no forward, the guest dials 10.0.2.2. */
	ok(load("[channel]\nmode = \"listen\"\naddress = \"0.0.0.0:7600\"\n") == 0, "listen definition loads");
	o.console = NULL;
	ok(qemu_cmd_build(&c, &def, &o, err, sizeof err) == 0 && has(&c, "-netdev", "user,id=n0"),
	   "listen mode: user networking without hostfwd");
	qemu_cmd_free(&c);

	ok(load("[launch]\nnetwork = \"none\"\nconsole = \"c.log\"\n") == 0, "network = none loads");
	ok(qemu_cmd_build(&c, &def, &o, err, sizeof err) == 0 && find(&c, "-netdev", NULL) < 0 &&
	       has(&c, "-serial", "file:/defs/c.log"),
	   "network none: no NIC; launch.console used");
	qemu_cmd_free(&c);
}

static void test_refusals(void)
{
	struct qemu_cmd c;
	struct qemu_cmd_opts snp = {0}, sim = {.sim = 1, .sim_socket = "/s"};
	ok(load("[channel]\naddress = \"[::1]:7443\"\n") == 0, "IPv6 address loads");
	ok(qemu_cmd_build(&c, &def, &snp, err, sizeof err) == -1 && strstr(err, "not an IPv4 address"),
	   "user networking cannot forward an IPv6 address: refused (%s)", err);
	ok(c.argv == NULL && c.argc == 0, "nothing left allocated after a refusal");
	ok(load("") == 0, "plain definition loads");
	def.vmm = MEASURE_VMM_EC2;
	ok(qemu_cmd_build(&c, &def, &snp, err, sizeof err) == -1 && strstr(err, "vmm_type"),
	   "vmm_type ec2 refused for an SNP launch (MEASUREMENT would differ)");
	def.vmm = MEASURE_VMM_QEMU;
	def.ovmf[0] = '\0';
	ok(qemu_cmd_build(&c, &def, &snp, err, sizeof err) == -1 && strstr(err, "ovmf"),
	   "SNP launch without firmware.ovmf refused");
	ok(qemu_cmd_build(&c, &def, &sim, err, sizeof err) == 0, "sim launch needs no OVMF (SeaBIOS)");
	qemu_cmd_free(&c);
	sim.sim_socket = NULL;
	ok(qemu_cmd_build(&c, &def, &sim, err, sizeof err) == -1, "sim without a socket refused");
}

static void test_helpers(void)
{
	char *e = qemu_opt_escape("a,b,,c");
	is_str(e, "a,,b,,,,c", "qemu_opt_escape doubles every comma");
	free(e);
	is_int(qemu_parse_version("QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7)\nCopyright"),
	       QEMU_VERSION(7, 2), "version 7.2");
	is_int(qemu_parse_version("QEMU emulator version 10.0.3\n"), QEMU_VERSION(10, 0), "version 10.0");
	is_int(qemu_parse_version("something else\n"), 0, "no version: 0");

	char path[300];
	snprintf(path, sizeof path, "%s/id.b64", tmpdir);
	FILE *f = fopen(path, "w");
	fputs("  QUJDRA==\n\n", f);
	fclose(f);
	char *b = qemu_read_base64_file(path, 4, 4, err, sizeof err);
	is_str(b, "QUJDRA==", "base64 file read, whitespace trimmed");
	free(b);
	ok(qemu_read_base64_file(path, 5, 96, err, sizeof err) == NULL && strstr(err, "not base64 of"),
	   "wrong decoded length refused");
	f = fopen(path, "w");
	fputs("not*base64", f);
	fclose(f);
	ok(qemu_read_base64_file(path, 1, 96, err, sizeof err) == NULL, "garbage refused");
	unlink(path);
	ok(qemu_read_base64_file(path, 1, 96, err, sizeof err) == NULL && strstr(err, "cannot open"),
	   "missing file refused");
}

/* The printed command, run by /bin/sh with printf in QEMU's place, gives back argv word for word. */
static void test_print_roundtrip(void)
{
	struct qemu_cmd c;
	struct qemu_cmd_opts o = {.sim = 1, .sim_socket = "/tmp/it's here/sim.sock"};
	ok(load("[launch]\nextra_args = [\"-name\", \"a b\\\"c$HOME`x`\\\\\", \"-fw_cfg\", \"name=opt/x,string=\\n\"]\n") ==
	       0,
	   "definition with awkward extra_args loads");
	ok(qemu_cmd_build(&c, &def, &o, err, sizeof err) == 0, "built");
	free(c.argv[0]);
	c.argv[0] = strdup("printf");
	char *printed;
	size_t len;
	FILE *m = open_memstream(&printed, &len);
	qemu_cmd_print(m, &c);
	fclose(m);
	ok(strstr(printed, " \\\n    -accel tcg \\\n") != NULL, "one option and its value per line");
	ok(strstr(printed, "-append 'console=ttyS0 a='\\''b c'\\'''") != NULL, "single quotes quoted");

	/* printf '%s\0' WORDS...: insert the format after argv[0]. */
	char script[8192];
	snprintf(script, sizeof script, "printf '%%s\\0' %s", printed + strlen("printf "));
	char cmdfile[300];
	snprintf(cmdfile, sizeof cmdfile, "%s/cmd.sh", tmpdir);
	FILE *f = fopen(cmdfile, "w");
	fputs(script, f);
	fclose(f);
	char run[400];
	snprintf(run, sizeof run, "sh %s", cmdfile);
	FILE *p = popen(run, "r");
	char out[8192];
	size_t n = p ? fread(out, 1, sizeof out, p) : 0;
	int st = p ? pclose(p) : -1;
	ok(st == 0, "the shell runs the printed command");
	size_t i = 1, off = 0;
	int same = 1;
	for (; i < c.argc && off < n; i++) {
		if (strcmp(out + off, c.argv[i]) != 0) {
			diag("word %zu: got '%s', expected '%s'", i, out + off, c.argv[i]);
			same = 0;
			break;
		}
		off += strlen(out + off) + 1;
	}
	ok(same && i == c.argc && off == n, "the shell sees exactly argv (%zu words)", c.argc - 1);
	unlink(cmdfile);
	free(printed);
	qemu_cmd_free(&c);
}

/* [svsm]: COCONUT's launch protocol (svsm=on, three pflash units in the
 * measured layout), and the launches it cannot make. */
static void test_svsm(void)
{
	struct qemu_cmd c;
	struct qemu_cmd_opts o = {0};
	char vars[64], text[4096];
	memset(text, 0, sizeof text);
	snprintf(vars, sizeof vars, "%s/VARS.fd", tmpdir);
	FILE *f = fopen(vars, "wb");
	ok(f && fwrite(text, 1, 4096, f) == 4096 && fclose(f) == 0, "a one-page vars file");
	snprintf(text, sizeof text,
		 "[vm]\nname = \"s\"\n[firmware]\novmf = \"/fw/OVMF.svsm.fd\"\n[expect]\nmeasurement = \"%0*d\"\n"
		 "[svsm]\nimage = \"/fw/svsm.bin\"\novmf_vars = \"%s\"\n",
		 96, 0, vars);
	ok(vmdef_parse("/defs/vm.toml", text, strlen(text), &def, err, sizeof err) == 0, "SVSM definition loads %s",
	   err);
	if (ok(qemu_cmd_build(&c, &def, &o, err, sizeof err) == 0, "SVSM command built %s", err)) {
		ok(has(&c, "-object", "sev-snp-guest,id=sev0,cbitpos=51,reduced-phys-bits=1,policy=0x30000,svsm=on"),
		   "sev-snp-guest with svsm=on and no kernel-hashes");
		ok(has(&c, "-drive", "if=pflash,format=raw,unit=0,file=/fw/OVMF.svsm.fd,readonly=on"),
		   "OVMF code as pflash unit 0, read-only");
		char want[128];
		snprintf(want, sizeof want, "if=pflash,format=raw,unit=1,file=%s", vars);
		ok(has(&c, "-drive", want), "the vars file as pflash unit 1");
		ok(has(&c, "-drive", "if=pflash,format=raw,unit=2,file=/fw/svsm.bin,readonly=on"),
		   "the SVSM as pflash unit 2, read-only");
		ok(find(&c, "-bios", NULL) < 0, "no -bios");
		qemu_cmd_free(&c);
	}
	unlink(vars);
	snprintf(text, sizeof text,
		 "[vm]\nname = \"s\"\n[firmware]\novmf = \"/fw/OVMF.svsm.fd\"\n[expect]\nmeasurement = \"%0*d\"\n"
		 "[svsm]\nimage = \"/fw/svsm.bin\"\novmf_vars_size = 4096\n",
		 96, 0);
	ok(vmdef_parse("/defs/vm.toml", text, strlen(text), &def, err, sizeof err) == 0 &&
		   qemu_cmd_build(&c, &def, &o, err, sizeof err) == -1 && strstr(err, "ovmf_vars"),
	   "only a vars size: refused, QEMU needs the file (%s)", err);
	snprintf(def.svsm.ovmf_vars, sizeof def.svsm.ovmf_vars, "%s", "/fw/VARS.fd");
	snprintf(def.kernel, sizeof def.kernel, "%s", "/b/vmlinuz");
	ok(qemu_cmd_build(&c, &def, &o, err, sizeof err) == -1 && strstr(err, "unmeasured"),
	   "a kernel with an SVSM refused (%s)", err);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_snp();
	test_sim();
	test_refusals();
	test_svsm();
	test_helpers();
	test_print_roundtrip();
	rmdir(tmpdir);
	return done_testing();
}
