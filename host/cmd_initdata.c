/* snpboot initdata: checks a VM's initdata document with the first stage's
 * own parser (and, given the image's boot.toml, its allow list and every
 * rule the guest applies after it) and prints the SHA-256 that must be the
 * launch's HOST_DATA, in hex ([expect] host_data) and base64 (QEMU's
 * sev-snp-guest host-data=). */
#include <bearssl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/bytes.h"
#include "bootcfg/bootcfg.h"
#include "cli/file_io.h"
#include "commands.h"

#define PROG "snpboot initdata"

static const char usage_text[] =
	"usage: snpboot initdata [--boot-config BOOT.toml] FILE\n"
	"\n"
	"Checks FILE, a VM's initdata (per-VM settings for an image whose boot.toml says\n"
	"[initdata] mode = \"required\"; at most 16384 bytes), with the first stage's own\n"
	"parser: boot.toml's tables and types plus [vm] name/uuid; never [attestation]\n"
	"or [initdata]; the disk pin whole or not at all. With --boot-config, only the\n"
	"keys its initdata.allow names, and then every rule the first stage applies to\n"
	"the result (owner pin, disk pin, ...). Prints the SHA-256 the launch's HOST_DATA\n"
	"must be: hex for [expect] host_data, base64 for QEMU's host-data=. The guest\n"
	"refuses initdata whose SHA-256 is not its report's HOST_DATA.\n"
	"\n"
	"Exit: 0 accepted, 1 the first stage would refuse it, 2 usage, 3 unreadable\n"
	"(FILE or BOOT.toml) or a BOOT.toml the first stage refuses.\n";

int cmd_initdata(int argc, char **argv)
{
	static const struct option opts[] = {{"boot-config", required_argument, NULL, 'b'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	const char *boot_path = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'b': boot_path = optarg; break;
		case 'h': fputs(usage_text, stdout); return EXIT_OK;
		default: fputs(usage_text, stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		fputs(usage_text, stderr);
		return EXIT_USAGE;
	}
	const char *path = argv[optind];
	static struct boot_config cfg;
	char err[640];
	if (boot_path) {
		size_t blen;
		char *btext = file_read_all(PROG, boot_path, 1u << 20, &blen);
		if (!btext)
			return EXIT_INPUT;
		int rc = bootcfg_load(&cfg, boot_path, btext, blen, NULL, err, sizeof err);
		free(btext);
		if (rc != 0) {
			fprintf(stderr, PROG ": the boot config is refused: %s\n", err);
			return EXIT_INPUT;
		}
		if (cfg.initdata.mode != INITDATA_REQUIRED) {
			fprintf(stderr, PROG ": %s: initdata.mode is \"off\": this image never reads initdata\n", boot_path);
			return EXIT_FAILURE_GENERIC;
		}
	}
	size_t len;
	/* More than the limit is read so that the parser refuses (exit 1) a
	 * document the guest would refuse. */
	char *text = file_read_all(PROG, path, 1u << 20, &len);
	if (!text)
		return EXIT_INPUT;
	int rc = boot_path ? bootcfg_apply_initdata(&cfg, path, text, len, err, sizeof err)
			   : bootcfg_check_initdata(path, text, len, err, sizeof err);
	if (rc != 0) {
		free(text);
		fprintf(stderr, "%s\n", err);
		return EXIT_FAILURE_GENERIC;
	}
	uint8_t digest[32];
	br_sha256_context h;
	br_sha256_init(&h);
	br_sha256_update(&h, text, len);
	br_sha256_out(&h, digest);
	free(text);
	char hex[65], b64[64];
	hex_encode(hex, digest, sizeof digest);
	base64_encode(b64, digest, sizeof digest);
	printf("%s: ok (%zu bytes%s%s)\n", path, len, boot_path ? ", accepted by " : "", boot_path ? boot_path : "");
	printf("host_data = \"%s\"\n", hex);
	printf("host-data=%s\n", b64);
	return EXIT_OK;
}
