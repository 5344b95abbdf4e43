/*
 * The broker store on PostgreSQL: the same cases as on SQLite
 * (broker_store_cases.h), plus two connections racing one REPORT_ID.
 * Needs a server: tests/e2e/broker_store_pg.t starts one and names an empty
 * database in SNPBOOT_BROKER_PG_URL. Without it the test skips. With
 * SNPBOOT_BROKER_PG_DOWN=1 the server has been stopped: opening must fail
 * with a clear message, not crash.
 */
#include <stdlib.h>

#include "broker_store_cases.h"

int main(void)
{
	const char *url = getenv("SNPBOOT_BROKER_PG_URL");
	if (!url || !*url) {
		printf("1..0 # SKIP SNPBOOT_BROKER_PG_URL not set (tests/e2e/broker_store_pg.t sets it)\n");
		return 0;
	}
	const char *down = getenv("SNPBOOT_BROKER_PG_DOWN");
	if (down && *down == '1') {
		char err[BROKER_ERR_MAX] = "";
		struct broker_store *s = NULL;
		ok(broker_store_open(&s, url, test_master, err, sizeof err) != 0 && !s &&
			   contains(err, "postgresql: cannot connect"),
		   "postgresql: a stopped server gives a clear error: %s", err);
		return done_testing();
	}
	run_store_cases(url, "postgresql");

	/* The server ends our session (as a restart or a failover would): one
	 * call may fail with a clear message, the next one reconnects. */
	char err[BROKER_ERR_MAX] = "", v[BROKER_SETTING_MAX];
	struct broker_store *s = NULL;
	int found = 0;
	if (broker_store_open(&s, url, test_master, err, sizeof err) == 0) {
		ok(edit(s, "SELECT pg_terminate_backend(pg_backend_pid())", NULL, 0) != 0,
		   "postgresql: (test) the server ends the session");
		int first = broker_setting_get(s, "note", v, &found, err, sizeof err);
		ok(first == 0 || contains(err, "postgresql"), "postgresql: the next call reconnects or says why: %s",
		   first == 0 ? "reconnected" : err);
		ok(broker_setting_get(s, "note", v, &found, err, sizeof err) == 0 && found,
		   "postgresql: and the one after works: %s", found ? v : err);
		broker_store_close(s);
	} else {
		ok(0, "postgresql: open for the reconnect test: %s", err);
	}
	return done_testing();
}
