/* snpboot measure: the expected SNP launch digest (report MEASUREMENT) of a
 * guest booted by QEMU, EC2 or GCE from OVMF with a kernel, initrd and
 * command line. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/bytes.h"
#include "cli/cli_opt.h"
#include "commands.h"
#include "client/explain_report.h"
#include "measure/measure.h"
#include "vmdef/vmdef.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: snpboot measure --vm-definition vm.toml [--output hex|base64|json]\n"
		"       snpboot measure --explain REPORT --vm-definition vm.toml\n"
		"       snpboot measure --ovmf FILE [--kernel FILE [--initrd FILE] [--append CMDLINE]]\n"
		"                       [--vcpus N] [--vcpu-type TYPE | --vcpu-sig 0xSIG |\n"
		"                        --vcpu-family F --vcpu-model M --vcpu-stepping S]\n"
		"                       [--vmm-type qemu|ec2|ec2-2025|gce]\n"
		"                       [--guest-features 0xF] [--ovmf-hash HEX] [--output hex|base64|json]\n"
		"                       [--allow-unmeasured-kernel]\n"
		"       snpboot measure --ovmf FILE --svsm FILE (--vars-size N | --vars-file FILE)\n"
		"                       [--vcpus N] [--vcpu-type TYPE | ...] [--output hex|base64|json]\n"
		"\n"
		"Prints the SNP launch digest (the attestation report's MEASUREMENT) that the\n"
		"AMD Secure Processor computes when QEMU, EC2 or GCE launches this guest.\n"
		"\n"
		"  --vm-definition F  take firmware, kernel, initrd, append, vCPUs, type, VMM and\n"
		"                     guest features from a VM definition (what the client expects);\n"
		"                     its JSON output adds the HOST_DATA to launch with (from [vm]\n"
		"                     initdata or [expect] host_data), which is not measured\n"
		"  --explain REPORT   say why REPORT's MEASUREMENT differs from the definition's:\n"
		"                     recompute it with each usual single change (guest features\n"
		"                     such as DebugSwap, vCPU count 1..max(64, 2x), vCPU model, VMM\n"
		"                     type (each of the others), no kernel hashes, no initrd,\n"
		"                     command line absent or with a newline, blank or word more or\n"
		"                     less) and name the one that gives it, or say that none does.\n"
		"                     REPORT is a raw 1184-byte report or an EVIDENCE frame saved\n"
		"                     by `client --save-evidence`\n"
		"  --ovmf FILE        OVMF firmware image (its GUID table and SEV metadata are read)\n"
		"  --kernel FILE      kernel passed with -kernel (measured through the firmware's\n"
		"                     SEV kernel-hashes table, QEMU kernel-hashes=on)\n"
		"  --initrd FILE      initrd passed with -initrd (needs --kernel)\n"
		"  --append CMDLINE   command line passed with -append (needs --kernel); hashed with\n"
		"                     its terminating NUL, none = a lone NUL\n"
		"  --vcpus N          number of vCPUs (default 1)\n"
		"  --vcpu-type TYPE   QEMU CPU model (default EPYC-v4), one of:\n                    ");
	for (unsigned i = 0; measure_vcpu_type_name(i); i++)
		fprintf(out, " %s%s", measure_vcpu_type_name(i),
			i % 6 == 5 && measure_vcpu_type_name(i + 1) ? "\n                    " : "");
	fprintf(out,
		"\n"
		"  --vcpu-sig 0xSIG   CPUID Fn0000_0001_EAX signature instead of a model name\n"
		"  --vcpu-family F --vcpu-model M --vcpu-stepping S\n"
		"                     the signature from CPUID family (0..0x10e), model (0..0xff)\n"
		"                     and stepping (0..0xf), all three together\n"
		"  --vmm-type T       who builds the initial VMSAs (measured):\n");
	for (unsigned i = 0; measure_vmm_at(i); i++)
		fprintf(out, "                       %-9s %s\n", measure_vmm_name(measure_vmm_at(i)),
			measure_vmm_help(measure_vmm_at(i)));
	fprintf(out,
		"                     ec2 and gce put 0x600 in RDX whatever the vCPU type; their\n"
		"                     values follow virtee/sev-snp-measure 0.0.12/0.0.13 (May 2026)\n"
		"  --guest-features F VMSA SEV_FEATURES (default 0x1 = SNPActive; 0x21 adds\n"
		"                     DebugSwap, bit 5, which some host kernels turn on)\n"
		"  --ovmf-hash HEX    precomputed digest of the firmware pages (96 hex digits);\n"
		"                     the OVMF file is then only read for its tables\n"
		"  --svsm FILE        a COCONUT-SVSM launch (QEMU): the SVSM image sits below the\n"
		"                     OVMF vars area; measured are the OVMF pages, the SVSM pages,\n"
		"                     the SVSM's SEV metadata and one VMSA per vCPU at the SVSM's\n"
		"                     entry point. No kernel hashes (refused with --kernel), no\n"
		"                     --ovmf-hash, VMM type qemu, guest features not measured\n"
		"  --vars-size N      bytes of the OVMF vars area (with --svsm; whole 4 KiB pages)\n"
		"  --vars-file FILE   the OVMF vars file whose size is the vars area (with --svsm)\n"
		"  --output FORMAT    hex (default), base64 or json\n"
		"  --allow-unmeasured-kernel\n"
		"                     with firmware that has no SNP_KERNEL_HASHES section, print\n"
		"                     the firmware-only digest instead of refusing. The kernel,\n"
		"                     initrd and command line are then NOT covered by it.\n"
		"\n"
		"Exit status: 0 ok, 1 refused (e.g. kernel not measurable), 2 usage, 3 bad input file.\n"
		"With --explain: 0 the report's MEASUREMENT is the definition's, 1 it differs (the\n"
		"output says whether one change explains it), 2 usage, 3 bad report or definition.\n");
}



struct measure_args {
	const char *ovmf, *kernel, *initrd, *append, *vcpu_type, *vcpu_sig, *vmm, *features, *ovmf_hash, *output;
	const char *vcpus, *vmdef, *explain, *family, *model, *stepping;
	const char *svsm, *vars_size, *vars_file;
	int allow_unmeasured;
};

static int parse_args(struct measure_args *a, int argc, char **argv)
{
	memset(a, 0, sizeof *a);
	const struct {
		const char *name;
		const char **slot;
	} opts[] = {
		{"--ovmf", &a->ovmf},         {"--kernel", &a->kernel},
		{"--initrd", &a->initrd},     {"--append", &a->append},
		{"--vcpus", &a->vcpus},       {"--vcpu-type", &a->vcpu_type},
		{"--vcpu-sig", &a->vcpu_sig}, {"--vmm-type", &a->vmm},
		{"--guest-features", &a->features}, {"--ovmf-hash", &a->ovmf_hash},
		{"--output", &a->output},     {"--vm-definition", &a->vmdef},
		{"--explain", &a->explain},   {"--vcpu-family", &a->family},
		{"--vcpu-model", &a->model},  {"--vcpu-stepping", &a->stepping},
		{"--svsm", &a->svsm},         {"--vars-size", &a->vars_size},
		{"--vars-file", &a->vars_file},
	};
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--allow-unmeasured-kernel") == 0) {
			a->allow_unmeasured = 1;
			continue;
		}
		int matched = 0, missing = 0;
		for (size_t j = 0; j < sizeof opts / sizeof opts[0] && !matched; j++) {
			const char *v = cli_opt_value(argc, argv, &i, opts[j].name, &missing);
			if (missing) {
				fprintf(stderr, "snpboot measure: %s needs a value\n", opts[j].name);
				return -1;
			}
			if (v) {
				const char **slot = opts[j].slot;
				if (*slot) {
					fprintf(stderr, "snpboot measure: %s given twice\n", opts[j].name);
					return -1;
				}
				*slot = v;
				matched = 1;
			}
		}
		if (!matched) {
			fprintf(stderr, "snpboot measure: unknown argument '%s' (see --help)\n", argv[i]);
			return -1;
		}
	}
	return 0;
}

static void print_digest(const uint8_t d[MEASURE_DIGEST_LEN], const char *format, const struct measure_files *p,
			 const struct measure_result *r)
{
	char hex[2 * MEASURE_DIGEST_LEN + 1], b64[80];
	hex_encode(hex, d, MEASURE_DIGEST_LEN);
	base64_encode(b64, d, MEASURE_DIGEST_LEN);
	if (strcmp(format, "base64") == 0) {
		printf("%s\n", b64);
	} else if (strcmp(format, "json") == 0) {
		printf("{\"measurement\": \"%s\", \"measurement_base64\": \"%s\", \"vcpus\": %u, "
		       "\"vcpu_sig\": \"0x%x\", \"vmm_type\": \"%s\", \"guest_features\": \"0x%llx\", "
		       "\"kernel_measured\": %s, \"ovmf_hash_given\": %s, \"svsm\": %s}\n",
		       hex, b64, p->vcpus, p->vcpu_sig, measure_vmm_name(p->vmm),
		       (unsigned long long)p->guest_features, r->kernel_measured ? "true" : "false",
		       p->ovmf_hash_hex ? "true" : "false", p->svsm ? "true" : "false");
	} else {
		printf("%s\n", hex);
	}
}

/* --explain: which single change of the definition gives the report's MEASUREMENT. */
static int explain_from_vmdef(const struct measure_args *a, const struct vmdef *def)
{
	static uint8_t report[SNP_REPORT_SIZE];
	static struct explain_report e;
	char err[VMDEF_ERR_LEN], hex[2 * MEASURE_DIGEST_LEN + 1];
	if (a->output) {
		fprintf(stderr, "snpboot measure: --explain prints text only; drop --output\n");
		return EXIT_USAGE;
	}
	if (explain_read_report("snpboot measure", a->explain, report) != 0)
		return EXIT_INPUT;
	if (explain_report_run(&e, def, report, err, sizeof err) != 0) {
		fprintf(stderr, "snpboot measure: %s\n", err);
		return EXIT_INPUT;
	}
	hex_encode(hex, e.reported, sizeof e.reported);
	printf("report MEASUREMENT   %s\n", hex);
	hex_encode(hex, e.computed, sizeof e.computed);
	printf("definition computes  %s\n", hex);
	printf("%s\n", e.summary);
	for (size_t i = 0; i < e.n_notes; i++)
		printf("note: %s\n", e.notes[i]);
	return e.matches ? EXIT_OK : EXIT_FAILURE_GENERIC;
}

/* The definition form: the same computation the client and snp-sim make. */
static int measure_from_vmdef(const struct measure_args *a)
{
	static struct vmdef def; /* large: paths and buffers */
	char err[VMDEF_ERR_LEN], hex[2 * MEASURE_DIGEST_LEN + 1], b64[80];
	uint8_t d[MEASURE_DIGEST_LEN];
	const char *output = a->output ? a->output : "hex";
	if (a->ovmf || a->kernel || a->initrd || a->append || a->vcpus || a->vcpu_type || a->vcpu_sig || a->vmm ||
	    a->features || a->ovmf_hash || a->allow_unmeasured || a->family || a->model || a->stepping || a->svsm ||
	    a->vars_size || a->vars_file) {
		fprintf(stderr, "snpboot measure: --vm-definition takes everything from the definition; "
				"only --output (or --explain) may be added\n");
		return EXIT_USAGE;
	}
	if (strcmp(output, "hex") != 0 && strcmp(output, "base64") != 0 && strcmp(output, "json") != 0) {
		fprintf(stderr, "snpboot measure: --output must be hex, base64 or json, not '%s'\n", output);
		return EXIT_USAGE;
	}
	if (a->explain) {
		if (vmdef_load(a->vmdef, &def, err, sizeof err) != 0) {
			fprintf(stderr, "snpboot measure: %s\n", err);
			return EXIT_INPUT;
		}
		return explain_from_vmdef(a, &def);
	}
	if (vmdef_load(a->vmdef, &def, err, sizeof err) != 0 || vmdef_measure(&def, d, err, sizeof err) != 0) {
		fprintf(stderr, "snpboot measure: %s\n", err);
		return EXIT_INPUT;
	}
	hex_encode(hex, d, sizeof d);
	base64_encode(b64, d, sizeof d);
	if (strcmp(output, "json") == 0) {
		/* HOST_DATA is not measured, but the launch needs it beside MEASUREMENT
		 * (from [vm] initdata or [expect] host_data). */
		char hd[2 * sizeof def.host_data + 1] = "";
		if (def.has_host_data)
			hex_encode(hd, def.host_data, sizeof def.host_data);
		printf("{\"vm\": \"%s\", \"measurement\": \"%s\", \"measurement_base64\": \"%s\"%s%s%s}\n", def.name,
		       hex, b64, hd[0] ? ", \"host_data\": \"" : "", hd, hd[0] ? "\"" : "");
	}
	else
		printf("%s\n", strcmp(output, "base64") == 0 ? b64 : hex);
	return EXIT_OK;
}

/* --svsm with exactly one of --vars-size or --vars-file: the vars area
 * size into *size. 0, or -1 after saying why. */
static int svsm_from_args(const struct measure_args *a, uint64_t *size)
{
	if (!a->svsm) {
		if (a->vars_size || a->vars_file) {
			fprintf(stderr, "snpboot measure: --vars-size and --vars-file only apply with --svsm\n");
			return -1;
		}
		return 0;
	}
	if (!a->vars_size == !a->vars_file) {
		fprintf(stderr, "snpboot measure: --svsm needs one of --vars-size N or --vars-file FILE (the OVMF vars "
				"area decides where the SVSM sits)\n");
		return -1;
	}
	if (a->kernel || a->ovmf_hash || a->features || a->allow_unmeasured || (a->vmm && strcmp(a->vmm, "qemu") != 0)) {
		fprintf(stderr, "snpboot measure: --svsm measures no kernel hashes and takes neither --kernel, "
				"--ovmf-hash, --guest-features, --allow-unmeasured-kernel nor a VMM type other than qemu\n");
		return -1;
	}
	if (a->vars_file) {
		FILE *f = fopen(a->vars_file, "rb");
		long end = -1;
		if (f && fseek(f, 0, SEEK_END) == 0)
			end = ftell(f);
		if (f)
			fclose(f);
		if (end < 0) {
			fprintf(stderr, "snpboot measure: --vars-file %s: %s\n", a->vars_file,
				f ? "cannot find its size" : strerror(errno));
			return -2;
		}
		*size = (uint64_t)end;
		return 0;
	}
	if (cli_parse_u64(a->vars_size, size) != 0) {
		fprintf(stderr, "snpboot measure: --vars-size '%s' is not a number\n", a->vars_size);
		return -1;
	}
	return 0;
}

/* The vCPU's CPUID signature from exactly one of --vcpu-type, --vcpu-sig
 * or the family/model/stepping triple (sev-snp-measure's three forms), the
 * default being EPYC-v4. Returns 0, or -1 after saying why. */
static int vcpu_sig_from_args(const struct measure_args *a, uint32_t *sig)
{
	int fms = a->family || a->model || a->stepping;
	uint64_t v, fam, mod, step;
	if ((a->vcpu_type != NULL) + (a->vcpu_sig != NULL) + fms > 1) {
		fprintf(stderr, "snpboot measure: give one of --vcpu-type, --vcpu-sig or "
				"--vcpu-family/--vcpu-model/--vcpu-stepping\n");
		return -1;
	}
	if (fms) {
		if (!a->family || !a->model || !a->stepping) {
			fprintf(stderr, "snpboot measure: --vcpu-family, --vcpu-model and --vcpu-stepping go together\n");
			return -1;
		}
		if (cli_parse_u64(a->family, &fam) != 0 || cli_parse_u64(a->model, &mod) != 0 ||
		    cli_parse_u64(a->stepping, &step) != 0 || fam > UINT32_MAX || mod > UINT32_MAX ||
		    step > UINT32_MAX ||
		    measure_cpu_sig_checked((unsigned)fam, (unsigned)mod, (unsigned)step, sig) != 0) {
			fprintf(stderr,
				"snpboot measure: --vcpu-family %s --vcpu-model %s --vcpu-stepping %s: want family "
				"0..0x10e, model 0..0xff, stepping 0..0xf\n",
				a->family, a->model, a->stepping);
			return -1;
		}
		return 0;
	}
	if (a->vcpu_sig) {
		if (cli_parse_u64(a->vcpu_sig, &v) != 0 || v > 0xffffffffu) {
			fprintf(stderr, "snpboot measure: --vcpu-sig '%s' is not a 32-bit number\n", a->vcpu_sig);
			return -1;
		}
		*sig = (uint32_t)v;
		return 0;
	}
	if (measure_vcpu_type_sig(a->vcpu_type ? a->vcpu_type : "EPYC-v4", sig) != 0) {
		fprintf(stderr, "snpboot measure: unknown --vcpu-type '%s' (see --help for the list)\n", a->vcpu_type);
		return -1;
	}
	return 0;
}

int cmd_measure(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return EXIT_OK;
		}
	struct measure_args a;
	if (parse_args(&a, argc, argv) != 0)
		return EXIT_USAGE;
	if (a.vmdef)
		return measure_from_vmdef(&a);
	if (a.explain) {
		fprintf(stderr, "snpboot measure: --explain needs --vm-definition (what the report is compared with)\n");
		return EXIT_USAGE;
	}
	if (!a.ovmf) {
		fprintf(stderr, "snpboot measure: --ovmf FILE or --vm-definition FILE is required (see --help)\n");
		return EXIT_USAGE;
	}
	if ((a.initrd || a.append) && !a.kernel) {
		fprintf(stderr, "snpboot measure: --initrd and --append need --kernel (QEMU ignores them without one)\n");
		return EXIT_USAGE;
	}
	const char *output = a.output ? a.output : "hex";
	if (strcmp(output, "hex") != 0 && strcmp(output, "base64") != 0 && strcmp(output, "json") != 0) {
		fprintf(stderr, "snpboot measure: --output must be hex, base64 or json, not '%s'\n", output);
		return EXIT_USAGE;
	}

	struct measure_files f = {.ovmf = a.ovmf, .ovmf_hash_hex = a.ovmf_hash, .kernel = a.kernel,
				  .initrd = a.initrd, .append = a.append, .vcpus = 1, .vmm = MEASURE_VMM_QEMU,
				  .guest_features = MEASURE_FEATURE_SNP_ACTIVE,
				  .allow_unmeasured_kernel = a.allow_unmeasured};
	uint64_t v;
	if (a.vcpus) {
		if (cli_parse_u64(a.vcpus, &v) != 0 || v == 0 || v > MEASURE_MAX_VCPUS) {
			fprintf(stderr, "snpboot measure: --vcpus '%s' is not a number in 1..%u\n", a.vcpus,
				MEASURE_MAX_VCPUS);
			return EXIT_USAGE;
		}
		f.vcpus = (uint32_t)v;
	}
	if (vcpu_sig_from_args(&a, &f.vcpu_sig) != 0)
		return EXIT_USAGE;
	int svsm_rc = svsm_from_args(&a, &f.ovmf_vars_size);
	if (svsm_rc != 0)
		return svsm_rc == -2 ? EXIT_INPUT : EXIT_USAGE;
	f.svsm = a.svsm;
	if (a.vmm && measure_vmm_parse(a.vmm, &f.vmm) != 0) {
		fprintf(stderr, "snpboot measure: --vmm-type must be qemu, ec2, ec2-2025 or gce, not '%s'\n", a.vmm);
		return EXIT_USAGE;
	}
	if (a.features && (cli_parse_u64(a.features, &f.guest_features) != 0 ||
			   !(f.guest_features & MEASURE_FEATURE_SNP_ACTIVE))) {
		fprintf(stderr, "snpboot measure: --guest-features '%s' is not a number with bit 0 (SNPActive) set\n",
			a.features);
		return EXIT_USAGE;
	}
	/* Checked here too, so that a typo is a usage error rather than a bad input file. */
	uint8_t checked[MEASURE_DIGEST_LEN];
	if (a.ovmf_hash && hex_decode(checked, sizeof checked, a.ovmf_hash, strlen(a.ovmf_hash)) != 0) {
		fprintf(stderr, "snpboot measure: --ovmf-hash must be %d hex digits\n", 2 * MEASURE_DIGEST_LEN);
		return EXIT_USAGE;
	}

	char err[MEASURE_ERR_LEN];
	struct measure_result r;
	int rc = measure_launch_digest_files(&r, &f, err, sizeof err);
	if (rc != 0) {
		fprintf(stderr, "snpboot measure: %s\n", err);
		/* A refusal to measure a kernel is a decision, not a bad file. */
		if (rc == MEASURE_ERR_KERNEL_NOT_MEASURED) {
			fprintf(stderr, "snpboot measure: refusing; --allow-unmeasured-kernel computes the firmware-only "
					"digest anyway\n");
			return EXIT_FAILURE_GENERIC;
		}
		return EXIT_INPUT;
	}
	if (r.kernel_ignored) {
		fprintf(stderr,
			"\n"
			"*****************************************************************************\n"
			"WARNING: %s has no SNP_KERNEL_HASHES section.\n"
			"The kernel, initrd and command line are NOT measured: the digest below covers\n"
			"the firmware only, and ANY kernel, initrd or command line the host chooses\n"
			"will produce the same MEASUREMENT. Do not rely on it to pin the guest software.\n"
			"*****************************************************************************\n\n",
			a.ovmf);
	}
	print_digest(r.digest, output, &f, &r);
	return EXIT_OK;
}
