/* TCP addresses on the command line ("HOST:PORT", "[v6]:PORT") and the
 * listening sockets made from them: one piece for `snpboot client
 * --listen` and `snpboot broker serve`. */
#ifndef SNPBOOT_HOST_TCP_LISTEN_H
#define SNPBOOT_HOST_TCP_LISTEN_H

#include <stddef.h>

/* Splits arg at its last ':' into host (brackets of "[v6]" removed) and
 * port; both must be non-empty and fit. 0, or -1. */
int cli_split_host_port(const char *arg, char *host, size_t host_len, char *port, size_t port_len);

/* A listening TCP socket on addr (ADDR:PORT; port 0: any), SO_REUSEADDR,
 * close-on-exec, non-blocking if asked; *port (may be NULL) gets the port
 * bound. The descriptor, or -1 with err. */
int cli_tcp_listen(const char *addr, int backlog, int nonblock, unsigned *port, char *err, size_t err_len);

#endif
