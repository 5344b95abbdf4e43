/* snpboot chan-selftest: runs the guest's side of the attested channel's TLS
 * once on the host, so other TLS implementations (the openssl CLI in
 * tests/e2e/chan_openssl.t) can check it from outside: policy, certificate,
 * owner pinning and the RFC 5705 exporter. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/bytes.h"
#include "chan/chan_binding.h"
#include "chan/chan_io.h"
#include "chan/chan_tls_server.h"
#include "commands.h"
#include "simserve/sim_guest.h"

#define MAX_PINS CHAN_PEER_MAX_PINS

static const char usage_text[] =
	"usage: snpboot chan-selftest (--listen IPV4:PORT | --connect IPV4:PORT) [--pin SHA256HEX]...\n"
	"                             [--timeout-ms N]\n"
	"                             [--attest-sim SOCKET [--vmpl N] [--hold-result-ms N]]\n"
	"\n"
	"Runs the guest's TLS server of the attested channel once, with a fresh P-384\n"
	"key and self-signed certificate, for interoperability tests. Accepts one\n"
	"connection (or, with --connect, dials the owner or broker like a first stage in\n"
	"connect mode), completes the handshake, prints what was agreed, then reads until\n"
	"the peer closes. PORT 0 picks a free port. Lines on stdout:\n"
	"  listening IP:PORT\n"
	"  guest-key-sha256 HEX          SHA-256 of the server's SubjectPublicKeyInfo\n"
	"  handshake ok SUITE\n"
	"  owner-key-sha256 HEX          with --pin: the client key that was accepted\n"
	"  exporter-no-context HEX       RFC 5705 exporter, label EXPORTER-snpboot, no\n"
	"                                context, 32 bytes (openssl s_client -keymatexport)\n"
	"--pin requires a client certificate whose key has this SPKI fingerprint\n"
	"(openssl pkey -pubout -outform DER | sha256sum); repeatable, at most 8.\n"
	"--timeout-ms bounds the wait for the connection and each later step (default 30000).\n"
	"--attest-sim SOCKET plays the first stage's side of the protocol instead, without\n"
	"a VM, for host-only tests of `snpboot client`: HELLO, REPORT_DATA bound to this\n"
	"session, a report from snp-sim at SOCKET (at VMPL N, default 0), EVIDENCE; then\n"
	"  owner refused: REASON     the client sent REJECT (exit 1)\n"
	"  disk key received N bytes the client sent SECRETS (never printed); the answer\n"
	"                            is RESULT ok \"unlocked (chan-selftest: nothing unlocked)\"\n"
	"  report-id HEX             the report's REPORT_ID (printed before EVIDENCE)\n"
	"--hold-result-ms N waits N ms between the key's arrival and RESULT (a guest slow\n"
	"to unlock, or one that dies holding the key: broker tests kill the broker then).\n"
	"Nothing is unlocked: it only shows what the client decided.\n"
	"Exit: 0 handshake completed (with --attest-sim: the key was received), 1 refused\n"
	"or failed, 2 usage.\n";

static int parse_listen(const char *arg, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(arg, ':');
	char *end;
	if (!colon || (size_t)(colon - arg) >= sizeof(host))
		return -1;
	memcpy(host, arg, (size_t)(colon - arg));
	host[colon - arg] = '\0';
	long port = strtol(colon + 1, &end, 10);
	if (*end || end == colon + 1 || port < 0 || port > 65535)
		return -1;
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

static int listen_on(const struct sockaddr_in *sa)
{
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in bound = {0};
	socklen_t blen = sizeof(bound);
	char ip[INET_ADDRSTRLEN] = "?";
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (const struct sockaddr *)sa, sizeof(*sa)) || listen(fd, 1) ||
	    getsockname(fd, (struct sockaddr *)&bound, &blen)) {
		fprintf(stderr, "snpboot chan-selftest: listen: %s\n", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	inet_ntop(AF_INET, &bound.sin_addr, ip, sizeof(ip));
	printf("listening %s:%u\n", ip, ntohs(bound.sin_port));
	fflush(stdout);
	return fd;
}

static int accept_one(int lfd, unsigned timeout_ms)
{
	struct pollfd p = {.fd = lfd, .events = POLLIN};
	int n;
	do
		n = poll(&p, 1, (int)timeout_ms);
	while (n < 0 && errno == EINTR);
	if (n == 0) {
		fprintf(stderr, "snpboot chan-selftest: no connection within %u ms\n", timeout_ms);
		return -1;
	}
	int fd = n > 0 ? accept4(lfd, NULL, NULL, SOCK_CLOEXEC) : -1;
	if (fd < 0)
		fprintf(stderr, "snpboot chan-selftest: accept: %s\n", strerror(errno));
	return fd;
}

static void print_hex(const char *label, const uint8_t *p, size_t len)
{
	char hex[2 * 64 + 1];
	hex_encode(hex, p, len);
	printf("%s %s\n", label, hex);
}

/* The first stage's side after the handshake, with snp-sim as the platform. */
static int fake_guest(struct chan_tls_server *s, struct chan_io *io, const char *sock, uint32_t vmpl,
		      unsigned hold_ms, char *err, size_t err_len)
{
	struct sim_guest_outcome out;
	enum sim_guest_end end = sim_guest_session(s, io, sock, vmpl, hold_ms, stdout, &out, err, err_len);
	if (end == SIM_GUEST_REFUSED)
		printf("owner refused: %s\n", out.refusal);
	fflush(stdout);
	return end == SIM_GUEST_KEY ? 0 : -1;
}

static int serve(struct chan_tls_server *s, int fd, unsigned timeout_ms, const char *sim_sock, uint32_t vmpl,
		 unsigned hold_ms)
{
	struct chan_io io;
	char err[400];
	uint8_t exporter[CHAN_EXPORTER_LEN];

	if (chan_tls_server_start(s, &io, fd, err, sizeof(err)))
		goto fail;
	chan_io_set_timeout(&io, timeout_ms);
	if (chan_io_handshake(&io, err, sizeof(err)))
		goto fail;
	printf("handshake ok %s\n", chan_io_suite(&io));
	if (chan_tls_server_owner_sha256(s))
		print_hex("owner-key-sha256", chan_tls_server_owner_sha256(s), 32);
	if (sim_sock) {
		fflush(stdout);
		if (fake_guest(s, &io, sim_sock, vmpl, hold_ms, err, sizeof(err)) != 0)
			goto fail;
		return 0;
	}
	if (!br_ssl_key_export(&s->sc.eng, exporter, sizeof(exporter), CHAN_EXPORTER_LABEL, NULL, 0)) {
		snprintf(err, sizeof(err), "TLS exporter unavailable after the handshake");
		goto fail;
	}
	print_hex("exporter-no-context", exporter, sizeof(exporter));
	fflush(stdout);
	/* Whatever the peer sends is read and dropped until it closes. */
	for (;;) {
		const uint8_t *data;
		size_t len;
		if (chan_io_peek(&io, &data, &len, err, sizeof(err)))
			break;
		chan_io_consume(&io, len);
	}
	return 0;
fail:
	fprintf(stderr, "snpboot chan-selftest: %s\n", err);
	return -1;
}

/* Dials the owner (or broker) like a first stage in connect mode; the guest
 * stays the TLS server. */
static int connect_to(const struct sockaddr_in *sa)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) != 0) {
		fprintf(stderr, "snpboot chan-selftest: connect: %s\n", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int cmd_chan_selftest(int argc, char **argv)
{
	static const struct option opts[] = {
		{"listen", required_argument, NULL, 'l'},
		{"connect", required_argument, NULL, 'c'},
		{"pin", required_argument, NULL, 'p'},
		{"timeout-ms", required_argument, NULL, 't'},
		{"attest-sim", required_argument, NULL, 's'},
		{"vmpl", required_argument, NULL, 'v'},
		{"hold-result-ms", required_argument, NULL, 'H'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	static struct chan_tls_server server; /* ~40 KiB: not on the stack */
	uint8_t pins[MAX_PINS][32];
	size_t n_pins = 0;
	unsigned timeout_ms = 30000, hold_ms = 0;
	struct sockaddr_in sa;
	const char *listen_arg = NULL, *connect_arg = NULL, *sim_sock = NULL;
	uint32_t vmpl = 0;
	char err[300], *end;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			listen_arg = optarg;
			break;
		case 'c':
			connect_arg = optarg;
			break;
		case 'p':
			if (n_pins == MAX_PINS || strlen(optarg) != 64 || hex_decode(pins[n_pins], 32, optarg, 64)) {
				fprintf(stderr, "snpboot chan-selftest: --pin wants 64 hex digits (at most %d pins): '%s'\n",
					MAX_PINS, optarg);
				return EXIT_USAGE;
			}
			n_pins++;
			break;
		case 't': {
			unsigned long v = strtoul(optarg, &end, 10);
			if (*end || end == optarg || v == 0 || v > 3600000) {
				fprintf(stderr, "snpboot chan-selftest: --timeout-ms wants 1..3600000, got '%s'\n", optarg);
				return EXIT_USAGE;
			}
			timeout_ms = (unsigned)v;
			break;
		}
		case 's':
			sim_sock = optarg;
			break;
		case 'v': {
			unsigned long v = strtoul(optarg, &end, 10);
			if (*end || end == optarg || v > 3) {
				fprintf(stderr, "snpboot chan-selftest: --vmpl wants 0..3, got '%s'\n", optarg);
				return EXIT_USAGE;
			}
			vmpl = (uint32_t)v;
			break;
		}
		case 'H': {
			unsigned long v = strtoul(optarg, &end, 10);
			if (*end || end == optarg || v > 3600000) {
				fprintf(stderr, "snpboot chan-selftest: --hold-result-ms wants 0..3600000, got '%s'\n", optarg);
				return EXIT_USAGE;
			}
			hold_ms = (unsigned)v;
			break;
		}
		case 'h':
			fputs(usage_text, stdout);
			return EXIT_OK;
		default:
			fputs(usage_text, stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc || !listen_arg == !connect_arg) {
		fputs(usage_text, stderr);
		return EXIT_USAGE;
	}
	if (parse_listen(listen_arg ? listen_arg : connect_arg, &sa)) {
		fprintf(stderr, "snpboot chan-selftest: --%s wants IPV4:PORT, got '%s'\n", listen_arg ? "listen" : "connect",
			listen_arg ? listen_arg : connect_arg);
		return EXIT_USAGE;
	}
	if (chan_tls_server_init(&server, &pins[0][0], n_pins, err, sizeof(err))) {
		fprintf(stderr, "snpboot chan-selftest: %s\n", err);
		chan_tls_server_wipe(&server);
		return EXIT_FAILURE_GENERIC;
	}
	int rc = EXIT_FAILURE_GENERIC, lfd = -1, fd = -1;
	if (connect_arg) {
		print_hex("guest-key-sha256", chan_tls_server_spki_sha256(&server), 32);
		fflush(stdout);
		fd = connect_to(&sa);
	} else if ((lfd = listen_on(&sa)) >= 0) {
		print_hex("guest-key-sha256", chan_tls_server_spki_sha256(&server), 32);
		fflush(stdout);
		fd = accept_one(lfd, timeout_ms);
		close(lfd);
	}
	if (fd >= 0) {
		rc = serve(&server, fd, timeout_ms, sim_sock, vmpl, hold_ms) == 0 ? EXIT_OK : EXIT_FAILURE_GENERIC;
		close(fd);
	}
	chan_tls_server_wipe(&server);
	return rc;
}
