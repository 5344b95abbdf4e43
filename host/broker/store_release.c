/*
 * Releases and the audit log (broker_store.h).
 *
 * One release per REPORT_ID once unlocked, across replicas: the database
 * decides, never a cache. report_id is the primary key of releases, and a
 * claim is a sequence of single statements, each atomic on both backends,
 * decided by its affected-row count:
 *   1. INSERT ... ON CONFLICT DO NOTHING      1 row: ours (a new launch)
 *   2. UPDATE ... WHERE the row may be taken   1 row: ours (a failed attempt,
 *      over (failed, or pending and old)         or a dead session's claim)
 *   3. SELECT state                          unlocked / pending: refuse
 * A pending claim whose key went out (release_sent) is never taken over.
 * Two sessions racing step 1 on PostgreSQL: the second waits for the first's
 * insert to commit, then inserts nothing. Racing step 2: the second
 * re-evaluates the WHERE on the row the first updated (claimed_at is fresh
 * now), matches nothing. On SQLite the writers are serialized anyway.
 */
#include "broker_store.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "base/bytes.h"
#include "base/err_text.h"
#include "store_db.h"

static int new_token(char token[BROKER_CLAIM_TOKEN_LEN], char *err, size_t err_len)
{
	uint8_t r[16];
	if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
		return err_set(err, err_len, "claim token: getrandom: %s", strerror(errno));
	hex_encode(token, r, sizeof r);
	return 0;
}

static enum broker_release_state state_of(const char *t)
{
	return strcmp(t, "unlocked") == 0 ? BROKER_RELEASE_UNLOCKED
	       : strcmp(t, "pending") == 0 ? BROKER_RELEASE_PENDING
					    : BROKER_RELEASE_FAILED;
}

int broker_release_get(struct broker_store *s, const uint8_t report_id[BROKER_REPORT_ID_LEN], struct broker_release *r,
		       int *found, char *err, size_t err_len)
{
	struct db_val p[] = {db_blob(report_id, BROKER_REPORT_ID_LEN)};
	struct db_rows rows = {0};
	char state[16];
	memset(r, 0, sizeof *r);
	*found = 0;
	int rc = db_exec(s, "SELECT vm_id, state, claimed_at, finished_at FROM releases WHERE report_id = $1", p, 1,
			 &rows, err, err_len);
	if (rc == 0 && rows.nrows == 1) {
		memcpy(r->report_id, report_id, BROKER_REPORT_ID_LEN);
		rc = db_get_int(&rows, 0, 0, &r->vm_id, err, err_len) ||
		     db_get_text(&rows, 0, 1, state, sizeof state, err, err_len) ||
		     db_get_int(&rows, 0, 2, &r->claimed_at, err, err_len) ||
		     db_get_int(&rows, 0, 3, &r->finished_at, err, err_len);
		r->state = state_of(state);
		*found = rc == 0;
	}
	db_rows_free(&rows);
	return rc ? -1 : 0;
}

/* Whether the current claim of report_id has sent its key. */
static int key_sent(struct broker_store *s, const uint8_t report_id[BROKER_REPORT_ID_LEN], int *sent, char *err,
		    size_t err_len)
{
	struct db_val p[] = {db_blob(report_id, BROKER_REPORT_ID_LEN)};
	struct db_rows rows = {0};
	int rc = db_exec(s,
			 "SELECT COUNT(*) FROM release_sent t JOIN releases r ON r.report_id = t.report_id "
			 "AND r.claim_token = t.claim_token WHERE r.report_id = $1",
			 p, 1, &rows, err, err_len);
	int64_t n = 0;
	if (rc == 0)
		rc = db_get_int(&rows, 0, 0, &n, err, err_len);
	db_rows_free(&rows);
	*sent = n > 0;
	return rc ? -1 : 0;
}

int broker_release_mark_sent(struct broker_store *s, const struct broker_claim *claim, char *err, size_t err_len)
{
	char hex[2 * BROKER_REPORT_ID_LEN + 1];
	hex_encode(hex, claim->report_id, BROKER_REPORT_ID_LEN);
	struct db_val p[] = {db_blob(claim->report_id, BROKER_REPORT_ID_LEN), db_text(claim->token), db_int(store_now())};
	struct db_rows rows = {0};
	/* Only while the claim is still ours and pending: one statement, so a
	 * takeover between a check and the insert cannot slip in. */
	int rc = db_exec(s,
			 "INSERT INTO release_sent (report_id, claim_token, sent_at) "
			 "SELECT report_id, claim_token, $3 FROM releases "
			 "WHERE report_id = $1 AND claim_token = $2 AND state = 'pending'",
			 p, 3, &rows, err, err_len);
	if (rc == 0 && rows.changes != 1)
		rc = err_set(err, err_len, "REPORT_ID %s: this session's claim is gone (taken over after its timeout); "
					   "the key was not sent", hex);
	db_rows_free(&rows);
	return rc;
}

int broker_release_claim(struct broker_store *s, const uint8_t report_id[BROKER_REPORT_ID_LEN], int64_t vm_id,
			 int64_t timeout_s, struct broker_claim *claim, enum broker_claim_result *result, char *err,
			 size_t err_len)
{
	char token[BROKER_CLAIM_TOKEN_LEN], hex[2 * BROKER_REPORT_ID_LEN + 1];
	hex_encode(hex, report_id, BROKER_REPORT_ID_LEN);
	if (s->in_tx)
		return err_set(err, err_len, "REPORT_ID %s: a claim cannot run inside another transaction", hex);
	if (timeout_s < 0 || new_token(token, err, err_len) != 0)
		return err_set(err, err_len, "REPORT_ID %s: bad timeout or no randomness", hex);
	int64_t now = store_now();
	struct db_val p[] = {db_blob(report_id, BROKER_REPORT_ID_LEN), db_int(vm_id), db_text(token), db_int(now),
			     db_int(now - timeout_s)};
	struct db_rows rows = {0};
	int rc = db_exec(s,
			 "INSERT INTO releases (report_id, vm_id, state, claim_token, claimed_at) "
			 "VALUES ($1, $2, 'pending', $3, $4) ON CONFLICT (report_id) DO NOTHING",
			 p, 4, &rows, err, err_len);
	int mine = rc == 0 && rows.changes == 1;
	db_rows_free(&rows);
	if (rc == 0 && !mine) {
		rc = db_exec(s,
			     "UPDATE releases SET state = 'pending', claim_token = $3, claimed_at = $4, finished_at = NULL "
			     "WHERE report_id = $1 AND vm_id = $2 AND "
			     "(state = 'failed' OR (state = 'pending' AND claimed_at <= $5 AND NOT EXISTS "
			     "(SELECT 1 FROM release_sent t WHERE t.report_id = releases.report_id "
			     "AND t.claim_token = releases.claim_token)))",
			     p, 5, &rows, err, err_len);
		mine = rc == 0 && rows.changes == 1;
		db_rows_free(&rows);
	}
	if (rc != 0)
		return -1;
	if (mine) {
		memcpy(claim->report_id, report_id, BROKER_REPORT_ID_LEN);
		claim->vm_id = vm_id;
		memcpy(claim->token, token, sizeof token);
		*result = BROKER_CLAIMED;
		return 0;
	}
	struct broker_release r;
	int found = 0;
	if (broker_release_get(s, report_id, &r, &found, err, err_len) != 0)
		return -1;
	if (found && r.state == BROKER_RELEASE_UNLOCKED) {
		*result = BROKER_ALREADY_UNLOCKED;
		return 0;
	}
	if (found && r.vm_id != vm_id)
		return err_set(err, err_len, "REPORT_ID %s is on record for another vm (id %lld), not vm id %lld", hex,
			       (long long)r.vm_id, (long long)vm_id);
	if (found && r.state == BROKER_RELEASE_PENDING) {
		int sent = 0;
		if (key_sent(s, report_id, &sent, err, err_len) != 0)
			return -1;
		*result = sent ? BROKER_KEY_SENT : BROKER_IN_FLIGHT;
		return 0;
	}
	/* Finished as failed or removed between our statements: another session is at work. */
	return err_set(err, err_len, "REPORT_ID %s changed while being claimed; try again", hex);
}

int broker_release_finish(struct broker_store *s, const struct broker_claim *claim, enum broker_release_state outcome,
			  char *err, size_t err_len)
{
	char hex[2 * BROKER_REPORT_ID_LEN + 1];
	hex_encode(hex, claim->report_id, BROKER_REPORT_ID_LEN);
	if (outcome != BROKER_RELEASE_UNLOCKED && outcome != BROKER_RELEASE_FAILED)
		return err_set(err, err_len, "REPORT_ID %s: a claim finishes as unlocked or failed", hex);
	struct db_val p[] = {db_text(broker_release_state_name(outcome)), db_int(store_now()),
			     db_blob(claim->report_id, BROKER_REPORT_ID_LEN), db_text(claim->token)};
	struct db_rows rows = {0};
	int rc = db_exec(s,
			 "UPDATE releases SET state = $1, finished_at = $2 "
			 "WHERE report_id = $3 AND claim_token = $4 AND state = 'pending'",
			 p, 4, &rows, err, err_len);
	if (rc == 0 && rows.changes != 1)
		rc = err_set(err, err_len,
			     "REPORT_ID %s: this session's claim is gone (taken over after its timeout, or finished "
			     "already); outcome %s not recorded",
			     hex, broker_release_state_name(outcome));
	db_rows_free(&rows);
	return rc;
}

int broker_event_add(struct broker_store *s, const struct broker_event *ev, char *err, size_t err_len)
{
	char name[BROKER_NAME_MAX], reason[BROKER_REASON_MAX], peer[BROKER_PEER_MAX];
	/* Copies: a caller's unterminated buffer is cut, never overread. */
	snprintf(name, sizeof name, "%.*s", (int)sizeof ev->vm_name - 1, ev->vm_name);
	snprintf(reason, sizeof reason, "%.*s", (int)sizeof ev->reason - 1, ev->reason);
	snprintf(peer, sizeof peer, "%.*s", (int)sizeof ev->peer - 1, ev->peer);
	struct db_val p[] = {
		db_int(ev->at ? ev->at : store_now()),
		db_text(name),
		ev->has_report_id ? db_blob(ev->report_id, BROKER_REPORT_ID_LEN) : db_null(),
		ev->has_chip_id ? db_blob(ev->chip_id, BROKER_CHIP_ID_LEN) : db_null(),
		ev->has_tcb ? db_int((int64_t)ev->reported_tcb) : db_null(),
		db_text(broker_verdict_name(ev->verdict)),
		db_text(reason),
		db_text(peer),
	};
	return db_exec(s,
		       "INSERT INTO events (at, vm_name, report_id, chip_id, reported_tcb, verdict, reason, peer) "
		       "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
		       p, 8, NULL, err, err_len);
}

int broker_event_list(struct broker_store *s, int64_t since, int (*fn)(void *ctx, const struct broker_event *ev),
		      void *ctx, char *err, size_t err_len)
{
	struct db_val p[] = {db_int(since)};
	struct db_rows rows = {0};
	int rc = db_exec(s,
			 "SELECT id, at, vm_name, report_id, chip_id, reported_tcb, verdict, reason, peer FROM events "
			 "WHERE at >= $1 ORDER BY id",
			 p, 1, &rows, err, err_len);
	for (size_t i = 0; rc == 0 && i < rows.nrows; i++) {
		struct broker_event ev = {0};
		char verdict[16];
		int64_t tcb = 0;
		const struct db_cell *t = db_cell(&rows, i, 5);
		rc = db_get_int(&rows, i, 0, &ev.id, err, err_len) || db_get_int(&rows, i, 1, &ev.at, err, err_len) ||
		     db_get_text(&rows, i, 2, ev.vm_name, sizeof ev.vm_name, err, err_len) ||
		     db_get_blob(&rows, i, 3, ev.report_id, sizeof ev.report_id, &ev.has_report_id, err, err_len) ||
		     db_get_blob(&rows, i, 4, ev.chip_id, sizeof ev.chip_id, &ev.has_chip_id, err, err_len) ||
		     db_get_int(&rows, i, 5, &tcb, err, err_len) ||
		     db_get_text(&rows, i, 6, verdict, sizeof verdict, err, err_len) ||
		     db_get_text(&rows, i, 7, ev.reason, sizeof ev.reason, err, err_len) ||
		     db_get_text(&rows, i, 8, ev.peer, sizeof ev.peer, err, err_len);
		ev.has_tcb = t && t->kind == DB_INT;
		ev.reported_tcb = (uint64_t)tcb;
		ev.verdict = strcmp(verdict, "released") == 0  ? BROKER_VERDICT_RELEASED
			     : strcmp(verdict, "refused") == 0 ? BROKER_VERDICT_REFUSED
							       : BROKER_VERDICT_ERROR;
		if (rc == 0 && fn(ctx, &ev) != 0)
			rc = err_set(err, err_len, "event list: stopped by the caller");
	}
	db_rows_free(&rows);
	return rc ? -1 : 0;
}
