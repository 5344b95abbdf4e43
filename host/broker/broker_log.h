/* The broker's log: one line per event on stderr, for journald (a
 * kernel-style "<level>" prefix, which journald turns into the priority) or
 * as JSON objects (--log-format json). Never a secret: callers pass names,
 * hex identifiers, verdicts and reasons only. */
#ifndef SNPBOOT_HOST_BROKER_LOG_H
#define SNPBOOT_HOST_BROKER_LOG_H

enum broker_log_level { BROKER_LOG_ERR = 3, BROKER_LOG_WARNING = 4, BROKER_LOG_NOTICE = 5, BROKER_LOG_INFO = 6 };

/* 0: text lines (default), 1: JSON lines. Set once, before forking. */
void broker_log_set_json(int json);

/* A free-form message: "<6>snpboot broker: text". */
void broker_log(enum broker_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A session's outcome: event ("released", "refused", ...), then key=value
 * fields given as pairs of strings (NULL-terminated list); values are
 * quoted when needed (text) or escaped (JSON). */
void broker_log_event(enum broker_log_level level, const char *event, ...) __attribute__((sentinel));

#endif
