/*
 * Inside the store: the small vtable a backend implements, the handle, and
 * typed parameters and result rows, so that every query is written once
 * (with $1..$n placeholders, which both backends bind by number) and runs on
 * SQLite and PostgreSQL alike. Not for use outside host/broker/.
 */
#ifndef SNPBOOT_HOST_BROKER_STORE_DB_H
#define SNPBOOT_HOST_BROKER_STORE_DB_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "broker_keywrap.h"

struct broker_store;

enum db_kind { DB_NULL, DB_INT, DB_TEXT, DB_BLOB };

/* A parameter: borrowed bytes, bound as the given SQL type. */
struct db_val {
	enum db_kind kind;
	int64_t i;
	const void *p;
	size_t len;
};
static inline struct db_val db_int(int64_t v) { return (struct db_val){.kind = DB_INT, .i = v}; }
static inline struct db_val db_text(const char *t) { return (struct db_val){.kind = DB_TEXT, .p = t, .len = strlen(t)}; }
static inline struct db_val db_blob(const void *p, size_t n) { return (struct db_val){.kind = DB_BLOB, .p = p, .len = n}; }
static inline struct db_val db_null(void) { return (struct db_val){.kind = DB_NULL}; }

/* A result cell: owned bytes (text and blobs get a NUL after len). */
struct db_cell {
	enum db_kind kind;
	int64_t i;
	uint8_t *p;
	size_t len;
};
struct db_rows {
	size_t nrows, ncols, cap;
	struct db_cell *cells; /* nrows * ncols, row-major */
	int64_t changes;       /* rows inserted, updated or deleted */
};

struct store_ops {
	const char *name; /* "sqlite", "postgresql" */
	/* The column types of the schema in this dialect. */
	const char *id_type;   /* an auto-assigned integer primary key */
	const char *blob_type; /* bytes */
	/* Runs one statement; rows (when out) and the changed-row count into out. */
	int (*exec)(struct broker_store *s, const char *sql, const struct db_val *params, size_t n,
		    struct db_rows *out, char *err, size_t err_len);
	/* BEGIN, with writers serialized from the start (schema_lock: also
	 * against other processes migrating the schema). */
	int (*begin)(struct broker_store *s, int schema_lock, char *err, size_t err_len);
	void (*close)(struct broker_store *s);
};

struct broker_store {
	const struct store_ops *ops;
	void *conn;             /* sqlite3 *, PGconn * */
	char label[128];        /* names the database in messages; never a password */
	int unique_violation;   /* the last exec failed on a UNIQUE / PRIMARY KEY constraint */
	int in_tx;
	struct broker_keys keys;
};

/* The backends' constructors: 0 and s->conn, s->ops, s->label, or -1. */
int store_sqlite_open(struct broker_store *s, const char *path, char *err, size_t err_len);
int store_pg_open(struct broker_store *s, const char *conninfo, char *err, size_t err_len);

/* Helpers over s->ops (store_db.c). out may be NULL. */
int db_exec(struct broker_store *s, const char *sql, const struct db_val *params, size_t n, struct db_rows *out,
	    char *err, size_t err_len);
int db_begin(struct broker_store *s, int schema_lock, char *err, size_t err_len);
int db_commit(struct broker_store *s, char *err, size_t err_len);
/* Rolls back if a transaction is open; keeps err as it is. */
void db_rollback(struct broker_store *s);
/* Returns rc after rolling back when rc != 0: `return db_end(s, rc, err, len)` commits on 0. */
int db_end(struct broker_store *s, int rc, char *err, size_t err_len);

const struct db_cell *db_cell(const struct db_rows *r, size_t row, size_t col);
/* Appends an empty row (cells DB_NULL); the backends fill it. 0, or -1 out of memory. */
int db_rows_push(struct db_rows *r, size_t ncols);
void db_rows_free(struct db_rows *r);
/* Copies bytes into a cell (NUL after). 0, or -1 out of memory. */
int db_cell_set(struct db_cell *c, enum db_kind kind, const void *p, size_t len);

/* Cell readers with the type checked: 0, or -1 with err naming the column. */
int db_get_int(const struct db_rows *r, size_t row, size_t col, int64_t *v, char *err, size_t err_len);
/* Text into a fixed buffer (too long is an error). NULL gives "". */
int db_get_text(const struct db_rows *r, size_t row, size_t col, char *out, size_t cap, char *err, size_t err_len);
/* A blob of exactly len bytes; NULL gives *present = 0 (present may be NULL when NULL is not allowed). */
int db_get_blob(const struct db_rows *r, size_t row, size_t col, uint8_t *out, size_t len, int *present, char *err,
		size_t err_len);

int64_t store_now(void);

/* The longest name plus its NUL (BROKER_NAME_MAX; broker_store.c checks they agree). */
#define STORE_NAME_MAX 64

/* VM and setting names: 1..63 bytes of [A-Za-z0-9._-], starting with a letter
 * or digit (they appear in messages, AAD and command lines). 0, or -1 with
 * err naming what ("vm", "setting"). */
int store_check_name(const char *name, const char *what, char *err, size_t err_len);

#endif
