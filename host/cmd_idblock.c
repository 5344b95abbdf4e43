/* snpboot idblock-generator: sign the expected launch digest into an SNP ID
 * block and ID auth info (QEMU sev-snp-guest id-block= / id-auth=), and
 * print the key digests the attestation report will carry. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/bytes.h"
#include "cli/cli_opt.h"
#include "commands.h"
#include "snp/idblock.h"
#include "snp/idblock_key.h"
#include "vmdef/vmdef.h"

#define DEFAULT_POLICY 0x30000ull /* SMT allowed, ABI 0.0, bit 17 (reserved, must be 1) */

static void usage(FILE *out)
{
	fprintf(out,
		"usage: idblock-generator --id-key-path ID.pem --auth-key-path AUTHOR.pem --measurement HEX\n"
		"                         [--family-id HEX] [--image-id HEX] [--guest-svn N] [--policy 0x30000]\n"
		"                         [--out-dir DIR] [--generate-keys]\n"
		"       idblock-generator --vm-definition vm.toml --id-key-path ID.pem --auth-key-path AUTHOR.pem\n"
		"                         [any option above, which then overrides the definition]\n"
		"       (also: snpboot idblock-generator ...)\n"
		"\n"
		"Writes DIR/id-block.base64 and DIR/id-auth.base64 for QEMU's\n"
		"  -object sev-snp-guest,...,id-block=$(cat id-block.base64),id-auth=$(cat id-auth.base64),author-key-enabled=on\n"
		"and prints ID_KEY_DIGEST and AUTHOR_KEY_DIGEST (hex and base64), then the same as\n"
		"TOML lines to paste into the [expect] table of the VM definition.\n"
		"\n"
		"  --vm-definition F     take the measurement ([expect] measurement, computed from the\n"
		"                        definition's files by default), the policy ([policy]), FAMILY_ID,\n"
		"                        IMAGE_ID ([expect] family_id, image_id) and GUEST_SVN ([expect]\n"
		"                        min_guest_svn) from a VM definition; flags override each\n"
		"  --id-key-path FILE    P-384 private key signing the ID block (PKCS#8 or SEC1 PEM)\n"
		"  --auth-key-path FILE  P-384 author key signing the ID key (PKCS#8 or SEC1 PEM)\n"
		"  --measurement HEX     expected launch digest, 96 hex digits (snpboot measure)\n"
		"  --family-id HEX       FAMILY_ID, 32 hex digits (default zero)\n"
		"  --image-id HEX        IMAGE_ID, 32 hex digits (default zero)\n"
		"  --guest-svn N         GUEST_SVN (default 0)\n"
		"  --policy P            guest policy, must equal QEMU's policy= (default 0x30000)\n"
		"  --out-dir DIR         where to write the two files (default .)\n"
		"  --generate-keys       create missing key files (new P-384 keys, PKCS#8 PEM, mode 0600);\n"
		"                        existing key files are used as they are\n"
		"\n"
		"Exit status: 0 ok, 1 failed, 2 usage, 3 bad input file.\n");
}

struct idblock_args {
	const char *id_key, *auth_key, *measurement, *family_id, *image_id, *guest_svn, *policy, *out_dir, *vmdef;
	int generate;
};


static int parse_args(struct idblock_args *a, int argc, char **argv)
{
	memset(a, 0, sizeof *a);
	const struct {
		const char *name;
		const char **slot;
	} opts[] = {
		{"--id-key-path", &a->id_key},   {"--auth-key-path", &a->auth_key},
		{"--measurement", &a->measurement}, {"--family-id", &a->family_id},
		{"--image-id", &a->image_id},    {"--guest-svn", &a->guest_svn},
		{"--policy", &a->policy},        {"--out-dir", &a->out_dir},
		{"--vm-definition", &a->vmdef},
	};
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--generate-keys") == 0) {
			a->generate = 1;
			continue;
		}
		int matched = 0, missing = 0;
		for (size_t j = 0; j < sizeof opts / sizeof opts[0] && !matched; j++) {
			const char *v = cli_opt_value(argc, argv, &i, opts[j].name, &missing);
			if (missing) {
				fprintf(stderr, "idblock-generator: %s needs a value\n", opts[j].name);
				return -1;
			}
			if (v) {
				if (*opts[j].slot) {
					fprintf(stderr, "idblock-generator: %s given twice\n", opts[j].name);
					return -1;
				}
				*opts[j].slot = v;
				matched = 1;
			}
		}
		if (!matched) {
			fprintf(stderr, "idblock-generator: unknown argument '%s' (see --help)\n", argv[i]);
			return -1;
		}
	}
	return 0;
}


static int parse_hex_field(uint8_t *out, size_t len, const char *value, const char *opt)
{
	if (hex_decode(out, len, value, strlen(value)) != 0) {
		fprintf(stderr, "idblock-generator: %s must be exactly %zu hex digits\n", opt, 2 * len);
		return -1;
	}
	return 0;
}

/* Loads a key, or creates it first when asked to and it does not exist. */
static int get_key(struct idblock_key *k, const char *path, const char *role, int generate)
{
	char err[256];
	if (generate && access(path, F_OK) != 0 && errno == ENOENT) {
		if (idblock_key_generate(k, err, sizeof err) != 0 || idblock_key_save(k, path, err, sizeof err) != 0) {
			fprintf(stderr, "idblock-generator: %s key: %s\n", role, err);
			idblock_key_wipe(k);
			return EXIT_FAILURE_GENERIC;
		}
		fprintf(stderr, "idblock-generator: generated new %s key %s (P-384, PKCS#8 PEM, mode 0600)\n", role,
			path);
		return EXIT_OK;
	}
	if (idblock_key_load(k, path, err, sizeof err) != 0) {
		fprintf(stderr, "idblock-generator: %s key: %s\n", role, err);
		return EXIT_INPUT;
	}
	fprintf(stderr, "idblock-generator: read %s key %s (%s, P-384)\n", role, path, k->format);
	return EXIT_OK;
}

/* Writes text + newline to dir/name through a temporary file and rename,
 * so a reader never sees half a file. */
static int write_text(const char *dir, const char *name, const char *text)
{
	char path[4096], tmp[4096];
	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path ||
	    (size_t)snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, name) >= sizeof tmp) {
		fprintf(stderr, "idblock-generator: output path too long\n");
		return -1;
	}
	FILE *f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, "idblock-generator: %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	int bad = fprintf(f, "%s\n", text) < 0;
	bad |= fclose(f) != 0;
	if (bad || rename(tmp, path) != 0) {
		fprintf(stderr, "idblock-generator: cannot write %s: %s\n", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static struct vmdef def; /* large: paths and buffers */

/* The definition's values for what no flag gives (vmdef.h). */
static int from_vmdef(const struct idblock_args *a, struct idblock *b)
{
	char err[VMDEF_ERR_LEN], hex[2 * IDBLOCK_DIGEST_LEN + 1];
	if (vmdef_load(a->vmdef, &def, err, sizeof err) != 0) {
		fprintf(stderr, "idblock-generator: %s\n", err);
		return EXIT_INPUT;
	}
	const char *how = "--measurement";
	if (!a->measurement && def.measurement_computed) {
		if (vmdef_measure(&def, b->ld, err, sizeof err) != 0) {
			fprintf(stderr, "idblock-generator: %s\n", err);
			return EXIT_INPUT;
		}
		how = "computed from the definition's files";
	} else if (!a->measurement) {
		memcpy(b->ld, def.measurement, sizeof b->ld);
		how = "[expect] measurement";
	}
	if (!a->policy)
		b->policy = def.guest_policy;
	if (!a->family_id && def.has_family_id)
		memcpy(b->family_id, def.family_id, sizeof b->family_id);
	if (!a->image_id && def.has_image_id)
		memcpy(b->image_id, def.image_id, sizeof b->image_id);
	if (!a->guest_svn)
		b->guest_svn = def.min_guest_svn;
	hex_encode(hex, b->ld, sizeof b->ld);
	fprintf(stderr, "idblock-generator: from %s: measurement %s (%s), policy 0x%llx%s, guest svn %u%s\n",
		a->vmdef, hex, how, (unsigned long long)b->policy, a->policy ? " (--policy)" : "", b->guest_svn,
		a->guest_svn ? " (--guest-svn)" : "");
	return EXIT_OK;
}

static void print_digest(const char *label, const uint8_t d[IDBLOCK_DIGEST_LEN])
{
	char hex[2 * IDBLOCK_DIGEST_LEN + 1], b64[80];
	hex_encode(hex, d, IDBLOCK_DIGEST_LEN);
	base64_encode(b64, d, IDBLOCK_DIGEST_LEN);
	printf("%-17s hex    %s\n%-17s base64 %s\n", label, hex, label, b64);
}

/* The [expect] lines the client needs to check what this ID block makes
 * the report say (the policy is [policy]'s business: it must also be
 * QEMU's policy=). */
static void print_toml(const struct idblock_args *a, const struct idblock *b, const uint8_t id_d[IDBLOCK_DIGEST_LEN],
		       const uint8_t auth_d[IDBLOCK_DIGEST_LEN])
{
	char hex[2 * IDBLOCK_DIGEST_LEN + 1];
	printf("# for the [expect] table of the VM definition:\n");
	hex_encode(hex, id_d, IDBLOCK_DIGEST_LEN);
	printf("id_key_digest = \"%s\"\n", hex);
	hex_encode(hex, auth_d, IDBLOCK_DIGEST_LEN);
	printf("author_key_digest = \"%s\"\n", hex);
	/* Values given as flags: the definition (if any) does not have them yet. */
	if (a->family_id) {
		hex_encode(hex, b->family_id, IDBLOCK_ID_LEN);
		printf("family_id = \"%s\"\n", hex);
	}
	if (a->image_id) {
		hex_encode(hex, b->image_id, IDBLOCK_ID_LEN);
		printf("image_id = \"%s\"\n", hex);
	}
	if (a->guest_svn)
		printf("min_guest_svn = %u\n", b->guest_svn);
	if (a->vmdef && ((def.has_id_key_digest && memcmp(def.id_key_digest, id_d, IDBLOCK_DIGEST_LEN) != 0) ||
			 (def.has_author_key_digest && memcmp(def.author_key_digest, auth_d, IDBLOCK_DIGEST_LEN) != 0)))
		fprintf(stderr, "idblock-generator: note: %s has other key digests in [expect]: replace them with "
				"the lines printed, or the client will refuse\n", a->vmdef);
	if (a->vmdef && a->policy && b->policy != def.guest_policy)
		fprintf(stderr, "idblock-generator: note: --policy 0x%llx is not %s's guest policy 0x%llx: the "
				"client checks the report's POLICY against the definition\n",
			(unsigned long long)b->policy, a->vmdef, (unsigned long long)def.guest_policy);
	if (!a->vmdef || a->measurement) {
		hex_encode(hex, b->ld, IDBLOCK_DIGEST_LEN);
		printf("# the ID block's launch digest; the report's MEASUREMENT must equal it:\n"
		       "# measurement = \"%s\"\n", hex);
	}
}

int cmd_idblock(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return EXIT_OK;
		}
	struct idblock_args a;
	if (parse_args(&a, argc, argv) != 0)
		return EXIT_USAGE;
	if (!a.id_key || !a.auth_key || (!a.measurement && !a.vmdef)) {
		fprintf(stderr, "idblock-generator: --id-key-path, --auth-key-path and --measurement (or "
				"--vm-definition) are required (see --help)\n");
		return EXIT_USAGE;
	}
	struct idblock b = {.version = IDBLOCK_VERSION, .policy = DEFAULT_POLICY};
	uint64_t v;
	if ((a.measurement && parse_hex_field(b.ld, sizeof b.ld, a.measurement, "--measurement") != 0) ||
	    (a.family_id && parse_hex_field(b.family_id, sizeof b.family_id, a.family_id, "--family-id") != 0) ||
	    (a.image_id && parse_hex_field(b.image_id, sizeof b.image_id, a.image_id, "--image-id") != 0))
		return EXIT_USAGE;
	if (a.guest_svn) {
		if (cli_parse_u64(a.guest_svn, &v) != 0 || v > 0xffffffffu) {
			fprintf(stderr, "idblock-generator: --guest-svn '%s' is not a 32-bit number\n", a.guest_svn);
			return EXIT_USAGE;
		}
		b.guest_svn = (uint32_t)v;
	}
	if (a.policy && cli_parse_u64(a.policy, &b.policy) != 0) {
		fprintf(stderr, "idblock-generator: --policy '%s' is not a number\n", a.policy);
		return EXIT_USAGE;
	}
	if (a.vmdef) {
		int rc = from_vmdef(&a, &b);
		if (rc != EXIT_OK)
			return rc;
	}
	/* Bit 17 of the policy is reserved and must be 1, or the firmware
	 * rejects the launch; catch it here rather than at boot. */
	if (!(b.policy & (1ull << 17))) {
		fprintf(stderr, "idblock-generator: --policy 0x%llx lacks bit 17 (reserved, must be 1)\n",
			(unsigned long long)b.policy);
		return EXIT_USAGE;
	}
	const char *out_dir = a.out_dir ? a.out_dir : ".";

	struct idblock_key id_key, auth_key;
	int rc = get_key(&id_key, a.id_key, "ID", a.generate);
	if (rc != EXIT_OK)
		return rc;
	rc = get_key(&auth_key, a.auth_key, "author", a.generate);
	if (rc != EXIT_OK) {
		idblock_key_wipe(&id_key);
		return rc;
	}

	uint8_t block[IDBLOCK_LEN], id_area[IDAUTH_PUBKEY_LEN], auth_area[IDAUTH_PUBKEY_LEN];
	uint8_t id_sig[IDAUTH_SIG_LEN], auth_sig[IDAUTH_SIG_LEN], auth_info[IDAUTH_LEN];
	char err[256];
	idblock_encode(block, &b);
	idblock_key_area(id_area, &id_key);
	idblock_key_area(auth_area, &auth_key);
	int ok = idblock_sign(id_sig, &id_key, block, sizeof block, err, sizeof err) == 0 &&
		 idblock_sign(auth_sig, &auth_key, id_area, sizeof id_area, err, sizeof err) == 0;
	idblock_key_wipe(&id_key);
	idblock_key_wipe(&auth_key);
	if (!ok) {
		fprintf(stderr, "idblock-generator: %s\n", err);
		return EXIT_FAILURE_GENERIC;
	}
	/* Check our own output before anyone boots with it. */
	if (!idblock_verify(id_sig, id_area, block, sizeof block) ||
	    !idblock_verify(auth_sig, auth_area, id_area, sizeof id_area)) {
		fprintf(stderr, "idblock-generator: internal error: a fresh signature does not verify\n");
		return EXIT_FAILURE_GENERIC;
	}
	idauth_build(auth_info, id_sig, id_area, auth_sig, auth_area);

	if (mkdir(out_dir, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "idblock-generator: cannot create %s: %s\n", out_dir, strerror(errno));
		return EXIT_FAILURE_GENERIC;
	}
	char block_b64[2 * IDBLOCK_LEN], auth_b64[2 * IDAUTH_LEN];
	base64_encode(block_b64, block, sizeof block);
	base64_encode(auth_b64, auth_info, sizeof auth_info);
	if (write_text(out_dir, "id-block.base64", block_b64) != 0 || write_text(out_dir, "id-auth.base64", auth_b64) != 0)
		return EXIT_FAILURE_GENERIC;
	fprintf(stderr, "idblock-generator: wrote %s/id-block.base64 and %s/id-auth.base64 (policy 0x%llx)\n",
		out_dir, out_dir, (unsigned long long)b.policy);

	uint8_t id_d[IDBLOCK_DIGEST_LEN], auth_d[IDBLOCK_DIGEST_LEN];
	idblock_key_digest(id_d, id_area);
	print_digest("ID_KEY_DIGEST", id_d);
	idblock_key_digest(auth_d, auth_area);
	print_digest("AUTHOR_KEY_DIGEST", auth_d);
	print_toml(&a, &b, id_d, auth_d);
	return EXIT_OK;
}
