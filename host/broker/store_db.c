/* The store's backend-independent plumbing: transactions and result rows (store_db.h). */
#include "store_db.h"

#include <stdlib.h>
#include <time.h>

#include "base/err_text.h"

int db_exec(struct broker_store *s, const char *sql, const struct db_val *params, size_t n, struct db_rows *out,
	    char *err, size_t err_len)
{
	struct db_rows tmp = {0};
	int rc = s->ops->exec(s, sql, params, n, out ? out : &tmp, err, err_len);
	db_rows_free(&tmp);
	return rc;
}

int db_begin(struct broker_store *s, int schema_lock, char *err, size_t err_len)
{
	if (s->ops->begin(s, schema_lock, err, err_len) != 0)
		return -1;
	s->in_tx = 1;
	return 0;
}

int db_commit(struct broker_store *s, char *err, size_t err_len)
{
	int rc = db_exec(s, "COMMIT", NULL, 0, NULL, err, err_len);
	if (rc != 0)
		db_rollback(s);
	s->in_tx = 0;
	return rc;
}

void db_rollback(struct broker_store *s)
{
	char ignored[256];
	if (!s->in_tx)
		return;
	/* The failure that brought us here is what the caller reports. */
	(void)db_exec(s, "ROLLBACK", NULL, 0, NULL, ignored, sizeof ignored);
	s->in_tx = 0;
}

int db_end(struct broker_store *s, int rc, char *err, size_t err_len)
{
	if (rc != 0) {
		db_rollback(s);
		return rc;
	}
	return db_commit(s, err, err_len);
}

const struct db_cell *db_cell(const struct db_rows *r, size_t row, size_t col)
{
	if (row >= r->nrows || col >= r->ncols)
		return NULL;
	return &r->cells[row * r->ncols + col];
}

int db_rows_push(struct db_rows *r, size_t ncols)
{
	if (r->nrows == 0)
		r->ncols = ncols;
	if (r->ncols != ncols)
		return -1;
	if ((r->nrows + 1) * ncols > r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16 * (ncols ? ncols : 1);
		while (cap < (r->nrows + 1) * ncols)
			cap *= 2;
		struct db_cell *c = realloc(r->cells, cap * sizeof *c);
		if (!c)
			return -1;
		r->cells = c;
		r->cap = cap;
	}
	memset(&r->cells[r->nrows * ncols], 0, ncols * sizeof *r->cells);
	r->nrows++;
	return 0;
}

void db_rows_free(struct db_rows *r)
{
	for (size_t i = 0; i < r->nrows * r->ncols; i++)
		free(r->cells[i].p);
	free(r->cells);
	*r = (struct db_rows){0};
}

int db_cell_set(struct db_cell *c, enum db_kind kind, const void *p, size_t len)
{
	c->kind = kind;
	c->p = malloc(len + 1);
	if (!c->p)
		return -1;
	if (len)
		memcpy(c->p, p, len);
	c->p[len] = 0;
	c->len = len;
	return 0;
}

int db_get_int(const struct db_rows *r, size_t row, size_t col, int64_t *v, char *err, size_t err_len)
{
	const struct db_cell *c = db_cell(r, row, col);
	if (c && c->kind == DB_NULL) {
		*v = 0;
		return 0;
	}
	if (!c || c->kind != DB_INT)
		return err_set(err, err_len, "database: column %zu: expected an integer", col);
	*v = c->i;
	return 0;
}

int db_get_text(const struct db_rows *r, size_t row, size_t col, char *out, size_t cap, char *err, size_t err_len)
{
	const struct db_cell *c = db_cell(r, row, col);
	if (c && c->kind == DB_NULL) {
		out[0] = '\0';
		return 0;
	}
	if (!c || c->kind != DB_TEXT || c->len >= cap || memchr(c->p, 0, c->len))
		return err_set(err, err_len, "database: column %zu: expected text of at most %zu bytes", col, cap - 1);
	memcpy(out, c->p, c->len + 1);
	return 0;
}

int db_get_blob(const struct db_rows *r, size_t row, size_t col, uint8_t *out, size_t len, int *present, char *err,
		size_t err_len)
{
	const struct db_cell *c = db_cell(r, row, col);
	if (c && c->kind == DB_NULL && present) {
		*present = 0;
		return 0;
	}
	if (!c || c->kind != DB_BLOB || c->len != len)
		return err_set(err, err_len, "database: column %zu: expected %zu bytes, got %zu", col, len,
			       c ? c->len : 0);
	memcpy(out, c->p, len);
	if (present)
		*present = 1;
	return 0;
}

int store_check_name(const char *name, const char *what, char *err, size_t err_len)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n >= STORE_NAME_MAX)
		return err_set(err, err_len, "%s name '%s': expected 1 to %d bytes", what, name ? name : "",
			       STORE_NAME_MAX - 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
		if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
			return err_set(err, err_len,
				       "%s name '%.63s': byte %zu is not allowed (letters, digits, '.', '_', '-'; "
				       "first a letter or digit)", what, name, i + 1);
	}
	return 0;
}

int64_t store_now(void)
{
	return (int64_t)time(NULL);
}
