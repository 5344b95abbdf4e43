/* Error text for the measure and idblock modules: callers pass a buffer
 * (err, err_len) that receives one line saying where and why. */
#ifndef SNPBOOT_MEASURE_ERR_H
#define SNPBOOT_MEASURE_ERR_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

static inline void measure_seterr(char *err, size_t err_len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static inline void measure_seterr(char *err, size_t err_len, const char *fmt, ...)
{
	if (!err || !err_len)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, err_len, fmt, ap);
	va_end(ap);
}

#endif
