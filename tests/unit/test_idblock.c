/* ID block and ID auth info: the vectors of testvectors/README.md (idblock/),
 * key loading (PKCS#8, SEC1), generation, signing and verification. */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bearssl.h>

#include "../tap.h"
#include "base/bytes.h"
#include "snp/idblock.h"
#include "snp/idblock_key.h"
#include "measure/measure.h"

static const char *vec_ld =
	"a14d638341e5674628fe1e02fbedebe5e5ab4faf1dd72d8966068e615bb99efd13d214b35c231715b38e263dc6059745";
static const char *vec_block_b64 = "oU1jg0HlZ0Yo/h4C++3r5eWrT68d1y2JZgaOYVu5nv0T0hSzXCMXFbOOJj3GBZdFAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABAAAAAAAAAAAAAwAAAAAA";
static const char *vec_id_digest = "WfssaG36T+9J84M5qndckAUcKNVzg93DuvO160sUlt87DbvcuuX+J2d6ZEggdz/i";
static const char *vec_auth_digest = "7tgRafsMteDsNHlPEo/U4MSkb2fGWhrfqB/LJLzAiMJyNpt//D6ytq9qQoShs2xf";

static char *vec_path(char *buf, size_t cap, const char *name)
{
	snprintf(buf, cap, "%s/testvectors/idblock/%s", shared_dir(), name);
	return buf;
}

static int read_vec(const char *name, uint8_t *out, size_t want)
{
	char path[512], err[MEASURE_ERR_LEN];
	uint8_t *data;
	size_t len;
	if (measure_read_file(&data, &len, vec_path(path, sizeof path, name), 1 << 20, err, sizeof err) != 0) {
		diag("%s", err);
		return -1;
	}
	int rc = len == want ? 0 : -1;
	if (rc == 0)
		memcpy(out, data, len);
	free(data);
	return rc;
}

static void vector_block(uint8_t block[IDBLOCK_LEN])
{
	struct idblock b = {.version = IDBLOCK_VERSION, .guest_svn = 0, .policy = 0x30000};
	hex_decode(b.ld, sizeof b.ld, vec_ld, strlen(vec_ld));
	idblock_encode(block, &b);
}

static void test_vectors(void)
{
	char path[512], err[256], b64[256];
	struct idblock_key id, auth;
	uint8_t block[IDBLOCK_LEN], id_area[IDAUTH_PUBKEY_LEN], auth_area[IDAUTH_PUBKEY_LEN], d[IDBLOCK_DIGEST_LEN];

	vector_block(block);
	base64_encode(b64, block, sizeof block);
	is_str(b64, vec_block_b64, "ID block base64 equals the vector");
	struct idblock back;
	ok(idblock_decode(&back, block, sizeof block) == 0 && back.version == 1 && back.policy == 0x30000 &&
		   bytes_all_zero(back.family_id, 16),
	   "ID block decodes back");
	is_int(idblock_decode(&back, block, 95), -1, "ID block of 95 bytes refused");

	int r1 = idblock_key_load(&id, vec_path(path, sizeof path, "test_id_key.pem"), err, sizeof err);
	if (r1)
		diag("%s", err);
	int r2 = idblock_key_load(&auth, vec_path(path, sizeof path, "test_auth_key.pem"), err, sizeof err);
	if (r2)
		diag("%s", err);
	ok(r1 == 0 && r2 == 0, "test keys load");
	is_str(id.format, "PKCS#8", "ID key read as PKCS#8");
	idblock_key_area(id_area, &id);
	idblock_key_area(auth_area, &auth);
	is_int(le32_load(id_area), IDAUTH_CURVE_P384, "public key area: curve 2 (P-384)");
	idblock_key_digest(d, id_area);
	base64_encode(b64, d, sizeof d);
	is_str(b64, vec_id_digest, "ID_KEY_DIGEST equals the vector");
	idblock_key_digest(d, auth_area);
	base64_encode(b64, d, sizeof d);
	is_str(b64, vec_auth_digest, "AUTHOR_KEY_DIGEST equals the vector");

	/* Rebuild expected_id_auth.bin from the fixed signatures. */
	static uint8_t expected[IDAUTH_LEN], built[IDAUTH_LEN];
	uint8_t id_sig[IDAUTH_SIG_LEN], auth_sig[IDAUTH_SIG_LEN];
	ok(read_vec("expected_id_auth.bin", expected, IDAUTH_LEN) == 0 &&
		   read_vec("test_id_sig.bin", id_sig, IDAUTH_SIG_LEN) == 0 &&
		   read_vec("test_auth_sig.bin", auth_sig, IDAUTH_SIG_LEN) == 0,
	   "read the fixed signatures and expected_id_auth.bin");
	idauth_build(built, id_sig, id_area, auth_sig, auth_area);
	is_mem(built, expected, IDAUTH_LEN, "ID auth info rebuilt byte for byte from the fixed signatures");

	/* The fixed signatures are over the vector ID block and the ID key
	 * area: this checks the verifier and the LE conversion against data
	 * signed elsewhere. */
	ok(idblock_verify(auth_sig, auth_area, id_area, sizeof id_area), "fixed author signature verifies");
	ok(!idblock_verify(auth_sig, id_area, id_area, sizeof id_area), "  not with the ID key");
	ok(idblock_verify(id_sig, id_area, block, sizeof block), "fixed ID block signature verifies over the vector ID block");

	/* Fresh signatures with the test keys. */
	uint8_t sig[IDAUTH_SIG_LEN], raw[96];
	ok(idblock_sign(sig, &id, block, sizeof block, err, sizeof err) == 0, "sign the ID block");
	ok(idblock_verify(sig, id_area, block, sizeof block), "own signature verifies");
	ok(bytes_all_zero(sig + 48, 24) && bytes_all_zero(sig + 72 + 48, 24) && bytes_all_zero(sig + 144, 512 - 144),
	   "R and S are 72-byte LE fields, rest zero");
	block[0] ^= 1;
	ok(!idblock_verify(sig, id_area, block, sizeof block), "tampered ID block fails");
	block[0] ^= 1;
	ok(idblock_sig_to_raw(raw, sig) == 0, "signature back to raw r||s");
	uint8_t again[IDAUTH_SIG_LEN];
	ok(idblock_sig_from_raw(again, raw, sizeof raw) == 0 && memcmp(again, sig, sizeof sig) == 0, "raw round trip");
	sig[60] = 1;
	is_int(idblock_sig_to_raw(raw, sig), -1, "R with bytes above 48 refused");
	ok(!idblock_verify(sig, id_area, block, sizeof block), "  and does not verify");

	uint8_t point[97];
	ok(idblock_pubkey_point(point, id_area) == 0 && memcmp(point, id.pub, 97) == 0, "key area back to the point");
	is_int(idblock_pubkey_area(id_area, point, 96), -1, "point of 96 bytes refused");
	idblock_key_wipe(&id);
	idblock_key_wipe(&auth);
	ok(bytes_all_zero(&id, sizeof id), "wipe clears the key");
}

/* SEC1 ("EC PRIVATE KEY") PEM of a key, as openssl ec writes it. */
static size_t sec1_pem(char *out, size_t cap, const struct idblock_key *k)
{
	uint8_t priv[48], pub[97], der[512];
	memcpy(priv, k->priv, 48);
	memcpy(pub, k->pub, 97);
	br_ec_private_key sk = {BR_EC_secp384r1, priv, 48};
	br_ec_public_key pk = {BR_EC_secp384r1, pub, 97};
	size_t n = br_encode_ec_raw_der(der, &sk, &pk);
	size_t len = br_pem_encode(NULL, der, n, BR_ENCODE_PEM_EC_RAW, 0);
	if (len >= cap)
		return 0;
	return br_pem_encode(out, der, n, BR_ENCODE_PEM_EC_RAW, 0);
}

static void test_keys(void)
{
	char err[256], pem[4096], dir[] = "/tmp/test_idblock.XXXXXX", path[600];
	struct idblock_key k, l;

	ok(idblock_key_generate(&k, err, sizeof err) == 0 && k.pub[0] == 4, "generate a P-384 key");
	ok(mkdtemp(dir) != NULL, "temporary directory");
	snprintf(path, sizeof path, "%s/k.pem", dir);
	ok(idblock_key_save(&k, path, err, sizeof err) == 0, "save as PKCS#8 PEM");
	struct stat st;
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "key file mode 0600");
	ok(idblock_key_load(&l, path, err, sizeof err) == 0 && memcmp(l.pub, k.pub, 97) == 0 &&
		   strcmp(l.format, "PKCS#8") == 0,
	   "saved key loads back (PKCS#8)");
	ok(idblock_key_save(&k, path, err, sizeof err) == -1 && strstr(err, "exists"),
	   "saving over an existing file refused: %s", err);
	unlink(path);
	rmdir(dir);

	size_t n = sec1_pem(pem, sizeof pem, &k);
	ok(n > 0 && idblock_key_from_pem(&l, pem, n, err, sizeof err) == 0 && strcmp(l.format, "SEC1") == 0 &&
		   memcmp(l.pub, k.pub, 97) == 0,
	   "SEC1 EC PRIVATE KEY loads, format reported as SEC1");
	/* openssl ecparam -genkey writes EC PARAMETERS first. */
	char both[5000];
	int m = snprintf(both, sizeof both, "-----BEGIN EC PARAMETERS-----\nBgUrgQQAIg==\n-----END EC PARAMETERS-----\n%s",
			 pem);
	ok(idblock_key_from_pem(&l, both, (size_t)m, err, sizeof err) == 0 && strcmp(l.format, "SEC1") == 0,
	   "EC PARAMETERS block before the key is skipped");
	/* Without the final newline. */
	ok(idblock_key_from_pem(&l, pem, n - 1, err, sizeof err) == 0, "PEM without a final newline");

	static const char *bad[] = {
		"",
		"not a pem at all",
		"-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n",
		"-----BEGIN ENCRYPTED PRIVATE KEY-----\nMAA=\n-----END ENCRYPTED PRIVATE KEY-----\n",
		"-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n",
		"-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n",
		"-----BEGIN PRIVATE KEY-----\nMIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDDP\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = 0;
		ok(idblock_key_from_pem(&l, bad[i], strlen(bad[i]), err, sizeof err) == -1 && err[0],
		   "bad PEM %zu refused: %s", i, err);
	}

	/* A P-256 key is refused with the curve named. */
	uint8_t seed[32] = {1}, kbuf[BR_EC_KBUF_PRIV_MAX_SIZE], pbuf[BR_EC_KBUF_PUB_MAX_SIZE], der[512];
	br_hmac_drbg_context rng;
	br_hmac_drbg_init(&rng, &br_sha256_vtable, seed, sizeof seed);
	br_ec_private_key sk;
	br_ec_public_key pk;
	br_ec_keygen(&rng.vtable, &br_ec_prime_i31, &sk, kbuf, BR_EC_secp256r1);
	br_ec_compute_pub(&br_ec_prime_i31, &pk, pbuf, &sk);
	size_t dn = br_encode_ec_pkcs8_der(der, &sk, &pk);
	n = br_pem_encode(pem, der, dn, BR_ENCODE_PEM_PKCS8, 0);
	ok(idblock_key_from_pem(&l, pem, n, err, sizeof err) == -1 && strstr(err, "P-384"),
	   "P-256 key refused: %s", err);

	/* A scalar equal to the group order is not a valid key. */
	static const uint8_t order[48] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xc7, 0x63, 0x4d, 0x81, 0xf4, 0x37, 0x2d, 0xdf,
		0x58, 0x1a, 0x0d, 0xb2, 0x48, 0xb0, 0xa7, 0x7a, 0xec, 0xec, 0x19, 0x6a, 0xcc, 0xc5, 0x29, 0x73};
	uint8_t x[48];
	memcpy(x, order, 48);
	br_ec_private_key bad_sk = {BR_EC_secp384r1, x, 48};
	dn = br_encode_ec_raw_der(der, &bad_sk, NULL);
	n = br_pem_encode(pem, der, dn, BR_ENCODE_PEM_EC_RAW, 0);
	ok(dn > 0 && idblock_key_from_pem(&l, pem, n, err, sizeof err) == -1 && strstr(err, "order"),
	   "scalar = group order refused: %s", err);

	ok(idblock_key_load(&l, "/nonexistent/key.pem", err, sizeof err) == -1 && strstr(err, "/nonexistent/key.pem"),
	   "missing key file: error names the path: %s", err);
	idblock_key_wipe(&k);
	idblock_key_wipe(&l);
}

int main(void)
{
	test_vectors();
	test_keys();
	return done_testing();
}
