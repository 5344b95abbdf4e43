/* boot.toml loading and kernel command-line overrides. */
#include <arpa/inet.h>

#include "../tap.h"
#include "bootcfg/bootcfg.h"
#include "base/bytes.h"
#include "base/guid.h"
#include "bootcfg/cmdline.h"

static struct boot_config cfg;
static char err[320];

#define SALT_HEX "5f2a2e9c1d0b4a7786e1f0c3b2a1908f7e6d5c4b3a291807f6e5d4c3b2a19080"
#define DIGEST_HEX "0c6e4c0d6f0c1e3a2b5d7f9e8c6a4b2d0f1e3c5a7b9d8e6f4a2c0e1d3b5f7a9c"
#define OWNER_HEX "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
/* The pins every accepted configuration needs, as command-line overrides
 * (load() puts them before the test's own words, which may override them). */
static const char pins_cmdline[] =
	"snpboot.channel.owner_key_sha256=" OWNER_HEX " snpboot.root.pin_digest_type=pbkdf2 "
	"snpboot.root.pin_digest_hash=sha256 snpboot.root.pin_digest_iterations=1000 "
	"snpboot.root.pin_digest_salt=" SALT_HEX " snpboot.root.pin_digest=" DIGEST_HEX " "
	"snpboot.root.pin_cipher=aes-xts-plain64 snpboot.root.pin_key_size=64 snpboot.root.pin_sector_size=512 "
	"snpboot.root.pin_offset=16777216 snpboot.root.pin_iv_tweak=0 snpboot.root.pin_size=dynamic";
/* The same pin as boot.toml lines for [root]. */
#define ROOT_PINS_TOML                                                                                       \
	"pin_digest_type = \"pbkdf2\"\npin_digest_hash = \"sha256\"\npin_digest_iterations = 1000\n"           \
	"pin_digest_salt = \"" SALT_HEX "\"\npin_digest = \"" DIGEST_HEX "\"\npin_cipher = \"aes-xts-plain64\"\n" \
	"pin_key_size = 64\npin_sector_size = 512\npin_offset = 16777216\npin_iv_tweak = 0\npin_size = \"dynamic\"\n"

/* Loads text with exactly the given command line (NULL: none). */
static int load_raw(const char *text, const char *cmdline)
{
	static struct cmdline_overrides ov;
	err[0] = '\0';
	if (cmdline && cmdline_parse(cmdline, strlen(cmdline), &ov, err, sizeof err) != 0)
		return -1;
	return bootcfg_load(&cfg, "boot.toml", text, strlen(text), cmdline ? &ov : NULL, err, sizeof err);
}

/* Loads text with the pins and then the test's command line. */
static int load(const char *text, const char *cmdline)
{
	static char line[CMDLINE_MAX];
	snprintf(line, sizeof line, "%s %s", pins_cmdline, cmdline ? cmdline : "");
	return load_raw(text, line);
}

static char *read_file(const char *path, size_t *len)
{
	static char buf[65536];
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	*len = fread(buf, 1, sizeof buf - 1, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

static const char minimal[] = "[root]\ndevice = \"/dev/vda\"\n";

int main(void)
{
	/* The shipped config loads and is what the README and demo rely on. */
	size_t len = 0;
	char *shipped = read_file("config/boot.toml", &len);
	ok(shipped != NULL, "config/boot.toml readable");
	/* It pins no owner and no disk: those are the owner's to fill in, and an
	 * image built from it as shipped is refused (make initramfs says how). */
	is_int(bootcfg_load(&cfg, "config/boot.toml", shipped ? shipped : "", len, NULL, err, sizeof err), -1,
	       "shipped config alone is refused");
	ok(strstr(err, "config/boot.toml: channel.owner_key_sha256 is empty") &&
		   strstr(err, "snpboot owner-key --generate owner.pem"),
	   "it says how to make the owner key: %s", err);
	{
		static char line[CMDLINE_MAX];
		static struct cmdline_overrides ov;
		snprintf(line, sizeof line, "%s", pins_cmdline);
		cmdline_parse(line, strlen(line), &ov, err, sizeof err);
		is_int(bootcfg_load(&cfg, "config/boot.toml", shipped ? shipped : "", len, &ov, err, sizeof err), 0,
		       "shipped config with pins loads: %s", err);
	}
	is_int(cfg.net.mode, NET_MODE_DHCP, "shipped: dhcp");
	is_int(cfg.failure.action, FAILURE_RETRY, "shipped: retry");
	is_int(cfg.channel.listen_port, 7443, "shipped: listen port");
	is_str(cfg.switch_root.init, "/sbin/init", "shipped: init");

	is_int(load(minimal, NULL), 0, "minimal config");
	is_int(cfg.log_level, LOG_INFO, "default log level");
	is_int(cfg.failure.final_action, FAILURE_POWEROFF, "default final action");
	is_str(cfg.root.mapper_name, "root", "default mapper name");

	is_int(load("[network]\nmode = \"static\"\naddress = \"192.168.1.7/16\"\ngateway = \"192.168.0.1\"\n"
		    "dns = [\"1.1.1.1\", \"9.9.9.9\"]\n[root]\ndevice = \"UUID=abc\"\n", NULL),
	       0, "static network: %s", err);
	is_int(cfg.net.address, inet_addr("192.168.1.7"), "address parsed");
	is_int(cfg.net.prefix_len, 16, "prefix parsed");
	is_int(cfg.net.gateway, inet_addr("192.168.0.1"), "gateway parsed");
	is_int(cfg.net.dns_count, 2, "two dns servers");

	/* Errors name file, line and key. */
	is_int(load("[network]\nmoed = \"dhcp\"\n", NULL), -1, "unknown key refused");
	ok(strstr(err, "boot.toml:2:1: unknown key 'network.moed'") != NULL, "message names the key's line and column: %s", err);
	is_int(load("[netwrk]\nmode = \"dhcp\"\n", NULL), -1, "unknown section refused");
	ok(strstr(err, "netwrk") != NULL, "message: %s", err);
	is_int(load("[network]\nmode = 3\n[root]\ndevice=\"/dev/vda\"\n", NULL), -1, "wrong type refused");
	ok(strstr(err, "boot.toml:2") && strstr(err, "must be a string"), "message: %s", err);
	is_int(load("[network]\nmode = \"wifi\"\n", NULL), -1, "bad enum refused");
	ok(strstr(err, "must be one of none dhcp static, got 'wifi'"), "message: %s", err);
	is_int(load("[channel]\nlisten_port = 70000\n[root]\ndevice=\"/dev/vda\"\n", NULL), -1, "port range checked");
	ok(strstr(err, "boot.toml:2") != NULL, "message: %s", err);
	is_int(load("[network]\naddress = \"10.0.0.1\"\n", NULL), -1, "address without prefix refused");
	ok(strstr(err, "ADDRESS/PREFIX") != NULL, "message: %s", err);
	is_int(load("[network]\nmode = \"static\"\n[root]\ndevice=\"/dev/vda\"\n", NULL), -1, "static without address refused");
	ok(strstr(err, "needs network.address") != NULL, "message: %s", err);
	is_int(load("[log]\nlevel = \"info\"\n", NULL), -1, "root.device required");
	ok(strstr(err, "root.device is required") != NULL, "message: %s", err);
	is_int(load("[channel]\nmode = \"connect\"\n[root]\ndevice=\"/dev/vda\"\n", NULL), -1, "connect needs owner address");
	is_int(load("[channel]\nowner_address = \"owner.example:7443\"\n", NULL), -1, "host names refused");
	ok(strstr(err, "resolves no names") != NULL, "message: %s", err);
	is_int(load("[channel]\nowner_key_sha256 = [\"00\"]\n", NULL), -1, "short fingerprint refused");
	is_int(load("[switch_root]\ninit = \"sbin/init\"\n[root]\ndevice=\"/dev/vda\"\n", NULL), -1, "relative init refused");
	is_int(load("[root]\ndevice = \"/dev/vda\"\nmapper_name = \"../x\"\n", NULL), -1, "mapper name with / refused");
	is_int(load("[root]\ndevice = \"/dev/vda\"\n[root]\nfstype = \"xfs\"\n", NULL), -1, "redefined table refused");
	is_int(load("root = 1\n", NULL), -1, "section that is not a table refused");

	char fp[65];
	memset(fp, 'a', 64);
	fp[64] = '\0';
	char text[1024];
	snprintf(text, sizeof text, "[channel]\nowner_key_sha256 = [\"%s\"]\n[root]\ndevice=\"/dev/vda\"\n" ROOT_PINS_TOML, fp);
	is_int(load_raw(text, NULL), 0, "fingerprint and disk pin in boot.toml accepted: %s", err);
	is_int(cfg.channel.owner_key_count, 1, "one owner key");
	is_int(cfg.channel.owner_keys[0][0], 0xaa, "fingerprint decoded");
	is_str(cfg.root.pin.cipher, "aes-xts-plain64", "pin cipher");
	is_int(cfg.root.pin.digest_iterations, 1000, "pin iterations");
	is_int(cfg.root.pin.digest_salt_len, 32, "pin salt length");
	is_int(cfg.root.pin.digest_len, 32, "pin digest length");
	is_int(cfg.root.pin.digest[0], 0x0c, "pin digest decoded");
	is_int(cfg.root.pin.key_size, 64, "pin key size");
	ok(cfg.root.pin.offset == 16777216 && cfg.root.pin.size == 0 && cfg.root.pin.iv_tweak == 0,
	   "pin offset, dynamic size, iv_tweak");

	/* Owner and disk pins are required and never defaulted. */
	snprintf(text, sizeof text, "[root]\ndevice=\"/dev/vda\"\n" ROOT_PINS_TOML);
	is_int(load_raw(text, NULL), -1, "no owner key: refused");
	ok(strstr(err, "owner_key_sha256 is empty") != NULL, "message: %s", err);
	snprintf(text, sizeof text, "[channel]\nowner_key_sha256 = [\"%s\"]\n[root]\ndevice=\"/dev/vda\"\n", fp);
	is_int(load_raw(text, NULL), -1, "no disk pin: refused");
	ok(strstr(err, "[root] has no disk pin") && strstr(err, "snpboot disk-pin IMAGE"), "message: %s", err);
	is_int(load_raw(text, "snpboot.root.pin_cipher=aes-xts-plain64 snpboot.root.pin_size=dynamic"), -1,
	       "half a pin: refused");
	ok(strstr(err, "the disk pin is incomplete, missing: root.pin_digest_type root.pin_digest_hash") &&
		   !strstr(err, "root.pin_cipher") && !strstr(err, "root.pin_size"),
	   "it names the missing keys: %s", err);
	is_int(load(minimal, "snpboot.root.pin_cipher=cipher_null-ecb"), -1, "a null cipher pin: refused");
	ok(strstr(err, "the disk pin is not one the first stage accepts") != NULL, "message: %s", err);
	is_int(load(minimal, "snpboot.root.pin_size=0"), -1, "size 0: refused");
	ok(strstr(err, "must be \"dynamic\" or a size in bytes") != NULL, "message: %s", err);
	is_int(load(minimal, "snpboot.root.pin_digest=abc"), -1, "odd hex: refused");
	is_int(load(minimal, "snpboot.root.pin_size=8589934592"), 0, "an exact size above 4 GiB: %s", err);
	ok(cfg.root.pin.size == 8589934592ull, "parsed as 64-bit");
	/* cryptsetup 2.6.1 maps LUKS2 with IV offset 0 whatever iv_tweak says, so a
	 * pin that expects another could never match a live table: refused. */
	is_int(load(minimal, "snpboot.root.pin_iv_tweak=8589934592"), -1, "a non-zero iv_tweak: refused");
	ok(strstr(err, "pin_iv_tweak") != NULL, "message: %s", err);
	is_int(load(minimal, "snpboot.channel.owner_key_sha256="), -1, "the command line cannot clear the owner pins");

	/* The pin alone (disk-pin --check-against): bare lines, or a boot.toml's [root]. */
	struct disk_pin pin;
	is_int(bootcfg_load_pin("pin.toml", ROOT_PINS_TOML, strlen(ROOT_PINS_TOML), &pin, err, sizeof err), 0,
	       "bare pin lines: %s", err);
	ok(pin.key_size == 64 && pin.digest_len == 32 && strcmp(pin.cipher, "aes-xts-plain64") == 0, "... read");
	is_int(bootcfg_load_pin("boot.toml", text, strlen(text), &pin, err, sizeof err), -1,
	       "a boot.toml without a pin in [root]: refused");
	ok(strstr(err, "[root] has no disk pin") != NULL, "message: %s", err);
	snprintf(text, sizeof text, "[log]\nlevel = \"info\"\n[root]\ndevice = \"/dev/vda\"\n" ROOT_PINS_TOML);
	is_int(bootcfg_load_pin("boot.toml", text, strlen(text), &pin, err, sizeof err), 0, "a boot.toml's [root]: %s", err);
	is_int(bootcfg_load_pin("pin.toml", "pin_digest_iterations = \"many\"\n", 31, &pin, err, sizeof err), -1,
	       "a wrongly typed pin key: refused");
	ok(strstr(err, "pin.toml:1:") != NULL, "with its position: %s", err);

	/* Command-line overrides. */
	is_int(load(minimal, "quiet snpboot.network.mode=static snpboot.network.address=10.0.2.15/24 "
			     "root=/dev/sda snpboot.switch_root.args=a,b,c snpboot.failure.retries=0"),
	       0, "overrides apply: %s", err);
	is_int(cfg.net.mode, NET_MODE_STATIC, "override mode");
	is_int(cfg.net.prefix_len, 24, "override prefix");
	is_int(cfg.switch_root.arg_count, 3, "override list");
	is_str(cfg.switch_root.args[2], "c", "override list element");
	is_int(cfg.failure.retries, 0, "override number");
	is_int(load(minimal, "snpboot.network.mode=bogus"), -1, "bad override refused");
	ok(strstr(err, "kernel command line: 'snpboot.network.mode' must be one of"), "message: %s", err);
	is_int(load(minimal, "snpboot.nope=1"), -1, "override without section refused");
	is_int(load(minimal, "snpboot.network.moed=1"), -1, "unknown override refused");
	ok(strstr(err, "unknown key 'snpboot.network.moed'") != NULL, "message: %s", err);
	is_int(load(minimal, "snpboot.failure.retries=-1"), -1, "negative number refused");
	is_int(load(minimal, "snpboot.failure.retries=99999999999"), -1, "huge number refused");
	is_int(load(minimal, "\"snpboot.root.options=ro,noatime\""), 0, "quoted word");
	is_str(cfg.root.options, "ro,noatime", "quoted value");
	is_int(load(minimal, "snpboot.root.device"), -1, "override without = refused");
	/* [attestation] vmpl and the SVSM service attestation. */
	is_int(load(minimal, NULL), 0, "defaults: %s", err);
	ok(cfg.attestation.vmpl == 0 && cfg.attestation.service_provider[0] == '\0' &&
		   cfg.attestation.service_guid[0] == '\0' && cfg.attestation.service_manifest_version == 0,
	   "defaults: vmpl 0, no service provider");
	is_int(load("[attestation]\nvmpl = 2\n[root]\ndevice = \"/dev/vda\"\n", NULL), 0, "vmpl 2: %s", err);
	is_int((int)cfg.attestation.vmpl, 2, "vmpl read");
	is_int(load("[attestation]\nvmpl = 4\n[root]\ndevice = \"/dev/vda\"\n", NULL), -1, "vmpl 4 refused");
	ok(strstr(err, "boot.toml:2:") != NULL, "with file:line: %s", err);
	is_int(load("[attestation]\nprovider = \"configfs-tsm\"\nservice_provider = \"svsm\"\n"
		    "service_guid = \"C476F1EB-0123-45a5-9641-b4e7dde5bfe3\"\nservice_manifest_version = 0\n"
		    "[root]\ndevice = \"/dev/vda\"\n", NULL),
	       0, "svsm vTPM service: %s", err);
	is_str(cfg.attestation.service_provider, "svsm", "service_provider read");
	is_str(cfg.attestation.service_guid, "C476F1EB-0123-45a5-9641-b4e7dde5bfe3", "service_guid read");
	is_int(load("[attestation]\nprovider = \"sim\"\nservice_provider = \"svsm\"\n[root]\ndevice = \"/dev/vda\"\n",
		    NULL), 0, "svsm with sim, every service: %s", err);
	is_int(load("[attestation]\nservice_provider = \"svsm\"\n[root]\ndevice = \"/dev/vda\"\n", NULL), -1,
	       "svsm with provider auto refused");
	ok(strstr(err, "\"auto\" could fall back") != NULL, "says why: %s", err);
	is_int(load("[attestation]\nprovider = \"sev-guest\"\nservice_provider = \"svsm\"\n[root]\ndevice = \"/dev/vda\"\n",
		    NULL), -1, "svsm with sev-guest refused");
	is_int(load("[attestation]\nprovider = \"configfs-tsm\"\nservice_provider = \"tdx\"\n[root]\ndevice = \"/dev/vda\"\n",
		    NULL), -1, "unknown service provider refused");
	ok(strstr(err, "\"svsm\"") != NULL, "names the choices: %s", err);
	is_int(load("[attestation]\nprovider = \"configfs-tsm\"\nservice_provider = \"svsm\"\n"
		    "service_guid = \"c476f1eb-0123-45a5-9641-b4e7dde5bfe\"\n[root]\ndevice = \"/dev/vda\"\n", NULL),
	       -1, "short GUID refused");
	is_int(load("[attestation]\nprovider = \"configfs-tsm\"\nservice_provider = \"svsm\"\n"
		    "service_guid = \"c476f1eb-0123-45a5-9641-b4e7dde5bfez\"\n[root]\ndevice = \"/dev/vda\"\n", NULL),
	       -1, "non-hex GUID refused");
	is_int(load("[attestation]\nprovider = \"configfs-tsm\"\nservice_provider = \"svsm\"\n"
		    "service_guid = \"c476f1eb00123-45a5-9641-b4e7dde5bfe3\"\n[root]\ndevice = \"/dev/vda\"\n", NULL),
	       -1, "GUID without its dashes refused");
	is_int(load("[attestation]\nservice_guid = \"" GUID_SVSM_VTPM "\"\n[root]\ndevice = \"/dev/vda\"\n", NULL), -1,
	       "service_guid without service_provider refused");
	is_int(load("[attestation]\nservice_manifest_version = 1\n[root]\ndevice = \"/dev/vda\"\n", NULL), -1,
	       "service_manifest_version without service_provider refused");
	is_int(load("[attestation]\nprovider = \"configfs-tsm\"\nservice_provider = \"svsm\"\nvmpl = 2\n"
		    "[root]\ndevice = \"/dev/vda\"\n", NULL), -1, "vmpl with service_provider refused");
	ok(strstr(err, "VMPL 0") != NULL, "says why: %s", err);
	is_int(load(minimal, "snpboot.attestation.provider=sim snpboot.attestation.service_provider=svsm "
			     "snpboot.attestation.service_guid=" GUID_SVSM_VTPM " snpboot.attestation.service_manifest_version=0"),
	       0, "service keys from the command line: %s", err);
	is_str(cfg.attestation.service_guid, GUID_SVSM_VTPM, "command-line service_guid");
	is_int(load(minimal, "snpboot.attestation.vmpl=9"), -1, "command-line vmpl range checked");
	{
		uint8_t g[16];
		char back[GUID_TEXT_LEN + 1];
		static const uint8_t vtpm_bin[16] = {0xeb, 0xf1, 0x76, 0xc4, 0x23, 0x01, 0xa5, 0x45,
						     0x96, 0x41, 0xb4, 0xe7, 0xdd, 0xe5, 0xbf, 0xe3};
		is_int(guid_parse(GUID_SVSM_VTPM, g), 0, "guid_parse: vTPM GUID");
		ok(memcmp(g, vtpm_bin, 16) == 0, "guid_parse: first three fields little-endian (guid_t layout)");
		guid_format(back, g);
		is_str(back, GUID_SVSM_VTPM, "guid_format round trip");
	}
	return done_testing();
}
