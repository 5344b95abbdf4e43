/* launch-qemu --sim: snp-sim and QEMU as two children that live and die
 * together (launch_run.h). Polls rather than juggling SIGCHLD: a tenth of
 * a second of latency is nothing next to a VM's lifetime. */
#include "launch_run.h"

#include "qemu_cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROG "snpboot launch-qemu"

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

static void nap(void)
{
	struct timespec ts = {0, 100 * 1000 * 1000};
	nanosleep(&ts, NULL);
}

static int status_code(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 1;
}

/* SIGTERM, then SIGKILL if pid is still there after 10 s; reaps it and returns its status code. */
static int stop_child(pid_t pid)
{
	int st = 0;
	kill(pid, SIGTERM);
	for (int i = 0; i < 100; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return status_code(st);
		nap();
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return status_code(st);
}

static pid_t start_sim(const struct launch_run_opts *o)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	int in = open("/dev/null", O_RDONLY);
	if (in >= 0)
		dup2(in, 0);
	if (o->sim_log) {
		int fd = open(o->sim_log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0) {
			fprintf(stderr, PROG ": %s: %s\n", o->sim_log, strerror(errno));
			_exit(1);
		}
		dup2(fd, 1);
		dup2(fd, 2);
	}
	execv("/proc/self/exe", o->sim_argv);
	fprintf(stderr, PROG ": cannot run snp-sim (/proc/self/exe): %s\n", strerror(errno));
	_exit(127);
}

/* 0 once the socket exists; -1 if snp-sim ended, took too long or we were told to stop. */
static int wait_socket(const struct launch_run_opts *o, pid_t sim)
{
	time_t deadline = time(NULL) + (time_t)o->sim_start_s;
	struct stat st;
	int status;
	while (!got_signal) {
		if (stat(o->sim_socket, &st) == 0 && S_ISSOCK(st.st_mode))
			return 0;
		if (waitpid(sim, &status, WNOHANG) == sim) {
			fprintf(stderr, PROG ": snp-sim ended (status %d) before listening on %s%s%s\n", status_code(status),
				o->sim_socket, o->sim_log ? "; see " : "", o->sim_log ? o->sim_log : "");
			return -2;
		}
		if (time(NULL) > deadline) {
			fprintf(stderr, PROG ": snp-sim did not listen on %s within %u s\n", o->sim_socket, o->sim_start_s);
			break;
		}
		nap();
	}
	stop_child(sim);
	return -1;
}

/* The socket path must be free: a socket nobody listens on (an earlier run's) is removed, a live one
 * or anything else is left alone and refused. 0 or -1 (said on stderr). */
static int free_socket_path(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0) {
		if (errno == ENOENT)
			return 0;
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		fprintf(stderr, PROG ": %s exists and is not a socket; choose another --sim-socket\n", path);
		return -1;
	}
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof sa.sun_path) {
		fprintf(stderr, PROG ": %s: path too long for a unix socket\n", path);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int live = fd >= 0 && connect(fd, (const struct sockaddr *)&sa, sizeof sa) == 0;
	if (fd >= 0)
		close(fd);
	if (live) {
		fprintf(stderr, PROG ": %s is in use (another snp-sim?); choose another --sim-socket\n", path);
		return -1;
	}
	if (unlink(path) != 0 && errno != ENOENT) {
		fprintf(stderr, PROG ": cannot remove the stale socket %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static pid_t start_qemu(const struct launch_run_opts *o)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	execvp(o->qemu_argv[0], o->qemu_argv);
	fprintf(stderr, PROG ": cannot run %s: %s\n", o->qemu_argv[0], strerror(errno));
	_exit(127);
}

int launch_run_sim(const struct launch_run_opts *o)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	if (free_socket_path(o->sim_socket) != 0)
		return 1;
	pid_t sim = start_sim(o);
	if (sim < 0) {
		fprintf(stderr, PROG ": fork: %s\n", strerror(errno));
		return 1;
	}
	if (wait_socket(o, sim) != 0)
		return 1;
	pid_t qemu = start_qemu(o);
	if (qemu < 0) {
		fprintf(stderr, PROG ": fork: %s\n", strerror(errno));
		stop_child(sim);
		return 1;
	}
	int forwarded = 0;
	for (;;) {
		int st;
		pid_t pid = waitpid(-1, &st, WNOHANG);
		if (pid == qemu) {
			stop_child(sim);
			return status_code(st);
		}
		if (pid == sim) {
			if (forwarded) /* we asked it to stop: QEMU's status is the answer */
				return stop_child(qemu);
			fprintf(stderr, PROG ": snp-sim ended (status %d) while QEMU ran; stopping QEMU\n", status_code(st));
			stop_child(qemu);
			return 1;
		}
		if (got_signal && !forwarded) {
			/* QEMU ends on SIGINT/SIGTERM/SIGHUP; its exit is then ours as above. */
			kill(qemu, got_signal);
			kill(sim, SIGTERM);
			forwarded = 1;
		}
		if (pid <= 0)
			nap();
	}
}

unsigned launch_qemu_version(const char *qemu)
{
	int fds[2];
	if (pipe(fds) != 0)
		return 0;
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 2);
		}
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execlp(qemu, qemu, "--version", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	char text[512];
	size_t got = 0;
	ssize_t n;
	while (pid > 0 && got < sizeof text - 1 &&
	       ((n = read(fds[0], text + got, sizeof text - 1 - got)) > 0 || (n < 0 && errno == EINTR)))
		got += n > 0 ? (size_t)n : 0;
	close(fds[0]);
	text[got] = '\0';
	if (pid < 0)
		return 0;
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return qemu_parse_version(text);
}
