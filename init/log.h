/* Logging for PID 1: every line goes to the console and, once it is open, to
 * /dev/kmsg with a kernel-style "<level>" prefix so it lands in dmesg too. */
#ifndef SNPBOOT_INIT_LOG_H
#define SNPBOOT_INIT_LOG_H

#include "bootcfg/log_level.h"


/* Opens /dev/console and /dev/kmsg (after /dev is mounted); safe to call twice. */
void log_open(void);
/* Lines above this level are dropped (boot.toml [log] level). */
void log_set_level(enum log_level max_level);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
