/* The disk key as it travels from the key source to cryptsetup: a fixed
 * buffer that is wiped as soon as it has been written to the pipe. */
#ifndef SNPBOOT_INIT_DISK_KEY_H
#define SNPBOOT_INIT_DISK_KEY_H

#include <stddef.h>
#include <stdint.h>

#define DISK_KEY_MAX 512

struct disk_key {
	uint8_t bytes[DISK_KEY_MAX];
	size_t len;
};

#endif
