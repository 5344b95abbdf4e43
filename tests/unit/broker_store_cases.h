/*
 * The broker store's tests, one body for both backends: test_broker_store.c
 * runs it on SQLite, test_broker_store_pg.c on a PostgreSQL server that
 * tests/e2e/broker_store_pg.t starts. The database named by the URL must be
 * empty. Tampering goes through the store's own connection (store_db.h), as
 * a database editor would, with plain SQL.
 */
#ifndef SNPBOOT_TEST_BROKER_STORE_CASES_H
#define SNPBOOT_TEST_BROKER_STORE_CASES_H

#include <pthread.h>
#include <string.h>

#include "base/bytes.h"
#include "broker/broker_store.h"
#include "broker/store_db.h"
#include "../tap.h"

static const uint8_t test_master[BROKER_MASTER_KEY_LEN] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
							   17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
static const char web_def[] = "# web-1\nname = \"web-1\"\n[expect]\nhost_data = \"aa...\"\n";
static const char db_def[] = "name = \"db-1\"\n";

static int contains(const char *hay, const char *needle)
{
	return strstr(hay, needle) != NULL;
}

/* Runs SQL with parameters on the store's connection (the "database editor"). */
static int edit(struct broker_store *s, const char *sql, const struct db_val *p, size_t n)
{
	char err[BROKER_ERR_MAX];
	int rc = db_exec(s, sql, p, n, NULL, err, sizeof err);
	if (rc != 0)
		diag("edit failed: %s", err);
	return rc;
}

static int count_vm(void *ctx, const struct broker_vm *vm)
{
	char *names = ctx;
	strcat(names, vm->name);
	strcat(names, ",");
	return 0;
}

static int count_key(void *ctx, const struct broker_key_info *k)
{
	char *out = ctx;
	char one[32];
	snprintf(one, sizeof one, "v%u%s,", (unsigned)k->version, k->current ? "*" : "");
	strcat(out, one);
	return 0;
}

static int collect_setting(void *ctx, const char *name, const char *value)
{
	char *out = ctx;
	strcat(out, name);
	strcat(out, "=");
	strcat(out, value);
	strcat(out, ",");
	return 0;
}

struct ev_list {
	int n;
	struct broker_event ev[8];
};
static int collect_event(void *ctx, const struct broker_event *ev)
{
	struct ev_list *l = ctx;
	if (l->n < 8)
		l->ev[l->n] = *ev;
	l->n++;
	return 0;
}

static void case_schema(const char *url, const char *b)
{
	char err[BROKER_ERR_MAX] = "";
	struct broker_store *s = NULL;
	int v = 0;
	ok(broker_store_open(&s, url, test_master, err, sizeof err) == 0, "%s: fresh database opens: %s", b, err);
	if (!s)
		return;
	int vrc = broker_store_schema_version(s, &v, err, sizeof err);
	ok(vrc == 0 && v == BROKER_SCHEMA_VERSION, "%s: schema at version %d", b, v);
	broker_store_close(s);
	s = NULL;
	ok(broker_store_open(&s, url, test_master, err, sizeof err) == 0, "%s: re-open: nothing to migrate: %s", b, err);
	struct db_val p[] = {db_int(99), db_int(0)};
	edit(s, "INSERT INTO schema_version (version, applied_at) VALUES ($1, $2)", p, 2);
	broker_store_close(s);
	s = NULL;
	ok(broker_store_open(&s, url, test_master, err, sizeof err) != 0 && !s, "%s: a newer database is refused", b);
	ok(contains(err, "database schema version 99 is newer than this snpboot (2)"), "%s: ... saying so: %s", b, err);
	/* Put it back (the store's connection is gone: open with the version row tolerated by removing it first). */
	{
		struct broker_store raw = {0};
		char e2[BROKER_ERR_MAX];
		int rc = strncmp(url, "postgres", 8) == 0 || strchr(url, '=') ? store_pg_open(&raw, url, e2, sizeof e2)
									      : store_sqlite_open(&raw, strncmp(url, "sqlite:", 7) == 0 ? url + 7 : url, e2, sizeof e2);
		ok(rc == 0 && edit(&raw, "DELETE FROM schema_version WHERE version = 99", NULL, 0) == 0,
		   "%s: (test) newer version row removed", b);
		if (rc == 0)
			raw.ops->close(&raw);
	}
	uint8_t other[BROKER_MASTER_KEY_LEN];
	memset(other, 0x42, sizeof other);
	ok(broker_store_open(&s, url, other, err, sizeof err) != 0 && contains(err, "is not the one the database was made with"),
	   "%s: another master key is refused: %s", b, err);
	ok(broker_store_open(&s, url, test_master, err, sizeof err) == 0, "%s: the right key opens again: %s", b, err);
	broker_store_close(s);
}

static void case_vms(struct broker_store *s, const char *b, int64_t *web_id)
{
	char err[BROKER_ERR_MAX] = "";
	uint8_t key1[64], key2[32], out[BROKER_DISK_KEY_MAX];
	size_t len = 0;
	uint32_t ver = 0;
	memset(key1, 0x11, sizeof key1);
	memset(key2, 0x22, sizeof key2);
	struct broker_vm_new web = {.name = "web-1", .definition = web_def, .definition_len = strlen(web_def),
				    .has_host_data = 1};
	memset(web.host_data, 0xaa, sizeof web.host_data);
	struct broker_vm_new dbvm = {.name = "db-1", .definition = db_def, .definition_len = strlen(db_def)};

	ok(broker_vm_add(s, &web, key1, sizeof key1, web_id, err, sizeof err) == 0 && *web_id > 0, "%s: add web-1: %s", b, err);
	ok(broker_vm_add(s, &dbvm, key2, sizeof key2, NULL, err, sizeof err) == 0, "%s: add db-1 (no host_data): %s", b, err);
	ok(broker_vm_add(s, &web, key1, sizeof key1, NULL, err, sizeof err) != 0 && contains(err, "vm 'web-1' already exists"),
	   "%s: the same name twice is refused: %s", b, err);
	struct broker_vm_new clash = web;
	clash.name = "web-2";
	ok(broker_vm_add(s, &clash, key1, sizeof key1, NULL, err, sizeof err) != 0 &&
		   contains(err, "belongs to vm 'web-1'"),
	   "%s: the same host_data twice is refused: %s", b, err);
	clash.name = "bad name";
	ok(broker_vm_add(s, &clash, key1, sizeof key1, NULL, err, sizeof err) != 0 && contains(err, "is not allowed"),
	   "%s: a name with a space is refused: %s", b, err);
	clash.name = "web-3";
	clash.has_host_data = 0;
	ok(broker_vm_add(s, &clash, key1, 0, NULL, err, sizeof err) != 0 && contains(err, "disk key of 0 bytes"),
	   "%s: an empty disk key is refused: %s", b, err);

	struct broker_vm vm;
	ok(broker_vm_get(s, "web-1", &vm, err, sizeof err) == 0, "%s: get web-1: %s", b, err);
	ok(vm.definition && vm.definition_len == strlen(web_def) && strcmp(vm.definition, web_def) == 0,
	   "%s: the definition comes back verbatim", b);
	ok(vm.has_host_data && vm.host_data[0] == 0xaa && vm.state == BROKER_VM_ACTIVE && vm.key_version == 1,
	   "%s: host_data, state active, key version 1", b);
	broker_vm_free(&vm);
	ok(broker_vm_find_host_data(s, web.host_data, &vm, err, sizeof err) == 0 && strcmp(vm.name, "web-1") == 0,
	   "%s: found by host_data: %s", b, err);
	broker_vm_free(&vm);
	uint8_t unknown[32] = {0};
	ok(broker_vm_find_host_data(s, unknown, &vm, err, sizeof err) != 0 &&
		   contains(err, "no vm with host_data 0000"),
	   "%s: unknown host_data: %s", b, err);
	ok(broker_vm_get(s, "nope", &vm, err, sizeof err) != 0 && contains(err, "no vm named 'nope'"),
	   "%s: unknown name: %s", b, err);

	char names[256] = "";
	ok(broker_vm_list(s, count_vm, names, err, sizeof err) == 0 && strcmp(names, "db-1,web-1,") == 0,
	   "%s: list by name: %s", b, names);

	ok(broker_vm_get(s, "web-1", &vm, err, sizeof err) == 0 &&
		   broker_vm_disk_key(s, &vm, out, sizeof out, &len, &ver, err, sizeof err) == 0 && len == sizeof key1 &&
		   memcmp(out, key1, len) == 0 && ver == 1,
	   "%s: the disk key opens: %s", b, err);
	broker_vm_free(&vm);
	ok(broker_vm_rotate_key(s, "web-1", key2, sizeof key2, &ver, err, sizeof err) == 0 && ver == 2,
	   "%s: rotate-key makes version 2: %s", b, err);
	ok(broker_vm_get(s, "web-1", &vm, err, sizeof err) == 0 &&
		   broker_vm_disk_key(s, &vm, out, sizeof out, &len, &ver, err, sizeof err) == 0 && len == sizeof key2 &&
		   memcmp(out, key2, len) == 0 && ver == 2,
	   "%s: the current key is the new one: %s", b, err);
	broker_vm_free(&vm);
	char keys[64] = "";
	ok(broker_vm_key_list(s, "web-1", count_key, keys, err, sizeof err) == 0 && strcmp(keys, "v1,v2*,") == 0,
	   "%s: version 1 kept and retired, 2 current: %s", b, keys);

	uint8_t m1[48], m2[48], chip[64];
	memset(m1, 0x31, sizeof m1);
	memset(m2, 0x32, sizeof m2);
	memset(chip, 0xc1, sizeof chip);
	ok(broker_vm_measurement_add(s, "web-1", m2, err, sizeof err) == 0 &&
		   broker_vm_measurement_add(s, "web-1", m1, err, sizeof err) == 0,
	   "%s: two extra measurements: %s", b, err);
	ok(broker_vm_measurement_add(s, "web-1", m1, err, sizeof err) != 0 && contains(err, "is listed already"),
	   "%s: the same measurement twice is refused: %s", b, err);
	ok(broker_vm_chip_add(s, "web-1", chip, err, sizeof err) == 0, "%s: a CHIP_ID: %s", b, err);
	ok(broker_vm_get(s, "web-1", &vm, err, sizeof err) == 0 && vm.n_measurements == 2 && vm.n_chip_ids == 1 &&
		   memcmp(vm.measurements[0], m1, 48) == 0 && memcmp(vm.chip_ids[0], chip, 64) == 0,
	   "%s: get has them (sorted), MAC checked: %s", b, err);
	broker_vm_free(&vm);
	ok(broker_vm_measurement_remove(s, "web-1", m2, err, sizeof err) == 0 &&
		   broker_vm_measurement_remove(s, "web-1", m2, err, sizeof err) != 0 && contains(err, "is not listed"),
	   "%s: remove a measurement, twice refused: %s", b, err);
	ok(broker_vm_chip_remove(s, "web-1", chip, err, sizeof err) == 0, "%s: remove the CHIP_ID: %s", b, err);
	ok(broker_vm_get(s, "web-1", &vm, err, sizeof err) == 0 && vm.n_measurements == 1 && vm.n_chip_ids == 0,
	   "%s: one measurement, any chip: %s", b, err);
	broker_vm_free(&vm);
	secure_wipe(out, sizeof out);
}

/* A database editor without the master key. */
static void case_tamper(struct broker_store *s, const char *b, int64_t web_id)
{
	char err[BROKER_ERR_MAX] = "";
	uint8_t out[BROKER_DISK_KEY_MAX];
	size_t len = 0;
	struct broker_vm vm;
	struct db_rows rows = {0};
	struct db_val id[] = {db_int(web_id)};

	/* 1. flip a ciphertext byte of the current key */
	ok(db_exec(s, "SELECT sealed FROM vm_keys WHERE vm_id = $1 AND version = 2", id, 1, &rows, err, sizeof err) == 0 &&
		   rows.nrows == 1,
	   "%s: (test) read the sealed key", b);
	if (rows.nrows != 1)
		return;
	uint8_t sealed[BROKER_DISK_KEY_MAX + BROKER_TAG_LEN];
	size_t slen = rows.cells[0].len;
	memcpy(sealed, rows.cells[0].p, slen);
	db_rows_free(&rows);
	sealed[3] ^= 1;
	struct db_val p[] = {db_blob(sealed, slen), db_int(web_id)};
	edit(s, "UPDATE vm_keys SET sealed = $1 WHERE vm_id = $2 AND version = 2", p, 2);
	ok(broker_vm_get(s, "web-1", &vm, err, sizeof err) == 0 &&
		   broker_vm_disk_key(s, &vm, out, sizeof out, &len, NULL, err, sizeof err) != 0 &&
		   contains(err, "does not open"),
	   "%s: a flipped ciphertext byte is refused: %s", b, err);
	broker_vm_free(&vm);
	sealed[3] ^= 1;
	edit(s, "UPDATE vm_keys SET sealed = $1 WHERE vm_id = $2 AND version = 2", p, 2);

	/* 2. move db-1's sealed key (nonce and all) into web-1's current version */
	ok(db_exec(s, "SELECT k.nonce, k.sealed FROM vm_keys k JOIN vms v ON v.id = k.vm_id WHERE v.name = 'db-1'",
		   NULL, 0, &rows, err, sizeof err) == 0 && rows.nrows == 1,
	   "%s: (test) read db-1's sealed key", b);
	if (rows.nrows == 1) {
		struct db_val q[] = {db_blob(rows.cells[0].p, rows.cells[0].len), db_blob(rows.cells[1].p, rows.cells[1].len),
				     db_int(web_id)};
		edit(s, "UPDATE vm_keys SET nonce = $1, sealed = $2 WHERE vm_id = $3 AND version = 2", q, 3);
		ok(broker_vm_get(s, "web-1", &vm, err, sizeof err) == 0 &&
			   broker_vm_disk_key(s, &vm, out, sizeof out, &len, NULL, err, sizeof err) != 0 &&
			   contains(err, "sealed for another vm or version"),
		   "%s: another VM's key moved over is refused (AAD): %s", b, err);
		broker_vm_free(&vm);
	}
	db_rows_free(&rows);

	/* 3. rewrite the definition; add a CHIP_ID row; make the current version 1 */
	char saved[256];
	snprintf(saved, sizeof saved, "%s", web_def);
	struct db_val d[] = {db_text("name = \"web-1\"\n# anything goes\n"), db_int(web_id)};
	edit(s, "UPDATE vms SET definition = $1 WHERE id = $2", d, 2);
	ok(broker_vm_get(s, "web-1", &vm, err, sizeof err) != 0 && contains(err, "fails its integrity check"),
	   "%s: an edited definition is refused: %s", b, err);
	uint8_t m3[48];
	memset(m3, 0x33, sizeof m3);
	ok(broker_vm_measurement_add(s, "web-1", m3, err, sizeof err) != 0 && contains(err, "fails its integrity check"),
	   "%s: ... and an admin change does not bless it: %s", b, err);
	d[0] = db_text(saved);
	edit(s, "UPDATE vms SET definition = $1 WHERE id = $2", d, 2);
	ok(broker_vm_get(s, "web-1", &vm, err, sizeof err) == 0, "%s: restored, it passes again: %s", b, err);
	broker_vm_free(&vm);
	uint8_t chip[64];
	memset(chip, 0xee, sizeof chip);
	struct db_val c[] = {db_int(web_id), db_blob(chip, sizeof chip)};
	edit(s, "INSERT INTO vm_chip_ids (vm_id, chip_id, created_at) VALUES ($1, $2, 0)", c, 2);
	uint8_t hd[32];
	memset(hd, 0xaa, sizeof hd);
	ok(broker_vm_find_host_data(s, hd, &vm, err, sizeof err) != 0 && contains(err, "fails its integrity check"),
	   "%s: a CHIP_ID row added behind its back is refused: %s", b, err);
	edit(s, "DELETE FROM vm_chip_ids WHERE vm_id = $1", c, 1);
	edit(s, "UPDATE vms SET key_version = 1 WHERE id = $1", c, 1);
	ok(broker_vm_get(s, "web-1", &vm, err, sizeof err) != 0 && contains(err, "fails its integrity check"),
	   "%s: a current key version rolled back is refused: %s", b, err);
	edit(s, "UPDATE vms SET key_version = 2 WHERE id = $1", c, 1);
	ok(broker_vm_get(s, "web-1", &vm, err, sizeof err) == 0, "%s: restored again: %s", b, err);
	broker_vm_free(&vm);
	secure_wipe(out, sizeof out);
}

static void case_revoke(struct broker_store *s, const char *b)
{
	char err[BROKER_ERR_MAX] = "";
	uint8_t out[BROKER_DISK_KEY_MAX], k[32] = {1};
	size_t len = 0;
	struct broker_vm vm;
	ok(broker_vm_get(s, "db-1", &vm, err, sizeof err) == 0, "%s: get db-1 before revoking", b);
	ok(broker_vm_revoke(s, "db-1", "host decommissioned", err, sizeof err) == 0, "%s: revoke db-1: %s", b, err);
	ok(broker_vm_disk_key(s, &vm, out, sizeof out, &len, NULL, err, sizeof err) != 0 &&
		   contains(err, "vm 'db-1' is revoked (host decommissioned)"),
	   "%s: a revoked VM's key is refused, even from an older lookup: %s", b, err);
	broker_vm_free(&vm);
	ok(broker_vm_get(s, "db-1", &vm, err, sizeof err) == 0 && vm.state == BROKER_VM_REVOKED && vm.revoked_at > 0 &&
		   strcmp(vm.revoked_reason, "host decommissioned") == 0,
	   "%s: get shows revoked, when and why", b);
	broker_vm_free(&vm);
	ok(broker_vm_revoke(s, "db-1", NULL, err, sizeof err) != 0 && contains(err, "revoked already"),
	   "%s: revoking twice is refused: %s", b, err);
	ok(broker_vm_rotate_key(s, "db-1", k, sizeof k, NULL, err, sizeof err) != 0 && contains(err, "is revoked"),
	   "%s: a revoked VM's key is not rotated: %s", b, err);
	ok(broker_vm_revoke(s, "ghost", NULL, err, sizeof err) != 0 && contains(err, "no vm named 'ghost'"),
	   "%s: revoking an unknown VM: %s", b, err);
	struct db_val p[] = {db_text("db-1")};
	edit(s, "UPDATE vms SET state = 'active' WHERE name = $1", p, 1);
	ok(broker_vm_get(s, "db-1", &vm, err, sizeof err) != 0 && contains(err, "fails its integrity check"),
	   "%s: an editor's un-revoke is refused: %s", b, err);
	edit(s, "UPDATE vms SET state = 'revoked' WHERE name = $1", p, 1);
}

static void case_settings(struct broker_store *s, const char *b)
{
	char err[BROKER_ERR_MAX] = "", v[BROKER_SETTING_MAX], all[256] = "";
	int found = -1;
	ok(broker_setting_get(s, "min_tcb", v, &found, err, sizeof err) == 0 && found == 0, "%s: unset setting", b);
	ok(broker_setting_set(s, "min_tcb", "0xdb18000000000004", err, sizeof err) == 0 &&
		   broker_setting_set(s, "min_tcb", "0xdb18000000000005", err, sizeof err) == 0 &&
		   broker_setting_set(s, "a_first", "1", err, sizeof err) == 0,
	   "%s: set, overwrite: %s", b, err);
	ok(broker_setting_get(s, "min_tcb", v, &found, err, sizeof err) == 0 && found == 1 &&
		   strcmp(v, "0xdb18000000000005") == 0,
	   "%s: get the last value: %s", b, v);
	ok(broker_setting_list(s, collect_setting, all, err, sizeof err) == 0 &&
		   strcmp(all, "a_first=1,min_tcb=0xdb18000000000005,") == 0,
	   "%s: list: %s", b, all);
	struct db_val p[] = {db_text("0")};
	edit(s, "UPDATE settings SET value = $1 WHERE name = 'min_tcb'", p, 1);
	ok(broker_setting_get(s, "min_tcb", v, &found, err, sizeof err) != 0 && contains(err, "fails its integrity check"),
	   "%s: an edited setting is refused: %s", b, err);
	ok(broker_setting_unset(s, "min_tcb", err, sizeof err) == 0 &&
		   broker_setting_unset(s, "min_tcb", err, sizeof err) != 0 && contains(err, "is not set"),
	   "%s: unset, twice refused: %s", b, err);
	ok(broker_setting_set(s, "x'; DROP TABLE vms; --", "1", err, sizeof err) != 0,
	   "%s: a setting name with SQL in it is refused", b);
	ok(broker_setting_set(s, "note", "'; DROP TABLE vms; --", err, sizeof err) == 0 &&
		   broker_setting_get(s, "note", v, &found, err, sizeof err) == 0 && strcmp(v, "'; DROP TABLE vms; --") == 0,
	   "%s: a value with SQL in it is stored as text: %s", b, err);
}

static void case_releases(struct broker_store *s, const char *b, int64_t vm_id, int64_t other_vm)
{
	char err[BROKER_ERR_MAX] = "";
	uint8_t r1[32], r2[32], r3[32];
	memset(r1, 0x01, 32);
	memset(r2, 0x02, 32);
	memset(r3, 0x03, 32);
	struct broker_claim c = {0}, c2 = {0};
	enum broker_claim_result res = BROKER_IN_FLIGHT;
	struct broker_release rel;
	int found = 0;

	ok(broker_release_claim(s, r1, vm_id, 60, &c, &res, err, sizeof err) == 0 && res == BROKER_CLAIMED,
	   "%s: a new REPORT_ID is claimed: %s", b, err);
	ok(broker_release_get(s, r1, &rel, &found, err, sizeof err) == 0 && found && rel.state == BROKER_RELEASE_PENDING &&
		   rel.vm_id == vm_id,
	   "%s: recorded as pending", b);
	ok(broker_release_claim(s, r1, vm_id, 60, &c2, &res, err, sizeof err) == 0 && res == BROKER_IN_FLIGHT,
	   "%s: claimed again while young: in flight", b);
	ok(broker_release_claim(s, r1, other_vm, 60, &c2, &res, err, sizeof err) != 0 && contains(err, "another vm"),
	   "%s: another VM's claim on it is an error: %s", b, err);
	ok(broker_release_finish(s, &c, BROKER_RELEASE_UNLOCKED, err, sizeof err) == 0, "%s: finish unlocked: %s", b, err);
	ok(broker_release_claim(s, r1, vm_id, 0, &c2, &res, err, sizeof err) == 0 && res == BROKER_ALREADY_UNLOCKED,
	   "%s: after unlocking: already unlocked, whatever the timeout", b);
	ok(broker_release_finish(s, &c, BROKER_RELEASE_FAILED, err, sizeof err) != 0 && contains(err, "claim is gone"),
	   "%s: finishing twice is refused: %s", b, err);
	ok(broker_release_get(s, r1, &rel, &found, err, sizeof err) == 0 && rel.state == BROKER_RELEASE_UNLOCKED &&
		   rel.finished_at >= rel.claimed_at,
	   "%s: still unlocked", b);

	ok(broker_release_claim(s, r2, vm_id, 60, &c, &res, err, sizeof err) == 0 && res == BROKER_CLAIMED &&
		   broker_release_finish(s, &c, BROKER_RELEASE_FAILED, err, sizeof err) == 0,
	   "%s: a claim that failed: %s", b, err);
	ok(broker_release_claim(s, r2, vm_id, 60, &c, &res, err, sizeof err) == 0 && res == BROKER_CLAIMED,
	   "%s: a failed one may be claimed again", b);

	ok(broker_release_claim(s, r3, vm_id, 60, &c, &res, err, sizeof err) == 0 && res == BROKER_CLAIMED,
	   "%s: claim r3", b);
	ok(broker_release_claim(s, r3, vm_id, 0, &c2, &res, err, sizeof err) == 0 && res == BROKER_CLAIMED &&
		   strcmp(c.token, c2.token) != 0,
	   "%s: a pending claim past the timeout is taken over", b);
	ok(broker_release_finish(s, &c, BROKER_RELEASE_UNLOCKED, err, sizeof err) != 0 && contains(err, "claim is gone"),
	   "%s: the old session can no longer finish: %s", b, err);
	ok(broker_release_finish(s, &c2, BROKER_RELEASE_UNLOCKED, err, sizeof err) == 0, "%s: the new one does", b);
	ok(broker_release_get(s, r3, &rel, &found, err, sizeof err) == 0 && found && rel.state == BROKER_RELEASE_UNLOCKED,
	   "%s: r3 unlocked", b);
	/* A key on record as sent: its claim is never taken over, even past the
	 * timeout, until the guest's answer finishes it. */
	uint8_t r4[32] = {4};
	ok(broker_release_claim(s, r4, vm_id, 60, &c, &res, err, sizeof err) == 0 && res == BROKER_CLAIMED &&
		   broker_release_mark_sent(s, &c, err, sizeof err) == 0,
	   "%s: claim r4, its key on record as sent: %s", b, err);
	ok(broker_release_claim(s, r4, vm_id, 0, &c2, &res, err, sizeof err) == 0 && res == BROKER_KEY_SENT,
	   "%s: past the timeout it is still not taken over: the key was sent", b);
	ok(broker_release_mark_sent(s, &c2, err, sizeof err) != 0 && contains(err, "claim is gone"),
	   "%s: a session without the claim cannot mark it sent: %s", b, err);
	ok(broker_release_finish(s, &c, BROKER_RELEASE_FAILED, err, sizeof err) == 0 &&
		   broker_release_claim(s, r4, vm_id, 60, &c2, &res, err, sizeof err) == 0 && res == BROKER_CLAIMED,
	   "%s: the guest answered \"failed\": the launch may ask again: %s", b, err);
	uint8_t r9[32] = {9};
	ok(broker_release_get(s, r9, &rel, &found, err, sizeof err) == 0 && !found, "%s: an unknown REPORT_ID", b);
}

static void case_events(struct broker_store *s, const char *b)
{
	char err[BROKER_ERR_MAX] = "";
	struct broker_event e = {0};
	snprintf(e.vm_name, sizeof e.vm_name, "web-1");
	e.has_report_id = 1;
	memset(e.report_id, 0x5a, 32);
	e.has_chip_id = 1;
	memset(e.chip_id, 0xc4, 64);
	e.has_tcb = 1;
	e.reported_tcb = 0xdb18000000000004ull; /* top bit set: stored as the same 64 bits */
	e.verdict = BROKER_VERDICT_RELEASED;
	snprintf(e.reason, sizeof e.reason, "all checks passed");
	snprintf(e.peer, sizeof e.peer, "192.0.2.7:4433");
	e.at = 1000;
	ok(broker_event_add(s, &e, err, sizeof err) == 0, "%s: event added: %s", b, err);
	struct broker_event f = {.verdict = BROKER_VERDICT_REFUSED, .at = 2000};
	snprintf(f.reason, sizeof f.reason, "no vm with host_data ...");
	snprintf(f.peer, sizeof f.peer, "'; DROP TABLE events; --");
	ok(broker_event_add(s, &f, err, sizeof err) == 0, "%s: an event without VM, REPORT_ID, CHIP_ID, TCB: %s", b, err);
	struct broker_event g = {.verdict = BROKER_VERDICT_ERROR};
	ok(broker_event_add(s, &g, err, sizeof err) == 0, "%s: an event stamped now", b);
	struct ev_list l = {0};
	int lrc = broker_event_list(s, 0, collect_event, &l, err, sizeof err);
	ok(lrc == 0 && l.n == 3, "%s: three events: %d", b, l.n);
	ok(l.n >= 3 && l.ev[0].at == 1000 && strcmp(l.ev[0].vm_name, "web-1") == 0 && l.ev[0].has_report_id &&
		   l.ev[0].report_id[31] == 0x5a && l.ev[0].has_chip_id && l.ev[0].chip_id[0] == 0xc4 && l.ev[0].has_tcb &&
		   l.ev[0].reported_tcb == 0xdb18000000000004ull && l.ev[0].verdict == BROKER_VERDICT_RELEASED &&
		   strcmp(l.ev[0].reason, "all checks passed") == 0 && strcmp(l.ev[0].peer, "192.0.2.7:4433") == 0,
	   "%s: every field comes back", b);
	ok(l.n >= 3 && !l.ev[1].has_report_id && !l.ev[1].has_chip_id && !l.ev[1].has_tcb &&
		   l.ev[1].verdict == BROKER_VERDICT_REFUSED && strcmp(l.ev[1].peer, "'; DROP TABLE events; --") == 0 &&
		   l.ev[2].verdict == BROKER_VERDICT_ERROR && l.ev[2].at > 2000 && l.ev[0].id < l.ev[1].id,
	   "%s: absent fields stay absent, order by id", b);
	l.n = 0;
	lrc = broker_event_list(s, 1500, collect_event, &l, err, sizeof err);
	ok(lrc == 0 && l.n == 2, "%s: --since 1500: %d events", b, l.n);
}

/* Two handles (two connections, like two replicas) race one REPORT_ID. */
struct racer {
	struct broker_store *s;
	const uint8_t *report_id;
	int64_t vm_id;
	pthread_barrier_t *start;
	enum broker_claim_result res;
	struct broker_claim claim;
	int rc;
	char err[BROKER_ERR_MAX];
};
static void *race(void *arg)
{
	struct racer *r = arg;
	pthread_barrier_wait(r->start);
	r->rc = broker_release_claim(r->s, r->report_id, r->vm_id, 60, &r->claim, &r->res, r->err, sizeof r->err);
	return NULL;
}

static void case_race(const char *url, const char *b, int64_t vm_id)
{
	char err[BROKER_ERR_MAX] = "";
	struct broker_store *a = NULL, *c = NULL;
	ok(broker_store_open(&a, url, test_master, err, sizeof err) == 0 &&
		   broker_store_open(&c, url, test_master, err, sizeof err) == 0,
	   "%s: two handles on one database: %s", b, err);
	if (!a || !c) {
		broker_store_close(a);
		broker_store_close(c);
		return;
	}
	int rounds = 25, exactly_one = 0, then_unlocked = 0, errors = 0;
	for (int i = 0; i < rounds; i++) {
		uint8_t rid[32];
		memset(rid, 0x70, sizeof rid);
		rid[0] = (uint8_t)i;
		pthread_barrier_t start;
		pthread_barrier_init(&start, NULL, 2);
		struct racer r[2] = {{.s = a, .report_id = rid, .vm_id = vm_id, .start = &start},
				     {.s = c, .report_id = rid, .vm_id = vm_id, .start = &start}};
		pthread_t t[2];
		pthread_create(&t[0], NULL, race, &r[0]);
		pthread_create(&t[1], NULL, race, &r[1]);
		pthread_join(t[0], NULL);
		pthread_join(t[1], NULL);
		pthread_barrier_destroy(&start);
		if (r[0].rc || r[1].rc) {
			errors++;
			diag("round %d: %s / %s", i, r[0].rc ? r[0].err : "", r[1].rc ? r[1].err : "");
			continue;
		}
		int won = (r[0].res == BROKER_CLAIMED) + (r[1].res == BROKER_CLAIMED);
		int lost = (r[0].res == BROKER_IN_FLIGHT) + (r[1].res == BROKER_IN_FLIGHT);
		exactly_one += won == 1 && lost == 1;
		struct racer *w = r[0].res == BROKER_CLAIMED ? &r[0] : &r[1];
		if (won >= 1 && broker_release_finish(w->s, &w->claim, BROKER_RELEASE_UNLOCKED, err, sizeof err) == 0) {
			struct broker_claim x;
			enum broker_claim_result ra = BROKER_CLAIMED, rc = BROKER_CLAIMED;
			if (broker_release_claim(a, rid, vm_id, 0, &x, &ra, err, sizeof err) == 0 &&
			    broker_release_claim(c, rid, vm_id, 0, &x, &rc, err, sizeof err) == 0 &&
			    ra == BROKER_ALREADY_UNLOCKED && rc == BROKER_ALREADY_UNLOCKED)
				then_unlocked++;
		}
	}
	is_int(errors, 0, "%s: no errors while racing", b);
	is_int(exactly_one, rounds, "%s: each of %d races: exactly one CLAIMED, the other IN_FLIGHT", b, rounds);
	is_int(then_unlocked, rounds, "%s: after finish(unlocked) both handles see ALREADY_UNLOCKED", b);
	broker_store_close(a);
	broker_store_close(c);
}

/* Everything, on a database named by url that starts empty. */
static void run_store_cases(const char *url, const char *backend)
{
	char err[BROKER_ERR_MAX] = "";
	case_schema(url, backend);
	struct broker_store *s = NULL;
	if (broker_store_open(&s, url, test_master, err, sizeof err) != 0) {
		ok(0, "%s: open: %s", backend, err);
		return;
	}
	is_str(broker_store_backend(s), backend, "%s: backend", backend);
	int64_t web_id = 0, db_id = 0;
	case_vms(s, backend, &web_id);
	struct broker_vm vm;
	if (broker_vm_get(s, "db-1", &vm, err, sizeof err) == 0) {
		db_id = vm.id;
		broker_vm_free(&vm);
	}
	case_tamper(s, backend, web_id);
	case_revoke(s, backend);
	case_settings(s, backend);
	case_releases(s, backend, web_id, db_id);
	case_events(s, backend);
	broker_store_close(s);
	case_race(url, backend, web_id);
}

#endif
