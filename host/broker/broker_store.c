/* Opening and closing the store: which backend a URL names, the schema, the master key's id (broker_store.h). */
#include "broker_store.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/err_text.h"
#include "store_db.h"
#include "store_schema.h"

_Static_assert(STORE_NAME_MAX == BROKER_NAME_MAX, "one name limit");

/* A libpq keyword string starts with a keyword and '=' ("host=... dbname=..."). */
static int is_pg_keywords(const char *url)
{
	const char *p = url;
	while (isalpha((unsigned char)*p) || *p == '_')
		p++;
	if (p == url)
		return 0;
	while (*p == ' ' || *p == '\t')
		p++;
	return *p == '=';
}

/* The first open records which master key seals the disk keys; later opens must bring the same one. */
static int check_key_id(struct broker_store *s, char *err, size_t err_len)
{
	struct db_val p[] = {db_text("master_key_id"), db_text(s->keys.key_id)};
	struct db_rows rows = {0};
	char have[BROKER_KEY_ID_LEN + 8];
	/* ON CONFLICT: two replicas opening a new database together both record, one wins. */
	int rc = db_exec(s, "INSERT INTO broker_meta (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING", p,
			 2, NULL, err, err_len);
	if (rc == 0)
		rc = db_exec(s, "SELECT value FROM broker_meta WHERE name = $1", p, 1, &rows, err, err_len);
	if (rc == 0 && rows.nrows != 1)
		rc = err_set(err, err_len, "%s: the master key id is missing from broker_meta", s->label);
	if (rc == 0)
		rc = db_get_text(&rows, 0, 0, have, sizeof have, err, err_len);
	if (rc == 0 && strcmp(have, s->keys.key_id) != 0)
		rc = err_set(err, err_len,
			     "%s: this master key (id %s) is not the one the database was made with (id %s): "
			     "no disk key would open; name the right master key",
			     s->label, s->keys.key_id, have);
	db_rows_free(&rows);
	return rc;
}

int broker_store_open(struct broker_store **out, const char *url, const uint8_t master_key[BROKER_MASTER_KEY_LEN],
		      char *err, size_t err_len)
{
	*out = NULL;
	if (!url || !*url)
		return err_set(err, err_len, "broker store: no database named (a path, sqlite:PATH or postgresql://...)");
	struct broker_store *s = calloc(1, sizeof *s);
	if (!s)
		return err_set(err, err_len, "broker store: out of memory");
	int rc;
	if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0 || is_pg_keywords(url))
		rc = store_pg_open(s, url, err, err_len);
	else
		rc = store_sqlite_open(s, strncmp(url, "sqlite:", 7) == 0 ? url + 7 : url, err, err_len);
	if (rc != 0) {
		free(s);
		return -1;
	}
	broker_keys_derive(&s->keys, master_key);
	if (store_schema_latest() != BROKER_SCHEMA_VERSION) {
		broker_store_close(s);
		return err_set(err, err_len, "broker store: built with an inconsistent schema version");
	}
	if (store_schema_migrate(s, err, err_len) != 0 || check_key_id(s, err, err_len) != 0) {
		broker_store_close(s);
		return -1;
	}
	*out = s;
	return 0;
}

void broker_store_close(struct broker_store *s)
{
	if (!s)
		return;
	db_rollback(s);
	if (s->conn)
		s->ops->close(s);
	broker_keys_wipe(&s->keys);
	free(s);
}

const char *broker_store_backend(const struct broker_store *s)
{
	return s->ops->name;
}

int broker_store_schema_version(struct broker_store *s, int *version, char *err, size_t err_len)
{
	return store_schema_version(s, version, err, err_len);
}

const char *broker_verdict_name(enum broker_verdict v)
{
	switch (v) {
	case BROKER_VERDICT_RELEASED: return "released";
	case BROKER_VERDICT_REFUSED: return "refused";
	default: return "error";
	}
}

const char *broker_release_state_name(enum broker_release_state st)
{
	switch (st) {
	case BROKER_RELEASE_PENDING: return "pending";
	case BROKER_RELEASE_UNLOCKED: return "unlocked";
	default: return "failed";
	}
}
