/*
 * Payloads of the EVIDENCE, SECRETS, RESULT and REJECT frames.
 *
 * EVIDENCE and SECRETS are a sequence of items:
 *   tag (1 byte) || length (4 bytes, big-endian) || value
 * with tags strictly ascending (so each at most once), every byte
 * accounted for, and unknown tags refused: a field a reader does not
 * understand is never silently dropped (a new field means a new tag that
 * both ends are updated for).
 *
 *   EVIDENCE  1 REPORT       required, exactly 1184 bytes (SNP attestation report)
 *             2 CERT_TABLE   optional, 1..64 KiB (the SNP certificate table, snp_certtable.h)
 *             3 BOOT_FACTS   required, 0..4096 bytes of text
 *             4 SERVICE_MANIFEST optional, 0..8 KiB: the SVSM's service manifest
 *                            (configfs-tsm manifestblob) when the report is the
 *                            SVSM's service attestation; its presence says so
 *                            (REPORT_DATA = SHA-512(binding || manifest),
 *                            chan_binding.h)
 *   SECRETS   1 DISK_KEY     required, 1..512 bytes
 *
 * RESULT is a status byte (CHAN_RESULT_*) followed by 0..1023 bytes of text.
 * REJECT is 1..1024 bytes of text.
 *
 * "Text" is printable ASCII (0x20-0x7e) and newline: it ends up on the
 * owner's terminal and the guest's console, so no escape sequences.
 *
 * Decoded structs point into the payload buffer (no copies: for SECRETS,
 * wiping that buffer wipes the key).
 */
#ifndef SNPBOOT_CHAN_PAYLOAD_H
#define SNPBOOT_CHAN_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

#define CHAN_ITEM_HEADER_LEN 5
#define CHAN_REPORT_LEN 1184
#define CHAN_BOOT_FACTS_MAX 4096
#define CHAN_DISK_KEY_MAX 512
#define CHAN_MANIFEST_MAX (8 * 1024)

enum chan_evidence_tag {
	CHAN_EV_REPORT = 1,
	CHAN_EV_CERT_TABLE = 2,
	CHAN_EV_BOOT_FACTS = 3,
	CHAN_EV_SERVICE_MANIFEST = 4,
};
enum chan_secrets_tag { CHAN_SEC_DISK_KEY = 1 };

struct chan_evidence {
	const uint8_t *report;      /* CHAN_REPORT_LEN bytes */
	const uint8_t *cert_table;  /* NULL if absent */
	size_t cert_table_len;
	const char *boot_facts;     /* text, NOT NUL-terminated */
	size_t boot_facts_len;
	int has_manifest;           /* 1: SERVICE_MANIFEST present (may be 0 bytes) */
	const uint8_t *manifest;
	size_t manifest_len;
};

struct chan_secrets {
	const uint8_t *disk_key;
	size_t disk_key_len;
};

enum chan_result_status {
	CHAN_RESULT_OK = 0,           /* unlocked; the guest continues to boot */
	CHAN_RESULT_RETRY = 1,        /* failed; the guest waits for another attempt */
	CHAN_RESULT_FAILED = 2,       /* failed; no more attempts */
};
#define CHAN_RESULT_DETAIL_MAX 1023

struct chan_result {
	unsigned status;
	const char *detail;           /* text, NOT NUL-terminated */
	size_t detail_len;
};

/* 0 if p holds only text (printable ASCII and newline), else -1 with err
 * naming `what` and the offending byte's offset. */
int chan_text_check(const char *what, const uint8_t *p, size_t len, char *err, size_t err_len);

/* Encoders: return the payload length, or 0 with err (invalid input, or
 * out too small). Decoders: return 0, or -1 with err. */
size_t chan_evidence_encode(uint8_t *out, size_t cap, const struct chan_evidence *ev, char *err, size_t err_len);
int chan_evidence_decode(struct chan_evidence *ev, const uint8_t *p, size_t len, char *err, size_t err_len);

size_t chan_secrets_encode(uint8_t *out, size_t cap, const struct chan_secrets *s, char *err, size_t err_len);
int chan_secrets_decode(struct chan_secrets *s, const uint8_t *p, size_t len, char *err, size_t err_len);

size_t chan_result_encode(uint8_t *out, size_t cap, unsigned status, const char *detail, char *err,
			  size_t err_len);
int chan_result_decode(struct chan_result *r, const uint8_t *p, size_t len, char *err, size_t err_len);
/* "ok", "failed, retry allowed", "failed"; NULL if unknown. */
const char *chan_result_status_name(unsigned status);

/* REJECT: checks the reason is 1..CHAN_REJECT_MAX bytes of text. */
int chan_reject_check(const uint8_t *p, size_t len, char *err, size_t err_len);

#endif
