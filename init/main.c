/* snpboot first stage: PID 1 of the initramfs. Runs the boot phases in order;
 * every failure is logged with what and why and ends in the configured action
 * (retry the phase, then poweroff or reboot). PID 1 never returns. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bootcfg/bootcfg.h"
#include "base/bytes.h"
#include "clock.h"
#include "bootcfg/cmdline.h"
#include "failure.h"
#include "initdata.h"
#include "keysource.h"
#include "log.h"
#include "modules.h"
#include "mounts.h"
#include "net.h"
#include "disk_check.h"
#include "rootdev.h"
#include "switchroot.h"
#include "timeline.h"
#include "unlock.h"

#define ERR_LEN 512

static struct boot_config cfg;
static struct net_state net;
static char root_device[64];

typedef int (*phase_fn)(char *err, size_t err_len);

/* Collects children that are not ours to wait for (PID 1 inherits orphans). */
static void reap_zombies(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/* Makes sure fds 0-2 are the console: the kernel leaves them closed when the
 * initramfs has no /dev/console node, and children inherit them. */
static void setup_console_fds(void)
{
	int fd = open("/dev/console", O_RDWR | O_NOCTTY);
	if (fd < 0)
		return;
	for (int i = 0; i < 3; i++)
		if (fcntl(i, F_GETFD) < 0)
			dup2(fd, i);
	if (fd > 2)
		close(fd);
}

static int read_file(const char *path, char *buf, size_t cap, size_t *len, char *err, size_t err_len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, err_len, "open %s: %s", path, strerror(errno));
		return -1;
	}
	size_t used = 0;
	for (;;) {
		ssize_t n = read(fd, buf + used, cap - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, err_len, "read %s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		used += (size_t)n;
		if (used == cap) {
			snprintf(err, err_len, "%s is larger than %zu bytes", path, cap - 1);
			close(fd);
			return -1;
		}
	}
	close(fd);
	*len = used;
	return 0;
}

static int phase_config(char *err, size_t err_len)
{
	static char text[32768];
	static char cmdline[CMDLINE_MAX];
	static struct cmdline_overrides overrides;
	size_t text_len, cmdline_len;
	if (read_file("/proc/cmdline", cmdline, sizeof cmdline, &cmdline_len, err, err_len) != 0 ||
	    cmdline_parse(cmdline, cmdline_len, &overrides, err, err_len) != 0 ||
	    read_file(BOOTCFG_PATH, text, sizeof text, &text_len, err, err_len) != 0 ||
	    bootcfg_load(&cfg, BOOTCFG_PATH, text, text_len, &overrides, err, err_len) != 0)
		return -1;
	log_set_level(cfg.log_level);
	log_info("config: %s loaded (%u command-line overrides), failure action %s", BOOTCFG_PATH, overrides.count,
		 failure_action_name(cfg.failure.action));
	return 0;
}

static int phase_modules(char *err, size_t err_len)
{
	int rc = modules_load_all(err, err_len);
	mount_configfs(); /* configfs is a module in some kernels: mount it once modules are in */
	return rc;
}

/* Per-VM settings from the host, bound to HOST_DATA (initdata.h). After the
 * modules (qemu_fw_cfg, the attestation devices), before anything that
 * uses a setting initdata may give. */
static int phase_initdata(char *err, size_t err_len) { return initdata_load(&cfg, err, err_len); }

static int phase_network(char *err, size_t err_len) { return net_bring_up(&cfg.net, &net, err, err_len); }

/* The device named by root.device, whose LUKS2 header must match the disk
 * pin before the owner is asked for anything. */
static int phase_rootdev(char *err, size_t err_len)
{
	if (rootdev_wait(cfg.root.device, cfg.root.device_timeout_ms, root_device, sizeof root_device, err, err_len) != 0)
		return -1;
	char why[ERR_LEN - 96];
	if (disk_check_header(&cfg, root_device, why, sizeof why) != 0) {
		snprintf(err, err_len, "the disk does not match the pin, not asking for a key: %s", why);
		return -1;
	}
	log_info("rootdev: %s matches the disk pin (%s, %u-byte key)", root_device, cfg.root.pin.cipher,
		 cfg.root.pin.key_size);
	return 0;
}

/* Key and unlock belong together: a key the disk refuses is reported to its
 * sender, who may try again (bounded by channel.max_attempts). */
static int phase_unlock(char *err, size_t err_len)
{
	static struct disk_key key;
	for (unsigned attempt = 1;; attempt++) {
		if (keysource_obtain(&cfg, &net, &key, err, err_len) != 0) {
			secure_wipe(&key, sizeof key);
			return -1;
		}
		enum unlock_result r = unlock_open(&cfg, root_device, &key, err, err_len); /* wipes key */
		if (r == UNLOCK_OK) {
			int rc = unlock_mount(&cfg, err, err_len);
			if (rc != 0)
				unlock_close(&cfg); /* so that a retry can map it again */
			keysource_report(rc == 0 ? KEYSOURCE_OK : KEYSOURCE_FAILED, err);
			if (rc == 0)
				log_notice("unlock: root unlocked with key from %s", keysource_name());
			return rc;
		}
		int retry = r == UNLOCK_WRONG_KEY && attempt < cfg.channel.max_attempts;
		keysource_report(retry ? KEYSOURCE_RETRY : KEYSOURCE_FAILED, err);
		if (r != UNLOCK_WRONG_KEY)
			return -1;
		log_err("unlock: attempt %u of %u: %s", attempt, cfg.channel.max_attempts, err);
		if (attempt >= cfg.channel.max_attempts) {
			snprintf(err, err_len, "the disk refused %u keys", attempt);
			return -1;
		}
	}
}

/* Runs a phase under the failure policy; returns only on success. */
static void run_phase(const char *name, phase_fn fn)
{
	char err[ERR_LEN];
	for (unsigned attempt = 0;; attempt++) {
		timeline_begin(name);
		int rc = fn(err, sizeof err);
		timeline_end(rc == 0);
		reap_zombies();
		if (rc == 0)
			return;
		log_err("%s failed: %s", name, err);
		if (cfg.failure.action != FAILURE_RETRY || attempt >= cfg.failure.retries) {
			timeline_print();
			failure_final(cfg.failure.action == FAILURE_RETRY ? cfg.failure.final_action : cfg.failure.action);
		}
		log_warn("%s: retry %u of %u in %u ms", name, attempt + 1, cfg.failure.retries, cfg.failure.retry_delay_ms);
		sleep_ms(cfg.failure.retry_delay_ms);
	}
}

int main(void)
{
	char err[ERR_LEN];
	signal(SIGPIPE, SIG_IGN); /* a peer closing a socket must not kill PID 1 */
	bootcfg_defaults(&cfg);   /* so a bad config still ends in a defined action */
	cfg.failure.action = FAILURE_POWEROFF;

	timeline_begin("mounts");
	int rc = mount_basics(err, sizeof err);
	setup_console_fds();
	log_open();
	timeline_end(rc == 0);
	if (rc != 0) {
		log_err("mounts failed: %s", err);
		failure_final(FAILURE_POWEROFF);
	}
	log_notice("first stage starting (pid %d, key source: %s)", (int)getpid(), keysource_name());
	if (getpid() != 1)
		log_warn("not running as PID 1");

	timeline_begin("config");
	rc = phase_config(err, sizeof err);
	timeline_end(rc == 0);
	if (rc != 0) {
		/* Without a valid measured config there is nothing safe to retry with. */
		log_err("config failed: %s", err);
		timeline_print();
		failure_final(FAILURE_POWEROFF);
	}
	run_phase("modules", phase_modules);
	if (cfg.initdata.mode == INITDATA_REQUIRED)
		run_phase("initdata", phase_initdata);
	run_phase("network", phase_network);
	run_phase("rootdev", phase_rootdev);
	run_phase("unlock", phase_unlock);
	timeline_begin("switch_root");
	timeline_end(1);
	timeline_print();
	switch_root_exec(&cfg, err, sizeof err); /* returns only on failure */
	log_err("switch_root failed: %s", err);
	failure_final(cfg.failure.action == FAILURE_RETRY ? cfg.failure.final_action : cfg.failure.action);
}
