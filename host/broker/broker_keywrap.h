/*
 * The broker's secrets at rest. Everything is derived from one 32-byte
 * master key (broker_master_key.h) that never enters the database:
 *   - disk keys are sealed with ChaCha20-Poly1305, a fresh random 12-byte
 *     nonce per seal, and AAD naming the VM and the key version, so a
 *     database editor who moves a sealed key to another VM's row (or to
 *     another version) gets a refusal, not a key;
 *   - the parts of a VM that decide who gets its key (definition, host
 *     data, extra measurements, CHIP_IDs, state) and the fleet settings
 *     carry an HMAC-SHA256, so an editor cannot rewrite them unnoticed;
 *   - a short key id, kept in the database, tells at open time that the
 *     master key is the one the database was made with.
 * Each use has its own subkey (HMAC of the master key and a label), so a
 * MAC can never be mistaken for a sealing key or the other way round.
 */
#ifndef SNPBOOT_HOST_BROKER_KEYWRAP_H
#define SNPBOOT_HOST_BROKER_KEYWRAP_H

#include <stddef.h>
#include <stdint.h>

#include <bearssl.h>

#define BROKER_MASTER_KEY_LEN 32
#define BROKER_NONCE_LEN 12
#define BROKER_TAG_LEN 16
#define BROKER_MAC_LEN 32
/* Hex of the first 8 bytes of the key-id subkey, NUL included. */
#define BROKER_KEY_ID_LEN 17

struct broker_keys {
	uint8_t wrap[32]; /* ChaCha20-Poly1305 key for disk keys */
	uint8_t mac[32];  /* HMAC-SHA256 key for rows */
	char key_id[BROKER_KEY_ID_LEN];
};

/* The subkeys of master. Wipe them with broker_keys_wipe. */
void broker_keys_derive(struct broker_keys *k, const uint8_t master[BROKER_MASTER_KEY_LEN]);
void broker_keys_wipe(struct broker_keys *k);

/*
 * Seals key (1..len bytes) for vm_name's key version: nonce receives a fresh
 * random nonce, sealed receives len + BROKER_TAG_LEN bytes (ciphertext, then
 * tag). 0, or -1 with err (no randomness).
 */
int broker_keywrap_seal(const struct broker_keys *k, const char *vm_name, uint32_t version, const uint8_t *key,
			size_t len, uint8_t nonce[BROKER_NONCE_LEN], uint8_t *sealed, char *err, size_t err_len);

/*
 * Opens what broker_keywrap_seal made for the same vm_name and version into
 * key (cap bytes). 0 and *len, or -1 with err when the tag does not match
 * (another VM's key, another version, an edited byte or another master key);
 * key is wiped then.
 */
int broker_keywrap_open(const struct broker_keys *k, const char *vm_name, uint32_t version,
			const uint8_t nonce[BROKER_NONCE_LEN], const uint8_t *sealed, size_t sealed_len, uint8_t *key,
			size_t cap, size_t *len, char *err, size_t err_len);

/*
 * An HMAC over a label and a list of fields, each length-prefixed so that
 * no two different lists give the same input.
 */
struct broker_mac {
	br_hmac_context h;
};
void broker_mac_init(struct broker_mac *m, const struct broker_keys *k, const char *label);
void broker_mac_add(struct broker_mac *m, const void *data, size_t len);
void broker_mac_add_u64(struct broker_mac *m, uint64_t v);
void broker_mac_out(struct broker_mac *m, uint8_t out[BROKER_MAC_LEN]);

#endif
