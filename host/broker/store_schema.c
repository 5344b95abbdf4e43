/*
 * The store's schema, one logical schema for SQLite and PostgreSQL. The
 * statements are written once; @ID@ and @BLOB@ become each dialect's
 * auto-increment key and byte string types (store_ops). Integers are
 * BIGINT; times are Unix seconds; the reported TCB (a u64) is stored as
 * the BIGINT with the same 64 bits.
 *
 * A migration is never edited once released: a change is a new entry at
 * the end of `migrations`, and BROKER_SCHEMA_VERSION goes up by one.
 */
#include "store_schema.h"

#include <stdio.h>
#include <string.h>

#include "base/err_text.h"

static const char *const v1[] = {
	/* Facts about the database itself (the master key's id). */
	"CREATE TABLE broker_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
	/* The fleet. definition is vm.toml verbatim; auth_mac covers everything
	 * that decides who gets the key (store_vm.c). */
	"CREATE TABLE vms ("
	" id @ID@,"
	" name TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 63),"
	" definition TEXT NOT NULL,"
	" host_data @BLOB@ UNIQUE CHECK (host_data IS NULL OR length(host_data) = 32),"
	" state TEXT NOT NULL CHECK (state IN ('active', 'revoked')),"
	" revoked_at BIGINT,"
	" revoked_reason TEXT,"
	" key_version BIGINT NOT NULL,"
	" auth_mac @BLOB@ NOT NULL,"
	" created_at BIGINT NOT NULL,"
	" updated_at BIGINT NOT NULL)",
	/* Disk keys, sealed (broker_keywrap.h); one current version per VM. */
	"CREATE TABLE vm_keys ("
	" vm_id BIGINT NOT NULL REFERENCES vms (id),"
	" version BIGINT NOT NULL CHECK (version >= 1),"
	" state TEXT NOT NULL CHECK (state IN ('current', 'retired')),"
	" nonce @BLOB@ NOT NULL CHECK (length(nonce) = 12),"
	" sealed @BLOB@ NOT NULL,"
	" created_at BIGINT NOT NULL,"
	" PRIMARY KEY (vm_id, version))",
	/* Measurements accepted beyond the definition's own (rolling upgrades). */
	"CREATE TABLE vm_measurements ("
	" vm_id BIGINT NOT NULL REFERENCES vms (id),"
	" measurement @BLOB@ NOT NULL CHECK (length(measurement) = 48),"
	" created_at BIGINT NOT NULL,"
	" PRIMARY KEY (vm_id, measurement))",
	/* CHIP_IDs a VM may run on; none listed = any chip. */
	"CREATE TABLE vm_chip_ids ("
	" vm_id BIGINT NOT NULL REFERENCES vms (id),"
	" chip_id @BLOB@ NOT NULL CHECK (length(chip_id) = 64),"
	" created_at BIGINT NOT NULL,"
	" PRIMARY KEY (vm_id, chip_id))",
	/* Fleet-wide settings (min TCB, ...), each row MAC'd. */
	"CREATE TABLE settings ("
	" name TEXT PRIMARY KEY,"
	" value TEXT NOT NULL,"
	" mac @BLOB@ NOT NULL,"
	" updated_at BIGINT NOT NULL)",
	/* One row per launch (REPORT_ID): the primary key is the invariant. */
	"CREATE TABLE releases ("
	" report_id @BLOB@ PRIMARY KEY CHECK (length(report_id) = 32),"
	" vm_id BIGINT NOT NULL REFERENCES vms (id),"
	" state TEXT NOT NULL CHECK (state IN ('pending', 'unlocked', 'failed')),"
	" claim_token TEXT NOT NULL,"
	" claimed_at BIGINT NOT NULL,"
	" finished_at BIGINT)",
	/* The audit log. */
	"CREATE TABLE events ("
	" id @ID@,"
	" at BIGINT NOT NULL,"
	" vm_name TEXT NOT NULL,"
	" report_id @BLOB@,"
	" chip_id @BLOB@,"
	" reported_tcb BIGINT,"
	" verdict TEXT NOT NULL CHECK (verdict IN ('released', 'refused', 'error')),"
	" reason TEXT NOT NULL,"
	" peer TEXT NOT NULL)",
	"CREATE INDEX events_at ON events (at)",
	NULL,
};

/* v2: the attempts whose disk key went out (broker_release_mark_sent). A
 * claim with a row here is never taken over: the key may have arrived, and
 * a second release for one launch is what the store exists to prevent. */
static const char *const v2[] = {
	"CREATE TABLE release_sent ("
	" report_id @BLOB@ NOT NULL REFERENCES releases (report_id),"
	" claim_token TEXT NOT NULL,"
	" sent_at BIGINT NOT NULL,"
	" PRIMARY KEY (report_id, claim_token))",
	NULL,
};

static const char *const *const migrations[] = {v1, v2};
#define N_MIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

int store_schema_latest(void)
{
	return N_MIGRATIONS;
}

/* Replaces @ID@ and @BLOB@ with the dialect's types. */
static int expand(const struct store_ops *ops, const char *in, char *out, size_t cap)
{
	size_t used = 0;
	while (*in) {
		const char *rep = NULL;
		size_t skip = 1;
		if (strncmp(in, "@ID@", 4) == 0)
			rep = ops->id_type, skip = 4;
		else if (strncmp(in, "@BLOB@", 6) == 0)
			rep = ops->blob_type, skip = 6;
		size_t n = rep ? strlen(rep) : 1;
		if (used + n + 1 > cap)
			return -1;
		memcpy(out + used, rep ? rep : in, n);
		used += n;
		in += skip;
	}
	out[used] = '\0';
	return 0;
}

int store_schema_version(struct broker_store *s, int *version, char *err, size_t err_len)
{
	struct db_rows rows = {0};
	int64_t v = 0;
	int rc = db_exec(s, "SELECT COALESCE(MAX(version), 0) FROM schema_version", NULL, 0, &rows, err, err_len);
	if (rc == 0)
		rc = db_get_int(&rows, 0, 0, &v, err, err_len);
	db_rows_free(&rows);
	*version = (int)v;
	return rc;
}

static int apply(struct broker_store *s, int version, char *err, size_t err_len)
{
	char sql[2048];
	for (const char *const *st = migrations[version - 1]; *st; st++) {
		if (expand(s->ops, *st, sql, sizeof sql) != 0)
			return err_set(err, err_len, "schema migration %d: statement too long", version);
		if (db_exec(s, sql, NULL, 0, NULL, err, err_len) != 0) {
			char why[384];
			snprintf(why, sizeof why, "%s", err);
			return err_set(err, err_len, "schema migration %d failed: %s", version, why);
		}
	}
	struct db_val p[] = {db_int(version), db_int(store_now())};
	return db_exec(s, "INSERT INTO schema_version (version, applied_at) VALUES ($1, $2)", p, 2, NULL, err,
		       err_len);
}

int store_schema_migrate(struct broker_store *s, char *err, size_t err_len)
{
	const int code = N_MIGRATIONS;
	if (db_begin(s, 1, err, err_len) != 0)
		return -1;
	int have = 0;
	int rc = db_exec(s,
			 "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
			 NULL, 0, NULL, err, err_len);
	if (rc == 0)
		rc = store_schema_version(s, &have, err, err_len);
	if (rc == 0 && have > code)
		rc = err_set(err, err_len,
			     "%s: database schema version %d is newer than this snpboot (%d): run a newer snpboot, or "
			     "restore a backup made for this version",
			     s->label, have, code);
	for (int v = have + 1; rc == 0 && v <= code; v++)
		rc = apply(s, v, err, err_len);
	return db_end(s, rc, err, err_len);
}
