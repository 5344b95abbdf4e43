/* Initdata: the document's parser over boot.toml (allowed and forbidden
 * keys, [attestation] never, size, positions, the full rules after
 * applying), the guest's fw_cfg reader against a fake sysfs tree, and the
 * HOST_DATA check against a fake provider. */
#include <bearssl.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../tap.h"
#include "bootcfg/bootcfg.h"
#include "initdata.h"
#include "vmdef/vmdef.h"

static struct boot_config cfg;
static char err[640];

#define SALT_HEX "5f2a2e9c1d0b4a7786e1f0c3b2a1908f7e6d5c4b3a291807f6e5d4c3b2a19080"
#define DIGEST_HEX "0c6e4c0d6f0c1e3a2b5d7f9e8c6a4b2d0f1e3c5a7b9d8e6f4a2c0e1d3b5f7a9c"
#define OWNER_HEX "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define OWNER2_HEX "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
#define PINS_TOML                                                                                            \
	"pin_digest_type = \"pbkdf2\"\npin_digest_hash = \"sha256\"\npin_digest_iterations = 1000\n"           \
	"pin_digest_salt = \"" SALT_HEX "\"\npin_digest = \"" DIGEST_HEX "\"\npin_cipher = \"aes-xts-plain64\"\n" \
	"pin_key_size = 64\npin_sector_size = 512\npin_offset = 16777216\npin_iv_tweak = 0\npin_size = \"dynamic\"\n"

/* An image for a fleet: no pins of its own, initdata brings them. */
static const char fleet[] = "[root]\ndevice = \"/dev/vda\"\n"
			    "[initdata]\nmode = \"required\"\nallow = [\"channel.owner_key_sha256\", \"root.pin_*\", "
			    "\"channel.owner_address\", \"channel.mode\", \"network\"]\n";
static const char good_doc[] = "[vm]\nname = \"web-1\"\nuuid = \"c476f1eb-0123-45a5-9641-b4e7dde5bfe3\"\n"
			       "[channel]\nowner_key_sha256 = [\"" OWNER_HEX "\"]\n[root]\n" PINS_TOML;

static int boot(const char *text) { return bootcfg_load(&cfg, "boot.toml", text, strlen(text), NULL, err, sizeof err); }
static int apply(const char *doc) { return bootcfg_apply_initdata(&cfg, "initdata", doc, strlen(doc), err, sizeof err); }
static int has(const char *s) { return strstr(err, s) != NULL; }

static void test_boot_toml(void)
{
	is_int(boot(fleet), 0, "boot.toml: initdata required may leave both pins to it (%s)", err);
	char d[256];
	bootcfg_deferred(&cfg, d, sizeof d);
	is_str(d, "channel.owner_key_sha256 root.pin_*", "boot.toml: what is left to initdata");
	is_int(boot("[root]\ndevice = \"/dev/vda\"\n[initdata]\nmode = \"required\"\nallow = [\"root\"]\n"), -1,
	       "boot.toml: owner pin missing and not allowed to initdata");
	ok(has("owner_key_sha256"), "boot.toml: says which (%s)", err);
	is_int(boot("[root]\ndevice = \"/dev/vda\"\n[initdata]\nallow = [\"channel\", \"root\"]\n"), -1,
	       "boot.toml: allow without mode required");
	ok(has("\"off\""), "boot.toml: says mode is off (%s)", err);
	is_int(boot("[initdata]\nmode = \"required\"\nallow = [\"channel\", \"attestation\"]\n"), -1,
	       "boot.toml: [attestation] in allow refused");
	ok(has("boot.toml:3:") && has("may never name [attestation]"), "boot.toml: position and why (%s)", err);
	is_int(boot("[initdata]\nmode = \"required\"\nallow = [\"attestation.provider\"]\n"), -1,
	       "boot.toml: attestation.provider in allow refused");
	is_int(boot("[initdata]\nmode = \"required\"\nallow = [\"initdata.allow\"]\n"), -1,
	       "boot.toml: initdata.allow in allow refused");
	ok(has("[initdata]"), "boot.toml: says initdata (%s)", err);
	is_int(boot("[initdata]\nmode = \"required\"\nallow = [\"channel\", \"root.pin_digest\"]\n"), -1,
	       "boot.toml: part of the disk pin refused");
	ok(has("one unit"), "boot.toml: says the pin is one unit (%s)", err);
	is_int(boot("[initdata]\nmode = \"required\"\nallow = [\"nosuch\"]\n"), -1, "boot.toml: unknown table in allow");
	is_int(boot("[initdata]\nmode = \"maybe\"\n"), -1, "boot.toml: mode optional/other refused");
	ok(has("off required"), "boot.toml: lists the modes (%s)", err);
	is_int(boot("[vm]\nname = \"x\"\n"), -1, "boot.toml: [vm] is initdata's only");
}

static void test_apply(void)
{
	boot(fleet);
	is_int(apply(good_doc), 0, "apply: pins from initdata (%s)", err);
	is_int(cfg.channel.owner_key_count, 1, "apply: one owner key");
	is_int(cfg.root.pin.key_size, 64, "apply: disk pin applied");
	is_str(cfg.vm.name, "web-1", "apply: vm.name");
	ok(cfg.initdata.applied, "apply: marked applied");

	boot(fleet);
	is_int(apply("[vm]\nname = \"a\"\n[attestation]\nprovider = \"sim\"\n"), -1, "apply: [attestation] refused");
	ok(has("initdata:3:1:") && has("may never set [attestation]"), "apply: position and why (%s)", err);
	is_int(cfg.attestation.provider, ATTEST_AUTO, "apply: cfg unchanged after a refusal");
	is_int(apply("[initdata]\nmode = \"off\"\n"), -1, "apply: [initdata] refused");
	is_int(apply("[channel]\nowner_key_sha256 = [\"" OWNER_HEX "\"]\nlisten_port = 1\n"), -1,
	       "apply: key not in allow refused");
	ok(has("initdata:3:1:") && has("not allowed"), "apply: names line and column (%s)", err);
	is_int(apply("[channel]\nowner_key_sha256 = [\"" OWNER_HEX "\"]\nbogus = 1\n"), -1, "apply: unknown key");
	ok(has("initdata:3:1: unknown key 'channel.bogus'"), "apply: unknown key position (%s)", err);
	is_int(apply("[channel]\nowner_key_sha256 = [\"" OWNER_HEX "\"]\nowner_key_sha256 = []\n"), -1,
	       "apply: duplicate key refused");
	ok(has("initdata:3:") && has("duplicate"), "apply: duplicate says so (%s)", err);
	is_int(apply("[nope]\n"), -1, "apply: unknown table");
	is_int(apply("[channel]\nowner_key_sha256 = \n"), -1, "apply: bad TOML");
	ok(has("initdata:2:"), "apply: bad TOML position (%s)", err);
	is_int(apply("[channel]\nowner_key_sha256 = []\n[root]\n" PINS_TOML), -1, "apply: empty owner list refused");
	is_int(apply("[channel]\nowner_key_sha256 = [\"" OWNER_HEX "\"]\n[root]\npin_digest = \"" DIGEST_HEX "\"\n"),
	       -1, "apply: part of the disk pin refused");
	ok(has("one unit") && has("root.pin_cipher"), "apply: says what is missing (%s)", err);
	is_int(apply("[channel]\nowner_key_sha256 = [\"" OWNER_HEX "\"]\n"), -1,
	       "apply: full rules after applying: the disk pin is still required");
	ok(has("disk pin"), "apply: says disk pin (%s)", err);
	is_int(apply("[root]\n" PINS_TOML), -1, "apply: full rules: the owner pin is still required");
	is_int(apply("[channel]\nmode = \"connect\"\nowner_key_sha256 = [\"" OWNER_HEX "\"]\n[root]\n" PINS_TOML), -1,
	       "apply: connect mode without an owner address refused after applying");
	is_int(apply("[channel]\nmode = \"connect\"\nowner_address = \"10.0.2.2:7000\"\nowner_key_sha256 = [\"" OWNER_HEX
		     "\"]\n[root]\n" PINS_TOML "[network]\nmode = \"static\"\naddress = \"10.0.2.15/24\"\n"),
	       0, "apply: connect, static network (%s)", err);
	is_int(cfg.channel.owner_port, 7000, "apply: owner port");
	boot(fleet);
	is_int(apply("[vm]\nuuid = \"not-a-uuid\"\n"), -1, "apply: bad vm.uuid");
	is_int(apply("[channel]\nowner_key_sha256 = [\"" OWNER_HEX "\"]\ndeadline_s = 0\n"), -1,
	       "apply: key not allowed (channel.deadline_s)");

	/* An image with its own pins, initdata allowed to replace the owner pin. */
	static const char own[] = "[channel]\nowner_key_sha256 = [\"" OWNER_HEX "\"]\n[root]\ndevice = \"/dev/vda\"\n" PINS_TOML
				  "[initdata]\nmode = \"required\"\nallow = [\"channel.owner_key_sha256\"]\n";
	is_int(boot(own), 0, "own pins: loads (%s)", err);
	is_int(apply("[vm]\nname = \"b\"\n"), 0, "own pins: initdata with only [vm] (%s)", err);
	ok(cfg.root.pin_set != 0 && cfg.channel.owner_key_count == 1, "own pins: boot.toml's pins stand");
	boot(own);
	is_int(apply("[channel]\nowner_key_sha256 = [\"" OWNER2_HEX "\"]\n"), 0, "own pins: owner replaced");
	is_int(cfg.channel.owner_keys[0][0], 0xcc, "own pins: the new key");
	boot(own);
	is_int(apply("[root]\n" PINS_TOML), -1, "own pins: disk pin not allowed");

	/* Size */
	static char big[BOOTCFG_INITDATA_MAX + 2];
	memset(big, '#', sizeof big - 1);
	boot(fleet);
	is_int(bootcfg_apply_initdata(&cfg, "initdata", big, BOOTCFG_INITDATA_MAX + 1, err, sizeof err), -1,
	       "size: one byte over the limit refused");
	ok(has("at most 16384"), "size: says the limit (%s)", err);
	boot("[channel]\nowner_key_sha256 = [\"" OWNER_HEX "\"]\n[root]\ndevice = \"/dev/vda\"\n" PINS_TOML);
	is_int(apply(good_doc), -1, "mode off: initdata refused");
}

/* ---- the guest: fw_cfg reader and HOST_DATA ----------------------------- */

static char root[64];

static void mkdirs(const char *rel)
{
	char p[512], *s;
	snprintf(p, sizeof p, "%s/%s", root, rel);
	for (s = p + strlen(root) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		mkdir(p, 0700);
		*s = '/';
	}
	mkdir(p, 0700);
}

static void write_raw(const void *data, size_t len)
{
	char p[512];
	snprintf(p, sizeof p, "%s/fw_cfg/by_name/opt/org.snpboot/initdata/raw", root);
	FILE *f = fopen(p, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0)
		printf("Bail out! write %s\n", p);
}

struct fake {
	uint8_t host_data[32];
	uint8_t seen_rd[64];
	int fail;
};

static int fake_report(void *ctx, const uint8_t report_data[64], struct attest_evidence *ev, char *e, size_t el)
{
	struct fake *f = ctx;
	memcpy(f->seen_rd, report_data, 64);
	if (f->fail) {
		snprintf(e, el, "no attestation provider worked");
		return -1;
	}
	memset(ev->report, 0, sizeof ev->report);
	memcpy(ev->report + 0x50, report_data, 64);
	memcpy(ev->report + 0xC0, f->host_data, 32);
	ev->report_len = ATTEST_REPORT_LEN;
	return 0;
}

static void sha256(const void *d, size_t n, uint8_t out[32])
{
	br_sha256_context h;
	br_sha256_init(&h);
	br_sha256_update(&h, d, n);
	br_sha256_out(&h, out);
}

static void test_guest(void)
{
	static uint8_t buf[BOOTCFG_INITDATA_MAX + 1];
	static struct attest_evidence ev;
	char fw[128];
	size_t len;
	strcpy(root, "/tmp/test_initdata.XXXXXX");
	if (!mkdtemp(root)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		exit(1);
	}
	snprintf(fw, sizeof fw, "%s/fw_cfg", root);
	is_int(initdata_read(fw, buf, sizeof buf, &len, err, sizeof err), 0, "read: no fw_cfg device is absent");
	ok(has("qemu_fw_cfg"), "read: says fw_cfg is missing (%s)", err);
	mkdirs("fw_cfg/by_name/etc");
	is_int(initdata_read(fw, buf, sizeof buf, &len, err, sizeof err), 0, "read: no entry is absent");
	ok(has("no initdata"), "read: says no initdata (%s)", err);
	mkdirs("fw_cfg/by_name/opt/org.snpboot/initdata");
	write_raw(good_doc, strlen(good_doc));
	is_int(initdata_read(fw, buf, sizeof buf, &len, err, sizeof err), 1, "read: entry read (%s)", err);
	ok(len == strlen(good_doc) && memcmp(buf, good_doc, len) == 0, "read: the bytes");
	static uint8_t big[BOOTCFG_INITDATA_MAX + 1];
	memset(big, '#', sizeof big);
	write_raw(big, sizeof big);
	is_int(initdata_read(fw, buf, sizeof buf, &len, err, sizeof err), -1, "read: longer than the limit refused");
	ok(has("larger than 16384"), "read: says the limit (%s)", err);
	write_raw(big, BOOTCFG_INITDATA_MAX);
	is_int(initdata_read(fw, buf, sizeof buf, &len, err, sizeof err), 1, "read: exactly the limit");

	struct fake f = {0};
	uint8_t digest[32], want[32], rd[64];
	sha256(good_doc, strlen(good_doc), want);
	memcpy(f.host_data, want, 32);
	is_int(initdata_bind(fake_report, &f, (const uint8_t *)good_doc, strlen(good_doc), digest, &ev, err, sizeof err),
	       0, "bind: HOST_DATA = SHA-256(initdata) accepted (%s)", err);
	is_mem(digest, want, 32, "bind: the digest");
	initdata_report_data(want, rd);
	is_mem(f.seen_rd, rd, 64, "bind: asked with the domain-separated REPORT_DATA");
	br_sha512_context h;
	uint8_t rd2[64];
	br_sha512_init(&h);
	br_sha512_update(&h, "snpboot-initdata-v1", 19);
	br_sha512_update(&h, want, 32);
	br_sha512_out(&h, rd2);
	is_mem(rd, rd2, 64, "bind: REPORT_DATA = SHA-512(\"snpboot-initdata-v1\" || SHA-256(initdata))");
	f.host_data[31] ^= 1;
	is_int(initdata_bind(fake_report, &f, (const uint8_t *)good_doc, strlen(good_doc), digest, &ev, err, sizeof err),
	       -1, "bind: another HOST_DATA refused");
	char hex[65];
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", want[i]);
	ok(has("HOST_DATA mismatch") && has(hex), "bind: says mismatch with the expected digest (%s)", err);
	f.fail = 1;
	is_int(initdata_bind(fake_report, &f, (const uint8_t *)good_doc, strlen(good_doc), digest, &ev, err, sizeof err),
	       -1, "bind: no report, no initdata");
	is_int(initdata_check_host_data(ev.report, 100, want, err, sizeof err), -1, "bind: short report refused");

	/* The VM definition: vm.initdata fixes the expected HOST_DATA. */
	static struct vmdef def;
	char vm[256], id[256], text[1024];
	snprintf(id, sizeof id, "%s/initdata.toml", root);
	snprintf(vm, sizeof vm, "%s/vm.toml", root);
	FILE *fi = fopen(id, "w");
	if (!fi || fputs(good_doc, fi) < 0 || fclose(fi) != 0)
		printf("Bail out! write %s\n", id);
	snprintf(text, sizeof text, "[vm]\nname = \"x\"\ninitdata = \"initdata.toml\"\n[expect]\nmeasurement = \"%0*d\"\n", 96, 0);
	is_int(vmdef_parse(vm, text, strlen(text), &def, err, sizeof err), 0, "vmdef: initdata read (%s)", err);
	ok(def.has_host_data && memcmp(def.host_data, want, 32) == 0, "vmdef: expect.host_data = SHA-256(initdata)");
	ok(memcmp(def.sim.host_data, want, 32) == 0, "vmdef: snp-sim reports it by default");
	snprintf(text, sizeof text, "[vm]\nname = \"x\"\ninitdata = \"initdata.toml\"\n[expect]\nmeasurement = \"%0*d\"\n"
		 "host_data = \"%064d\"\n", 96, 0, 0);
	is_int(vmdef_parse(vm, text, strlen(text), &def, err, sizeof err), -1, "vmdef: other expect.host_data refused");
	ok(has("vm.toml:6:") && has("expect.host_data") && has(hex), "vmdef: says where and the digest (%s)", err);
	snprintf(text, sizeof text, "[vm]\nname = \"x\"\ninitdata = \"nosuch.toml\"\n[expect]\nmeasurement = \"%0*d\"\n", 96, 0);
	is_int(vmdef_parse(vm, text, strlen(text), &def, err, sizeof err), -1, "vmdef: missing initdata file refused");

	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	if (system(cmd) != 0)
		diag("could not remove %s", root);
}

int main(void)
{
	test_boot_toml();
	test_apply();
	test_guest();
	return done_testing();
}
