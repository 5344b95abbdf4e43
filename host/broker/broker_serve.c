/* `snpboot broker serve`: parent, worker pool, signals, metrics endpoint
 * (broker_serve.h). */
#include "broker_serve.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/bytes.h"
#include "broker/broker_log.h"
#include "broker/broker_master_key.h"
#include "cli/tcp_listen.h"
#include "client/owner_identity.h"

#define MAX_WORKERS 256
#define METRICS_MAX (16 * 1024)

static volatile sig_atomic_t stop_requested, reload_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void on_reload(int sig)
{
	(void)sig;
	reload_requested = 1;
}

static int set_handler(int sig, void (*fn)(int))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	return sigaction(sig, &sa, NULL);
}

/* ---- a worker ---------------------------------------------------------------- */

static int worker_setup(struct broker_worker *w, const struct broker_serve_config *cfg, struct selfcert *cert,
			char *err, size_t err_len)
{
	uint8_t mk[BROKER_MASTER_KEY_LEN];
	if (broker_master_key_load(cfg->master_key, mk, err, err_len) != 0)
		return -1;
	int rc = broker_store_open(&w->store, cfg->db, mk, err, err_len);
	secure_wipe(mk, sizeof mk);
	if (rc != 0)
		return -1;
	if (owner_identity_load(cfg->owner_key, cert, err, err_len) != 0 ||
	    chan_tls_client_init(&w->tls, cert, err, err_len) != 0)
		return -1;
	w->limits = cfg->limits;
	w->certs = cfg->certs;
	return 0;
}

/* The peer as "ADDR:PORT" (numeric). */
static void peer_name(const struct sockaddr_storage *ss, socklen_t len, char *out, size_t cap)
{
	char host[64], serv[16];
	if (getnameinfo((const struct sockaddr *)ss, len, host, sizeof host, serv, sizeof serv,
			NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		snprintf(out, cap, "?");
	else
		snprintf(out, cap, "%s%s%s:%s", strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "", serv);
}

/* The source a limit applies to: the address without the port. */
static void source_of(const char *peer, char *out, size_t cap)
{
	snprintf(out, cap, "%s", peer);
	char *colon = strrchr(out, ':');
	if (colon)
		*colon = '\0';
}

static void worker_main(const struct broker_serve_config *cfg, int lfd, struct broker_shared *shared)
{
	set_handler(SIGTERM, on_stop);
	set_handler(SIGINT, on_stop);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	struct broker_worker *w = calloc(1, sizeof *w);
	static struct selfcert cert;
	char err[BROKER_ERR_MAX];
	if (!w) {
		broker_log(BROKER_LOG_ERR, "worker: out of memory");
		_exit(1);
	}
	w->shared = shared;
	if (worker_setup(w, cfg, &cert, err, sizeof err) != 0) {
		broker_log(BROKER_LOG_ERR, "worker: %s", err);
		_exit(1);
	}
	broker_shared_add(&shared->workers_alive, 1);
	while (!stop_requested) {
		struct pollfd p = {.fd = lfd, .events = POLLIN};
		int n = poll(&p, 1, 500);
		if (n <= 0)
			continue;
		struct sockaddr_storage ss;
		socklen_t len = sizeof ss;
		int fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
		if (fd < 0)
			continue; /* another worker took it, or the peer left */
		/* TLS writes its flight as several small records: with Nagle, one
		 * waits for the guest's delayed ACK (40 ms) each round trip. */
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		char peer[BROKER_PEER_MAX], source[BROKER_PEER_MAX];
		peer_name(&ss, len, peer, sizeof peer);
		source_of(peer, source, sizeof source);
		broker_session_run(w, fd, peer, source);
	}
	broker_shared_add(&shared->workers_alive, -1);
	chan_tls_client_wipe(&w->tls);
	selfcert_wipe(&cert);
	broker_store_close(w->store);
	free(w);
	_exit(0);
}

/* ---- the parent --------------------------------------------------------------- */

struct pool {
	pid_t pids[MAX_WORKERS];
	time_t started[MAX_WORKERS];
	unsigned n;
};

static pid_t spawn(const struct broker_serve_config *cfg, int lfd, int mfd, struct broker_shared *shared)
{
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		/* The parent gone (SIGKILL, a crash): stop like on SIGTERM, after the
		 * session in flight. An orphaned worker would keep accepting
		 * guests unsupervised and keep the port from a restarted broker. */
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent)
			_exit(0);
		if (mfd >= 0)
			close(mfd);
		worker_main(cfg, lfd, shared);
	}
	return pid;
}

static void pool_start(struct pool *p, const struct broker_serve_config *cfg, int lfd, int mfd,
		       struct broker_shared *shared)
{
	p->n = cfg->workers;
	for (unsigned i = 0; i < p->n; i++) {
		p->pids[i] = spawn(cfg, lfd, mfd, shared);
		p->started[i] = time(NULL);
	}
}

static void pool_signal(const struct pool *p, int sig)
{
	for (unsigned i = 0; i < p->n; i++)
		if (p->pids[i] > 0)
			kill(p->pids[i], sig);
}

static unsigned pool_alive(const struct pool *p)
{
	unsigned n = 0;
	for (unsigned i = 0; i < p->n; i++)
		n += p->pids[i] > 0;
	return n;
}

/* Reaps exited workers of both pools; replaces the current pool's (not
 * more often than once a second per slot, so a worker that cannot start
 * does not spin). */
static void reap(struct pool *cur, struct pool *old, const struct broker_serve_config *cfg, int lfd, int mfd,
		 struct broker_shared *shared, int replace)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (unsigned i = 0; i < old->n; i++)
			if (old->pids[i] == pid)
				old->pids[i] = 0;
		for (unsigned i = 0; i < cur->n; i++)
			if (cur->pids[i] == pid) {
				cur->pids[i] = 0;
				if (WIFSIGNALED(status) || WEXITSTATUS(status) != 0)
					broker_log(BROKER_LOG_WARNING, "worker %d ended (%s %d)%s", (int)pid,
						   WIFSIGNALED(status) ? "signal" : "status",
						   WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status),
						   replace ? "; starting another" : "");
			}
	}
	if (!replace)
		return;
	for (unsigned i = 0; i < cur->n; i++)
		if (cur->pids[i] == 0 && time(NULL) > cur->started[i]) {
			cur->pids[i] = spawn(cfg, lfd, mfd, shared);
			cur->started[i] = time(NULL);
		}
}

/* One request on the metrics port: GET /metrics gets the text format. */
static void serve_metrics(int mfd, const struct broker_shared *shared)
{
	int fd = accept4(mfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	char req[512];
	struct pollfd p = {.fd = fd, .events = POLLIN};
	ssize_t n = poll(&p, 1, 2000) == 1 ? recv(fd, req, sizeof req - 1, 0) : -1;
	static char body[METRICS_MAX], head[256];
	if (n > 0) {
		req[n] = '\0';
		int ok = strncmp(req, "GET /metrics ", 13) == 0 || strncmp(req, "GET /metrics\r", 13) == 0;
		size_t blen = ok ? broker_shared_render(shared, body, sizeof body) : 0;
		int hlen = snprintf(head, sizeof head,
				    "HTTP/1.0 %s\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: %zu\r\n"
				    "Connection: close\r\n\r\n",
				    ok ? "200 OK" : "404 Not Found", blen);
		if (send(fd, head, (size_t)hlen, MSG_NOSIGNAL) == hlen && blen)
			(void)send(fd, body, blen, MSG_NOSIGNAL);
	}
	close(fd);
}

/* Opens the store once before any worker does: a bad master key, an
 * unreachable database or a newer schema stop the broker at the start with
 * the reason, and migrations run once. */
static int preflight(const struct broker_serve_config *cfg, char *err, size_t err_len)
{
	uint8_t mk[BROKER_MASTER_KEY_LEN];
	struct broker_store *s = NULL;
	static struct selfcert cert;
	if (broker_master_key_load(cfg->master_key, mk, err, err_len) != 0)
		return -1;
	int rc = broker_store_open(&s, cfg->db, mk, err, err_len);
	secure_wipe(mk, sizeof mk);
	broker_store_close(s);
	if (rc == 0)
		rc = owner_identity_load(cfg->owner_key, &cert, err, err_len);
	selfcert_wipe(&cert);
	return rc;
}

static int write_ready(const char *path, unsigned port, unsigned mport)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f, "listen_port=%u\nmetrics_port=%u\npid=%d\n", port, mport, (int)getpid());
	return fclose(f);
}

int broker_serve(const struct broker_serve_config *cfg)
{
	char err[BROKER_ERR_MAX];
	if (cfg->workers == 0 || cfg->workers > MAX_WORKERS) {
		broker_log(BROKER_LOG_ERR, "--workers must be 1..%d", MAX_WORKERS);
		return 2;
	}
	if (preflight(cfg, err, sizeof err) != 0) {
		broker_log(BROKER_LOG_ERR, "%s", err);
		return 1;
	}
	unsigned port = 0, mport = 0;
	/* Non-blocking: workers woken together must not block in accept(). */
	int lfd = cli_tcp_listen(cfg->listen, 128, 1, &port, err, sizeof err);
	int mfd = -1;
	if (lfd >= 0 && cfg->metrics)
		mfd = cli_tcp_listen(cfg->metrics, 16, 1, &mport, err, sizeof err);
	if (lfd < 0 || (cfg->metrics && mfd < 0)) {
		broker_log(BROKER_LOG_ERR, "%s", err);
		return 1;
	}
	struct broker_shared *shared = broker_shared_create();
	if (!shared) {
		broker_log(BROKER_LOG_ERR, "shared memory: %s", strerror(errno));
		return 1;
	}
	set_handler(SIGTERM, on_stop);
	set_handler(SIGINT, on_stop);
	set_handler(SIGHUP, on_reload);
	signal(SIGPIPE, SIG_IGN);
	static struct pool cur, old;
	pool_start(&cur, cfg, lfd, mfd, shared);
	broker_log(BROKER_LOG_NOTICE, "serving guests on port %u with %u workers (store %s)%s", port, cfg->workers,
		   cfg->db, mfd >= 0 ? "" : "; no metrics endpoint");
	if (mfd >= 0)
		broker_log(BROKER_LOG_INFO, "metrics on port %u (GET /metrics)", mport);
	if (cfg->ready_file && write_ready(cfg->ready_file, port, mport) != 0)
		broker_log(BROKER_LOG_WARNING, "cannot write %s: %s", cfg->ready_file, strerror(errno));
	while (!stop_requested) {
		if (reload_requested) {
			reload_requested = 0;
			broker_log(BROKER_LOG_NOTICE, "SIGHUP: starting a new pool; the old one finishes its sessions");
			if (preflight(cfg, err, sizeof err) != 0) {
				broker_log(BROKER_LOG_ERR, "reload refused, the running pool stays: %s", err);
			} else {
				pool_signal(&old, SIGTERM); /* a previous reload's stragglers */
				old = cur;
				pool_start(&cur, cfg, lfd, mfd, shared);
				pool_signal(&old, SIGTERM);
			}
		}
		struct pollfd p = {.fd = mfd, .events = POLLIN};
		if (poll(&p, mfd >= 0 ? 1 : 0, 250) == 1)
			serve_metrics(mfd, shared);
		reap(&cur, &old, cfg, lfd, mfd, shared, 1);
	}
	broker_log(BROKER_LOG_NOTICE, "stopping: no new sessions; waiting for those in flight");
	close(lfd);
	pool_signal(&cur, SIGTERM);
	pool_signal(&old, SIGTERM);
	while (pool_alive(&cur) + pool_alive(&old) > 0) {
		reap(&cur, &old, cfg, -1, mfd, shared, 0);
		struct timespec ts = {0, 50 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	if (mfd >= 0)
		close(mfd);
	broker_log(BROKER_LOG_NOTICE, "stopped");
	return 0;
}
