/* snpboot config-generator: writes a fully commented VM definition with
 * safe defaults (any key settable from the command line, the result
 * checked by the vmdef loader), or reviews an existing one (--check). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bootcfg/bootcfg.h"
#include "client/owner_pin.h"
#include "cmd_disk_pin.h"
#include "commands.h"
#include "cli/file_io.h"
#include "vmdefgen/boot_config_gen.h"
#include "vmdefgen/vmdef_check.h"
#include "vmdefgen/vmdef_gen.h"
#include "vmdefgen/min_tcb_from.h"

#define PROG "snpboot config-generator"

static const char usage_text[] =
	"usage: snpboot config-generator [--set TABLE.KEY=VALUE]... [NAMED OPTIONS] [--output FILE [--force]]\n"
	"       snpboot config-generator --check vm.toml [--strict] [--no-files]\n"
	"       (also: config-generator ...)\n"
	"\n"
	"Writes a VM definition (vm.toml) with every key the tools know, each with a\n"
	"comment saying what it is and its safe default; optional keys are commented\n"
	"out. Any key can be set; the result is loaded with the same code as every\n"
	"other tool, so a bad value is refused here.\n"
	"\n"
	"  --set TABLE.KEY=VALUE  set any key (lib/vmdef.h lists them). Strings and paths are\n"
	"                     taken as they are; integers decimal or 0x hex; booleans true or\n"
	"                     false; TCB tables as snp=8,microcode=115; extra_args one\n"
	"                     argument per --set (or a TOML array)\n"
	"  --name NAME        vm.name              --vcpus N           vm.vcpus\n"
	"  --vcpu-type MODEL  vm.vcpu_type         --memory-mib N      vm.memory_mib\n"
	"  --ovmf FILE        firmware.ovmf        --kernel FILE       boot.kernel\n"
	"  --initrd FILE      boot.initrd          --append CMDLINE    boot.append\n"
	"  --product NAME     platform.product     --trust-anchor FILE platform.trust_anchor\n"
	"  --simulated        platform.simulated = true (snp-sim's TEST root: proves nothing)\n"
	"  --mode MODE        channel.mode         --address HOST:PORT channel.address\n"
	"  --owner-key FILE   channel.owner_key    --disk FILE         launch.disk\n"
	"  --min-tcb TCB      expect.min_tcb (e.g. bootloader=3,tee=0,snp=8,microcode=115);\n"
	"                     required when platform.simulated is false\n"
	"  --min-tcb-from FILE  expect.min_tcb from a platform you trust: its REPORTED_TCB\n"
	"                     (FILE a raw 1184-byte report, or the evidence `client\n"
	"                     --save-evidence` kept) or its VCEK's TCB extensions (DER or\n"
	"                     PEM); the values written are printed on stderr\n"
	"                     Relative paths given here are made absolute (from the current\n"
	"                     directory); the definition resolves relative paths against its\n"
	"                     own directory.\n"
	"  --output FILE      write to FILE (default: standard output)\n"
	"  --force            replace an existing FILE (a regular file; atomically)\n"
	"  --boot-config OUT  also write the first stage's boot.toml for this VM: the\n"
	"                     template (--boot-config-from, default config/boot.toml) with\n"
	"                     the pin of --owner-key in [channel] and the disk pin of --disk\n"
	"                     (a raw LUKS2 image) in [root], checked with the first stage's\n"
	"                     own parser; build the image from it (make initramfs\n"
	"                     BOOT_CONFIG=OUT). --force replaces an existing OUT too\n"
	"\n"
	"  --check FILE       load FILE and review it: errors (file:line:col) if it does not\n"
	"                     load; then each weak choice as a warning or note with what to\n"
	"                     change (debug or migration allowed, unmeasured kernel, fixed\n"
	"                     MEASUREMENT, no owner pinning, simulated platform, CRL not\n"
	"                     checked, SMT, timeouts, an SVSM with a kernel, ...); a real\n"
	"                     definition without expect.min_tcb is an error\n"
	"  --strict           with --check: warnings fail too (notes never do)\n"
	"  --no-files         with --check: judge the text only; do not read the files it names\n"
	"                     (by default MEASUREMENT is computed, the trust anchor, firmware and\n"
	"                     ID block are read)\n"
	"\n"
	"Exit: 0 written, or checked with no error (and, with --strict, no warning);\n"
	"1 --check found an error (or a warning with --strict), or FILE exists without\n"
	"--force, or it could not be written; 2 usage or a value the definition refuses;\n"
	"3 the checked definition does not load.\n";

/* Named options: long name -> TABLE.KEY. */
static const struct {
	const char *opt, *table, *key;
} named[] = {
	{"name", "vm", "name"},
	{"vcpus", "vm", "vcpus"},
	{"vcpu-type", "vm", "vcpu_type"},
	{"memory-mib", "vm", "memory_mib"},
	{"ovmf", "firmware", "ovmf"},
	{"kernel", "boot", "kernel"},
	{"initrd", "boot", "initrd"},
	{"append", "boot", "append"},
	{"product", "platform", "product"},
	{"trust-anchor", "platform", "trust_anchor"},
	{"mode", "channel", "mode"},
	{"address", "channel", "address"},
	{"owner-key", "channel", "owner_key"},
	{"disk", "launch", "disk"},
	{"min-tcb", "expect", "min_tcb"},
};
#define N_NAMED (sizeof named / sizeof named[0])

enum {
	OPT_SET = 1000,
	OPT_OUTPUT,
	OPT_FORCE,
	OPT_CHECK,
	OPT_STRICT,
	OPT_NO_FILES,
	OPT_SIMULATED,
	OPT_MIN_TCB_FROM,
	OPT_BOOT_CONFIG,
	OPT_BOOT_CONFIG_FROM,
	OPT_NAMED
};

/* --min-tcb-from FILE: expect.min_tcb from a report or VCEK, said on stderr. */
static int set_min_tcb_from(struct vmdef_gen *gen, const char *path, char *err, size_t err_len)
{
	char value[96], what[128], origin[160];
	if (min_tcb_from_file(PROG, path, value, sizeof value, what, sizeof what, err, err_len))
		return -1;
	snprintf(origin, sizeof origin, "--min-tcb-from %s", path);
	if (vmdef_gen_set_kv(gen, "expect", "min_tcb", value, origin, 1, err, err_len))
		return -1;
	fprintf(stderr, PROG ": expect.min_tcb = %s (%s in %s)\n", value, what, path);
	return 0;
}

static int check(const char *path, int strict, int use_files)
{
	struct vmdef_check_counts n;
	char err[512];
	if (vmdef_check_file(path, stdout, use_files, &n, err, sizeof err) != 0) {
		fprintf(stderr, PROG ": %s\n", err);
		return EXIT_INPUT;
	}
	printf("%s: %u error%s, %u warning%s, %u note%s%s\n", path, n.errors, n.errors == 1 ? "" : "s", n.warnings,
	       n.warnings == 1 ? "" : "s", n.notes, n.notes == 1 ? "" : "s", use_files ? "" : " (files not read)");
	return n.errors || (strict && n.warnings) ? EXIT_FAILURE_GENERIC : EXIT_OK;
}

static int write_output(const char *output, int force, const char *text, size_t len)
{
	if (!output)
		return fwrite(text, 1, len, stdout) == len && fflush(stdout) == 0 ? EXIT_OK : EXIT_FAILURE_GENERIC;
	struct stat st;
	if (force && lstat(output, &st) == 0 && !S_ISREG(st.st_mode)) {
		/* The rename below would put a file in place of a device, a symlink, ... */
		fprintf(stderr, PROG ": %s is not a regular file: not replaced\n", output);
		return EXIT_FAILURE_GENERIC;
	}
	if (force) /* atomically: a reader sees the old file or the new one */
		return file_write_all(PROG, output, text, len, 0644) == 0 ? EXIT_OK : EXIT_FAILURE_GENERIC;
	/* O_EXCL: an existing file (or a dangling symlink) is never touched. */
	int fd = open(output, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		if (errno == EEXIST)
			fprintf(stderr, PROG ": %s exists; --force replaces it\n", output);
		else
			fprintf(stderr, PROG ": %s: %s\n", output, strerror(errno));
		return EXIT_FAILURE_GENERIC;
	}
	FILE *f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(output);
		fprintf(stderr, PROG ": %s: %s\n", output, strerror(errno));
		return EXIT_FAILURE_GENERIC;
	}
	int bad = fwrite(text, 1, len, f) != len;
	bad |= fclose(f) != 0;
	if (bad) {
		fprintf(stderr, PROG ": %s: write failed: %s\n", output, strerror(errno));
		unlink(output);
		return EXIT_FAILURE_GENERIC;
	}
	return EXIT_OK;
}

/* --boot-config OUT: the first stage's boot.toml for this VM, the template
 * with the owner key's pin and the disk's pin filled in, checked with the
 * first stage's own parser and rules before it is written. */
static int write_boot_config(const char *out_path, int force, const char *from, const char *owner_key, const char *disk)
{
	char err[768], pin_lines[1024];
	uint8_t owner_pin[32];
	size_t tmpl_len, len;
	if (owner_pin_of_key_file(owner_key, owner_pin, err, sizeof err) != 0) {
		fprintf(stderr, PROG ": --owner-key %s: %s\n", owner_key, err);
		return EXIT_INPUT;
	}
	if (disk_pin_toml_of_file(disk, 0, pin_lines, sizeof pin_lines, err, sizeof err) != 0) {
		fprintf(stderr, PROG ": --disk %s: %s (a partition: `snpboot disk-pin --partition N`)\n", disk, err);
		return EXIT_INPUT;
	}
	char *tmpl = file_read_all(PROG, from, 1u << 20, &tmpl_len);
	if (!tmpl)
		return EXIT_INPUT;
	char *text = boot_config_fill(from, tmpl, tmpl_len, owner_pin, pin_lines, &len, err, sizeof err);
	free(tmpl);
	if (!text) {
		fprintf(stderr, PROG ": --boot-config: %s\n", err);
		return EXIT_INPUT;
	}
	static struct boot_config cfg;
	int rc = bootcfg_load(&cfg, out_path, text, len, NULL, err, sizeof err);
	if (rc != 0)
		fprintf(stderr, PROG ": --boot-config: the first stage would refuse it: %s\n", err);
	else
		rc = write_output(out_path, force, text, len);
	free(text);
	if (rc == EXIT_OK)
		fprintf(stderr, PROG ": wrote %s: %s with the owner key's pin and the disk pin of %s\n", out_path, from,
			disk);
	return rc == EXIT_OK ? EXIT_OK : EXIT_FAILURE_GENERIC;
}

int cmd_config_generator(int argc, char **argv)
{
	static const struct option fixed[] = {
		{"set", required_argument, NULL, OPT_SET},     {"output", required_argument, NULL, OPT_OUTPUT},
		{"force", no_argument, NULL, OPT_FORCE},       {"check", required_argument, NULL, OPT_CHECK},
		{"strict", no_argument, NULL, OPT_STRICT},     {"no-files", no_argument, NULL, OPT_NO_FILES},
		{"simulated", no_argument, NULL, OPT_SIMULATED}, {"help", no_argument, NULL, 'h'},
		{"min-tcb-from", required_argument, NULL, OPT_MIN_TCB_FROM},
		{"boot-config", required_argument, NULL, OPT_BOOT_CONFIG},
		{"boot-config-from", required_argument, NULL, OPT_BOOT_CONFIG_FROM},
	};
	/* Sized from the tables, so adding an option cannot overrun it again (a
	 * hand-counted size once left no room for the terminator). */
	struct option opts[sizeof fixed / sizeof fixed[0] + N_NAMED + 1];
	size_t n_opts = 0;
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		opts[n_opts++] = fixed[i];
	for (size_t i = 0; i < N_NAMED; i++)
		opts[n_opts++] = (struct option){named[i].opt, required_argument, NULL, OPT_NAMED + (int)i};
	opts[n_opts] = (struct option){NULL, 0, NULL, 0};

	static struct vmdef_gen gen;
	const char *output = NULL, *check_path = NULL, *boot_out = NULL, *boot_from = "config/boot.toml";
	const char *owner_key = NULL, *disk = NULL; /* as given: what --boot-config pins */
	int force = 0, strict = 0, use_files = 1, c, rc = EXIT_USAGE;
	char err[768], origin[160];
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_SET:
			snprintf(origin, sizeof origin, "--set %s", optarg);
			if (vmdef_gen_set(&gen, optarg, origin, 1, err, sizeof err))
				goto bad;
			break;
		case OPT_SIMULATED:
			if (vmdef_gen_set_kv(&gen, "platform", "simulated", "true", "--simulated", 1, err, sizeof err))
				goto bad;
			break;
		case OPT_MIN_TCB_FROM:
			if (set_min_tcb_from(&gen, optarg, err, sizeof err))
				goto bad;
			break;
		case OPT_OUTPUT: output = optarg; break;
		case OPT_BOOT_CONFIG: boot_out = optarg; break;
		case OPT_BOOT_CONFIG_FROM: boot_from = optarg; break;
		case OPT_FORCE: force = 1; break;
		case OPT_CHECK: check_path = optarg; break;
		case OPT_STRICT: strict = 1; break;
		case OPT_NO_FILES: use_files = 0; break;
		case 'h':
			fputs(usage_text, stdout);
			vmdef_gen_free(&gen);
			return EXIT_OK;
		default:
			if (c >= OPT_NAMED && c < OPT_NAMED + (int)N_NAMED) {
				const int i = c - OPT_NAMED;
				if (strcmp(named[i].opt, "owner-key") == 0)
					owner_key = optarg;
				else if (strcmp(named[i].opt, "disk") == 0)
					disk = optarg;
				snprintf(origin, sizeof origin, "--%s %s", named[i].opt, optarg);
				if (vmdef_gen_set_kv(&gen, named[i].table, named[i].key, optarg, origin, 1, err, sizeof err))
					goto bad;
				break;
			}
			fputs(usage_text, stderr);
			vmdef_gen_free(&gen);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, PROG ": unexpected argument '%s' (see --help)\n", argv[optind]);
		goto out;
	}
	if (check_path) {
		if (gen.n || output || force || boot_out) {
			fprintf(stderr, PROG ": --check takes only --strict and --no-files\n");
			goto out;
		}
		rc = check(check_path, strict, use_files);
		goto out;
	}
	if (strict || !use_files) {
		fprintf(stderr, PROG ": --strict and --no-files go with --check\n");
		goto out;
	}
	if (boot_out && (!owner_key || !disk)) {
		fprintf(stderr, PROG ": --boot-config pins the owner key and the disk: give --owner-key and --disk\n");
		goto out;
	}
	size_t len;
	char *text = vmdef_gen_render(&gen, &len);
	if (!text) {
		fprintf(stderr, PROG ": out of memory\n");
		rc = EXIT_FAILURE_GENERIC;
		goto out;
	}
	if (vmdef_gen_check(&gen, output ? output : "(generated)", text, len, err, sizeof err) != 0) {
		fprintf(stderr, PROG ": %s\n", err);
		free(text);
		goto out;
	}
	rc = write_output(output, force, text, len);
	free(text);
	if (rc == EXIT_OK && boot_out)
		rc = write_boot_config(boot_out, force, boot_from, owner_key, disk);
	goto out;
bad:
	fprintf(stderr, PROG ": %s\n", err);
out:
	vmdef_gen_free(&gen);
	return rc;
}
