/*
 * The broker's store: what `snpboot broker` keeps about its fleet, behind
 * one interface whatever the database is.
 *
 *   - SQLite (embedded, WAL, synchronous=FULL) for a single broker;
 *   - PostgreSQL (libpq) for several broker replicas sharing one database.
 *
 * Both hold the same logical schema (store_schema.c; host/broker/README.md
 * lists the tables), run the same SQL, and keep the invariant that matters
 * in the database itself, never in memory: a REPORT_ID that unlocked once
 * is never given the key again, whichever replica asks
 * (broker_release_claim).
 *
 * The store holds the subkeys of the broker master key
 * (broker_master_key.h): disk keys go in sealed and come out opened
 * (broker_keywrap.h), and each VM's verification inputs (definition, host
 * data, extra measurements, CHIP_IDs, state) carry a MAC that is checked
 * whenever they are read, so a database editor without the master key can
 * deny service but cannot move a key to another VM or widen who gets one.
 *
 * Conventions: every function returns 0 or -1, and on -1 writes one line
 * into err saying what and why ("vm 'web-1' is revoked: <reason>",
 * "database schema version 5 is newer than this snpboot (1)", "postgresql:
 * connection to server ... failed: ..."). A database that is down gives
 * -1 and such a line; the next call tries to reconnect. Names and values
 * only ever travel as bound parameters. Times are Unix seconds (UTC).
 * One handle is for one thread at a time; open one handle per worker
 * thread (each is its own connection, like separate replicas).
 *
 * Typical use by the network loop, per attestation:
 *   broker_vm_find_host_data(report.host_data) -> vm (MAC checked)
 *   verify the report against vm.definition (+ vm.measurements,
 *     vm.chip_ids, settings such as min_tcb): the caller's job
 *   broker_release_claim(report_id, vm.id) -> CLAIMED | ALREADY_UNLOCKED | IN_FLIGHT
 *   if CLAIMED: broker_vm_disk_key(vm) -> key; send it; wipe it
 *   broker_release_finish(claim, UNLOCKED or FAILED) from the guest's answer
 *   broker_event_add(released | refused | error, reason, peer)
 */
#ifndef SNPBOOT_HOST_BROKER_STORE_H
#define SNPBOOT_HOST_BROKER_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "broker_keywrap.h"

#define BROKER_NAME_MAX 64          /* VM and setting names: 1..63 bytes + NUL */
#define BROKER_REASON_MAX 256       /* revocation and event reasons, NUL included (longer is cut) */
#define BROKER_PEER_MAX 64          /* peer address text, NUL included */
#define BROKER_SETTING_MAX 256      /* a setting's value, NUL included */
#define BROKER_DEFINITION_MAX (256 * 1024)
#define BROKER_DISK_KEY_MAX 512
#define BROKER_MEASUREMENTS_MAX 16  /* accepted measurements per VM, beyond the definition's */
#define BROKER_CHIP_IDS_MAX 64      /* allowed CHIP_IDs per VM (none = any chip) */
#define BROKER_MEASUREMENT_LEN 48
#define BROKER_CHIP_ID_LEN 64
#define BROKER_HOST_DATA_LEN 32
#define BROKER_REPORT_ID_LEN 32
#define BROKER_CLAIM_TOKEN_LEN 33   /* 32 hex digits + NUL */
#define BROKER_ERR_MAX 512          /* a good size for err buffers */

/* This code's schema version (store_schema.c): a database with a higher one is refused. */
#define BROKER_SCHEMA_VERSION 2

struct broker_store; /* opaque: a connection and the master key's subkeys */

/*
 * Opens (creating the schema, or upgrading it in one transaction) the store
 * named by url:
 *   "sqlite:PATH" or a plain PATH            SQLite file (created 0600)
 *   "postgresql://..." or "postgres://..."   PostgreSQL URI
 *   "host=... dbname=..."                    libpq keyword string (starts with a keyword and '=')
 * master_key is copied as subkeys; the caller wipes its copy. The first
 * open records the master key's id; a later open with another key is
 * refused (it could open no disk key). A connection string's password never
 * appears in messages. 0 and *out, or -1 with err.
 */
int broker_store_open(struct broker_store **out, const char *url, const uint8_t master_key[BROKER_MASTER_KEY_LEN],
		      char *err, size_t err_len);
/* Closes the connection and wipes the subkeys. NULL is fine. */
void broker_store_close(struct broker_store *s);
/* "sqlite" or "postgresql". */
const char *broker_store_backend(const struct broker_store *s);
/* The schema version of the open database (BROKER_SCHEMA_VERSION after open). */
int broker_store_schema_version(struct broker_store *s, int *version, char *err, size_t err_len);

/* ---- VMs -------------------------------------------------------------------- */

enum broker_vm_state { BROKER_VM_ACTIVE, BROKER_VM_REVOKED };

struct broker_vm {
	int64_t id;
	char name[BROKER_NAME_MAX];
	int has_host_data;
	uint8_t host_data[BROKER_HOST_DATA_LEN];
	enum broker_vm_state state;
	int64_t revoked_at; /* 0 when active */
	char revoked_reason[BROKER_REASON_MAX];
	int64_t created_at, updated_at;
	uint32_t key_version; /* the current disk key's version (1, 2, ...) */
	/* Below: filled by broker_vm_get and broker_vm_find_host_data (MAC
	 * checked), left empty by broker_vm_list. */
	char *definition;     /* vm.toml text exactly as added, NUL-terminated, malloc'd */
	size_t definition_len;
	size_t n_measurements;
	uint8_t measurements[BROKER_MEASUREMENTS_MAX][BROKER_MEASUREMENT_LEN];
	size_t n_chip_ids;
	uint8_t chip_ids[BROKER_CHIP_IDS_MAX][BROKER_CHIP_ID_LEN];
};
/* Frees vm->definition (broker_vm_get and friends fill it). */
void broker_vm_free(struct broker_vm *vm);

/* What `broker add` stores. host_data comes from the definition's [expect]
 * host_data (the broker finds the VM by the HOST_DATA of its report). */
struct broker_vm_new {
	const char *name; /* 1..63 bytes of [A-Za-z0-9._-], starting with a letter or digit */
	const char *definition;
	size_t definition_len; /* 1..BROKER_DEFINITION_MAX */
	int has_host_data;
	uint8_t host_data[BROKER_HOST_DATA_LEN];
};

/* Adds a VM with its first disk key (version 1, sealed). Refused: a name or
 * host_data already present. 0 and *id (may be NULL), or -1. */
int broker_vm_add(struct broker_store *s, const struct broker_vm_new *vm, const uint8_t *disk_key, size_t key_len,
		  int64_t *id, char *err, size_t err_len);
/* The VM named name, everything checked against its MAC. Not found is -1 ("no vm named 'x'"). */
int broker_vm_get(struct broker_store *s, const char *name, struct broker_vm *vm, char *err, size_t err_len);
/* The VM whose host_data is this (the network loop's lookup); as broker_vm_get. */
int broker_vm_find_host_data(struct broker_store *s, const uint8_t host_data[BROKER_HOST_DATA_LEN],
			     struct broker_vm *vm, char *err, size_t err_len);
/* Calls fn for each VM by name (definition not loaded); fn returning non-zero stops (and is returned as -1). */
int broker_vm_list(struct broker_store *s, int (*fn)(void *ctx, const struct broker_vm *vm), void *ctx, char *err,
		   size_t err_len);
/* Marks the VM revoked (its disk key is released no more). Revoking twice is refused. */
int broker_vm_revoke(struct broker_store *s, const char *name, const char *reason, char *err, size_t err_len);
/* Seals key as a new version, makes it current and retires the others (kept). 0 and *version (may be NULL). */
int broker_vm_rotate_key(struct broker_store *s, const char *name, const uint8_t *disk_key, size_t key_len,
			 uint32_t *version, char *err, size_t err_len);
/*
 * The current disk key of vm (as returned by get/find), opened into key
 * (cap >= BROKER_DISK_KEY_MAX is always enough). Refused: a revoked VM.
 * The caller wipes key (secure_wipe) once sent. 0 and *len, *version
 * (may be NULL), or -1.
 */
int broker_vm_disk_key(struct broker_store *s, const struct broker_vm *vm, uint8_t *key, size_t cap, size_t *len,
		       uint32_t *version, char *err, size_t err_len);

struct broker_key_info {
	uint32_t version;
	int current; /* 0: retired */
	int64_t created_at;
};
/* Calls fn for each key version of the VM, oldest first (no key material). */
int broker_vm_key_list(struct broker_store *s, const char *name,
		       int (*fn)(void *ctx, const struct broker_key_info *k), void *ctx, char *err, size_t err_len);

/* Accepted measurements beyond the definition's own (a rolling upgrade: the
 * old and the new image). Adding one twice, or removing one absent, is refused. */
int broker_vm_measurement_add(struct broker_store *s, const char *name, const uint8_t m[BROKER_MEASUREMENT_LEN],
			      char *err, size_t err_len);
int broker_vm_measurement_remove(struct broker_store *s, const char *name, const uint8_t m[BROKER_MEASUREMENT_LEN],
				 char *err, size_t err_len);
/* Allowed CHIP_IDs (none = any chip). */
int broker_vm_chip_add(struct broker_store *s, const char *name, const uint8_t chip[BROKER_CHIP_ID_LEN], char *err,
		       size_t err_len);
int broker_vm_chip_remove(struct broker_store *s, const char *name, const uint8_t chip[BROKER_CHIP_ID_LEN],
			  char *err, size_t err_len);

/* ---- fleet settings ------------------------------------------------------- */
/* A small key/value table (e.g. "min_tcb"), each row MAC'd. Names as VM names. */
int broker_setting_set(struct broker_store *s, const char *name, const char *value, char *err, size_t err_len);
/* 0 and *found (value filled when 1), or -1 (also when the row fails its MAC). */
int broker_setting_get(struct broker_store *s, const char *name, char value[BROKER_SETTING_MAX], int *found,
		       char *err, size_t err_len);
/* Removing a setting that is not there is refused. */
int broker_setting_unset(struct broker_store *s, const char *name, char *err, size_t err_len);
int broker_setting_list(struct broker_store *s, int (*fn)(void *ctx, const char *name, const char *value),
			void *ctx, char *err, size_t err_len);

/* ---- releases: one per REPORT_ID once unlocked ------------------------------ */

enum broker_claim_result {
	BROKER_CLAIMED,          /* this session may send the key; finish the claim afterwards */
	BROKER_ALREADY_UNLOCKED, /* this launch unlocked already: refuse */
	BROKER_IN_FLIGHT,        /* another session holds a claim younger than the timeout: refuse */
	BROKER_KEY_SENT,         /* the key went out in an attempt that never got the guest's answer: refuse */
};
enum broker_release_state { BROKER_RELEASE_PENDING, BROKER_RELEASE_UNLOCKED, BROKER_RELEASE_FAILED };

/* A claim: finishing it needs the token, so a session whose claim was taken
 * over after its timeout cannot overwrite the new owner's outcome. */
struct broker_claim {
	uint8_t report_id[BROKER_REPORT_ID_LEN];
	int64_t vm_id;
	char token[BROKER_CLAIM_TOKEN_LEN];
};

/*
 * Claims REPORT_ID for vm_id, atomically in the database (a primary key on
 * report_id, INSERT ... ON CONFLICT DO NOTHING, then conditional UPDATEs
 * decided by the affected row count), so two replicas racing get exactly
 * one CLAIMED. A row that is pending and at least timeout_s old (its
 * session died), or failed (the guest could not unlock), is taken over by
 * the same VM. A REPORT_ID on record for another VM is an error. 0 and
 * *result (and *claim when CLAIMED), or -1.
 */
int broker_release_claim(struct broker_store *s, const uint8_t report_id[BROKER_REPORT_ID_LEN], int64_t vm_id,
			 int64_t timeout_s, struct broker_claim *claim, enum broker_claim_result *result, char *err,
			 size_t err_len);
/* Records, before the key goes out, that this claim's attempt sends it: from
 * then on the claim is never taken over, even after the timeout (a broker
 * that dies after sending cannot know whether the key arrived), until the
 * guest's answer finishes it. Refused when the claim is no longer this
 * session's. */
int broker_release_mark_sent(struct broker_store *s, const struct broker_claim *claim, char *err, size_t err_len);
/* Ends a claim as BROKER_RELEASE_UNLOCKED or BROKER_RELEASE_FAILED. Refused
 * when the claim is no longer this session's (taken over, or finished). */
int broker_release_finish(struct broker_store *s, const struct broker_claim *claim, enum broker_release_state outcome,
			  char *err, size_t err_len);

struct broker_release {
	uint8_t report_id[BROKER_REPORT_ID_LEN];
	int64_t vm_id;
	enum broker_release_state state;
	int64_t claimed_at, finished_at; /* finished_at 0 while pending */
};
/* 0 and *found (r filled when 1), or -1. */
int broker_release_get(struct broker_store *s, const uint8_t report_id[BROKER_REPORT_ID_LEN], struct broker_release *r,
		       int *found, char *err, size_t err_len);

/* ---- the audit log --------------------------------------------------------- */

enum broker_verdict { BROKER_VERDICT_RELEASED, BROKER_VERDICT_REFUSED, BROKER_VERDICT_ERROR };

struct broker_event {
	int64_t id;  /* set by the store, increasing */
	int64_t at;  /* 0 on add: now */
	char vm_name[BROKER_NAME_MAX]; /* "" when no VM was found */
	int has_report_id;
	uint8_t report_id[BROKER_REPORT_ID_LEN];
	int has_chip_id;
	uint8_t chip_id[BROKER_CHIP_ID_LEN];
	int has_tcb;
	uint64_t reported_tcb;
	enum broker_verdict verdict;
	char reason[BROKER_REASON_MAX];
	char peer[BROKER_PEER_MAX];
};
int broker_event_add(struct broker_store *s, const struct broker_event *ev, char *err, size_t err_len);
/* Calls fn for each event at or after since, oldest first. */
int broker_event_list(struct broker_store *s, int64_t since, int (*fn)(void *ctx, const struct broker_event *ev),
		      void *ctx, char *err, size_t err_len);

const char *broker_verdict_name(enum broker_verdict v);
const char *broker_release_state_name(enum broker_release_state st);

#endif
