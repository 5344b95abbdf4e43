#include <sys/mount.h>

#include "../tap.h"
#include "unlock.h"

int main(void)
{
	unsigned long flags;
	char data[64];
	is_int(mount_options_parse("ro,noatime,data=ordered,nodev", &flags, data, sizeof data), 0, "parses");
	is_int(flags, MS_RDONLY | MS_NOATIME | MS_NODEV, "flags");
	is_str(data, "data=ordered", "data");
	is_int(mount_options_parse("ro,rw", &flags, data, sizeof data), 0, "later wins");
	is_int(flags & MS_RDONLY, 0, "rw clears ro");
	is_int(mount_options_parse("a=1,b=2", &flags, data, 5), -1, "data overflow refused");
	is_int(mount_options_parse("", &flags, data, sizeof data), 0, "empty ok");
	is_str(data, "", "empty data");
	return done_testing();
}
