#include "../tap.h"
#include "bootcfg/cmdline.h"

int main(void)
{
	struct cmdline_overrides ov;
	char err[200];
	const char *line = "BOOT_IMAGE=/vmlinuz console=ttyS0 snpboot.log.level=debug \"snpboot.root.options=ro, noatime\" "
			   "snpbootx=1 snpboot.a.b=\n";
	is_int(cmdline_parse(line, strlen(line), &ov, err, sizeof err), 0, "parses");
	is_int(ov.count, 3, "three snpboot words");
	is_str(ov.items[0].key, "log.level", "key");
	is_str(ov.items[0].value, "debug", "value");
	is_str(ov.items[1].value, "ro, noatime", "quotes keep spaces");
	is_str(ov.items[2].value, "", "empty value");
	is_int(cmdline_parse("snpboot.x", 9, &ov, err, sizeof err), -1, "no '=' refused");
	ok(strstr(err, "snpboot.SECTION.KEY=VALUE") != NULL, "message: %s", err);
	is_int(cmdline_parse("snpboot.=1", 10, &ov, err, sizeof err), -1, "empty key refused");
	char longline[2048];
	snprintf(longline, sizeof longline, "snpboot.a.b=%0600d", 0);
	is_int(cmdline_parse(longline, strlen(longline), &ov, err, sizeof err), -1, "too long refused");
	char many[4096] = "";
	for (int i = 0; i < 40; i++)
		strcat(many, "snpboot.a.b=1 ");
	is_int(cmdline_parse(many, strlen(many), &ov, err, sizeof err), -1, "too many refused");
	/* Not NUL-terminated: the length bounds the scan. */
	char raw[] = {'s', 'n', 'p', 'b', 'o', 'o', 't', '.', 'a', '.', 'b', '=', '1', 'X'};
	is_int(cmdline_parse(raw, 13, &ov, err, sizeof err), 0, "length-bounded");
	is_str(ov.items[0].value, "1", "stops at len");
	return done_testing();
}
