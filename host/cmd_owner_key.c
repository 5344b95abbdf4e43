/* snpboot owner-key: the owner's P-384 key for the attested channel, and the
 * fingerprint the measured boot.toml pins (channel.owner_key_sha256). The
 * first stage talks only to a client holding a pinned key, so an image
 * cannot be built without one. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/bytes.h"
#include "client/owner_pin.h"
#include "commands.h"
#include "snp/idblock_key.h"

#define PROG "snpboot owner-key"

static const char usage_text[] =
	"usage: snpboot owner-key [--generate] [--cmdline] KEY.pem\n"
	"\n"
	"Prints the boot.toml line that pins the owner key in KEY.pem (a P-384\n"
	"private key, PKCS#8 or SEC1 PEM) for the first stage's channel:\n"
	"  owner_key_sha256 = [\"<SHA-256 of the key's SubjectPublicKeyInfo>\"]\n"
	"Paste it into [channel] of config/boot.toml; name KEY.pem in the VM\n"
	"definition's [channel] owner_key so `snpboot client` presents it.\n"
	"\n"
	"  --generate   make a new key first and write it to KEY.pem (mode 0600;\n"
	"               an existing file is never replaced)\n"
	"  --cmdline    print the kernel command-line form instead:\n"
	"               snpboot.channel.owner_key_sha256=<hex>\n"
	"\n"
	"Exit: 0 printed, 1 could not write the key, 2 usage, 3 unreadable or not a P-384 key.\n";

int cmd_owner_key(int argc, char **argv)
{
	static const struct option opts[] = {{"generate", no_argument, NULL, 'g'},
					     {"cmdline", no_argument, NULL, 'c'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	int generate = 0, cmdline = 0, c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'g': generate = 1; break;
		case 'c': cmdline = 1; break;
		case 'h': fputs(usage_text, stdout); return EXIT_OK;
		default: fputs(usage_text, stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		fputs(usage_text, stderr);
		return EXIT_USAGE;
	}
	const char *path = argv[optind];
	char err[256];
	struct idblock_key key;
	if (generate) {
		if (idblock_key_generate(&key, err, sizeof err) != 0 || idblock_key_save(&key, path, err, sizeof err) != 0) {
			idblock_key_wipe(&key);
			fprintf(stderr, PROG ": %s: %s\n", path, err);
			return EXIT_FAILURE_GENERIC;
		}
		fprintf(stderr, PROG ": wrote a new P-384 key to %s (mode 0600)\n", path);
	} else if (idblock_key_load(&key, path, err, sizeof err) != 0) {
		fprintf(stderr, PROG ": %s: %s\n", path, err);
		return EXIT_INPUT;
	}
	uint8_t pin[32];
	int rc = owner_pin_of_scalar(key.priv, pin, err, sizeof err);
	idblock_key_wipe(&key);
	if (rc != 0) {
		fprintf(stderr, PROG ": %s: %s\n", path, err);
		return EXIT_INPUT;
	}
	char hex[65];
	hex_encode(hex, pin, 32);
	if (cmdline)
		printf("snpboot.channel.owner_key_sha256=%s\n", hex);
	else
		printf("owner_key_sha256 = [\"%s\"]\n", hex);
	return EXIT_OK;
}
