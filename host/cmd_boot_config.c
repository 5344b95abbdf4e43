/* snpboot boot-config: loads a boot.toml with the first stage's own parser
 * and rules (init/bootcfg.c), so that what the first stage would refuse at
 * boot on the owner's host is refused when the image is built instead. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bootcfg/bootcfg.h"
#include "cli/file_io.h"
#include "bootcfg/cmdline.h"
#include "commands.h"

#define PROG "snpboot boot-config"

static const char usage_text[] =
	"usage: snpboot boot-config [--cmdline 'WORDS'] [--quiet] BOOT.toml\n"
	"\n"
	"Checks a first-stage configuration exactly as /init will load it: the same\n"
	"parser, types, ranges and cross-field rules, then the kernel command-line\n"
	"overrides (snpboot.SECTION.KEY=VALUE) given with --cmdline. Errors say\n"
	"file:line:column and why. The owner pin (channel.owner_key_sha256; see\n"
	"`snpboot owner-key`) and the disk pin (root.pin_*; see `snpboot disk-pin`)\n"
	"are required. `make initramfs` runs this before packing.\n"
	"\n"
	"With [initdata] mode = \"required\" the image reads per-VM settings from the\n"
	"host (bound to HOST_DATA; `snpboot initdata`), and may leave the pins (and\n"
	"root.device, a static address, the owner's address) to initdata when\n"
	"initdata.allow lets it set them: they are listed as \"left to initdata\", and\n"
	"the first stage checks every rule again once initdata is applied.\n"
	"\n"
	"Exit: 0 the first stage accepts it, 1 it would refuse it, 2 usage, 3 unreadable.\n";

static const char *provider_name(enum attest_provider p)
{
	switch (p) {
	case ATTEST_AUTO: return "auto";
	case ATTEST_CONFIGFS_TSM: return "configfs-tsm";
	case ATTEST_SEV_GUEST: return "sev-guest";
	case ATTEST_SIM: return "sim";
	}
	return "?";
}

int cmd_boot_config(int argc, char **argv)
{
	static const struct option opts[] = {{"cmdline", required_argument, NULL, 'c'},
					     {"quiet", no_argument, NULL, 'q'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	const char *words = NULL;
	int quiet = 0, c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': words = optarg; break;
		case 'q': quiet = 1; break;
		case 'h': fputs(usage_text, stdout); return EXIT_OK;
		default: fputs(usage_text, stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		fputs(usage_text, stderr);
		return EXIT_USAGE;
	}
	const char *path = argv[optind];
	size_t len;
	char *text = file_read_all(PROG, path, 1u << 20, &len);
	if (!text)
		return EXIT_INPUT;
	static struct cmdline_overrides ov;
	static struct boot_config cfg;
	char err[512];
	if (words && cmdline_parse(words, strlen(words), &ov, err, sizeof err) != 0) {
		free(text);
		fprintf(stderr, PROG ": --cmdline: %s\n", err);
		return EXIT_USAGE;
	}
	int rc = bootcfg_load(&cfg, path, text, len, words ? &ov : NULL, err, sizeof err);
	free(text);
	if (rc != 0) {
		fprintf(stderr, "%s\n", err);
		return EXIT_FAILURE_GENERIC;
	}
	if (cfg.attestation.provider == ATTEST_SIM)
		fprintf(stderr, PROG ": %s: WARNING: attestation.provider = \"sim\": this image asks the SIMULATED "
				"platform for reports, which proves nothing; never use it on a real host\n",
			path);
	char deferred[256];
	bootcfg_deferred(&cfg, deferred, sizeof deferred);
	if (!quiet && cfg.initdata.mode == INITDATA_REQUIRED)
		printf("%s: ok: provider %s, initdata required%s%s\n", path, provider_name(cfg.attestation.provider),
		       deferred[0] ? ", left to initdata: " : "", deferred);
	else if (!quiet)
		printf("%s: ok: provider %s, %u owner key%s pinned, disk pin %s %u-byte key, %u-byte sectors, "
		       "digest pbkdf2-%s\n",
		       path, provider_name(cfg.attestation.provider), cfg.channel.owner_key_count,
		       cfg.channel.owner_key_count == 1 ? "" : "s", cfg.root.pin.cipher, cfg.root.pin.key_size,
		       cfg.root.pin.sector_size, cfg.root.pin.digest_hash);
	return EXIT_OK;
}
