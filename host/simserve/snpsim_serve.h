/* snp-sim's unix-socket server: QEMU connects its virtio-serial chardev
 * here (as a client) and the guest's sim provider speaks lib/sim_proto.h
 * through it. One connection at a time; a connection may stay idle as long
 * as it likes between requests, but once a request has started it must
 * arrive in full within the timeout, and the response must be taken within
 * it too. Nothing a peer sends makes the server stop. */
#ifndef SNPBOOT_SNPSIM_SERVE_H
#define SNPBOOT_SNPSIM_SERVE_H

#include <signal.h>
#include <stdio.h>

#include "sim/snpsim.h"

struct snpsim_serve_opts {
	unsigned timeout_ms;               /* per request (read) and per response (write) */
	int once;                          /* return after the first report is sent */
	volatile sig_atomic_t *stop;       /* set by a signal handler: return soon */
	FILE *log;                         /* one line per connection and request */
};

/*
 * A listening unix stream socket at path (mode 0600). A stale socket file
 * (nobody accepting) is replaced; a live one or any other file is refused.
 * Returns the descriptor, or -1 with err.
 */
int snpsim_listen_unix(const char *path, char *err, size_t err_len);

/* Serves until *stop is set or, with once, a report was sent. Returns the
 * number of reports sent, or -1 if the listening socket failed. */
long snpsim_serve(int listen_fd, const struct snpsim_sp *sp, const struct snpsim_serve_opts *o);

#endif
