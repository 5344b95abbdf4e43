/* Disk keys sealed under the broker master key, and row MACs (broker_keywrap.h). */
#include "broker_keywrap.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "base/bytes.h"
#include "base/err_text.h"

static void subkey(uint8_t out[32], const uint8_t master[BROKER_MASTER_KEY_LEN], const char *label)
{
	br_hmac_key_context kc;
	br_hmac_context h;
	br_hmac_key_init(&kc, &br_sha256_vtable, master, BROKER_MASTER_KEY_LEN);
	br_hmac_init(&h, &kc, 0);
	br_hmac_update(&h, label, strlen(label));
	br_hmac_out(&h, out);
	secure_wipe(&kc, sizeof kc);
	secure_wipe(&h, sizeof h);
}

void broker_keys_derive(struct broker_keys *k, const uint8_t master[BROKER_MASTER_KEY_LEN])
{
	uint8_t id[32];
	subkey(k->wrap, master, "snpboot-broker disk-key wrap v1");
	subkey(k->mac, master, "snpboot-broker row mac v1");
	/* Public: only says which master key; 64 bits tell keys apart, they do not protect anything. */
	subkey(id, master, "snpboot-broker key id v1");
	hex_encode(k->key_id, id, 8);
}

void broker_keys_wipe(struct broker_keys *k)
{
	secure_wipe(k, sizeof *k);
}

/* "snpboot-broker disk key v1" | len(name) | name | version: the key is for this VM and version only. */
static size_t make_aad(uint8_t *aad, size_t cap, const char *vm_name, uint32_t version)
{
	static const char label[] = "snpboot-broker disk key v1";
	size_t n = strlen(vm_name), used = 0;
	if (sizeof label + 1 + n + 4 > cap)
		return 0;
	memcpy(aad, label, sizeof label); /* the NUL ends the label */
	used = sizeof label;
	aad[used++] = (uint8_t)n;
	for (size_t i = 0; i < n; i++) /* bytes, not a C string: the length is in front */
		aad[used + i] = (uint8_t)vm_name[i];
	used += n;
	be32_store(aad + used, version);
	return used + 4;
}

int broker_keywrap_seal(const struct broker_keys *k, const char *vm_name, uint32_t version, const uint8_t *key,
			size_t len, uint8_t nonce[BROKER_NONCE_LEN], uint8_t *sealed, char *err, size_t err_len)
{
	uint8_t aad[128];
	size_t aad_len = make_aad(aad, sizeof aad, vm_name, version);
	if (aad_len == 0 || len == 0)
		return err_set(err, err_len, "seal: bad vm name or empty key");
	if (getrandom(nonce, BROKER_NONCE_LEN, 0) != BROKER_NONCE_LEN)
		return err_set(err, err_len, "seal: getrandom: %s", strerror(errno));
	memcpy(sealed, key, len);
	br_poly1305_ctmul_run(k->wrap, nonce, sealed, len, aad, aad_len, sealed + len, br_chacha20_ct_run, 1);
	return 0;
}

int broker_keywrap_open(const struct broker_keys *k, const char *vm_name, uint32_t version,
			const uint8_t nonce[BROKER_NONCE_LEN], const uint8_t *sealed, size_t sealed_len, uint8_t *key,
			size_t cap, size_t *len, char *err, size_t err_len)
{
	uint8_t aad[128], tag[BROKER_TAG_LEN];
	size_t aad_len = make_aad(aad, sizeof aad, vm_name, version);
	if (aad_len == 0 || sealed_len <= BROKER_TAG_LEN || sealed_len - BROKER_TAG_LEN > cap)
		return err_set(err, err_len, "disk key of vm '%s' version %u: sealed key of %zu bytes is malformed",
			       vm_name, (unsigned)version, sealed_len);
	size_t n = sealed_len - BROKER_TAG_LEN;
	memcpy(key, sealed, n);
	br_poly1305_ctmul_run(k->wrap, nonce, key, n, aad, aad_len, tag, br_chacha20_ct_run, 0);
	if (!bytes_equal_ct(tag, sealed + n, BROKER_TAG_LEN)) {
		secure_wipe(key, cap);
		return err_set(err, err_len,
			       "disk key of vm '%s' version %u does not open: it was sealed for another vm or version, "
			       "edited, or under another master key",
			       vm_name, (unsigned)version);
	}
	*len = n;
	return 0;
}

void broker_mac_init(struct broker_mac *m, const struct broker_keys *k, const char *label)
{
	br_hmac_key_context kc;
	br_hmac_key_init(&kc, &br_sha256_vtable, k->mac, sizeof k->mac);
	br_hmac_init(&m->h, &kc, 0);
	secure_wipe(&kc, sizeof kc);
	broker_mac_add(m, label, strlen(label));
}

void broker_mac_add(struct broker_mac *m, const void *data, size_t len)
{
	uint8_t n[8];
	le64_store(n, (uint64_t)len);
	br_hmac_update(&m->h, n, sizeof n);
	if (len)
		br_hmac_update(&m->h, data, len);
}

void broker_mac_add_u64(struct broker_mac *m, uint64_t v)
{
	uint8_t b[8];
	le64_store(b, v);
	broker_mac_add(m, b, sizeof b);
}

void broker_mac_out(struct broker_mac *m, uint8_t out[BROKER_MAC_LEN])
{
	br_hmac_out(&m->h, out);
	secure_wipe(m, sizeof *m);
}
