/*
 * The SQLite backend (store_db.h): one file, WAL so readers never wait for
 * the writer, synchronous=FULL so a release recorded as unlocked survives a
 * power cut (a lost record would let the same launch get the key again),
 * writers serialized with BEGIN IMMEDIATE and a busy timeout.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "base/err_text.h"
#include "store_db.h"

#define SQLITE_BUSY_MS 10000

static int fail(struct broker_store *s, char *err, size_t err_len, const char *what)
{
	sqlite3 *db = s->conn;
	int ext = sqlite3_extended_errcode(db);
	s->unique_violation = ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY;
	return err_set(err, err_len, "%s: %s: %s", s->label, what, sqlite3_errmsg(db));
}

static int copy_column(sqlite3_stmt *st, int i, struct db_cell *c)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		c->kind = DB_INT;
		c->i = sqlite3_column_int64(st, i);
		return 0;
	case SQLITE_TEXT: {
		const unsigned char *t = sqlite3_column_text(st, i);
		return db_cell_set(c, DB_TEXT, t, (size_t)sqlite3_column_bytes(st, i));
	}
	case SQLITE_BLOB: {
		/* A zero-length blob comes back as NULL: still a blob. */
		const void *b = sqlite3_column_blob(st, i);
		return db_cell_set(c, DB_BLOB, b, b ? (size_t)sqlite3_column_bytes(st, i) : 0);
	}
	case SQLITE_NULL:
		c->kind = DB_NULL;
		return 0;
	default: /* REAL: the schema has none */
		return -1;
	}
}

static int bind_params(struct broker_store *s, sqlite3_stmt *st, const struct db_val *params, size_t n, char *err,
		       size_t err_len)
{
	for (size_t k = 0; k < n; k++) {
		/* Bound by name: "$2" may come before "$1" in the text, and named
		 * parameters are numbered in order of appearance. */
		char name[16];
		snprintf(name, sizeof name, "$%zu", k + 1);
		int idx = sqlite3_bind_parameter_index(st, name);
		if (idx == 0)
			continue;
		int rc;
		switch (params[k].kind) {
		case DB_INT: rc = sqlite3_bind_int64(st, idx, params[k].i); break;
		case DB_TEXT: rc = sqlite3_bind_text(st, idx, params[k].p, (int)params[k].len, SQLITE_STATIC); break;
		case DB_BLOB: rc = sqlite3_bind_blob(st, idx, params[k].p ? params[k].p : "", (int)params[k].len,
						     SQLITE_STATIC); break;
		default: rc = sqlite3_bind_null(st, idx); break;
		}
		if (rc != SQLITE_OK)
			return fail(s, err, err_len, "bind");
	}
	return 0;
}

static int sq_exec(struct broker_store *s, const char *sql, const struct db_val *params, size_t n,
		   struct db_rows *out, char *err, size_t err_len)
{
	sqlite3 *db = s->conn;
	sqlite3_stmt *st = NULL;
	s->unique_violation = 0;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return fail(s, err, err_len, "prepare");
	int rc = bind_params(s, st, params, n, err, err_len);
	while (rc == 0) {
		int step = sqlite3_step(st);
		if (step == SQLITE_DONE)
			break;
		if (step != SQLITE_ROW) {
			rc = fail(s, err, err_len, "query");
			break;
		}
		int ncols = sqlite3_column_count(st);
		if (db_rows_push(out, (size_t)ncols) != 0)
			rc = err_set(err, err_len, "%s: out of memory", s->label);
		for (int i = 0; rc == 0 && i < ncols; i++)
			if (copy_column(st, i, &out->cells[(out->nrows - 1) * out->ncols + (size_t)i]) != 0)
				rc = err_set(err, err_len, "%s: column %d: unexpected type or out of memory", s->label, i);
	}
	if (rc == 0)
		out->changes = sqlite3_changes64(db);
	sqlite3_finalize(st);
	return rc;
}

/* A statement whose rows do not matter. */
static int sq_run(struct broker_store *s, const char *sql, char *err, size_t err_len)
{
	struct db_rows rows = {0};
	int rc = sq_exec(s, sql, NULL, 0, &rows, err, err_len);
	db_rows_free(&rows);
	return rc;
}

static int sq_begin(struct broker_store *s, int schema_lock, char *err, size_t err_len)
{
	(void)schema_lock; /* IMMEDIATE takes the database's one write lock: migrations included */
	return sq_run(s, "BEGIN IMMEDIATE", err, err_len);
}

static void sq_close(struct broker_store *s)
{
	sqlite3_close_v2(s->conn);
	s->conn = NULL;
}

static const struct store_ops sqlite_ops = {
	.name = "sqlite",
	.id_type = "INTEGER PRIMARY KEY AUTOINCREMENT",
	.blob_type = "BLOB",
	.exec = sq_exec,
	.begin = sq_begin,
	.close = sq_close,
};

int store_sqlite_open(struct broker_store *s, const char *path, char *err, size_t err_len)
{
	snprintf(s->label, sizeof s->label, "sqlite %s", path);
	if (!*path)
		return err_set(err, err_len, "sqlite: empty database path");
	/* Created 0600 before SQLite opens it: its -wal and -shm files take the same mode. */
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return err_set(err, err_len, "%s: %s", s->label,
			       errno == ELOOP ? "is a symbolic link: name the file itself" : strerror(errno));
	close(fd);
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		int rc = err_set(err, err_len, "%s: %s", s->label, db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close_v2(db);
		return rc;
	}
	s->conn = db;
	s->ops = &sqlite_ops;
	sqlite3_busy_timeout(db, SQLITE_BUSY_MS);
	sqlite3_extended_result_codes(db, 1);
	static const char *const pragmas[] = {
		"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON",
		"PRAGMA secure_delete=ON", /* deleted rows do not linger in free pages */
	};
	for (size_t i = 0; i < sizeof pragmas / sizeof pragmas[0]; i++)
		if (sq_run(s, pragmas[i], err, err_len) != 0) {
			sq_close(s);
			return -1;
		}
	return 0;
}
