#include "failure.h"

#include <string.h>
#include <errno.h>
#include <sys/reboot.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"

_Noreturn void failure_final(enum failure_action action)
{
	log_err("giving up: %s", action == FAILURE_REBOOT ? "rebooting" : "powering off");
	sync();
	reboot(action == FAILURE_REBOOT ? RB_AUTOBOOT : RB_POWER_OFF);
	log_err("reboot() failed: %s; halting here", strerror(errno));
	for (;;)
		sleep_ms(60000);
}
