/* TCP addresses and listening sockets (tcp_listen.h). */
#include "tcp_listen.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int cli_split_host_port(const char *arg, char *host, size_t host_len, char *port, size_t port_len)
{
	const char *colon = strrchr(arg, ':');
	if (!colon || colon == arg || (size_t)(colon - arg) >= host_len || strlen(colon + 1) >= port_len ||
	    !colon[1])
		return -1;
	size_t n = (size_t)(colon - arg);
	if (n >= 2 && arg[0] == '[' && arg[n - 1] == ']') {
		arg++;
		n -= 2;
	}
	memcpy(host, arg, n);
	host[n] = '\0';
	memcpy(port, colon + 1, strlen(colon + 1) + 1);
	return host[0] ? 0 : -1;
}

int cli_tcp_listen(const char *addr, int backlog, int nonblock, unsigned *port, char *err, size_t err_len)
{
	char host[256], serv[16];
	if (cli_split_host_port(addr, host, sizeof host, serv, sizeof serv) != 0) {
		snprintf(err, err_len, "address '%s' must be ADDR:PORT", addr);
		return -1;
	}
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *res;
	int gai = getaddrinfo(host, serv, &hints, &res);
	if (gai != 0) {
		snprintf(err, err_len, "cannot listen on %s: %s", addr, gai_strerror(gai));
		return -1;
	}
	int one = 1;
	int fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0),
			res->ai_protocol);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, backlog) != 0) {
		snprintf(err, err_len, "listen on %s: %s", addr, strerror(errno));
		freeaddrinfo(res);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	freeaddrinfo(res);
	if (!port)
		return fd;
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0 ||
	    getnameinfo((struct sockaddr *)&ss, len, NULL, 0, serv, sizeof serv, NI_NUMERICSERV) != 0) {
		snprintf(err, err_len, "listen on %s: cannot read the port back", addr);
		close(fd);
		return -1;
	}
	*port = (unsigned)strtoul(serv, NULL, 10);
	return fd;
}
