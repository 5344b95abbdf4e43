/* Child processes, progress display and range copies for `snpboot encrypt-disk`. */
#include "encrypt_run.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/bytes.h"
#include "base/fd_io.h"

void progress_init(struct progress *p, int enabled, const char *what)
{
	memset(p, 0, sizeof *p);
	p->enabled = enabled;
	p->tty = isatty(2);
	p->what = what;
}

void progress_update(struct progress *p, uint64_t done, uint64_t total)
{
	if (!p || !p->enabled || total == 0)
		return;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long long ms = (now.tv_sec - p->last.tv_sec) * 1000LL + (now.tv_nsec - p->last.tv_nsec) / 1000000;
	if (p->shown && ms < 500 && done < total)
		return;
	if (done > total)
		done = total;
	int pct = (int)(done * 100 / total);
	if (p->shown && pct == p->last_pct)
		return;
	p->last = now;
	p->shown = 1;
	p->last_pct = pct;
	char size[64] = "";
	if (!p->percent_only)
		snprintf(size, sizeof size, " (%llu of %llu MiB)", (unsigned long long)(done >> 20),
			 (unsigned long long)(total >> 20));
	fprintf(stderr, "%ssnpboot encrypt-disk: %s %3d%%%s%s", p->tty ? "\r" : "", p->what, pct, size,
		p->tty ? "\033[K" : "\n");
}

void progress_end(struct progress *p)
{
	if (p && p->enabled && p->tty && p->shown)
		fputc('\n', stderr);
	if (p) {
		p->shown = 0;
		p->percent_only = 0;
	}
}

static int json_u64(const char *line, const char *key, uint64_t *v)
{
	const char *at = strstr(line, key);
	if (!at)
		return -1;
	at += strlen(key);
	char *end;
	errno = 0;
	unsigned long long n = strtoull(at, &end, 10);
	if (end == at || errno)
		return -1;
	*v = n;
	return 0;
}

int progress_parse_line(const char *line, uint64_t *done, uint64_t *total)
{
	/* cryptsetup: {"device":"...","device_bytes":"123","device_size":"456",...} */
	if (json_u64(line, "\"device_bytes\":\"", done) == 0 && json_u64(line, "\"device_size\":\"", total) == 0)
		return *done <= *total ? 0 : -1;
	/* qemu-img -p: "    (12.34/100%)" */
	const char *open = strchr(line, '(');
	unsigned whole, frac;
	char tail[8];
	if (open && sscanf(open, "(%3u.%2u/100%%%7s", &whole, &frac, tail) == 3 && tail[0] == ')' && whole <= 100 &&
	    frac < 100) {
		*done = (uint64_t)whole * 100 + frac;
		*total = 10000;
		return *done <= *total ? 1 : -1;
	}
	return -1;
}

/* Reads the child's stdout; lines end in \n or \r (qemu-img redraws with \r). */
static void pump_progress(int fd, struct progress *p)
{
	char line[512];
	size_t used = 0;
	for (;;) {
		char c;
		ssize_t n = read(fd, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (c != '\n' && c != '\r' && used + 1 < sizeof line) {
			line[used++] = c;
			continue;
		}
		line[used] = '\0';
		uint64_t done, total;
		int kind = used ? progress_parse_line(line, &done, &total) : -1;
		if (kind >= 0 && p) {
			p->percent_only = kind == 1;
			progress_update(p, done, total);
		}
		used = 0;
	}
}

int run_tool(const char *prog, char *const argv[], const char *cwd, const uint8_t *secret, size_t secret_len,
	     struct progress *p)
{
	int in[2] = {-1, -1}, out[2] = {-1, -1};
	pid_t parent = getpid(), pid = -1;
	if ((secret && pipe2(in, O_CLOEXEC) != 0) || pipe2(out, O_CLOEXEC) != 0 || (pid = fork()) < 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, out[0] < 0 ? "pipe" : "fork", strerror(errno));
		for (int i = 0; i < 2; i++) {
			if (in[i] >= 0)
				close(in[i]);
			if (out[i] >= 0)
				close(out[i]);
		}
		return -1;
	}
	if (pid == 0) {
		/* If we die (even by SIGKILL), the tool dies too: a rerun that resumes
		 * never races an orphan still writing the same image. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
			_exit(127);
		if ((secret && dup2(in[0], 0) < 0) || dup2(out[1], 1) < 0 || (cwd && chdir(cwd) != 0))
			_exit(127);
		if (!secret) {
			int null = open("/dev/null", O_RDONLY);
			if (null < 0 || dup2(null, 0) < 0)
				_exit(127);
		}
		execvp(argv[0], argv);
		fprintf(stderr, "%s: cannot run %s: %s\n", prog, argv[0], strerror(errno));
		_exit(127);
	}
	close(out[1]);
	if (secret) {
		close(in[0]);
		/* A key fits in the pipe buffer: no deadlock with the child's output. */
		void (*old)(int) = signal(SIGPIPE, SIG_IGN);
		int wrc = fd_write_all(in[1], secret, secret_len);
		signal(SIGPIPE, old);
		close(in[1]);
		if (wrc != 0)
			fprintf(stderr, "%s: could not hand the key to %s\n", prog, argv[0]);
	}
	pump_progress(out[0], p);
	close(out[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	progress_end(p);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

static int pread_all(int fd, uint8_t *buf, size_t len, uint64_t off)
{
	while (len > 0) {
		ssize_t n = pread(fd, buf, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			errno = 0; /* the end of the file, not an error of the system */
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

static int pwrite_all(int fd, const uint8_t *buf, size_t len, uint64_t off)
{
	while (len > 0) {
		ssize_t n = pwrite(fd, buf, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

int copy_range(const char *prog, int in, uint64_t in_off, int out, uint64_t out_off, uint64_t len, int sparse,
	       struct progress *p)
{
	enum { CHUNK = 1 << 20 };
	uint8_t *buf = malloc(CHUNK);
	if (!buf) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return -1;
	}
	int rc = 0;
	for (uint64_t done = 0; done < len;) {
		size_t n = len - done < CHUNK ? (size_t)(len - done) : CHUNK;
		if (pread_all(in, buf, n, in_off + done) != 0) {
			fprintf(stderr, "%s: read at byte %llu: %s\n", prog, (unsigned long long)in_off + done,
				errno ? strerror(errno) : "unexpected end of file");
			rc = -1;
			break;
		}
		if (!(sparse && bytes_all_zero(buf, n)) && pwrite_all(out, buf, n, out_off + done) != 0) {
			fprintf(stderr, "%s: write at byte %llu: %s\n", prog, (unsigned long long)out_off + done,
				strerror(errno));
			rc = -1;
			break;
		}
		done += n;
		progress_update(p, done, len);
	}
	progress_end(p);
	free(buf);
	if (rc == 0 && fsync(out) != 0) {
		fprintf(stderr, "%s: fsync: %s\n", prog, strerror(errno));
		rc = -1;
	}
	return rc;
}
