/*
 * The fleet's VMs in the store (broker_store.h): definitions, host data,
 * state, extra measurements, CHIP_IDs, and sealed disk keys.
 *
 * Each vms row carries auth_mac, an HMAC under the master key over what
 * decides who gets the VM's key: name, host_data, definition, state, the
 * current key version, the extra measurements and the CHIP_IDs (sorted).
 * Every read for verification checks it; every change checks it first (so
 * an admin change never legitimizes an edit made behind the broker's back),
 * then recomputes it in the same transaction.
 */
#include "broker_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/bytes.h"
#include "base/err_text.h"
#include "store_db.h"

#define VM_COLUMNS "id, name, definition, host_data, state, revoked_at, revoked_reason, key_version, auth_mac, " \
		   "created_at, updated_at"

void broker_vm_free(struct broker_vm *vm)
{
	free(vm->definition);
	vm->definition = NULL;
	vm->definition_len = 0;
}

static int cmp48(const void *a, const void *b) { return memcmp(a, b, BROKER_MEASUREMENT_LEN); }
static int cmp64(const void *a, const void *b) { return memcmp(a, b, BROKER_CHIP_ID_LEN); }

static void vm_mac(const struct broker_store *s, struct broker_vm *vm, uint8_t out[BROKER_MAC_LEN])
{
	struct broker_mac m;
	/* Sorted here, not by the database: the same set gives the same MAC on either backend. */
	qsort(vm->measurements, vm->n_measurements, BROKER_MEASUREMENT_LEN, cmp48);
	qsort(vm->chip_ids, vm->n_chip_ids, BROKER_CHIP_ID_LEN, cmp64);
	broker_mac_init(&m, &s->keys, "snpboot-broker vm v1");
	broker_mac_add(&m, vm->name, strlen(vm->name));
	broker_mac_add(&m, vm->host_data, vm->has_host_data ? BROKER_HOST_DATA_LEN : 0);
	broker_mac_add(&m, vm->definition, vm->definition_len);
	broker_mac_add_u64(&m, vm->state == BROKER_VM_REVOKED);
	broker_mac_add_u64(&m, vm->key_version);
	broker_mac_add(&m, vm->measurements, vm->n_measurements * BROKER_MEASUREMENT_LEN);
	broker_mac_add(&m, vm->chip_ids, vm->n_chip_ids * BROKER_CHIP_ID_LEN);
	broker_mac_out(&m, out);
}

/* One vms row (VM_COLUMNS) into vm; the definition only when want_def. */
static int vm_from_row(const struct db_rows *r, size_t row, struct broker_vm *vm, uint8_t mac[BROKER_MAC_LEN],
		       int want_def, char *err, size_t err_len)
{
	char state[16];
	int64_t kv = 0;
	memset(vm, 0, sizeof *vm);
	if (db_get_int(r, row, 0, &vm->id, err, err_len) || db_get_text(r, row, 1, vm->name, sizeof vm->name, err, err_len) ||
	    db_get_blob(r, row, 3, vm->host_data, sizeof vm->host_data, &vm->has_host_data, err, err_len) ||
	    db_get_text(r, row, 4, state, sizeof state, err, err_len) ||
	    db_get_int(r, row, 5, &vm->revoked_at, err, err_len) ||
	    db_get_text(r, row, 6, vm->revoked_reason, sizeof vm->revoked_reason, err, err_len) ||
	    db_get_int(r, row, 7, &kv, err, err_len) || db_get_blob(r, row, 8, mac, BROKER_MAC_LEN, NULL, err, err_len) ||
	    db_get_int(r, row, 9, &vm->created_at, err, err_len) || db_get_int(r, row, 10, &vm->updated_at, err, err_len))
		return -1;
	vm->state = strcmp(state, "revoked") == 0 ? BROKER_VM_REVOKED : BROKER_VM_ACTIVE;
	vm->key_version = (uint32_t)kv;
	if (!want_def)
		return 0;
	const struct db_cell *d = db_cell(r, row, 2);
	if (!d || d->kind != DB_TEXT || d->len > BROKER_DEFINITION_MAX)
		return err_set(err, err_len, "vm '%s': stored definition is not text of at most %d bytes", vm->name,
			       BROKER_DEFINITION_MAX);
	vm->definition = malloc(d->len + 1);
	if (!vm->definition)
		return err_set(err, err_len, "vm '%s': out of memory", vm->name);
	memcpy(vm->definition, d->p, d->len + 1);
	vm->definition_len = d->len;
	return 0;
}

/* The rows of one child table (measurements or CHIP_IDs) of vm into out. */
static int load_children(struct broker_store *s, const char *sql, int64_t vm_id, const char *name, uint8_t *out,
			 size_t item, size_t max, size_t *count, char *err, size_t err_len)
{
	struct db_val p[] = {db_int(vm_id)};
	struct db_rows rows = {0};
	int rc = db_exec(s, sql, p, 1, &rows, err, err_len);
	if (rc == 0 && rows.nrows > max)
		rc = err_set(err, err_len, "vm '%s': %zu rows, more than the %zu allowed", name, rows.nrows, max);
	for (size_t i = 0; rc == 0 && i < rows.nrows; i++)
		rc = db_get_blob(&rows, i, 0, out + i * item, item, NULL, err, err_len);
	*count = rc == 0 ? rows.nrows : 0;
	db_rows_free(&rows);
	return rc;
}

/*
 * The VM selected by `where` (a condition on one parameter) with its
 * definition and children; with check, its auth_mac must match. A missing
 * VM is -1 with "no vm <what>".
 */
static int vm_load(struct broker_store *s, const char *where, struct db_val key, const char *what, int check,
		   struct broker_vm *vm, char *err, size_t err_len)
{
	char sql[256];
	uint8_t stored[BROKER_MAC_LEN], want[BROKER_MAC_LEN];
	struct db_rows rows = {0};
	snprintf(sql, sizeof sql, "SELECT " VM_COLUMNS " FROM vms WHERE %s", where);
	memset(vm, 0, sizeof *vm);
	int rc = db_exec(s, sql, &key, 1, &rows, err, err_len);
	if (rc == 0 && rows.nrows == 0)
		rc = err_set(err, err_len, "no vm %s", what);
	if (rc == 0)
		rc = vm_from_row(&rows, 0, vm, stored, 1, err, err_len);
	db_rows_free(&rows);
	if (rc == 0)
		rc = load_children(s, "SELECT measurement FROM vm_measurements WHERE vm_id = $1", vm->id, vm->name,
				   &vm->measurements[0][0], BROKER_MEASUREMENT_LEN, BROKER_MEASUREMENTS_MAX,
				   &vm->n_measurements, err, err_len);
	if (rc == 0)
		rc = load_children(s, "SELECT chip_id FROM vm_chip_ids WHERE vm_id = $1", vm->id, vm->name,
				   &vm->chip_ids[0][0], BROKER_CHIP_ID_LEN, BROKER_CHIP_IDS_MAX, &vm->n_chip_ids, err,
				   err_len);
	if (rc == 0 && check) {
		vm_mac(s, vm, want);
		if (!bytes_equal_ct(want, stored, sizeof want))
			rc = err_set(err, err_len,
				     "vm '%s' fails its integrity check: its definition, host data, state, key version, "
				     "measurements or CHIP_IDs were changed outside snpboot (or under another master key)",
				     vm->name);
	}
	if (rc != 0)
		broker_vm_free(vm);
	return rc;
}

static int vm_load_name(struct broker_store *s, const char *name, struct broker_vm *vm, char *err, size_t err_len)
{
	char what[BROKER_NAME_MAX + 16];
	snprintf(what, sizeof what, "named '%s'", name);
	return vm_load(s, "name = $1", db_text(name), what, 1, vm, err, err_len);
}

/* Writes vm's auth_mac (and the fields it covers that may have changed). */
static int vm_store_mac(struct broker_store *s, struct broker_vm *vm, char *err, size_t err_len)
{
	uint8_t mac[BROKER_MAC_LEN];
	vm_mac(s, vm, mac);
	struct db_val p[] = {db_blob(mac, sizeof mac), db_int(store_now()), db_int(vm->id)};
	return db_exec(s, "UPDATE vms SET auth_mac = $1, updated_at = $2 WHERE id = $3", p, 3, NULL, err, err_len);
}

/*
 * Starts a change of the VM named name: a transaction, the row locked (an
 * UPDATE takes PostgreSQL's row lock; SQLite's BEGIN IMMEDIATE already
 * holds the database's), the VM loaded and its MAC checked.
 */
static int vm_begin_change(struct broker_store *s, const char *name, struct broker_vm *vm, char *err, size_t err_len)
{
	if (store_check_name(name, "vm", err, err_len) != 0 || db_begin(s, 0, err, err_len) != 0)
		return -1;
	struct db_val p[] = {db_int(store_now()), db_text(name)};
	int rc = db_exec(s, "UPDATE vms SET updated_at = $1 WHERE name = $2", p, 2, NULL, err, err_len);
	if (rc == 0)
		rc = vm_load_name(s, name, vm, err, err_len);
	if (rc != 0)
		db_rollback(s);
	return rc;
}

/* Ends it: the MAC recomputed and committed when rc == 0, else rolled back. */
static int vm_end_change(struct broker_store *s, struct broker_vm *vm, int rc, char *err, size_t err_len)
{
	if (rc == 0)
		rc = vm_store_mac(s, vm, err, err_len);
	rc = db_end(s, rc, err, err_len);
	broker_vm_free(vm);
	return rc;
}

static int seal_key(struct broker_store *s, int64_t vm_id, const char *name, uint32_t version, const uint8_t *key,
		    size_t len, char *err, size_t err_len)
{
	uint8_t nonce[BROKER_NONCE_LEN], sealed[BROKER_DISK_KEY_MAX + BROKER_TAG_LEN];
	if (len == 0 || len > BROKER_DISK_KEY_MAX)
		return err_set(err, err_len, "vm '%s': disk key of %zu bytes: expected 1 to %d", name, len,
			       BROKER_DISK_KEY_MAX);
	if (broker_keywrap_seal(&s->keys, name, version, key, len, nonce, sealed, err, err_len) != 0)
		return -1;
	struct db_val p[] = {db_int(vm_id), db_int(version), db_blob(nonce, sizeof nonce),
			     db_blob(sealed, len + BROKER_TAG_LEN), db_int(store_now())};
	return db_exec(s,
		       "INSERT INTO vm_keys (vm_id, version, state, nonce, sealed, created_at) "
		       "VALUES ($1, $2, 'current', $3, $4, $5)",
		       p, 5, NULL, err, err_len);
}

int broker_vm_add(struct broker_store *s, const struct broker_vm_new *nv, const uint8_t *disk_key, size_t key_len,
		  int64_t *id, char *err, size_t err_len)
{
	if (store_check_name(nv->name, "vm", err, err_len) != 0)
		return -1;
	if (!nv->definition || nv->definition_len == 0 || nv->definition_len > BROKER_DEFINITION_MAX ||
	    memchr(nv->definition, 0, nv->definition_len))
		return err_set(err, err_len, "vm '%s': the definition must be 1 to %d bytes of text", nv->name,
			       BROKER_DEFINITION_MAX);
	if (key_len == 0 || key_len > BROKER_DISK_KEY_MAX)
		return err_set(err, err_len, "vm '%s': disk key of %zu bytes: expected 1 to %d", nv->name, key_len,
			       BROKER_DISK_KEY_MAX);
	struct broker_vm vm = {0};
	snprintf(vm.name, sizeof vm.name, "%s", nv->name);
	vm.has_host_data = nv->has_host_data;
	memcpy(vm.host_data, nv->host_data, sizeof vm.host_data);
	vm.definition = (char *)nv->definition; /* borrowed for the MAC; not freed */
	vm.definition_len = nv->definition_len;
	vm.state = BROKER_VM_ACTIVE;
	vm.key_version = 1;
	uint8_t mac[BROKER_MAC_LEN];
	vm_mac(s, &vm, mac);
	int64_t now = store_now();
	struct db_val p[] = {db_text(vm.name), db_text(""), vm.has_host_data ? db_blob(vm.host_data, 32) : db_null(),
			     db_blob(mac, sizeof mac), db_int(now)};
	p[1] = (struct db_val){.kind = DB_TEXT, .p = nv->definition, .len = nv->definition_len};
	struct db_rows rows = {0};
	if (db_begin(s, 0, err, err_len) != 0)
		return -1;
	/* Asked first, for a message that says which; the UNIQUE constraints still decide a race. */
	int rc = db_exec(s, "SELECT name FROM vms WHERE name = $1 OR host_data = $2", (struct db_val[]){p[0], p[2]}, 2,
			 &rows, err, err_len);
	if (rc == 0 && rows.nrows > 0) {
		char other[BROKER_NAME_MAX], hex[65];
		hex_encode(hex, vm.host_data, sizeof vm.host_data);
		rc = db_get_text(&rows, 0, 0, other, sizeof other, err, err_len);
		if (rc == 0 && strcmp(other, vm.name) == 0)
			rc = err_set(err, err_len, "vm '%s' already exists", vm.name);
		else if (rc == 0)
			rc = err_set(err, err_len,
				     "vm '%s': host_data %s belongs to vm '%s' (host_data must be unique: the broker "
				     "finds a VM by it)", vm.name, hex, other);
	}
	db_rows_free(&rows);
	if (rc == 0)
		rc = db_exec(s,
			     "INSERT INTO vms (name, definition, host_data, state, key_version, auth_mac, created_at, "
			     "updated_at) VALUES ($1, $2, $3, 'active', 1, $4, $5, $5) RETURNING id",
			     p, 5, &rows, err, err_len);
	if (rc != 0 && s->unique_violation)
		rc = err_set(err, err_len, "vm '%s': its name or host_data was just added by another session", vm.name);
	if (rc == 0)
		rc = db_get_int(&rows, 0, 0, &vm.id, err, err_len);
	db_rows_free(&rows);
	if (rc == 0)
		rc = seal_key(s, vm.id, vm.name, 1, disk_key, key_len, err, err_len);
	rc = db_end(s, rc, err, err_len);
	if (rc == 0 && id)
		*id = vm.id;
	return rc;
}

int broker_vm_get(struct broker_store *s, const char *name, struct broker_vm *vm, char *err, size_t err_len)
{
	memset(vm, 0, sizeof *vm);
	if (store_check_name(name, "vm", err, err_len) != 0)
		return -1;
	return vm_load_name(s, name, vm, err, err_len);
}

int broker_vm_find_host_data(struct broker_store *s, const uint8_t host_data[BROKER_HOST_DATA_LEN],
			     struct broker_vm *vm, char *err, size_t err_len)
{
	char what[96], hex[65];
	hex_encode(hex, host_data, BROKER_HOST_DATA_LEN);
	snprintf(what, sizeof what, "with host_data %s", hex);
	return vm_load(s, "host_data = $1", db_blob(host_data, BROKER_HOST_DATA_LEN), what, 1, vm, err, err_len);
}

int broker_vm_list(struct broker_store *s, int (*fn)(void *ctx, const struct broker_vm *vm), void *ctx, char *err,
		   size_t err_len)
{
	struct db_rows rows = {0};
	int rc = db_exec(s, "SELECT " VM_COLUMNS " FROM vms ORDER BY name", NULL, 0, &rows, err, err_len);
	for (size_t i = 0; rc == 0 && i < rows.nrows; i++) {
		struct broker_vm vm;
		uint8_t mac[BROKER_MAC_LEN];
		rc = vm_from_row(&rows, i, &vm, mac, 0, err, err_len);
		if (rc == 0 && fn(ctx, &vm) != 0)
			rc = err_set(err, err_len, "vm list: stopped by the caller");
	}
	db_rows_free(&rows);
	return rc;
}

int broker_vm_revoke(struct broker_store *s, const char *name, const char *reason, char *err, size_t err_len)
{
	struct broker_vm vm;
	if (vm_begin_change(s, name, &vm, err, err_len) != 0)
		return -1;
	int rc = 0;
	if (vm.state == BROKER_VM_REVOKED)
		rc = err_set(err, err_len, "vm '%s' is revoked already (%s)", name, vm.revoked_reason);
	char why[BROKER_REASON_MAX];
	snprintf(why, sizeof why, "%s", reason && *reason ? reason : "revoked by the administrator");
	if (rc == 0) {
		struct db_val p[] = {db_int(store_now()), db_text(why), db_int(vm.id)};
		rc = db_exec(s, "UPDATE vms SET state = 'revoked', revoked_at = $1, revoked_reason = $2 WHERE id = $3", p,
			     3, NULL, err, err_len);
		vm.state = BROKER_VM_REVOKED;
	}
	return vm_end_change(s, &vm, rc, err, err_len);
}

int broker_vm_rotate_key(struct broker_store *s, const char *name, const uint8_t *disk_key, size_t key_len,
			 uint32_t *version, char *err, size_t err_len)
{
	struct broker_vm vm;
	if (vm_begin_change(s, name, &vm, err, err_len) != 0)
		return -1;
	int rc = 0;
	if (vm.state == BROKER_VM_REVOKED)
		rc = err_set(err, err_len, "vm '%s' is revoked (%s): its key is not rotated", name, vm.revoked_reason);
	uint32_t next = vm.key_version + 1;
	struct db_val p[] = {db_int(vm.id), db_int(next)};
	if (rc == 0)
		rc = db_exec(s, "UPDATE vm_keys SET state = 'retired' WHERE vm_id = $1 AND state = 'current'", p, 1,
			     NULL, err, err_len);
	if (rc == 0)
		rc = seal_key(s, vm.id, vm.name, next, disk_key, key_len, err, err_len);
	if (rc == 0)
		rc = db_exec(s, "UPDATE vms SET key_version = $2 WHERE id = $1", p, 2, NULL, err, err_len);
	vm.key_version = next;
	rc = vm_end_change(s, &vm, rc, err, err_len);
	if (rc == 0 && version)
		*version = next;
	return rc;
}

int broker_vm_disk_key(struct broker_store *s, const struct broker_vm *vm, uint8_t *key, size_t cap, size_t *len,
		       uint32_t *version, char *err, size_t err_len)
{
	/* Read again, MAC checked: a revocation since the caller's lookup counts. */
	struct broker_vm now;
	char what[BROKER_NAME_MAX + 32];
	snprintf(what, sizeof what, "'%s' (id %lld)", vm->name, (long long)vm->id);
	if (vm_load(s, "id = $1", db_int(vm->id), what, 1, &now, err, err_len) != 0)
		return -1;
	int rc = 0;
	if (now.state == BROKER_VM_REVOKED)
		rc = err_set(err, err_len, "vm '%s' is revoked (%s)", now.name, now.revoked_reason);
	struct db_val p[] = {db_int(now.id), db_int(now.key_version)};
	struct db_rows rows = {0};
	uint8_t nonce[BROKER_NONCE_LEN];
	if (rc == 0)
		rc = db_exec(s, "SELECT nonce, sealed FROM vm_keys WHERE vm_id = $1 AND version = $2", p, 2, &rows, err,
			     err_len);
	if (rc == 0 && rows.nrows != 1)
		rc = err_set(err, err_len, "vm '%s': disk key version %u is missing", now.name, (unsigned)now.key_version);
	if (rc == 0)
		rc = db_get_blob(&rows, 0, 0, nonce, sizeof nonce, NULL, err, err_len);
	const struct db_cell *c = rc == 0 ? db_cell(&rows, 0, 1) : NULL;
	if (rc == 0 && c && c->kind == DB_BLOB)
		rc = broker_keywrap_open(&s->keys, now.name, now.key_version, nonce, c->p, c->len, key, cap, len, err,
					 err_len);
	else if (rc == 0)
		rc = err_set(err, err_len, "vm '%s': sealed disk key is not bytes", now.name);
	if (rc == 0 && version)
		*version = now.key_version;
	if (c)
		secure_wipe(c->p, c->len);
	db_rows_free(&rows);
	broker_vm_free(&now);
	return rc;
}

int broker_vm_key_list(struct broker_store *s, const char *name,
		       int (*fn)(void *ctx, const struct broker_key_info *k), void *ctx, char *err, size_t err_len)
{
	struct broker_vm vm;
	if (broker_vm_get(s, name, &vm, err, err_len) != 0)
		return -1;
	struct db_val p[] = {db_int(vm.id)};
	struct db_rows rows = {0};
	int rc = db_exec(s, "SELECT version, created_at FROM vm_keys WHERE vm_id = $1 ORDER BY version", p, 1, &rows,
			 err, err_len);
	for (size_t i = 0; rc == 0 && i < rows.nrows; i++) {
		int64_t v = 0;
		struct broker_key_info k = {0};
		rc = db_get_int(&rows, i, 0, &v, err, err_len) || db_get_int(&rows, i, 1, &k.created_at, err, err_len);
		k.version = (uint32_t)v;
		/* Current is what the MAC'd row says, not the informational vm_keys.state. */
		k.current = k.version == vm.key_version;
		if (rc == 0 && fn(ctx, &k) != 0)
			rc = err_set(err, err_len, "key list: stopped by the caller");
	}
	db_rows_free(&rows);
	broker_vm_free(&vm);
	return rc ? -1 : 0;
}

/* Adds (add) or removes an item of a child table, then re-MACs the VM. */
static int change_child(struct broker_store *s, const char *name, int add, const char *table, const char *column,
			const uint8_t *item, size_t item_len, size_t max, const char *what, char *err, size_t err_len)
{
	struct broker_vm vm;
	char sql[160], hex[2 * BROKER_CHIP_ID_LEN + 1];
	hex_encode(hex, item, item_len);
	if (vm_begin_change(s, name, &vm, err, err_len) != 0)
		return -1;
	uint8_t *items = strcmp(table, "vm_measurements") == 0 ? &vm.measurements[0][0] : &vm.chip_ids[0][0];
	size_t *count = strcmp(table, "vm_measurements") == 0 ? &vm.n_measurements : &vm.n_chip_ids;
	size_t at = *count;
	for (size_t i = 0; i < *count; i++)
		if (memcmp(items + i * item_len, item, item_len) == 0)
			at = i;
	int rc = 0;
	if (add && at < *count)
		rc = err_set(err, err_len, "vm '%s': %s %s is listed already", name, what, hex);
	else if (add && *count >= max)
		rc = err_set(err, err_len, "vm '%s': already %zu %ss, the most allowed", name, max, what);
	else if (!add && at == *count)
		rc = err_set(err, err_len, "vm '%s': %s %s is not listed", name, what, hex);
	struct db_val p[] = {db_int(vm.id), db_blob(item, item_len), db_int(store_now())};
	if (rc == 0 && add) {
		snprintf(sql, sizeof sql, "INSERT INTO %s (vm_id, %s, created_at) VALUES ($1, $2, $3)", table, column);
		rc = db_exec(s, sql, p, 3, NULL, err, err_len);
		memcpy(items + (*count)++ * item_len, item, item_len);
	} else if (rc == 0) {
		snprintf(sql, sizeof sql, "DELETE FROM %s WHERE vm_id = $1 AND %s = $2", table, column);
		rc = db_exec(s, sql, p, 2, NULL, err, err_len);
		memmove(items + at * item_len, items + (at + 1) * item_len, (*count - at - 1) * item_len);
		(*count)--;
	}
	return vm_end_change(s, &vm, rc, err, err_len);
}

int broker_vm_measurement_add(struct broker_store *s, const char *name, const uint8_t m[BROKER_MEASUREMENT_LEN],
			      char *err, size_t err_len)
{
	return change_child(s, name, 1, "vm_measurements", "measurement", m, BROKER_MEASUREMENT_LEN,
			    BROKER_MEASUREMENTS_MAX, "measurement", err, err_len);
}

int broker_vm_measurement_remove(struct broker_store *s, const char *name, const uint8_t m[BROKER_MEASUREMENT_LEN],
				 char *err, size_t err_len)
{
	return change_child(s, name, 0, "vm_measurements", "measurement", m, BROKER_MEASUREMENT_LEN,
			    BROKER_MEASUREMENTS_MAX, "measurement", err, err_len);
}

int broker_vm_chip_add(struct broker_store *s, const char *name, const uint8_t chip[BROKER_CHIP_ID_LEN], char *err,
		       size_t err_len)
{
	return change_child(s, name, 1, "vm_chip_ids", "chip_id", chip, BROKER_CHIP_ID_LEN, BROKER_CHIP_IDS_MAX,
			    "CHIP_ID", err, err_len);
}

int broker_vm_chip_remove(struct broker_store *s, const char *name, const uint8_t chip[BROKER_CHIP_ID_LEN],
			  char *err, size_t err_len)
{
	return change_child(s, name, 0, "vm_chip_ids", "chip_id", chip, BROKER_CHIP_ID_LEN, BROKER_CHIP_IDS_MAX,
			    "CHIP_ID", err, err_len);
}
