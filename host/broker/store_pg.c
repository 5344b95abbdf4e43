/*
 * The PostgreSQL backend (store_db.h), for several broker replicas sharing
 * one database. Every statement goes through PQexecParams with typed binary
 * parameters (no SQL is ever built from values) and asks for binary results,
 * decoded by column type. A connection that dropped is re-established at the
 * next statement outside a transaction; inside one the transaction is lost
 * and the call fails.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <postgresql/libpq-fe.h>

#include "base/bytes.h"
#include "base/err_text.h"
#include "store_db.h"

/* pg_type OIDs (catalog/pg_type_d.h, stable across versions). */
enum { OID_BOOL = 16, OID_BYTEA = 17, OID_INT8 = 20, OID_INT2 = 21, OID_INT4 = 23, OID_TEXT = 25,
       OID_VARCHAR = 1043, OID_VOID = 2278 };
/* pg_advisory_xact_lock key that serializes schema migrations across replicas ("snpbootb"). */
#define SCHEMA_LOCK_KEY "7165064547449005410"
#define PG_PARAMS_MAX 16

/* libpq messages end with a newline and may add DETAIL lines: keep the first line. */
static void first_line(char *out, size_t cap, const char *msg)
{
	snprintf(out, cap, "%s", msg && *msg ? msg : "unknown error");
	out[strcspn(out, "\n")] = '\0';
}

static int conn_fail(struct broker_store *s, const char *what, char *err, size_t err_len)
{
	char line[400];
	first_line(line, sizeof line, PQerrorMessage(s->conn));
	return err_set(err, err_len, "%s: %s: %s", s->label, what, line);
}

/*
 * A connection whose server went away while it sat idle (the server
 * restarted, pg_terminate_backend) still reads CONNECTION_OK: libpq only
 * finds out when the next statement fails, so after a database restart
 * each worker would fail one guest before reconnecting. Between statements
 * the server has nothing to say but its goodbye (a FATAL message, then
 * EOF) or a notice, so a readable socket is read without blocking; on EOF
 * libpq marks the connection bad and it is re-established below. Nothing
 * is ever re-sent: a statement is never run twice.
 */
static void notice_hangup(PGconn *c)
{
	for (int i = 0; i < 8 && PQstatus(c) == CONNECTION_OK; i++) {
		struct pollfd p = {.fd = PQsocket(c), .events = POLLIN};
		if (p.fd < 0 || poll(&p, 1, 0) != 1 || !PQconsumeInput(c))
			return;
	}
}

/* Reconnects a dropped connection when no transaction was open. */
static int ensure_connected(struct broker_store *s, char *err, size_t err_len)
{
	notice_hangup(s->conn);
	if (PQstatus(s->conn) == CONNECTION_OK)
		return 0;
	if (s->in_tx)
		return conn_fail(s, "connection lost during a transaction", err, err_len);
	PQreset(s->conn);
	if (PQstatus(s->conn) != CONNECTION_OK)
		return conn_fail(s, "database unreachable", err, err_len);
	return 0;
}

static int copy_value(PGresult *res, int row, int col, struct db_cell *c)
{
	if (PQgetisnull(res, row, col) || PQftype(res, col) == OID_VOID) {
		c->kind = DB_NULL;
		return 0;
	}
	const uint8_t *v = (const uint8_t *)PQgetvalue(res, row, col);
	size_t len = (size_t)PQgetlength(res, row, col);
	switch (PQftype(res, col)) {
	case OID_INT8:
		if (len != 8)
			return -1;
		c->kind = DB_INT;
		c->i = (int64_t)(((uint64_t)be32_load(v) << 32) | be32_load(v + 4));
		return 0;
	case OID_INT4:
		if (len != 4)
			return -1;
		c->kind = DB_INT;
		c->i = (int32_t)be32_load(v);
		return 0;
	case OID_INT2:
		if (len != 2)
			return -1;
		c->kind = DB_INT;
		c->i = (int16_t)(uint16_t)((v[0] << 8) | v[1]);
		return 0;
	case OID_BOOL:
		if (len != 1)
			return -1;
		c->kind = DB_INT;
		c->i = v[0] != 0;
		return 0;
	case OID_TEXT:
	case OID_VARCHAR:
		return db_cell_set(c, DB_TEXT, v, len); /* binary text is the bytes themselves */
	case OID_BYTEA:
		return db_cell_set(c, DB_BLOB, v, len);
	default:
		return -1;
	}
}

static int pg_exec(struct broker_store *s, const char *sql, const struct db_val *params, size_t n,
		   struct db_rows *out, char *err, size_t err_len)
{
	Oid types[PG_PARAMS_MAX];
	const char *values[PG_PARAMS_MAX];
	int lengths[PG_PARAMS_MAX], formats[PG_PARAMS_MAX];
	uint8_t ints[PG_PARAMS_MAX][8];
	s->unique_violation = 0;
	if (n > PG_PARAMS_MAX)
		return err_set(err, err_len, "%s: too many parameters (%zu)", s->label, n);
	if (ensure_connected(s, err, err_len) != 0)
		return -1;
	for (size_t k = 0; k < n; k++) {
		formats[k] = 1;
		switch (params[k].kind) {
		case DB_INT:
			be32_store(ints[k], (uint32_t)((uint64_t)params[k].i >> 32));
			be32_store(ints[k] + 4, (uint32_t)params[k].i);
			types[k] = OID_INT8, values[k] = (const char *)ints[k], lengths[k] = 8;
			break;
		case DB_TEXT:
			types[k] = OID_TEXT, values[k] = params[k].p, lengths[k] = (int)params[k].len;
			break;
		case DB_BLOB:
			types[k] = OID_BYTEA, values[k] = params[k].p ? params[k].p : "", lengths[k] = (int)params[k].len;
			break;
		default:
			types[k] = 0, values[k] = NULL, lengths[k] = 0;
			break;
		}
	}
	PGresult *res = PQexecParams(s->conn, sql, (int)n, types, values, lengths, formats, 1);
	ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	int rc = 0;
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		char line[400];
		const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
		s->unique_violation = state && strcmp(state, "23505") == 0;
		first_line(line, sizeof line, res ? PQresultErrorMessage(res) : PQerrorMessage(s->conn));
		if (PQstatus(s->conn) != CONNECTION_OK)
			rc = err_set(err, err_len, "%s: database unreachable: %s", s->label, line);
		else
			rc = err_set(err, err_len, "%s: %s", s->label, line);
	} else {
		int rows = PQntuples(res), cols = PQnfields(res);
		for (int r = 0; rc == 0 && r < rows; r++) {
			if (db_rows_push(out, (size_t)cols) != 0)
				rc = err_set(err, err_len, "%s: out of memory", s->label);
			for (int c = 0; rc == 0 && c < cols; c++)
				if (copy_value(res, r, c, &out->cells[(size_t)r * out->ncols + (size_t)c]) != 0)
					rc = err_set(err, err_len, "%s: column %d: unexpected type %u or out of memory",
						     s->label, c, (unsigned)PQftype(res, c));
		}
		const char *changed = PQcmdTuples(res);
		out->changes = changed && *changed ? strtoll(changed, NULL, 10) : 0;
	}
	PQclear(res);
	return rc;
}

static int pg_run(struct broker_store *s, const char *sql, char *err, size_t err_len)
{
	struct db_rows rows = {0};
	int rc = pg_exec(s, sql, NULL, 0, &rows, err, err_len);
	db_rows_free(&rows);
	return rc;
}

static int pg_begin(struct broker_store *s, int schema_lock, char *err, size_t err_len)
{
	if (pg_run(s, "BEGIN", err, err_len) != 0)
		return -1;
	/* Replicas starting together: one migrates, the others wait and then find nothing to do. */
	if (schema_lock && pg_run(s, "SELECT pg_advisory_xact_lock(" SCHEMA_LOCK_KEY ")", err, err_len) != 0) {
		char ignored[256];
		(void)pg_run(s, "ROLLBACK", ignored, sizeof ignored);
		return -1;
	}
	return 0;
}

static void pg_close(struct broker_store *s)
{
	PQfinish(s->conn);
	s->conn = NULL;
}

/* NOTICEs ("relation already exists, skipping") are not errors: keep them off stderr. */
static void quiet_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static const struct store_ops pg_ops = {
	.name = "postgresql",
	.id_type = "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
	.blob_type = "BYTEA",
	.exec = pg_exec,
	.begin = pg_begin,
	.close = pg_close,
};

int store_pg_open(struct broker_store *s, const char *conninfo, char *err, size_t err_len)
{
	/* Defaults first: settings in conninfo (expanded from dbname) override them. */
	const char *const keys[] = {"connect_timeout", "application_name", "dbname", NULL};
	const char *const vals[] = {"10", "snpboot-broker", conninfo, NULL};
	snprintf(s->label, sizeof s->label, "postgresql");
	PGconn *c = PQconnectdbParams(keys, vals, 1);
	if (!c)
		return err_set(err, err_len, "postgresql: out of memory");
	s->conn = c;
	s->ops = &pg_ops;
	if (PQstatus(c) != CONNECTION_OK) {
		int rc = conn_fail(s, "cannot connect", err, err_len);
		pg_close(s);
		return rc;
	}
	PQsetNoticeProcessor(c, quiet_notice, NULL);
	snprintf(s->label, sizeof s->label, "postgresql database '%s'", PQdb(c));
	return 0;
}
