/* The broker's load generator (`make bench`, scripts/bench_broker.sh): many
 * fake guests in one program, each a forked process running sessions back to
 * back for a fixed time. Every session is a first stage's: a fresh P-384 TLS
 * key (chan_tls_server_init), the broker's key pinned, HELLO, a report from
 * snp-sim bound to the session (snp-sim --report-id-per-request gives each a
 * REPORT_ID of its own), EVIDENCE, SECRETS, RESULT ok (host/simserve/sim_guest.h).
 *
 *   broker_load broker   --connect IP:PORT  ...  guests dial the broker
 *   broker_load baseline --client SNPBOOT --vm-definition F --disk-key-file F ...
 *       the same guests, each session facing its own `snpboot client`
 *       process (started per session, dialing the guest): what an owner
 *       without a broker runs, one verifying process per guest.
 * Common: --sim SOCK --pin HEX --guests N --seconds S [--broker-pid PID].
 *
 * Latency is from the connection's start (broker: connect(); baseline: the
 * client's fork) to the disk key received. One line on stdout:
 *   load mode=M guests=N releases=R failed=F seconds=T rate=R/s p50_ms= p99_ms=
 *        max_ms= curve=ID [cpu_ms_per_release=C]
 * cpu_ms_per_release (with --broker-pid): user+system time of that process
 * and its children (live workers and reaped ones) over the run / releases. */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/bytes.h"
#include "bench_proc.h"
#include "chan/chan_tls_server.h"
#include "simserve/sim_guest.h"

#define MAX_GUESTS 256
#define MAX_PER_GUEST 8192
#define STEP_TIMEOUT_MS 60000

struct opts {
	int baseline;
	struct sockaddr_in broker;
	const char *sim, *client, *vmdef, *disk_key;
	uint8_t pin[32];
	unsigned guests, seconds;
	long broker_pid;
};

/* What one guest process counted, in memory shared with the parent. */
struct slot {
	unsigned ok, failed;
	unsigned curve;
	char first_error[160];
	uint32_t latency_us[MAX_PER_GUEST];
};

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* baseline: a listening socket on 127.0.0.1 (any port) and `snpboot client`
 * started to dial it. The client's output is dropped; its exit is reaped. */
static int start_client(const struct opts *o, pid_t *pid, char *err, size_t err_len)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof sa;
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof sa) || listen(lfd, 1) ||
	    getsockname(lfd, (struct sockaddr *)&sa, &len)) {
		snprintf(err, err_len, "listen: %s", strerror(errno));
		if (lfd >= 0)
			close(lfd);
		return -1;
	}
	char addr[32];
	snprintf(addr, sizeof addr, "127.0.0.1:%u", ntohs(sa.sin_port));
	*pid = fork();
	if (*pid == 0) {
		if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
			_exit(127);
		execl(o->client, o->client, "client", "--vm-definition", o->vmdef, "--disk-key-file", o->disk_key,
		      "--connect", addr, (char *)NULL);
		_exit(127);
	}
	int fd = *pid > 0 ? accept4(lfd, NULL, NULL, SOCK_CLOEXEC) : -1;
	if (fd < 0)
		snprintf(err, err_len, "client: %s", strerror(errno));
	close(lfd);
	return fd;
}

/* One session; 0 with the key received, -1 with err. */
static int session(const struct opts *o, struct chan_tls_server *s, struct slot *me, uint64_t *latency_us, char *err,
		   size_t err_len)
{
	/* A fresh guest key per session, as every boot of a first stage makes one. */
	if (chan_tls_server_init(s, o->pin, 1, err, err_len) != 0)
		return -1;
	uint64_t t0 = now_us();
	pid_t client = -1;
	int fd;
	if (o->baseline)
		fd = start_client(o, &client, err, err_len);
	else {
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (const struct sockaddr *)&o->broker, sizeof o->broker) != 0) {
			snprintf(err, err_len, "connect: %s", strerror(errno));
			close(fd);
			fd = -1;
		}
	}
	int rc = -1;
	struct chan_io io;
	struct sim_guest_outcome out;
	if (fd >= 0 && chan_tls_server_start(s, &io, fd, err, err_len) == 0) {
		chan_io_set_timeout(&io, STEP_TIMEOUT_MS);
		if (chan_io_handshake(&io, err, err_len) == 0) {
			me->curve = br_ssl_engine_get_ecdhe_curve(&s->sc.eng);
			enum sim_guest_end end = sim_guest_session(s, &io, o->sim, 0, 0, NULL, &out, err, err_len);
			rc = end == SIM_GUEST_KEY ? 0 : -1;
			if (end == SIM_GUEST_REFUSED)
				snprintf(err, err_len, "refused: %s", out.refusal);
		}
	}
	*latency_us = now_us() - t0;
	if (fd >= 0)
		close(fd);
	if (client > 0) {
		int st;
		waitpid(client, &st, 0);
		if (rc == 0 && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
			snprintf(err, err_len, "snpboot client exited with status %d", st);
			rc = -1;
		}
	}
	chan_tls_server_wipe(s);
	return rc;
}

static void guest_main(const struct opts *o, struct slot *me, uint64_t deadline)
{
	static struct chan_tls_server s; /* ~40 KiB: not on the stack */
	char err[400];
	while (now_us() < deadline && me->ok < MAX_PER_GUEST) {
		uint64_t lat;
		if (session(o, &s, me, &lat, err, sizeof err) == 0)
			me->latency_us[me->ok++] = (uint32_t)(lat > UINT32_MAX ? UINT32_MAX : lat);
		else if (me->failed++ == 0)
			snprintf(me->first_error, sizeof me->first_error, "%s", err);
	}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

static int report(const struct opts *o, struct slot *slots, double seconds, double cpu_ms)
{
	unsigned ok = 0, failed = 0, curve = 0;
	for (unsigned i = 0; i < o->guests; i++) {
		ok += slots[i].ok;
		failed += slots[i].failed;
		curve = slots[i].curve ? slots[i].curve : curve;
		if (slots[i].failed)
			fprintf(stderr, "broker_load: guest %u: %u failed, first: %s\n", i, slots[i].failed,
				slots[i].first_error);
	}
	uint32_t *all = calloc(ok ? ok : 1, sizeof *all);
	if (!all)
		return 1;
	size_t n = 0;
	for (unsigned i = 0; i < o->guests; i++)
		for (unsigned j = 0; j < slots[i].ok; j++)
			all[n++] = slots[i].latency_us[j];
	qsort(all, n, sizeof *all, cmp_u32);
	size_t i50 = n ? (n - 1) / 2 : 0, i99 = n ? (n - 1) * 99 / 100 : 0; /* nearest rank, rounded down */
	double p50 = n ? all[i50] / 1000.0 : 0, p99 = n ? all[i99] / 1000.0 : 0;
	double max = n ? all[n - 1] / 1000.0 : 0;
	printf("load mode=%s guests=%u releases=%u failed=%u seconds=%.2f rate=%.2f p50_ms=%.1f p99_ms=%.1f max_ms=%.1f "
	       "curve=%u",
	       o->baseline ? "baseline" : "broker", o->guests, ok, failed, seconds, ok / seconds, p50, p99, max, curve);
	if (cpu_ms >= 0)
		printf(" cpu_ms_per_release=%.3f", ok ? cpu_ms / ok : 0.0);
	printf("\n");
	free(all);
	return ok && !failed ? 0 : 1;
}

static int run(const struct opts *o)
{
	struct slot *slots = mmap(NULL, sizeof *slots * o->guests, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (slots == MAP_FAILED) {
		perror("broker_load: mmap");
		return 1;
	}
	double cpu0 = o->broker_pid ? bench_proc_cpu_ms(o->broker_pid) : -1;
	uint64_t t0 = now_us(), deadline = t0 + (uint64_t)o->seconds * 1000000u;
	pid_t pids[MAX_GUESTS];
	for (unsigned i = 0; i < o->guests; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			guest_main(o, &slots[i], deadline);
			_exit(0);
		}
		if (pids[i] < 0) {
			perror("broker_load: fork");
			return 1;
		}
	}
	for (unsigned i = 0; i < o->guests; i++)
		waitpid(pids[i], NULL, 0);
	double seconds = (double)(now_us() - t0) / 1e6;
	double cpu = o->broker_pid ? bench_proc_cpu_ms(o->broker_pid) - cpu0 : -1;
	return report(o, slots, seconds, cpu);
}

static int parse(struct opts *o, int argc, char **argv)
{
	memset(o, 0, sizeof *o);
	if (argc < 2 || (strcmp(argv[1], "broker") != 0 && strcmp(argv[1], "baseline") != 0))
		return -1;
	o->baseline = strcmp(argv[1], "baseline") == 0;
	const char *connect_to = NULL, *pin = NULL;
	for (int i = 2; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];
		if (strcmp(k, "--connect") == 0)
			connect_to = v;
		else if (strcmp(k, "--sim") == 0)
			o->sim = v;
		else if (strcmp(k, "--pin") == 0)
			pin = v;
		else if (strcmp(k, "--client") == 0)
			o->client = v;
		else if (strcmp(k, "--vm-definition") == 0)
			o->vmdef = v;
		else if (strcmp(k, "--disk-key-file") == 0)
			o->disk_key = v;
		else if (strcmp(k, "--guests") == 0)
			o->guests = (unsigned)strtoul(v, NULL, 10);
		else if (strcmp(k, "--seconds") == 0)
			o->seconds = (unsigned)strtoul(v, NULL, 10);
		else if (strcmp(k, "--broker-pid") == 0)
			o->broker_pid = strtol(v, NULL, 10);
		else
			return -1;
	}
	if (!o->sim || !pin || strlen(pin) != 64 || hex_decode(o->pin, 32, pin, 64) != 0 || o->guests == 0 ||
	    o->guests > MAX_GUESTS || o->seconds == 0)
		return -1;
	if (o->baseline)
		return o->client && o->vmdef && o->disk_key ? 0 : -1;
	char host[64];
	const char *colon = connect_to ? strrchr(connect_to, ':') : NULL;
	if (!colon || (size_t)(colon - connect_to) >= sizeof host)
		return -1;
	memcpy(host, connect_to, (size_t)(colon - connect_to));
	host[colon - connect_to] = '\0';
	o->broker.sin_family = AF_INET;
	o->broker.sin_port = htons((uint16_t)strtoul(colon + 1, NULL, 10));
	return inet_pton(AF_INET, host, &o->broker.sin_addr) == 1 ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct opts o;
	if (parse(&o, argc, argv) != 0) {
		fprintf(stderr, "usage: broker_load broker --connect IP:PORT [--broker-pid PID] COMMON\n"
				"       broker_load baseline --client SNPBOOT --vm-definition F --disk-key-file F COMMON\n"
				"COMMON: --sim SOCK --pin SHA256HEX --guests N (1..%d) --seconds S\n",
			MAX_GUESTS);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	return run(&o);
}
