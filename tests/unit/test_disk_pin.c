/* The disk pin: PBKDF2 known answers, the pin of a real cryptsetup header,
 * its volume key checked through the digest (the key luksDump printed, and
 * a fresh image's key when cryptsetup is installed), the header and live
 * table checks with every difference listed, and the printed forms. */
#include "../tap.h"
#include "luks2_build.h"

#include "base/bytes.h"
#include "disk/disk_pin.h"
#include "disk/dm_crypt_table.h"
#include "disk/luks2_header.h"
#include "disk/pbkdf2.h"

#include <fcntl.h>
#include <unistd.h>

static uint8_t buf[LUKS2_HDR_MAX];
static char err[512];

static void pbkdf2_vectors(void)
{
	/* RFC 7914 section 11 (PBKDF2-HMAC-SHA256); the others are RFC 6070's
	 * inputs with SHA-256 and SHA-512, whose values were computed with
	 * Python's hashlib.pbkdf2_hmac (OpenSSL), an independent implementation. */
	static const struct {
		const char *hash;
		const char *p;
		size_t plen;
		const char *s;
		size_t slen;
		uint32_t c;
		const char *hex;
	} v[] = {
		{"sha256", "passwd", 6, "salt", 4, 1,
		 "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b8"
		 "45b1e30bd509112041d3a19783"},
		{"sha256", "Password", 8, "NaCl", 4, 80000,
		 "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56a1d425a1225833549adb841b51c9b3176a272b"
		 "debba1d078478f62b397f33c8d"},
		{"sha256", "password", 8, "salt", 4, 1, "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b"},
		{"sha256", "password", 8, "salt", 4, 4096,
		 "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a"},
		{"sha256", "passwordPASSWORDpassword", 24, "saltSALTsaltSALTsaltSALTsaltSALTsalt", 36, 4096,
		 "348c89dbcbd32b2f32d814b8116e84cf2b17347ebc1800181c4e2a1fb8dd53e1c635518c7dac47e9"},
		{"sha256", "pass\0word", 9, "sa\0lt", 5, 4096, "89b69d0516f829893c696226650a8687"},
		{"sha512", "password", 8, "salt", 4, 1,
		 "867f70cf1ade02cff3752599a3a53dc4af34c7a669815ae5d513554e1c8cf252c02d470a285a0501bad999bfe943c08f050235"
		 "d7d68b1da55e63f73b60a57fce"},
		{"sha512", "password", 8, "salt", 4, 4096,
		 "d197b1b33db0143e018b12f3d1d1479e6cdebdcc97c5c0f87f6902e072f457b5143f30602641b3d55cd335988cb36b84376060"
		 "ecd532e039b742a239434af2d5"},
		{"sha512", "passwordPASSWORDpassword", 24, "saltSALTsaltSALTsaltSALTsaltSALTsalt", 36, 4096,
		 "8c0511f4c6e597c6ac6315d8f0362e225f3c501495ba23b868c005174dc4ee71115b59f9e60cd9532fa33e0f75aefe30225c58"
		 "3a186cd82bd4daea9724a3d3b804f75bdd41494fa324cab24bcc680fb3b96a30cf5d21fac3c2875913919f3399b1d9ce7e"},
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		uint8_t want[128], got[128];
		size_t n = strlen(v[i].hex) / 2;
		hex_decode(want, n, v[i].hex, 2 * n);
		memset(got, 0xaa, sizeof got);
		ok(pbkdf2_hmac(v[i].hash, (const uint8_t *)v[i].p, v[i].plen, (const uint8_t *)v[i].s, v[i].slen, v[i].c,
			       got, n) == 0 &&
			   memcmp(got, want, n) == 0 && got[n] == 0xaa,
		   "PBKDF2-HMAC-%s(%.8s, c=%u, %zu bytes)", v[i].hash, v[i].p, v[i].c, n);
	}
	uint8_t out[32];
	ok(pbkdf2_hmac("sha1", (const uint8_t *)"p", 1, (const uint8_t *)"s", 1, 1, out, 32) == -1, "sha1 refused");
	ok(pbkdf2_hmac("sha256", (const uint8_t *)"p", 1, (const uint8_t *)"s", 1, 0, out, 32) == -1,
	   "zero iterations refused");
}

/* The pin of the real header (luks2_build.h). */
static void real_pin(struct disk_pin *pin, struct luks2_header *hdr)
{
	struct luks2_spec spec = {0};
	size_t n = luks2_build(buf, sizeof buf, &spec);
	is_int(luks2_header_parse(buf, n, hdr, NULL, err, sizeof err), 0, "real header parses");
	is_int(disk_pin_from_header(hdr, pin, err, sizeof err), 0, "its pin");
}

static void volume_key(const struct disk_pin *pin)
{
	uint8_t vk[64];
	hex_decode(vk, sizeof vk, LUKS2_REAL_VK, 128);
	is_int(disk_pin_check_volume_key(pin, vk, sizeof vk, err, sizeof err), 0,
	       "the volume key cryptsetup luksDump printed passes the pinned digest");
	vk[17] ^= 0x01;
	is_int(disk_pin_check_volume_key(pin, vk, sizeof vk, err, sizeof err), -1, "one bit off: refused");
	is_str(err, "volume key: does not match the pinned digest", "... with the reason");
	is_int(disk_pin_check_volume_key(pin, vk, 32, err, sizeof err), -1, "32 bytes: refused");
	is_str(err, "volume key: 32 bytes, pinned 64", "... with the reason");
}

static void valid_rules(const struct disk_pin *good)
{
	struct disk_pin p;
	ok(disk_pin_valid(good, err, sizeof err), "the real pin is valid");
#define BAD(change, want, name)                                                                                        \
	do {                                                                                                           \
		p = *good;                                                                                             \
		change;                                                                                                \
		ok(!disk_pin_valid(&p, err, sizeof err), "invalid: %s", name);                                         \
		is_str(err, want, "... %s", name);                                                                     \
	} while (0)
	BAD(strcpy(p.digest_hash, "sha1"), "pin_digest_hash: \"sha1\" is not sha256 or sha512", "hash");
	BAD(p.digest_iterations = 999, "pin_digest_iterations: 999 is below 1000", "iterations");
	BAD(p.digest_salt_len = 8, "pin_digest_salt: 8 bytes (16 to 64)", "salt length");
	BAD(p.digest_len = 31, "pin_digest: 31 bytes (20 or the hash's 32)", "digest length");
	BAD(strcpy(p.cipher, "cipher_null-ecb"), "pin_cipher: cipher_null-ecb is not allowed (the null cipher stores plaintext)",
	    "null cipher");
	BAD(p.key_size = 16, "pin_key_size: 16 bytes does not fit aes-xts-plain64", "XTS key size");
	BAD((strcpy(p.cipher, "aes-cbc-essiv:sha256"), p.key_size = 64), "pin_key_size: 64 bytes does not fit aes-cbc-essiv:sha256",
	    "CBC key size");
	BAD(p.sector_size = 8192, "pin_sector_size: 8192 is not 512, 1024, 2048 or 4096", "sector size");
	BAD(p.offset = 0, "pin_offset: 0 is not a non-zero multiple of 512", "offset 0");
	BAD(p.offset = 1000, "pin_offset: 1000 is not a non-zero multiple of 512", "offset unaligned");
	BAD(p.iv_tweak = 8, "pin_iv_tweak: 8 is not supported (0 only)", "iv_tweak");
	BAD(p.size = 1024, "pin_size: 1024 is not a multiple of the sector size 4096", "size");
	BAD(memset(p.cipher, 'a', sizeof p.cipher), "pin: a text field is not terminated", "unterminated cipher");
#undef BAD
}

static void header_check(const struct disk_pin *pin)
{
	struct luks2_header other;
	struct luks2_spec spec = {0};
	is_int(disk_pin_check_header(pin, &(struct luks2_header){.segment = *pin}, err, sizeof err), 0,
	       "a header with the pinned values passes");
	spec.segments = "{\"0\":{\"type\":\"crypt\",\"offset\":\"33554432\",\"size\":\"dynamic\",\"iv_tweak\":\"0\","
			"\"encryption\":\"serpent-xts-plain64\",\"sector_size\":512}}";
	spec.digests = "{\"0\":{\"type\":\"pbkdf2\",\"keyslots\":[\"0\"],\"segments\":[\"0\"],\"hash\":\"sha256\","
		       "\"iterations\":2000,\"salt\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\","
		       "\"digest\":\"OQs2MKyI49Kzoyofbr1jzLBrsQA2ojRwvSmC/mLckYc=\"}}";
	size_t n = luks2_build(buf, sizeof buf, &spec);
	is_int(luks2_header_parse(buf, n, &other, NULL, err, sizeof err), 0, "another disk's header parses");
	is_int(disk_pin_check_header(pin, &other, err, sizeof err), -1, "... and does not match the pin");
	is_str(err,
	       "segment cipher: pinned aes-xts-plain64, disk has serpent-xts-plain64; sector size: pinned 4096, disk has "
	       "512; segment offset: pinned 16777216, disk has 33554432; digest iterations: pinned 1000, disk has 2000; "
	       "digest salt: pinned 239cb2c7ac898194..., disk has 0000000000000000...; volume-key digest: pinned "
	       "390b3630ac88e3d2..., disk has 390b3630ac88e3d2... (another volume key)",
	       "... every difference listed");
	char small[40];
	is_int(disk_pin_check_header(pin, &other, small, sizeof small), -1, "a small error buffer");
	is_int(strlen(small), sizeof small - 1, "... is filled, not overrun");
}

/* The table line cryptsetup 2.6.1 loads for the pinned segment. */
static void table_check(const struct disk_pin *pin)
{
	struct dm_crypt_table t;
	const uint64_t dev = 64ull << 20; /* a 64 MiB device: 48 MiB of data after the 16 MiB header */
	const uint64_t len = (dev - 16777216) / 512;
	char line[512];
	snprintf(line, sizeof line, "aes-xts-plain64 %s 0 252:3 32768 1 sector_size:4096", LUKS2_REAL_VK);
	t.start = 0;
	t.length = len;
	is_int(dm_crypt_table_parse(line, sizeof line, &t, err, sizeof err), 0, "table parses");
	is_int(disk_pin_check_table(pin, &t, 252, 3, dev, err, sizeof err), 0, "the pinned mapping passes");
	is_int(disk_pin_check_volume_key(pin, t.key, t.key_len, err, sizeof err), 0, "... and so does its key");

	is_int(disk_pin_check_table(pin, &t, 252, 4, dev, err, sizeof err), -1, "another backing device");
	is_str(err, "device: expected 252:4, table has 252:3", "... named");
	is_int(disk_pin_check_table(pin, &t, 252, 3, dev + 4096, err, sizeof err), -1, "a shorter mapping than the device");
	is_str(err, "length: pinned 98312 sectors (dynamic), table has 98304", "... named");
	is_int(disk_pin_check_table(pin, &t, 252, 3, 4096, err, sizeof err), -1, "a device smaller than the offset");
	is_str(err, "device: 4096 bytes, too small for the pinned segment", "... named");

	/* the attack the pin stops: the owner's key, a null cipher over the host's plaintext */
	t.start = 0;
	t.length = len;
	dm_crypt_table_parse("cipher_null-ecb - 0 252:3 32768", 64, &t, err, sizeof err);
	is_int(disk_pin_check_table(pin, &t, 252, 3, dev, err, sizeof err), -1, "cipher_null mapping refused");
	is_str(err, "cipher: pinned aes-xts-plain64, table has cipher_null-ecb; key size: pinned 64 bytes, table has 0; "
		    "sector size: pinned 4096, table has 512",
	       "... every difference listed");

	snprintf(line, sizeof line, "aes-xts-plain64 %s 8 252:3 2048 3 sector_size:4096 iv_large_sectors integrity:28:aead",
		 LUKS2_REAL_VK);
	t.start = 8;
	t.length = len;
	dm_crypt_table_parse(line, sizeof line, &t, err, sizeof err);
	is_int(disk_pin_check_table(pin, &t, 252, 3, dev, err, sizeof err), -1, "a shifted, re-IVed mapping refused");
	is_str(err, "iv_offset: pinned 0, table has 8; iv_large_sectors: in the table, but LUKS2 never maps with it; "
		    "integrity: the table has an integrity option, the pin none; offset: pinned 32768 sectors, table has "
		    "2048; start: the target starts at sector 8, not 0",
	       "... every difference listed");

	struct disk_pin fixed = *pin;
	fixed.size = 1 << 20;
	snprintf(line, sizeof line, "aes-xts-plain64 %s 0 252:3 32768 1 sector_size:4096", LUKS2_REAL_VK);
	t.start = 0;
	t.length = 2048;
	dm_crypt_table_parse(line, sizeof line, &t, err, sizeof err);
	is_int(disk_pin_check_table(&fixed, &t, 252, 3, dev, err, sizeof err), 0, "a fixed size: its length");
	t.length = len;
	is_int(disk_pin_check_table(&fixed, &t, 252, 3, dev, err, sizeof err), -1, "... and not to the device's end");
	is_str(err, "length: pinned 2048 sectors (fixed), table has 98304", "... named");
	dm_crypt_table_wipe(&t);
}

static void formats(const struct disk_pin *pin)
{
	char out[1024];
	static const char toml[] = "pin_digest_type = \"pbkdf2\"\n"
				   "pin_digest_hash = \"sha256\"\n"
				   "pin_digest_iterations = 1000\n"
				   "pin_digest_salt = \"239cb2c7ac8981944a62f6a8c19f09cb2a65d1658c0305b154a4a5d3490cfe43\"\n"
				   "pin_digest = \"390b3630ac88e3d2b3a32a1f6ebd63ccb06bb10036a23470bd2982fe62dc9186\"\n"
				   "pin_cipher = \"aes-xts-plain64\"\n"
				   "pin_key_size = 64\n"
				   "pin_sector_size = 4096\n"
				   "pin_offset = 16777216\n"
				   "pin_iv_tweak = 0\n"
				   "pin_size = \"dynamic\"\n";
	is_int(disk_pin_format_toml(pin, out, sizeof out), strlen(toml), "toml length");
	is_str(out, toml, "toml lines");
	static const char cmdline[] =
		"snpboot.root.pin_digest_type=pbkdf2 snpboot.root.pin_digest_hash=sha256 "
		"snpboot.root.pin_digest_iterations=1000 "
		"snpboot.root.pin_digest_salt=239cb2c7ac8981944a62f6a8c19f09cb2a65d1658c0305b154a4a5d3490cfe43 "
		"snpboot.root.pin_digest=390b3630ac88e3d2b3a32a1f6ebd63ccb06bb10036a23470bd2982fe62dc9186 "
		"snpboot.root.pin_cipher=aes-xts-plain64 snpboot.root.pin_key_size=64 snpboot.root.pin_sector_size=4096 "
		"snpboot.root.pin_offset=16777216 snpboot.root.pin_iv_tweak=0 snpboot.root.pin_size=dynamic";
	is_int(disk_pin_format_cmdline(pin, out, sizeof out), strlen(cmdline), "cmdline length");
	is_str(out, cmdline, "cmdline words");
	is_int(disk_pin_format_toml(pin, out, strlen(toml)), -1, "one byte short: -1");
	is_str(out, "", "... and an empty string");
	struct disk_pin fixed = *pin;
	fixed.size = 1048576;
	disk_pin_format_toml(&fixed, out, sizeof out);
	ok(strstr(out, "pin_size = \"1048576\"\n") != NULL, "a fixed size is a decimal string");
}

/* A fresh image from the host's cryptsetup: its pin, and its volume key
 * (luksDump --dump-volume-key) through the pinned digest. */
static void with_cryptsetup(void)
{
	char dir[] = "/tmp/snpboot-pin-XXXXXX", cmd[1024], path[64];
	if (!luks2_sh("command -v cryptsetup") || !mkdtemp(dir)) {
		diag("SKIP: no cryptsetup on this host");
		return;
	}
	static const char *const variants[] = {"--sector-size 4096", "--sector-size 512 --key-size 256",
					       "--hash sha512 --cipher aes-cbc-essiv:sha256 --key-size 256"};
	for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++) {
		snprintf(cmd, sizeof cmd,
			 "cd %s && rm -f img vk && truncate -s 24M img && head -c 32 /dev/urandom >key && "
			 "cryptsetup luksFormat --type luks2 %s --batch-mode --pbkdf pbkdf2 --pbkdf-force-iterations 1000 "
			 "--key-file key img && cryptsetup luksDump --dump-volume-key --volume-key-file vk --batch-mode "
			 "--key-file key img",
			 dir, variants[i]);
		if (!ok(luks2_sh(cmd), "cryptsetup luksFormat %s, luksDump --dump-volume-key", variants[i]))
			continue;
		uint8_t vk[DISK_PIN_KEY_MAX];
		snprintf(path, sizeof path, "%s/img", dir);
		int fd = open(path, O_RDONLY);
		ssize_t got = fd >= 0 ? read(fd, buf, sizeof buf) : -1;
		if (fd >= 0)
			close(fd);
		snprintf(path, sizeof path, "%s/vk", dir);
		fd = open(path, O_RDONLY);
		ssize_t vk_len = fd >= 0 ? read(fd, vk, sizeof vk) : -1;
		if (fd >= 0)
			close(fd);
		struct luks2_header hdr;
		struct disk_pin pin;
		err[0] = '\0';
		int rc = got > 0 && vk_len > 0 && luks2_header_parse(buf, (size_t)got, &hdr, NULL, err, sizeof err) == 0 &&
				 disk_pin_from_header(&hdr, &pin, err, sizeof err) == 0
			 ? 0
			 : -1;
		if (!ok(rc == 0, "... pinned"))
			diag("%s", err);
		else
			is_int(disk_pin_check_volume_key(&pin, vk, (size_t)vk_len, err, sizeof err), 0,
			       "... its volume key passes the pinned digest (%zd bytes, %s)", vk_len, pin.digest_hash);
		secure_wipe(vk, sizeof vk);
	}
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	luks2_sh(cmd);
}

int main(void)
{
	struct disk_pin pin;
	struct luks2_header hdr;
	pbkdf2_vectors();
	real_pin(&pin, &hdr);
	volume_key(&pin);
	valid_rules(&pin);
	header_check(&pin);
	table_check(&pin);
	formats(&pin);
	with_cryptsetup();
	return done_testing();
}
