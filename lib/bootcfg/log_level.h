/* Log levels, as syslog and the kernel's printk number them (the
 * "<N>" prefix in /dev/kmsg): the configuration names one (log.level) and
 * the first stage's logger uses them. */
#ifndef SNPBOOT_BOOTCFG_LOG_LEVEL_H
#define SNPBOOT_BOOTCFG_LOG_LEVEL_H

enum log_level { LOG_ERR = 3, LOG_WARNING = 4, LOG_NOTICE = 5, LOG_INFO = 6, LOG_DEBUG = 7 };

#endif
