/* `config-generator --check` (vmdef_check.h): what a loaded definition
 * leaves open, each finding with the key's position and what to change. */
#include "vmdef_check.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/bytes.h"
#include "snp/idblock.h"
#include "measure/measure.h"
#include "toml/toml.h"
#include "vmdef/vmdef.h"

#define CHECK_TOML_NODES 2048
#define CHECK_TOML_POOL (128 * 1024)

enum severity { SEV_ERROR, SEV_WARNING, SEV_NOTE };

struct checker {
	FILE *out;
	const char *file;
	struct vmdef *def;
	struct toml_doc doc; /* the same text again, for the positions of keys */
	int have_doc;
	struct vmdef_check_counts *counts;
};

/* Prints one finding at table.key (or the table, or the file) and counts it. */
static void finding(struct checker *c, enum severity sev, const char *table, const char *key, const char *fix,
		    const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void finding(struct checker *c, enum severity sev, const char *table, const char *key, const char *fix,
		    const char *fmt, ...)
{
	static const char *const names[] = {"error", "warning", "note"};
	unsigned line = 0, col = 0;
	if (c->have_doc && table) {
		char path[96];
		snprintf(path, sizeof path, "%s%s%s", table, key ? "." : "", key ? key : "");
		const struct toml_node *n = toml_get_path(&c->doc, path);
		if (!n && key)
			n = toml_get_path(&c->doc, table);
		if (n) {
			line = toml_line(n);
			col = n == toml_get_path(&c->doc, path) && key ? toml_key_column(n) : toml_column(n);
		}
	}
	if (line)
		fprintf(c->out, "%s:%u:%u: %s: ", c->file, line, col, names[sev]);
	else
		fprintf(c->out, "%s: %s: ", c->file, names[sev]);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(c->out, fmt, ap);
	va_end(ap);
	fprintf(c->out, "\n    fix: %s\n", fix);
	if (sev == SEV_ERROR)
		c->counts->errors++;
	else if (sev == SEV_WARNING)
		c->counts->warnings++;
	else
		c->counts->notes++;
}

static void load_positions(struct checker *c)
{
	static struct toml_node nodes[CHECK_TOML_NODES];
	static char pool[CHECK_TOML_POOL];
	FILE *f = fopen(c->file, "rb");
	if (!f)
		return;
	char *buf = malloc(VMDEF_FILE_MAX + 1);
	size_t len = buf ? fread(buf, 1, VMDEF_FILE_MAX, f) : 0;
	fclose(f);
	toml_doc_init(&c->doc, nodes, CHECK_TOML_NODES, pool, CHECK_TOML_POOL);
	c->doc.max_input = VMDEF_FILE_MAX;
	c->have_doc = buf && toml_parse(&c->doc, c->file, buf, len, NULL) == 0;
	free(buf);
}

static void check_trust(struct checker *c)
{
	const struct vmdef *d = c->def;
	if (d->simulated) {
		/* Loud on purpose: the same banner every tool prints. */
		fputs(VMDEF_SIMULATED_WARNING, c->out);
		finding(c, SEV_WARNING, "platform", "simulated",
			"for a real VM set simulated = false and remove trust_anchor (AMD's pinned roots are then used)",
			"simulated = true: the trust anchor %s is snp-sim's TEST root; a report that verifies proves "
			"NOTHING about real hardware or confidentiality",
			d->trust_anchor);
	}
	if (!d->check_crl)
		finding(c, SEV_WARNING, "platform", "check_crl", "remove check_crl = false (the default is true)",
			"check_crl = false: no CRL is consulted, so an ASK or VCEK AMD has revoked is still accepted "
			"(the client says so on every run)");
	if (d->product == SNP_PRODUCT_UNKNOWN)
		finding(c, SEV_NOTE, "platform", NULL, "set product = \"milan\", \"genoa\" or \"turin\" (your hosts' CPUs)",
			"no platform.product: a VCEK of any AMD generation is accepted");
	if (!d->owner_key[0])
		finding(c, SEV_ERROR, "channel", NULL,
			"make a key with `snpboot owner-key --generate owner.pem`, name it in channel.owner_key "
			"and paste the line it prints into boot.toml [channel]",
			"no owner key (channel.owner_key): the first stage talks only to a client presenting a key its "
			"measured boot.toml pins, so this definition cannot release a key to any guest");
	if (d->timeout_s < 30)
		finding(c, SEV_WARNING, "channel", "timeout_s", "allow the whole boot: 60 or more",
			"timeout_s = %u is short: a guest still booting (slow host, large initrd) is given up on",
			d->timeout_s);
	else if (d->timeout_s > 3600)
		finding(c, SEV_NOTE, "channel", "timeout_s", "use the boot time plus a margin (e.g. 300)",
			"timeout_s = %u: a client waits over an hour for a guest that never comes", d->timeout_s);
}

static void check_policy(struct checker *c)
{
	const struct vmdef *d = c->def;
	if (d->debug)
		finding(c, SEV_WARNING, "policy", "debug", "set policy.debug = false",
			"debug is allowed (POLICY bit 19): the host can read and change guest memory, disk key included");
	if (d->migrate_ma)
		finding(c, SEV_WARNING, "policy", "migrate_ma", "set policy.migrate_ma = false unless you run one",
			"a migration agent is allowed (POLICY bit 18): it can move the guest's memory out of this platform");
	if (d->smt != SNP_REQUIRE_OFF)
		finding(c, SEV_NOTE, "policy", "smt", "set policy.smt = \"required-off\" if your hosts can run with SMT off",
			"SMT is %s: a host thread on the sibling core may observe the guest through shared core resources",
			d->smt == SNP_ANY ? "not checked" : "allowed");
	if (d->guest_features != MEASURE_FEATURE_SNP_ACTIVE)
		finding(c, SEV_NOTE, "vm", "guest_features", "keep it equal to what your host kernel sets (0x1 by default)",
			"guest_features = 0x%llx: MEASUREMENT only matches hosts that turn on exactly these VMSA features",
			(unsigned long long)d->guest_features);
}

static void check_expect(struct checker *c)
{
	const struct vmdef *d = c->def;
	if (!d->measurement_computed)
		finding(c, SEV_WARNING, "expect", "measurement",
			"use measurement = \"computed\" with [firmware] and [boot] naming the files",
			"MEASUREMENT is a fixed value: it does not follow changes of firmware, kernel, initrd or command "
			"line, and nothing here says which files it stands for");
	if (!d->has_min_tcb)
		finding(c, d->simulated ? SEV_WARNING : SEV_ERROR, "expect", NULL,
			"set expect.min_tcb = { bootloader = .., tee = .., snp = .., microcode = .. } from AMD's "
			"security bulletins, or from a report or VCEK you trust: `snpboot config-generator "
			"--min-tcb-from FILE`",
			"no expect.min_tcb: reports from firmware with known vulnerabilities would be accepted%s",
			d->simulated ? "" : "; the client refuses a real (simulated = false) definition without it");
	if (!d->has_host_data)
		finding(c, SEV_NOTE, "expect", NULL, "set expect.host_data (64 hex) to a value only you pass at launch",
			"no expect.host_data: the report's HOST_DATA is not checked");
	if (!d->has_id_key_digest && !d->has_author_key_digest)
		finding(c, SEV_NOTE, "expect", NULL,
			"sign an ID block with `snpboot idblock-generator` and set expect.id_key_digest (and "
			"author_key_digest) to the digests it prints",
			"no expect.id_key_digest or author_key_digest: the report's ID keys are not checked");
	if (d->launch.id_block[0] && !d->has_id_key_digest)
		finding(c, SEV_NOTE, "launch", "id_block", "set expect.id_key_digest to what idblock-generator printed",
			"an ID block is launched but its key is not required by the client");
}

/* What an SVSM launch cannot do, and what works instead. */
static void check_svsm(struct checker *c)
{
	const struct vmdef *d = c->def;
	if (d->kernel[0])
		finding(c, SEV_ERROR, "boot", "kernel",
			"drop [boot] and build the kernel and initramfs into the firmware image (an OVMF with the "
			"kernel built in is covered by its pages), or launch without [svsm] to measure -kernel",
			"an SVSM launch measures no kernel hashes (QEMU fills no SNP_KERNEL_HASHES page for it): "
			"the kernel, initrd and command line would run unattested");
	else
		finding(c, SEV_WARNING, "svsm", NULL,
			"build the first stage into the firmware image so its pages cover it",
			"MEASUREMENT covers the firmware and the SVSM only; whatever they boot from disk is unattested");
	if (!d->svsm.ovmf_vars[0])
		finding(c, SEV_NOTE, "svsm", "ovmf_vars", "name the vars file in svsm.ovmf_vars",
			"launch-qemu needs the OVMF vars file itself (pflash unit 1), not only its size");
	finding(c, SEV_NOTE, "svsm", NULL, "set launch.qemu to COCONUT-SVSM's QEMU",
		"launch-qemu writes COCONUT-SVSM's launch protocol (svsm=on, three pflash units), which "
		"upstream QEMU does not have");
}

static void check_boot(struct checker *c)
{
	const struct vmdef *d = c->def;
	if (d->has_svsm) {
		check_svsm(c);
	} else if (!d->kernel[0])
		finding(c, SEV_WARNING, "boot", NULL, "boot the snpboot kernel and initramfs directly (boot.kernel, initrd, append)",
			"no boot.kernel: MEASUREMENT covers the firmware only; whatever it boots from disk is unattested");
	if (d->has_append && strstr(d->append, "snpboot.attestation.provider=sim") && !d->simulated)
		finding(c, SEV_WARNING, "boot", "append", "remove snpboot.attestation.provider=sim for a real VM",
			"the command line makes the guest ask snp-sim for its report, which a real SNP host does not "
			"have");
}

/* 0 if path can be opened for reading; otherwise an error finding. */
static int readable(struct checker *c, enum severity sev, const char *table, const char *key, const char *path)
{
	if (access(path, R_OK) == 0)
		return 0;
	char fix[160];
	snprintf(fix, sizeof fix, "make %s.%s name a readable file", table, key);
	finding(c, sev, table, key, fix, "cannot read %s: %s", path, strerror(errno));
	return -1;
}

/* The ID block must sign this launch, or SNP_LAUNCH_FINISH fails on the host. */
static void check_id_block(struct checker *c, const uint8_t *measurement)
{
	const struct vmdef *d = c->def;
	FILE *f = fopen(d->launch.id_block, "r");
	if (!f)
		return;
	char text[256];
	size_t n = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	while (n && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == ' '))
		n--;
	uint8_t raw[IDBLOCK_LEN + 3];
	struct idblock b;
	if (base64_decode(raw, sizeof raw, text, n) != IDBLOCK_LEN || idblock_decode(&b, raw, IDBLOCK_LEN)) {
		finding(c, SEV_ERROR, "launch", "id_block", "regenerate it with `snpboot idblock-generator`",
			"%s is not a base64 ID block of %d bytes", d->launch.id_block, IDBLOCK_LEN);
		return;
	}
	if (measurement && memcmp(b.ld, measurement, sizeof b.ld) != 0)
		finding(c, SEV_ERROR, "launch", "id_block",
			"sign the current MEASUREMENT: idblock-generator --measurement $(snpboot measure --vm-definition ...)",
			"the ID block signs another launch digest than this definition's MEASUREMENT: the firmware "
			"will refuse to launch");
	if (b.policy != d->guest_policy)
		finding(c, SEV_ERROR, "launch", "id_block", "regenerate it with idblock-generator --policy 0x<guest policy>",
			"the ID block names POLICY 0x%llx but the definition launches with 0x%llx",
			(unsigned long long)b.policy, (unsigned long long)d->guest_policy);
}

static void check_files(struct checker *c)
{
	struct vmdef *d = c->def;
	static struct snp_verify_policy pol;
	char err[VMDEF_ERR_LEN];
	int usable = 1;
	memset(&pol, 0, sizeof pol);
	/* An unreadable firmware (the client would fail on it too: one error
	 * is enough), or an SVSM with a kernel (check_svsm said why). */
	if ((d->ovmf[0] && readable(c, SEV_ERROR, "firmware", "ovmf", d->ovmf) != 0) || (d->has_svsm && d->kernel[0]))
		usable = !d->measurement_computed;
	else if (d->ovmf[0] && d->kernel[0]) {
		uint8_t *img;
		size_t len;
		struct ovmf_info info;
		if (measure_read_file(&img, &len, d->ovmf, MEASURE_OVMF_MAX_LEN, err, sizeof err) == 0) {
			if (ovmf_parse(&info, img, len, err, sizeof err) == 0 &&
			    !ovmf_has_section(&info, OVMF_SECTION_SNP_KERNEL_HASHES)) {
				finding(c, SEV_ERROR, "firmware", "ovmf", "use an AmdSev OVMF build (OvmfPkg/AmdSev)",
					"%s has no SNP_KERNEL_HASHES section: the kernel, initrd and command line would "
					"be unmeasured (an OvmfX64 build?)",
					d->ovmf);
				usable = !d->measurement_computed;
			}
			free(img);
		}
	}
	/* What the client itself does with the definition: MEASUREMENT, trust anchor
	 * (a missing min_tcb is reported by check_expect already). */
	if (usable && vmdef_policy_fill(d, &pol, NULL, err, sizeof err) != 0)
		finding(c, SEV_ERROR, NULL, NULL, "fix the file or key named", "the client could not use it: %s", err);
	else if (usable && !d->measurement_computed) {
		uint8_t m[MEASURE_DIGEST_LEN];
		if (d->ovmf[0] && vmdef_measure(d, m, err, sizeof err) == 0 && memcmp(m, d->measurement, sizeof m) != 0) {
			char hex[2 * MEASURE_DIGEST_LEN + 1];
			hex_encode(hex, m, sizeof m);
			finding(c, SEV_WARNING, "expect", "measurement", "use measurement = \"computed\"",
				"the fixed MEASUREMENT differs from the one computed from the files named (%s)", hex);
		}
	}
	if (d->owner_key[0] && readable(c, SEV_ERROR, "channel", "owner_key", d->owner_key) == 0) {
		struct stat st;
		if (stat(d->owner_key, &st) == 0 && (st.st_mode & 077))
			finding(c, SEV_ERROR, "channel", "owner_key", "chmod 600 the key file",
				"the owner's private key %s is readable by others (mode %03o); the client refuses it",
				d->owner_key, (unsigned)(st.st_mode & 0777));
	}
	if (d->disk_key_file[0] && readable(c, SEV_ERROR, "channel", "disk_key_file", d->disk_key_file) == 0) {
		struct stat st;
		if (stat(d->disk_key_file, &st) == 0 && (st.st_mode & 077))
			finding(c, SEV_ERROR, "channel", "disk_key_file", "chmod 600 the key file",
				"the disk key %s is readable by others (mode %03o); the client refuses it",
				d->disk_key_file, (unsigned)(st.st_mode & 0777));
	}
	if (d->launch.disk[0])
		readable(c, SEV_WARNING, "launch", "disk", d->launch.disk);
	if (d->launch.id_block[0] && readable(c, SEV_ERROR, "launch", "id_block", d->launch.id_block) == 0 &&
	    readable(c, SEV_ERROR, "launch", "id_auth", d->launch.id_auth) == 0)
		check_id_block(c, usable && pol.has_measurement ? pol.measurement : NULL);
}

int vmdef_check_file(const char *path, FILE *out, int use_files, struct vmdef_check_counts *counts, char *err,
		     size_t err_len)
{
	static struct vmdef def; /* large */
	static struct checker c;
	memset(counts, 0, sizeof *counts);
	if (vmdef_load(path, &def, err, err_len) != 0)
		return -1;
	memset(&c, 0, sizeof c);
	c.out = out;
	c.file = path;
	c.def = &def;
	c.counts = counts;
	load_positions(&c);
	check_trust(&c);
	check_policy(&c);
	check_expect(&c);
	check_boot(&c);
	if (use_files)
		check_files(&c);
	return 0;
}
