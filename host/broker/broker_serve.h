/* `snpboot broker serve`: the process model. A parent process owns the
 * listening socket, the metrics endpoint and the signals; it forks a fixed
 * pool of workers that each accept() guest connections on the shared socket
 * and serve one at a time (broker_session.h), each with its own store
 * connection and TLS state. So the pool size caps the sessions (handshakes
 * included) in flight, a slow or malicious peer holds one worker for at
 * most the step deadlines, and a worker that crashes is replaced without
 * taking the others down.
 *
 * Signals: SIGTERM/SIGINT stop accepting, let every session in flight
 * finish, then exit 0; SIGHUP starts a fresh pool (which re-reads the
 * broker key, master key and store) and retires the old one the same
 * gentle way. */
#ifndef SNPBOOT_HOST_BROKER_SERVE_H
#define SNPBOOT_HOST_BROKER_SERVE_H

#include "broker/broker_session.h"

struct broker_serve_config {
	const char *db;          /* store URL (broker_store_open) */
	const char *master_key;  /* file or cred:NAME (broker_master_key_load) */
	const char *owner_key;   /* the broker's P-384 key file: what guests pin */
	const char *listen;      /* ADDR:PORT for guests */
	const char *metrics;     /* ADDR:PORT for GET /metrics, or NULL */
	unsigned workers;        /* pool size: sessions in flight at most */
	struct broker_limits limits;
	struct owner_cert_source certs;
	const char *ready_file;  /* written (with the listening ports) once serving; NULL: none */
};

/* Runs until stopped. 0 after a clean stop, or an exit code after saying why. */
int broker_serve(const struct broker_serve_config *cfg);

#endif
