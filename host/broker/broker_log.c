/* The broker's log lines (broker_log.h). Each line is built in one buffer
 * and written with one write(2), so lines from several workers never mix. */
#include "broker_log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define LINE_MAX_LEN 2048

static int json_lines;

void broker_log_set_json(int json)
{
	json_lines = json;
}

static const char *level_name(enum broker_log_level l)
{
	switch (l) {
	case BROKER_LOG_ERR: return "error";
	case BROKER_LOG_WARNING: return "warning";
	case BROKER_LOG_NOTICE: return "notice";
	case BROKER_LOG_INFO: return "info";
	}
	return "info";
}

/* Appends s to line as JSON string contents (or, for text, with quotes and
 * control characters replaced when it has spaces or specials). */
static size_t put_value(char *line, size_t n, const char *s, int json)
{
	int quote = !json && (strpbrk(s, " \t\"=") != NULL || !*s);
	if (quote && n < LINE_MAX_LEN - 1)
		line[n++] = '"';
	for (; *s && n < LINE_MAX_LEN - 8; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			line[n++] = '\\';
			line[n++] = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			n += (size_t)snprintf(line + n, LINE_MAX_LEN - n, json ? "\\u%04x" : "?", c);
		} else {
			line[n++] = (char)c;
		}
	}
	if (quote && n < LINE_MAX_LEN - 1)
		line[n++] = '"';
	return n;
}

static void emit(char *line, size_t n)
{
	if (n >= LINE_MAX_LEN - 1)
		n = LINE_MAX_LEN - 2;
	line[n++] = '\n';
	ssize_t w;
	do
		w = write(STDERR_FILENO, line, n);
	while (w < 0 && errno == EINTR);
}

void broker_log(enum broker_log_level level, const char *fmt, ...)
{
	char text[LINE_MAX_LEN / 2], line[LINE_MAX_LEN];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	size_t n;
	if (json_lines) {
		n = (size_t)snprintf(line, sizeof line, "{\"level\":\"%s\",\"msg\":\"", level_name(level));
		n = put_value(line, n, text, 1);
		n += (size_t)snprintf(line + n, sizeof line - n, "\"}");
	} else {
		n = (size_t)snprintf(line, sizeof line, "<%d>snpboot broker: %s", (int)level, text);
	}
	emit(line, n);
}

void broker_log_event(enum broker_log_level level, const char *event, ...)
{
	char line[LINE_MAX_LEN];
	size_t n = json_lines ? (size_t)snprintf(line, sizeof line, "{\"level\":\"%s\",\"event\":\"%s\"",
						 level_name(level), event)
			      : (size_t)snprintf(line, sizeof line, "<%d>snpboot broker: %s", (int)level, event);
	va_list ap;
	va_start(ap, event);
	for (const char *key = va_arg(ap, const char *); key; key = va_arg(ap, const char *)) {
		const char *value = va_arg(ap, const char *);
		if (!value)
			break;
		if (n >= LINE_MAX_LEN - 64)
			break;
		n += (size_t)snprintf(line + n, sizeof line - n, json_lines ? ",\"%s\":\"" : " %s=", key);
		n = put_value(line, n, value, json_lines);
		if (json_lines && n < LINE_MAX_LEN - 1)
			line[n++] = '"';
	}
	va_end(ap);
	if (json_lines && n < LINE_MAX_LEN - 1)
		line[n++] = '}';
	emit(line, n);
}
