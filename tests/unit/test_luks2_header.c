/* The LUKS2 header reader: a real cryptsetup header (as bytes here, and
 * made afresh by the host's cryptsetup when it is installed), and each
 * refusal with its exact reason. */
#include "../tap.h"
#include "luks2_build.h"

#include "disk/luks2_header.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

static uint8_t buf[LUKS2_HDR_MAX];

/* The parse error for the real header with one section replaced, "" if it parsed. */
static const char *refusal(const struct luks2_spec *spec)
{
	static char err[256];
	static struct luks2_header hdr;
	size_t n = luks2_build(buf, sizeof buf, spec);
	if (!n)
		return "(test header does not fit)";
	err[0] = '\0';
	return luks2_header_parse(buf, n, &hdr, NULL, err, sizeof err) == 0 ? "" : err;
}

#define SEG(fields) "{\"0\":{\"type\":\"crypt\"," fields "}}"
#define SEG_STD "\"offset\":\"16777216\",\"size\":\"dynamic\",\"iv_tweak\":\"0\",\"sector_size\":4096"
#define SEG_CIPHER(c) SEG(SEG_STD ",\"encryption\":\"" c "\"")
#define DIGEST(extra)                                                                                                  \
	"{\"0\":{\"type\":\"pbkdf2\",\"hash\":\"sha256\",\"iterations\":1000,"                                         \
	"\"salt\":\"I5yyx6yJgZRKYvaowZ8Jyypl0WWMAwWxVKSl00kM/kM=\","                                                    \
	"\"digest\":\"OQs2MKyI49Kzoyofbr1jzLBrsQA2ojRwvSmC/mLckYY=\"," extra "}}"

static void real_header(void)
{
	struct luks2_header h;
	struct luks2_spec spec = {0};
	char err[256];
	size_t need = 0;
	size_t n = luks2_build(buf, sizeof buf, &spec);
	is_int(luks2_header_parse(buf, 100, &h, &need, err, sizeof err), -1, "100 bytes: not enough");
	is_int(need, 4096, "... asks for the binary header");
	is_str(err, "need 4096 bytes", "... and says so");
	is_int(luks2_header_parse(buf, 4096, &h, &need, err, sizeof err), -1, "4096 bytes: not enough");
	is_int(need, 16384, "... asks for hdr_size bytes");
	is_int(luks2_header_parse(buf, n, &h, NULL, err, sizeof err), 0, "cryptsetup's header parses");
	is_int(h.hdr_size, 16384, "hdr_size");
	is_int(h.seqid, 1, "seqid");
	is_str(h.uuid, LUKS2_REAL_UUID, "uuid");
	is_str(h.segment.cipher, "aes-xts-plain64", "segment cipher");
	is_int(h.segment.sector_size, 4096, "sector size");
	is_int(h.segment.offset, 16777216, "data offset");
	is_int(h.segment.size, 0, "dynamic size");
	is_int(h.segment.iv_tweak, 0, "iv_tweak");
	is_int(h.segment.key_size, 64, "volume key size from the digest's keyslot");
	is_str(h.segment.digest_hash, "sha256", "digest hash");
	is_int(h.segment.digest_iterations, 1000, "digest iterations");
	is_int(h.segment.digest_salt_len, 32, "digest salt length");
	is_int(h.segment.digest_len, 32, "digest length");
	ok(h.segment.digest[0] == 0x39 && h.segment.digest[31] == 0x86, "digest bytes (base64 decoded)");
	is_int(h.n_keyslots, 1, "one keyslot");
	is_str(h.keyslots[0].area_encryption, "aes-xts-plain64", "keyslot area cipher");
	is_int(h.keyslots[0].area_key_size, 64, "keyslot area key size");
	is_str(h.keyslots[0].kdf_type, "pbkdf2", "keyslot kdf");

	/* a header copy of 32 KiB, and a fixed segment size */
	spec.hdr_size = 32768;
	spec.config = "{\"json_size\":\"28672\",\"keyslots_size\":\"16711680\"}";
	spec.keyslots = "{\"0\":{\"type\":\"luks2\",\"key_size\":64,\"area\":{\"type\":\"raw\",\"offset\":\"65536\","
			"\"size\":\"258048\",\"encryption\":\"aes-xts-plain64\",\"key_size\":64},\"kdf\":{\"type\":"
			"\"argon2id\"},\"priority\":1}}";
	spec.segments = SEG("\"offset\":\"16777216\",\"size\":\"1048576\",\"iv_tweak\":\"0\",\"sector_size\":512,"
			    "\"encryption\":\"aes-cbc-essiv:sha256\"");
	n = luks2_build(buf, sizeof buf, &spec);
	is_int(luks2_header_parse(buf, n, &h, NULL, err, sizeof err), 0, "32 KiB header, fixed size, cbc-essiv");
	is_int(h.segment.size, 1048576, "... fixed size");
	is_str(h.keyslots[0].kdf_type, "argon2id", "... argon2id keyslot");
}

static void binary_refusals(void)
{
	struct luks2_header h;
	struct luks2_spec spec = {0};
	char err[256];
	size_t n = luks2_build(buf, sizeof buf, &spec);

	buf[4096 + 20000 % 12288] ^= 1; /* a byte of the JSON area's padding */
	is_int(luks2_header_parse(buf, n, &h, NULL, err, sizeof err), -1, "edited without a new checksum");
	is_str(err, "header checksum mismatch (a torn or edited header)", "... refused: checksum");
	luks2_rechecksum(buf, n);
	is_str(refusal(&spec), "", "(the same header with its checksum recomputed parses)");

	spec.version = 1;
	is_str(refusal(&spec), "version 1 (LUKS1) is not supported (LUKS2 only)", "LUKS1 refused");
	spec.version = 3;
	is_str(refusal(&spec), "version 3 is not supported (LUKS2 only)", "version 3 refused");
	spec.version = 0;

	n = luks2_build(buf, sizeof buf, &spec);
	memcpy(buf, "SKUL\xba\xbe", 6);
	luks2_header_parse(buf, n, &h, NULL, err, sizeof err);
	is_str(err, "a secondary LUKS2 header copy, not the start of a LUKS2 device", "secondary copy refused");
	memset(buf, 0, 8);
	luks2_header_parse(buf, n, &h, NULL, err, sizeof err);
	is_str(err, "not a LUKS header (no LUKS magic)", "no magic");

	n = luks2_build(buf, sizeof buf, &spec);
	buf[8 + 6] = 0x70; /* hdr_size 28672 */
	luks2_header_parse(buf, n, &h, NULL, err, sizeof err);
	is_str(err, "hdr_size 28672 is not one LUKS2 allows (a power of two, 16 KiB to 4 MiB)", "odd hdr_size");
	buf[8 + 6] = 0x20;
	buf[8 + 5] = 0x02; /* 128 KiB + 8 KiB */
	luks2_header_parse(buf, n, &h, NULL, err, sizeof err);
	is_str(err, "hdr_size 139264 is not one LUKS2 allows (a power of two, 16 KiB to 4 MiB)", "hdr_size not a power");
	buf[8 + 6] = 0x00; /* 128 KiB */
	luks2_header_parse(buf, n, &h, NULL, err, sizeof err);
	is_str(err, "hdr_size 131072 is larger than the 65536 bytes this reader takes", "hdr_size above the limit");

	n = luks2_build(buf, sizeof buf, &spec);
	memcpy(buf + 72, "sha1\0\0", 6);
	luks2_header_parse(buf, n, &h, NULL, err, sizeof err);
	is_str(err, "checksum algorithm \"sha1\" is not supported (sha256 only)", "checksum algorithm");
	n = luks2_build(buf, sizeof buf, &spec);
	buf[256 + 7] = 1;
	luks2_header_parse(buf, n, &h, NULL, err, sizeof err);
	is_str(err, "hdr_offset 1 is not 0 for the primary header", "hdr_offset");
	n = luks2_build(buf, sizeof buf, &spec);
	memset(buf + 168, 'a', 40);
	luks2_header_parse(buf, n, &h, NULL, err, sizeof err);
	is_str(err, "the UUID field is not NUL-terminated", "unterminated UUID");
}

static void json_refusals(void)
{
	struct luks2_spec s = {0};
	s.segments = SEG_CIPHER("cipher_null-ecb");
	is_str(refusal(&s), "segments.0.encryption: cipher_null-ecb is not allowed (the null cipher stores plaintext)",
	       "segment cipher_null-ecb");
	s.segments = SEG_CIPHER("aes-ecb");
	is_str(refusal(&s), "segments.0.encryption: aes-ecb is not allowed (ECB mode shows equal blocks and takes no IV)",
	       "segment aes-ecb");
	s.segments = SEG_CIPHER("capi:xts(aes)-plain64");
	is_str(refusal(&s),
	       "segments.0.encryption: capi:xts(aes)-plain64 is not allowed (kernel crypto API forms are not accepted)",
	       "capi form");
	s.segments = SEG_CIPHER("aes-xts-null");
	is_str(refusal(&s), "segments.0.encryption: aes-xts-null is not allowed (a null IV)", "null IV");
	s.segments = SEG_CIPHER("des-cbc-plain");
	is_str(refusal(&s), "segments.0.encryption: des-cbc-plain is not allowed (unknown block cipher: aes, serpent, twofish)",
	       "unknown block cipher");
	s.segments = SEG_CIPHER("aes-ctr-plain64");
	is_str(refusal(&s), "segments.0.encryption: aes-ctr-plain64 is not allowed (unknown mode: xts, cbc)",
	       "unknown mode");
	s.segments = SEG_CIPHER("aes-xts");
	is_str(refusal(&s), "segments.0.encryption: aes-xts is not allowed (no IV generator)", "no IV generator");
	s.segments = SEG_CIPHER("aes-xts-random");
	ok(strstr(refusal(&s), "unknown IV generator") != NULL, "unknown IV generator");
	s.segments = SEG_CIPHER("serpent-xts-plain64");
	is_str(refusal(&s), "", "serpent-xts-plain64 accepted");
	s.segments = SEG_CIPHER("twofish-cbc-essiv:sha256");
	is_str(refusal(&s), "", "twofish-cbc-essiv:sha256 accepted");
	s.segments = NULL;

	s.keyslots = "{\"0\":{\"type\":\"luks2\",\"key_size\":64,\"area\":{\"type\":\"raw\",\"offset\":\"32768\","
		     "\"size\":\"258048\",\"encryption\":\"cipher_null-ecb\",\"key_size\":64},\"kdf\":{\"type\":\"pbkdf2\"}}}";
	is_str(refusal(&s), "keyslots.0.area.encryption: cipher_null-ecb is not allowed (the null cipher stores plaintext)",
	       "keyslot area cipher_null-ecb");
	s.keyslots = "{\"0\":{\"type\":\"reencrypt\",\"key_size\":1,\"area\":{\"type\":\"datashift\"}}}";
	is_str(refusal(&s),
	       "keyslots.0.type: a reencrypt keyslot: a reencryption is in progress (finish it with cryptsetup first)",
	       "reencrypt keyslot");
	s.keyslots = "{\"00\":{}}";
	is_str(refusal(&s), "keyslots: \"00\" is not a number below 32", "non-canonical keyslot number");
	s.keyslots = "{\"32\":{}}";
	is_str(refusal(&s), "keyslots: \"32\" is not a number below 32", "keyslot 32");
	s.keyslots = "{\"0\":{\"type\":\"luks2\",\"key_size\":64,\"area\":{\"type\":\"raw\",\"offset\":\"16384\","
		     "\"size\":\"258048\",\"encryption\":\"aes-xts-plain64\",\"key_size\":64},\"kdf\":{\"type\":\"pbkdf2\"}}}";
	is_str(refusal(&s), "keyslots.0.area: [16384, +258048) is outside the keyslot areas [32768, 16777216)",
	       "keyslot area over the secondary header");
	s.keyslots = "{\"0\":{\"type\":\"luks2\",\"key_size\":64,\"area\":{\"type\":\"raw\",\"offset\":\"32768\","
		     "\"size\":\"258048\",\"encryption\":\"aes-xts-plain64\",\"key_size\":64},\"kdf\":{\"type\":\"scrypt\"}}}";
	is_str(refusal(&s), "keyslots.0.kdf.type: \"scrypt\" is not supported (pbkdf2, argon2i, argon2id)", "kdf type");
	s.keyslots = NULL;

	s.segments = "{\"0\":{\"type\":\"crypt\"," SEG_STD ",\"encryption\":\"aes-xts-plain64\"},\"1\":{\"type\":"
		     "\"linear\",\"offset\":\"0\",\"size\":\"dynamic\"}}";
	is_str(refusal(&s),
	       "segments: 2 segments (exactly one is supported: more mean a reencryption or a layout the first stage "
	       "does not map)",
	       "two segments");
	s.segments = "{\"1\":{}}";
	is_str(refusal(&s), "segments: the only segment is not segment 0", "segment 1 alone");
	s.segments = "{\"0\":{\"type\":\"linear\",\"offset\":\"16777216\",\"size\":\"dynamic\"}}";
	is_str(refusal(&s), "segments.0.type: \"linear\" is not supported (crypt only)", "linear segment");
	s.segments = SEG(SEG_STD ",\"encryption\":\"aes-xts-plain64\",\"integrity\":{\"type\":\"hmac(sha256)\"}");
	is_str(refusal(&s), "segments.0.integrity: authenticated encryption (dm-integrity) is not supported", "integrity");
	s.segments = SEG(SEG_STD ",\"encryption\":\"aes-xts-plain64\",\"flags\":[\"backup-final\"]");
	is_str(refusal(&s), "segments.0.flags: segment flags (a reencryption's backup segment) are not supported",
	       "segment flags");
	s.segments = SEG(SEG_STD ",\"encryption\":\"aes-xts-plain64\",\"iv_large_sectors\":true");
	is_str(refusal(&s), "segments.0.iv_large_sectors: unknown field (refused: it may change the mapping)",
	       "unknown segment field");
	s.segments = SEG("\"offset\":\"16777216\",\"size\":\"dynamic\",\"iv_tweak\":\"8\",\"sector_size\":4096,"
			 "\"encryption\":\"aes-xts-plain64\"");
	is_str(refusal(&s),
	       "segments.0.iv_tweak: 8 is not supported (0 only: cryptsetup maps one segment with IV offset 0)",
	       "non-zero iv_tweak");
	s.segments = SEG("\"offset\":\"16777216\",\"size\":\"dynamic\",\"iv_tweak\":\"0\",\"sector_size\":777,"
			 "\"encryption\":\"aes-xts-plain64\"");
	is_str(refusal(&s), "segments.0.sector_size: 777 is not 512, 1024, 2048 or 4096", "odd sector size");
	s.segments = SEG("\"offset\":\"16777216\",\"size\":\"dynamic\",\"iv_tweak\":\"0\",\"sector_size\":8192,"
			 "\"encryption\":\"aes-xts-plain64\"");
	is_str(refusal(&s), "segments.0.sector_size: 8192 is outside [512, 4096]", "sector size 8192");
	s.segments = SEG("\"offset\":\"16777216\",\"size\":\"1000\",\"iv_tweak\":\"0\",\"sector_size\":512,"
			 "\"encryption\":\"aes-xts-plain64\"");
	is_str(refusal(&s), "segments.0.size: \"1000\" is neither \"dynamic\" nor a non-zero multiple of the sector size",
	       "size not a multiple of the sector size");
	s.segments = SEG("\"offset\":\"32768\",\"size\":\"dynamic\",\"iv_tweak\":\"0\",\"sector_size\":512,"
			 "\"encryption\":\"aes-xts-plain64\"");
	is_str(refusal(&s),
	       "segments.0.offset: 32768 is not a multiple of 512 at or after the end of the header and keyslot areas "
	       "(16777216)",
	       "data over the keyslot areas");
	s.segments = SEG("\"offset\":\"16777216x\",\"size\":\"dynamic\",\"iv_tweak\":\"0\",\"sector_size\":512,"
			 "\"encryption\":\"aes-xts-plain64\"");
	is_str(refusal(&s), "segments.0.offset: \"16777216x\" is not a decimal number", "offset not a number");
	s.segments = SEG("\"offset\":16777216,\"size\":\"dynamic\",\"iv_tweak\":\"0\",\"sector_size\":512,"
			 "\"encryption\":\"aes-xts-plain64\"");
	is_str(refusal(&s), "segments.0.offset: expected a string, found integer", "offset of the wrong type");
	s.segments = SEG("\"size\":\"dynamic\",\"iv_tweak\":\"0\",\"sector_size\":512,\"encryption\":\"aes-xts-plain64\"");
	is_str(refusal(&s), "segments.0.offset: missing", "offset missing");
	s.segments = NULL;

	s.config = "{\"json_size\":\"12288\",\"keyslots_size\":\"16744448\",\"requirements\":{\"mandatory\":"
		   "[\"online-reencrypt-v2\"]}}";
	is_str(refusal(&s),
	       "config.requirements.mandatory: \"online-reencrypt-v2\": a reencryption is in progress (finish it with "
	       "cryptsetup first)",
	       "online-reencrypt requirement");
	s.config = "{\"json_size\":\"12288\",\"keyslots_size\":\"16744448\",\"requirements\":{\"mandatory\":"
		   "[\"future-thing\"]}}";
	is_str(refusal(&s), "config.requirements.mandatory: \"future-thing\" is not supported", "unknown requirement");
	s.config = "{\"json_size\":\"12288\",\"keyslots_size\":\"16744448\",\"requirements\":{\"mandatory\":[]}}";
	is_str(refusal(&s), "", "an empty requirement list is fine");
	s.config = "{\"json_size\":\"12288\",\"keyslots_size\":\"16744448\",\"flags\":[\"allow-discards\"]}";
	is_str(refusal(&s), "", "persistent flag allow-discards is fine");
	s.config = "{\"json_size\":\"12288\",\"keyslots_size\":\"16744448\",\"flags\":[\"x\\u0001\"]}";
	is_str(refusal(&s), "config.flags: \"x?\" is not a known flag", "unknown flag (shown printable)");
	s.config = "{\"json_size\":\"8192\",\"keyslots_size\":\"16744448\"}";
	is_str(refusal(&s), "config.json_size: 8192, but hdr_size 16384 leaves 12288 bytes of JSON", "json_size mismatch");
	s.config = NULL;

	s.digests = DIGEST("\"keyslots\":[\"0\"],\"segments\":[]");
	is_str(refusal(&s), "segments.0: no digest covers it (its volume key cannot be checked)", "no digest for segment 0");
	s.digests = "{\"0\":{\"type\":\"argon2\"}}";
	is_str(refusal(&s), "digests.0.type: \"argon2\" is not supported (pbkdf2 only)", "digest type");
	s.digests = DIGEST("\"keyslots\":[\"3\"],\"segments\":[\"0\"]");
	is_str(refusal(&s), "digests.0.keyslots: keyslot 3 does not exist", "digest names a missing keyslot");
	s.digests = DIGEST("\"keyslots\":[],\"segments\":[\"0\"]");
	is_str(refusal(&s), "digests.0.keyslots: no keyslot holds segment 0's volume key", "digest without keyslots");
	s.digests = DIGEST("\"keyslots\":[\"0\"],\"segments\":[\"1\"]");
	is_str(refusal(&s), "digests.0.segments: \"1\" is not a number below 1", "digest names a missing segment");
	s.digests = "{\"0\":{\"type\":\"pbkdf2\",\"keyslots\":[\"0\"],\"segments\":[\"0\"],\"hash\":\"sha1\"}}";
	is_str(refusal(&s), "digests.0.hash: \"sha1\" is not supported (sha256, sha512)", "digest hash sha1");
	s.digests = "{\"0\":{\"type\":\"pbkdf2\",\"keyslots\":[\"0\"],\"segments\":[\"0\"],\"hash\":\"sha256\","
		    "\"iterations\":999,\"salt\":\"\",\"digest\":\"\"}}";
	is_str(refusal(&s), "digests.0.iterations: 999 is outside [1000, 4294967295]", "digest iterations");
	s.digests = "{\"0\":{\"type\":\"pbkdf2\",\"keyslots\":[\"0\"],\"segments\":[\"0\"],\"hash\":\"sha256\","
		    "\"iterations\":1000,\"salt\":\"AAAA\",\"digest\":\"OQs2MKyI49Kzoyofbr1jzLBrsQA2ojRwvSmC/mLckYY=\"}}";
	is_str(refusal(&s), "digests.0.salt: 3 bytes (LUKS2 uses 32)", "short salt");
	s.digests = "{\"0\":{\"type\":\"pbkdf2\",\"keyslots\":[\"0\"],\"segments\":[\"0\"],\"hash\":\"sha256\","
		    "\"iterations\":1000,\"salt\":\"I5yyx6yJgZRKYvaowZ8Jyypl0WWMAwWxVKSl00kM/kM=\",\"digest\":\"!!\"}}";
	is_str(refusal(&s), "digests.0.digest: not base64 of at most 64 bytes", "digest not base64");
	s.digests = "{\"0\":{\"type\":\"pbkdf2\",\"hash\":\"sha256\",\"iterations\":1000,"
		    "\"salt\":\"I5yyx6yJgZRKYvaowZ8Jyypl0WWMAwWxVKSl00kM/kM=\","
		    "\"digest\":\"OQs2MKyI49Kzoyofbr1jzLBrsQA2ojRwvSmC/mLckYY=\",\"keyslots\":[\"0\"],\"segments\":[\"0\"]},"
		    "\"1\":{\"type\":\"pbkdf2\",\"hash\":\"sha256\",\"iterations\":1000,"
		    "\"salt\":\"I5yyx6yJgZRKYvaowZ8Jyypl0WWMAwWxVKSl00kM/kM=\","
		    "\"digest\":\"OQs2MKyI49Kzoyofbr1jzLBrsQA2ojRwvSmC/mLckYY=\",\"keyslots\":[\"0\"],\"segments\":[\"0\"]}}";
	is_str(refusal(&s), "segments.0: covered by two digests (0 and 1)", "two digests for segment 0");
	s.digests = NULL;

	s.json = "{\"keyslots\":{},\"keyslots\":{}}";
	is_str(refusal(&s), "JSON area: offset 15: duplicate key in an object", "duplicate key in the JSON");
	s.json = "{\"keyslots\":{}} x";
	is_str(refusal(&s), "JSON area: offset 16: trailing text after the top-level value", "trailing garbage");
	s.json = "[]";
	is_str(refusal(&s), "JSON area: not an object", "JSON array");
	s.json = "{\"keyslots\":{},\"tokens\":{},\"segments\":{},\"digests\":{},\"config\":{},\"extra\":1}";
	is_str(refusal(&s), "JSON.extra: unknown field (refused: it may change the mapping)", "unknown top-level field");
	s.json = "{\"keyslots\":{},\"tokens\":{},\"segments\":{},\"digests\":{}}";
	is_str(refusal(&s), "JSON.config: missing", "config missing");
	s.json = NULL;
	s.tokens = "{\"0\":{\"type\":\"systemd-tpm2\",\"keyslots\":[\"0\"],\"tpm2_pin\":false,\"x\":[null]}}";
	is_str(refusal(&s), "", "tokens are read and left alone");
}

/* Headers made by the host's cryptsetup, read from the image file. */
static void with_cryptsetup(void)
{
	char dir[] = "/tmp/snpboot-luks2-XXXXXX", cmd[768], err[256], uuid[64] = "";
	if (!luks2_sh("command -v cryptsetup") || !mkdtemp(dir)) {
		diag("SKIP: no cryptsetup on this host (make deps installs cryptsetup-bin)");
		return;
	}
	static const struct {
		const char *args, *want;
	} cases[] = {
		{"--type luks2 --sector-size 4096", ""},
		{"--type luks2 --sector-size 512 --key-size 256", ""},
		{"--type luks2 --cipher aes-cbc-essiv:sha256 --key-size 256 --hash sha512", ""},
		{"--type luks2 --luks2-metadata-size 16k --luks2-keyslots-size 1m", ""},
		{"--type luks2 --luks2-metadata-size 32k", ""},
		{"--type luks2 --luks2-metadata-size 128k",
		 "hdr_size 131072 is larger than the 65536 bytes this reader takes"},
		{"--type luks1", "version 1 (LUKS1) is not supported (LUKS2 only)"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(cmd, sizeof cmd,
			 "cd %s && rm -f img && truncate -s 24M img && head -c 32 /dev/urandom >key && "
			 "cryptsetup luksFormat %s --batch-mode --pbkdf pbkdf2 --pbkdf-force-iterations 1000 "
			 "--key-file key img && cryptsetup luksUUID img >uuid",
			 dir, cases[i].args);
		if (strstr(cases[i].args, "luks1"))
			snprintf(cmd, sizeof cmd,
				 "cd %s && rm -f img && truncate -s 24M img && head -c 32 /dev/urandom >key && "
				 "cryptsetup luksFormat --type luks1 --batch-mode --iter-time 1 --key-file key img && "
				 "cryptsetup luksUUID img >uuid",
				 dir);
		if (!ok(luks2_sh(cmd), "cryptsetup luksFormat %s", cases[i].args))
			continue;
		snprintf(cmd, sizeof cmd, "%s/img", dir);
		int fd = open(cmd, O_RDONLY);
		ssize_t got = fd >= 0 ? read(fd, buf, sizeof buf) : -1;
		if (fd >= 0)
			close(fd);
		snprintf(cmd, sizeof cmd, "%s/uuid", dir);
		FILE *f = fopen(cmd, "r");
		if (!f || !fgets(uuid, sizeof uuid, f))
			uuid[0] = '\0';
		if (f)
			fclose(f);
		uuid[strcspn(uuid, "\n")] = '\0';
		struct luks2_header h;
		err[0] = '\0';
		int rc = got > 0 ? luks2_header_parse(buf, (size_t)got, &h, NULL, err, sizeof err) : -1;
		if (cases[i].want[0]) {
			is_str(err, cases[i].want, "... refused with the reason");
		} else {
			if (!ok(rc == 0, "... parses"))
				diag("%s", err);
			is_str(h.uuid, uuid, "... UUID as cryptsetup luksUUID says");
		}
	}
	/* An encryption that was started but not finished */
	snprintf(cmd, sizeof cmd,
		 "cd %s && rm -f img && truncate -s 64M img && cryptsetup reencrypt --encrypt --init-only --type luks2 "
		 "--batch-mode --pbkdf pbkdf2 --pbkdf-force-iterations 1000 --reduce-device-size 32M --disable-locks "
		 "--key-file key img",
		 dir);
	if (ok(luks2_sh(cmd), "cryptsetup reencrypt --encrypt --init-only")) {
		snprintf(cmd, sizeof cmd, "%s/img", dir);
		int fd = open(cmd, O_RDONLY);
		ssize_t got = fd >= 0 ? read(fd, buf, sizeof buf) : -1;
		if (fd >= 0)
			close(fd);
		struct luks2_header h;
		err[0] = '\0';
		luks2_header_parse(buf, got > 0 ? (size_t)got : 0, &h, NULL, err, sizeof err);
		ok(strstr(err, "config.requirements.mandatory: \"online-reencrypt") &&
			   strstr(err, "a reencryption is in progress"),
		   "... refused: a reencryption is in progress");
		diag("%s", err);
	}
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	luks2_sh(cmd);
}

int main(void)
{
	real_header();
	binary_refusals();
	json_refusals();
	with_cryptsetup();
	return done_testing();
}
