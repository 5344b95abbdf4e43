/* Error text for the library and host modules: callers pass a buffer
 * (err, err_len) that receives one line saying where and why. err_set
 * returns -1 so that an error path reads `return err_set(err, err_len, ...);`. */
#ifndef SNPBOOT_ERR_TEXT_H
#define SNPBOOT_ERR_TEXT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

static inline int err_set(char *err, size_t err_len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static inline int err_set(char *err, size_t err_len, const char *fmt, ...)
{
	if (err && err_len) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, err_len, fmt, ap);
		va_end(ap);
	}
	return -1;
}

#endif
