/* PID-1 logging. Writes go straight to file descriptors (no stdio buffering,
 * so nothing is lost if the next step powers off). */
#include "log.h"
#include "base/fd_io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int console_fd = 2; /* the kernel's initial console, if it gave us one */
static int kmsg_fd = -1;
static enum log_level max_level = LOG_INFO;

void log_open(void)
{
	if (kmsg_fd < 0)
		kmsg_fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	int fd = open("/dev/console", O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (fd >= 0) {
		if (console_fd > 2)
			close(console_fd);
		console_fd = fd;
	}
}

void log_set_level(enum log_level level) { max_level = level; }

static const char *level_tag(enum log_level level)
{
	switch (level) {
	case LOG_ERR: return "error: ";
	case LOG_WARNING: return "warning: ";
	default: return "";
	}
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	if (level > max_level)
		return;
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	int prefix = snprintf(line, sizeof line, "<%d>snpboot: ", (int)level);
	int body = vsnprintf(line + prefix, sizeof line - (size_t)prefix - 1, fmt, ap);
	va_end(ap);
	size_t len = (size_t)prefix + (body < 0 ? 0 : (size_t)body);
	if (len > sizeof line - 2)
		len = sizeof line - 2; /* truncated: keep the newline */
	line[len++] = '\n';

	/* /dev/kmsg takes one record per write(), with the <level> prefix. */
	if (kmsg_fd >= 0)
		(void)fd_write_all(kmsg_fd, line, len); /* a failed log write has nowhere to go */
	/* The console gets "snpboot: error: ..." without the syslog prefix. */
	const char *tag = level_tag(level);
	char con[600];
	int n = snprintf(con, sizeof con, "snpboot: %s%.*s", tag, (int)(len - (size_t)prefix), line + prefix);
	if (n > 0)
		(void)fd_write_all(console_fd, con, (size_t)n < sizeof con ? (size_t)n : sizeof con - 1);
}
