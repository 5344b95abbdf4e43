/* Error text for the measure and idblock modules: callers pass a buffer
 * (err, err_len) that receives one line saying where and why. */
#ifndef SNPBOOT_MEASURE_ERR_H
#define SNPBOOT_MEASURE_ERR_H

#include "base/err_text.h"

/* err_set for callers that return their own value after it. */
#define measure_seterr(...) ((void)err_set(__VA_ARGS__))

#endif
