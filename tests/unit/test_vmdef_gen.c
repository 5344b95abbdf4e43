/* config-generator: the generated definition names every key the loader
 * knows and loads with the same code; --set values by kind, refusals that
 * name the option; and --check's findings with their positions. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../tap.h"
#include "toml/toml.h"
#include "vmdef/vmdef.h"
#include "vmdefgen/vmdef_check.h"
#include "vmdefgen/vmdef_gen.h"
#include "vmdef/vmdef_schema.h"

static struct vmdef def; /* large: not on the stack */
static struct vmdef_gen gen;
static char err[1024];
static char tmpdir[] = "/tmp/test_vmdef_gen.XXXXXX";

static int set(const char *assignment)
{
	int rc = vmdef_gen_set(&gen, assignment, assignment, 0, err, sizeof err);
	if (rc)
		diag("%s", err);
	return rc;
}

/* Renders gen and loads the text as tmpdir/vm.toml. */
static int render_load(char **text_out)
{
	size_t len;
	char *text = vmdef_gen_render(&gen, &len);
	char name[300];
	snprintf(name, sizeof name, "%s/vm.toml", tmpdir);
	int rc = text ? vmdef_gen_check(&gen, name, text, len, err, sizeof err) : -1;
	if (rc == 0)
		rc = vmdef_parse(name, text, len, &def, err, sizeof err);
	if (text_out)
		*text_out = text;
	else
		free(text);
	return rc;
}

static void test_defaults(void)
{
	char *text;
	ok(render_load(&text) == 0, "the default definition loads (%s)", err);
	ok(strncmp(text, "# snpboot VM definition", 23) == 0, "starts with its header comment");
	/* Every key the schema (and so the loader) knows is written, commented out or not. */
	int all = 1;
	for (size_t i = 0; i < vmdef_schema_n_keys; i++) {
		const struct vmdef_key *k = &vmdef_schema_keys[i];
		char line[128];
		snprintf(line, sizeof line, "\n%s%s = ", k->optional ? "# " : "", k->key);
		if (!strstr(text, line)) {
			diag("key %s.%s not written", k->table, k->key);
			all = 0;
		}
	}
	ok(all, "all %zu keys of the schema are in the output", vmdef_schema_n_keys);
	for (size_t t = 0; t < vmdef_schema_n_tables; t++) {
		char hdr[64], hdr_off[64];
		snprintf(hdr, sizeof hdr, "\n[%s]\n", vmdef_schema_tables[t].name);
		snprintf(hdr_off, sizeof hdr_off, "\n# [%s]\n", vmdef_schema_tables[t].name);
		ok(strstr(text, hdr) || strstr(text, hdr_off), "table [%s] written", vmdef_schema_tables[t].name);
	}
	ok(strstr(text, "\n# Allow the SNP debug interface") && strstr(text, "\ndebug = false\n"),
	   "debug off, with its comment above");
	is_str(def.name, "snpboot-vm", "default name");
	ok(def.debug == 0 && def.migrate_ma == 0 && def.guest_policy == 0x30000, "POLICY 0x30000: debug off");
	ok(def.measurement_computed && !def.simulated && def.channel_mode == VMDEF_CHANNEL_CONNECT,
	   "measurement computed, not simulated, connect");
	is_int(def.launch.guest_port, 7443, "launch.guest_port 7443");
	free(text);
}

/* With every key set to its example value, the loader still accepts the text: the schema lists
 * nothing the loader refuses as unknown (and the examples are valid). */
static void test_every_key(void)
{
	vmdef_gen_free(&gen);
	int all = 1;
	for (size_t i = 0; i < vmdef_schema_n_keys; i++) {
		const struct vmdef_key *k = &vmdef_schema_keys[i];
		char a[512];
		if (k->kind == VMDEF_KIND_BOOL && strcmp(k->key, "simulated") == 0)
			continue; /* simulated needs a real anchor file; tested in test_vmdef */
		if (strcmp(k->key, "trust_anchor") == 0 || strcmp(k->key, "initdata") == 0)
			continue; /* initdata needs a real file (and fixes host_data); tested in test_initdata */
		snprintf(a, sizeof a, "%s.%s=%s", k->table, k->key, k->value);
		/* Example values are TOML text; strings go through --set unquoted. */
		if (k->kind == VMDEF_KIND_STRING || k->kind == VMDEF_KIND_PATH) {
			size_t n = strlen(k->value);
			snprintf(a, sizeof a, "%s.%s=%.*s", k->table, k->key, (int)(n - 2), k->value + 1);
		}
		if (set(a))
			all = 0;
	}
	ok(all, "every key accepted by --set");
	ok(render_load(NULL) == 0, "every key set: the loader accepts the result (%s)", err);
	ok(def.launch.n_extra_args == 2 && def.has_min_tcb && def.has_vmpl && def.has_host_data,
	   "optional keys took effect");
	vmdef_gen_free(&gen);
}

static void test_set_kinds(void)
{
	ok(set("boot.append=console=ttyS0 quote=\" back=\\ tab=\t") == 0, "string with quote, backslash, tab");
	ok(set("vm.vcpus=4") == 0 && set("vm.guest_features=0x21") == 0, "decimal and hex integers");
	ok(set("policy.smt=required-off") == 0 && set("policy.migrate_ma=false") == 0, "string and bool");
	ok(set("expect.min_tcb=bootloader=4, tee=0,snp=22 ,microcode=211") == 0, "TCB short form");
	ok(set("launch.extra_args=-device") == 0 && set("launch.extra_args=virtio-rng-pci") == 0,
	   "extra_args one per --set");
	ok(set("vm.name=first") == 0 && set("vm.name=second") == 0, "a later set replaces");
	ok(render_load(NULL) == 0, "loads (%s)", err);
	is_str(def.append, "console=ttyS0 quote=\" back=\\ tab=\t", "string escaped and read back byte for byte");
	ok(def.vcpus == 4 && def.guest_features == 0x21, "integers");
	ok(def.smt == SNP_REQUIRE_OFF && (def.guest_policy & (1u << 16)) == 0, "smt required-off clears bit 16");
	ok(def.min_tcb.bootloader == 4 && def.min_tcb.snp == 22 && def.min_tcb.microcode == 211, "TCB values");
	ok(def.launch.n_extra_args == 2 && strcmp(def.launch.extra_args, "-device") == 0 &&
	       strcmp(def.launch.extra_args + 8, "virtio-rng-pci") == 0,
	   "extra_args appended in order");
	is_str(def.name, "second", "last vm.name wins");
	vmdef_gen_free(&gen);

	/* Paths from the command line are made absolute (abs_paths). */
	char cwd[512], want[600];
	ok(getcwd(cwd, sizeof cwd) != NULL, "cwd");
	ok(vmdef_gen_set(&gen, "boot.kernel=k/vmlinuz", "--kernel k/vmlinuz", 1, err, sizeof err) == 0, "relative path");
	ok(render_load(NULL) == 0, "loads");
	snprintf(want, sizeof want, "%s/k/vmlinuz", cwd);
	is_str(def.kernel, want, "relative path from the command line made absolute");
	vmdef_gen_free(&gen);
}

static void test_refusals(void)
{
	ok(vmdef_gen_set(&gen, "vm.nope=1", "--set vm.nope=1", 0, err, sizeof err) == -1 &&
	       strstr(err, "--set vm.nope=1: unknown key 'vm.nope'"),
	   "unknown key refused, naming the option");
	ok(vmdef_gen_set(&gen, "vmname=1", "--set vmname=1", 0, err, sizeof err) == -1 &&
	       strstr(err, "TABLE.KEY=VALUE"),
	   "no table refused");
	ok(vmdef_gen_set(&gen, "vm.vcpus=four", "--vcpus four", 0, err, sizeof err) == -1 &&
	       strstr(err, "--vcpus four: 'vm.vcpus' (integer): expected an integer"),
	   "non-integer refused");
	ok(vmdef_gen_set(&gen, "policy.debug=yes", "x", 0, err, sizeof err) == -1 && strstr(err, "true or false"),
	   "bool must be true or false");
	ok(vmdef_gen_set(&gen, "expect.min_tcb=snp", "x", 0, err, sizeof err) == -1 && strstr(err, "NAME=NUMBER"),
	   "bad TCB refused");
	/* Values of the right kind that the loader refuses: the message names the option and the line. */
	ok(vmdef_gen_set(&gen, "vm.vcpus=0", "--vcpus 0", 0, err, sizeof err) == 0, "vcpus=0 is an integer");
	ok(render_load(NULL) == -1 && strstr(err, "--vcpus 0: ") && strstr(err, "vm.toml:"),
	   "vcpus = 0 refused by the loader, naming --vcpus (%s)", err);
	vmdef_gen_free(&gen);
	ok(set("policy.debug=true") == 0 && set("policy.guest_policy=0x30000") == 0, "debug and guest_policy set");
	ok(render_load(NULL) == -1, "debug = true against guest_policy without bit 19 refused (%s)", err);
	vmdef_gen_free(&gen);
	ok(set("launch.id_block=id.b64") == 0, "id_block alone");
	ok(render_load(NULL) == -1 && strstr(err, "id_auth"), "id_block without id_auth refused (%s)", err);
	vmdef_gen_free(&gen);
	ok(set("channel.address=nowhere") == 0, "address without port");
	ok(render_load(NULL) == -1, "refused by the loader (%s)", err);
	vmdef_gen_free(&gen);
	char *q = vmdef_gen_toml_string("a\"b\\c\nd\x01");
	is_str(q, "\"a\\\"b\\\\c\\nd\\u0001\"", "TOML string escapes");
	free(q);
}

/* Runs --check on text; output in out (static). */
static char out[16384];
static int check(const char *text, int use_files, struct vmdef_check_counts *n)
{
	char path[300];
	snprintf(path, sizeof path, "%s/check.toml", tmpdir);
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	FILE *m = fmemopen(out, sizeof out, "w");
	int rc = vmdef_check_file(path, m, use_files, n, err, sizeof err);
	fclose(m);
	return rc;
}

static int said(const char *what)
{
	if (strstr(out, what))
		return 1;
	diag("not in the output: %s", what);
	return 0;
}

static void test_check(void)
{
	struct vmdef_check_counts n;
	char anchor[300], ovmf[PATH_MAX + 64], ovmf_x64[PATH_MAX + 64], text[8192];
	snprintf(anchor, sizeof anchor, "%s/missing-ark.pem", tmpdir);
	FILE *f;
	/* Absolute: the definitions are in tmpdir and resolve relative paths against it. */
	char shared[PATH_MAX];
	if (!realpath(shared_dir(), shared))
		snprintf(shared, sizeof shared, "%s", shared_dir());
	snprintf(ovmf, sizeof ovmf, "%s/testvectors/measurement/ovmf_AmdSev_suffix.bin", shared);
	snprintf(ovmf_x64, sizeof ovmf_x64, "%s/testvectors/measurement/ovmf_OvmfX64_suffix.bin", shared);

	ok(check("[vm]\nname = 3\n", 0, &n) == -1 && strstr(err, "check.toml:2:8:"),
	   "a definition that does not load: error with file:line:col (%s)", err);

	snprintf(text, sizeof text,
		 "[vm]\nname = \"weak\"\n"
		 "[firmware]\novmf = \"%s\"\n"
		 "[boot]\nkernel = \"/dev/null\"\nappend = \"snpboot.attestation.provider=sim\"\n"
		 "[policy]\ndebug = true\nmigrate_ma = true\n"
		 "[expect]\nmeasurement = \"%096d\"\n"
		 "[platform]\ntrust_anchor = \"%s\"\nsimulated = true\n"
		 "[channel]\ntimeout_s = 5\n",
		 ovmf, 0, anchor);
	ok(check(text, 0, &n) == 0, "weak definition loads");
	ok(said("check.toml:9:1: warning: debug is allowed") && said("fix: set policy.debug = false"),
	   "debug: warning at its line with the fix");
	ok(said("check.toml:10:1: warning: a migration agent is allowed"), "migrate_ma warned");
	ok(said("WARNING: SIMULATED SNP PLATFORM") && said("check.toml:15:1: warning: simulated = true"),
	   "simulated: loud banner and a warning");
	ok(said("check.toml:12:1: warning: MEASUREMENT is a fixed value"), "fixed MEASUREMENT warned");
	ok(said("warning: no expect.min_tcb"), "missing minimum TCB warned");
	ok(said("error: no owner key (channel.owner_key)") && said("snpboot owner-key --generate"),
	   "no owner_key: an error (the guest talks to pinned owners only), with the fix");
	ok(said("check.toml:17:1: warning: timeout_s = 5 is short"), "short timeout warned");
	ok(said("note: SMT is allowed") && said("note: no expect.host_data") && said("note: no expect.id_key_digest"),
	   "SMT, host_data and ID keys noted");
	ok(!strstr(out, "provider=sim, ") && !strstr(out, "makes the guest ask snp-sim"),
	   "provider=sim not flagged on a simulated definition");
	is_int(n.errors, 1, "one error without reading files (the owner key)");
	is_int(n.warnings, 6, "6 warnings");
	is_int(n.notes, 4, "4 notes (product, SMT, host_data, ID keys)");

	/* With files: the trust anchor is missing. */
	ok(check(text, 1, &n) == 0 && n.errors == 2 && said("error: the client could not use it") &&
	       said("'platform.trust_anchor'"),
	   "files read: a missing trust anchor is an error too (%u errors)", n.errors);

	/* An OvmfX64 build cannot measure the kernel. */
	snprintf(text, sizeof text,
		 "[vm]\nname = \"x64\"\n[firmware]\novmf = \"%s\"\n[boot]\nkernel = \"/dev/null\"\n"
		 "append = \"snpboot.attestation.provider=sim\"\n[expect]\nmin_tcb = { snp = 8 }\n"
		 "[channel]\nowner_key = \"/nonexistent/owner.pem\"\n",
		 ovmf_x64);
	ok(check(text, 0, &n) == 0 && n.errors == 0, "OvmfX64 without reading files: no error (%u)", n.errors);
	ok(check(text, 1, &n) == 0 && said("check.toml:4:1: error:") && said("no SNP_KERNEL_HASHES") &&
	       said("makes the guest ask snp-sim"),
	   "OvmfX64: error; provider=sim on a real definition warned");
	/* The missing owner key file is the second error: the firmware's is one, not two. */
	ok(said("/nonexistent/owner.pem"), "the missing owner key file is an error of its own");
	is_int(n.errors, 2, "one error for the firmware (not a second from the client's view), one for the key file");

	/* A careful definition: only notes that need the owner's choices remain. */
	char key[300];
	snprintf(key, sizeof key, "%s/owner.pem", tmpdir);
	f = fopen(key, "w");
	fputs("-----BEGIN PRIVATE KEY-----\n", f);
	fclose(f);
	chmod(key, 0644);
	snprintf(text, sizeof text,
		 "[vm]\nname = \"good\"\n[firmware]\novmf = \"%s\"\n[boot]\nkernel = \"/dev/null\"\ninitrd = \"/dev/null\"\n"
		 "[policy]\nsmt = \"required-off\"\n"
		 "[expect]\nhost_data = \"%064d\"\nid_key_digest = \"%096d\"\n"
		 "min_tcb = { bootloader = 3, tee = 0, snp = 8, microcode = 115 }\n"
		 "[platform]\nproduct = \"genoa\"\n[channel]\nowner_key = \"owner.pem\"\n",
		 ovmf, 0, 0);
	ok(check(text, 0, &n) == 0, "careful definition loads");
	ok(n.errors == 0 && n.warnings == 0 && n.notes == 0, "no findings without files (%u/%u/%u)", n.errors,
	   n.warnings, n.notes);
	if (n.warnings || n.notes)
		diag("%s", out);
	ok(check(text, 1, &n) == 0 && n.errors == 1 && n.warnings == 0 &&
		   said("is readable by others (mode 644); the client refuses it"),
	   "with files: an owner key readable by others is an error, as for the client");

	/* The same without min_tcb: an error for a real platform; check_crl = false warned. */
	snprintf(text, sizeof text,
		 "[vm]\nname = \"good\"\n[firmware]\novmf = \"%s\"\n[boot]\nkernel = \"/dev/null\"\ninitrd = \"/dev/null\"\n"
		 "[policy]\nsmt = \"required-off\"\n"
		 "[expect]\nhost_data = \"%064d\"\nid_key_digest = \"%096d\"\n"
		 "[platform]\nproduct = \"genoa\"\ncheck_crl = false\n[channel]\nowner_key = \"owner.pem\"\n",
		 ovmf, 0, 0);
	ok(check(text, 0, &n) == 0 && n.errors == 1 && said("check.toml:10:1: error: no expect.min_tcb") &&
		   said("the client refuses a real (simulated = false) definition without it") &&
		   said("--min-tcb-from FILE"),
	   "no min_tcb on a real platform: an error with the fix");
	ok(n.warnings == 1 && said("warning: check_crl = false: no CRL is consulted") &&
		   said("fix: remove check_crl = false"),
	   "check_crl = false: a warning with the fix");
	if (n.errors != 1 || n.warnings != 1)
		diag("%s", out);
	ok(check(text, 1, &n) == 0 && n.errors == 2 && said("the client refuses it"),
	   "with files: the loose owner key is the second error, none from the client's view");
	unlink(key);
	char path[300];
	snprintf(path, sizeof path, "%s/check.toml", tmpdir);
	unlink(path);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_defaults();
	test_every_key();
	test_set_kinds();
	test_refusals();
	test_check();
	vmdef_gen_free(&gen);
	rmdir(tmpdir);
	return done_testing();
}
