/* file_write_all: atomic replacement of regular files only. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/file_io.h"
#include "../tap.h"

static char dir[] = "/tmp/snpboot-test-file-io-XXXXXX";

static void path_in_dir(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", dir, name);
}

int main(void)
{
	char p[256], link_target[256], link_path[256];
	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}

	path_in_dir(p, sizeof p, "new");
	ok(file_write_all("test", p, "abc", 3, 0600) == 0, "writes a new file");
	size_t len = 0;
	char *back = file_read_all("test", p, 100, &len);
	ok(back && len == 3 && memcmp(back, "abc", 3) == 0, "reads back what was written");
	free(back);
	struct stat st;
	ok(stat(p, &st) == 0 && (st.st_mode & 0777) == 0600, "with the mode asked for");

	ok(file_write_all("test", p, "xy", 2, 0600) == 0, "replaces a regular file");
	back = file_read_all("test", p, 100, &len);
	ok(back && len == 2 && memcmp(back, "xy", 2) == 0, "  with the new content");
	free(back);

	path_in_dir(link_target, sizeof link_target, "target");
	path_in_dir(link_path, sizeof link_path, "link");
	ok(file_write_all("test", link_target, "t", 1, 0600) == 0 && symlink(link_target, link_path) == 0,
	   "a symlink to a regular file");
	fprintf(stderr, "# expect a refusal:\n");
	ok(file_write_all("test", link_path, "zz", 2, 0600) != 0, "refuses to replace a symlink");
	ok(lstat(link_path, &st) == 0 && S_ISLNK(st.st_mode), "  the symlink is still there");
	back = file_read_all("test", link_target, 100, &len);
	ok(back && len == 1 && back[0] == 't', "  and its target unchanged");
	free(back);

	path_in_dir(p, sizeof p, "fifo");
	ok(mkfifo(p, 0600) == 0, "a FIFO");
	fprintf(stderr, "# expect a refusal:\n");
	ok(file_write_all("test", p, "zz", 2, 0600) != 0, "refuses to replace a FIFO (a device node alike)");
	ok(lstat(p, &st) == 0 && S_ISFIFO(st.st_mode), "  the FIFO is still there");
	unlink(p);

	path_in_dir(p, sizeof p, "subdir");
	ok(mkdir(p, 0700) == 0, "a directory");
	fprintf(stderr, "# expect a refusal:\n");
	ok(file_write_all("test", p, "zz", 2, 0600) != 0, "refuses to replace a directory");
	rmdir(p);

	/* No temp files are left behind by the refusals. */
	path_in_dir(p, sizeof p, "new");
	unlink(p);
	unlink(link_path);
	unlink(link_target);
	ok(rmdir(dir) == 0, "nothing left behind in the directory");
	return done_testing();
}
