/*
 * Fleet-wide settings (broker_store.h): a small key/value table such as
 * min_tcb. A setting can tighten or loosen verification, so each row
 * carries an HMAC of its name and value under the master key: an editor can
 * delete one (as with any row: denial, or the code's default) but not write
 * one.
 */
#include "broker_store.h"

#include <stdio.h>
#include <string.h>

#include "base/bytes.h"
#include "base/err_text.h"
#include "store_db.h"

static void setting_mac(const struct broker_store *s, const char *name, const char *value, uint8_t out[BROKER_MAC_LEN])
{
	struct broker_mac m;
	broker_mac_init(&m, &s->keys, "snpboot-broker setting v1");
	broker_mac_add(&m, name, strlen(name));
	broker_mac_add(&m, value, strlen(value));
	broker_mac_out(&m, out);
}

int broker_setting_set(struct broker_store *s, const char *name, const char *value, char *err, size_t err_len)
{
	if (store_check_name(name, "setting", err, err_len) != 0)
		return -1;
	if (!value || strlen(value) >= BROKER_SETTING_MAX)
		return err_set(err, err_len, "setting '%s': the value must be at most %d bytes", name,
			       BROKER_SETTING_MAX - 1);
	uint8_t mac[BROKER_MAC_LEN];
	setting_mac(s, name, value, mac);
	struct db_val p[] = {db_text(name), db_text(value), db_blob(mac, sizeof mac), db_int(store_now())};
	return db_exec(s,
		       "INSERT INTO settings (name, value, mac, updated_at) VALUES ($1, $2, $3, $4) "
		       "ON CONFLICT (name) DO UPDATE SET value = excluded.value, mac = excluded.mac, "
		       "updated_at = excluded.updated_at",
		       p, 4, NULL, err, err_len);
}

/* Row i of (name, value, mac) checked against its MAC. */
static int read_row(const struct broker_store *s, const struct db_rows *rows, size_t i, char *name, char *value,
		    char *err, size_t err_len)
{
	uint8_t mac[BROKER_MAC_LEN], want[BROKER_MAC_LEN];
	if (db_get_text(rows, i, 0, name, BROKER_NAME_MAX, err, err_len) ||
	    db_get_text(rows, i, 1, value, BROKER_SETTING_MAX, err, err_len) ||
	    db_get_blob(rows, i, 2, mac, sizeof mac, NULL, err, err_len))
		return -1;
	setting_mac(s, name, value, want);
	if (!bytes_equal_ct(mac, want, sizeof mac))
		return err_set(err, err_len,
			       "setting '%s' fails its integrity check: it was written outside snpboot (or under another "
			       "master key); set it again",
			       name);
	return 0;
}

int broker_setting_get(struct broker_store *s, const char *name, char value[BROKER_SETTING_MAX], int *found,
		       char *err, size_t err_len)
{
	*found = 0;
	value[0] = '\0';
	if (store_check_name(name, "setting", err, err_len) != 0)
		return -1;
	struct db_val p[] = {db_text(name)};
	struct db_rows rows = {0};
	char got[BROKER_NAME_MAX];
	int rc = db_exec(s, "SELECT name, value, mac FROM settings WHERE name = $1", p, 1, &rows, err, err_len);
	if (rc == 0 && rows.nrows == 1) {
		rc = read_row(s, &rows, 0, got, value, err, err_len);
		*found = rc == 0;
		if (rc != 0)
			value[0] = '\0';
	}
	db_rows_free(&rows);
	return rc;
}

int broker_setting_unset(struct broker_store *s, const char *name, char *err, size_t err_len)
{
	if (store_check_name(name, "setting", err, err_len) != 0)
		return -1;
	struct db_val p[] = {db_text(name)};
	struct db_rows rows = {0};
	int rc = db_exec(s, "DELETE FROM settings WHERE name = $1", p, 1, &rows, err, err_len);
	if (rc == 0 && rows.changes == 0)
		rc = err_set(err, err_len, "setting '%s' is not set", name);
	db_rows_free(&rows);
	return rc;
}

int broker_setting_list(struct broker_store *s, int (*fn)(void *ctx, const char *name, const char *value),
			void *ctx, char *err, size_t err_len)
{
	struct db_rows rows = {0};
	int rc = db_exec(s, "SELECT name, value, mac FROM settings ORDER BY name", NULL, 0, &rows, err, err_len);
	for (size_t i = 0; rc == 0 && i < rows.nrows; i++) {
		char name[BROKER_NAME_MAX], value[BROKER_SETTING_MAX];
		rc = read_row(s, &rows, i, name, value, err, err_len);
		if (rc == 0 && fn(ctx, name, value) != 0)
			rc = err_set(err, err_len, "setting list: stopped by the caller");
	}
	db_rows_free(&rows);
	return rc;
}
