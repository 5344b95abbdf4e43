/*
 * One disk key release per launch (DESIGN.md "The invariant that protects
 * the key"). REPORT_ID is fresh for every launch and the same in every
 * report of it; whatever runs after switch_root can obtain genuine reports
 * of the same launch. So the client keeps, per expected MEASUREMENT, the
 * REPORT_IDs that received the key and whose guest then reported
 * "unlocked", and refuses a later request carrying one of them before any
 * key is sent.
 *
 * Layout: DIR/<sha256 of the expected MEASUREMENT, hex>.log, one line per
 * release: "<REPORT_ID hex> <UTC time> <vm name>"; DIR/<same>.lock is held
 * (flock) from the check to the record, so two clients cannot both release
 * for one launch. DIR is created 0700, the log written atomically (temp
 * file, fsync, rename) with mode 0600. The default DIR is
 * $XDG_CACHE_HOME/snpboot/releases, else ~/.cache/snpboot/releases, beside
 * the KDS cache. Deleting the record re-allows one release per launch it
 * held: keep it.
 */
#ifndef SNPBOOT_HOST_RELEASE_LOG_H
#define SNPBOOT_HOST_RELEASE_LOG_H

#include <stddef.h>
#include <stdint.h>

#define RELEASE_LOG_PATH_MAX 4096

struct release_log {
	int lock_fd; /* -1 when closed */
	char path[RELEASE_LOG_PATH_MAX];
};

/* $XDG_CACHE_HOME/snpboot/releases, else $HOME/.cache/snpboot/releases. 0, or -1 if neither is set. */
int release_log_default_dir(char *out, size_t cap);

/* Creates dir (0700) if needed and takes the lock of measurement's record.
 * 0, or -1 with err. */
int release_log_open(struct release_log *l, const char *dir, const uint8_t measurement[48], char *err,
		     size_t err_len);

/* 1 if report_id is recorded (its line, without the newline, in line), 0 if
 * not, -1 with err if the record cannot be read. */
int release_log_find(const struct release_log *l, const uint8_t report_id[32], char *line, size_t line_cap,
		     char *err, size_t err_len);

/* Adds report_id (atomically, mode 0600). 0, or -1 with err. */
int release_log_add(const struct release_log *l, const uint8_t report_id[32], const char *vm_name, char *err,
		    size_t err_len);

/* Releases the lock. */
void release_log_close(struct release_log *l);

#endif
