/* The first stage's boot configuration: /etc/snpboot/boot.toml (inside the
 * measured initramfs) with snpboot.SECTION.KEY=VALUE overrides from the
 * (measured) kernel command line. config/boot.toml documents every key. */
#ifndef SNPBOOT_INIT_BOOTCFG_H
#define SNPBOOT_INIT_BOOTCFG_H

#include <stddef.h>
#include <stdint.h>

#include "base/guid.h"
#include "cmdline.h"
#include "disk/disk_pin.h"
#include "log_level.h"
#include "net_types.h"

#define BOOTCFG_PATH "/etc/snpboot/boot.toml"
#define BOOTCFG_MAX_OWNER_KEYS 8
#define BOOTCFG_MAX_INIT_ARGS 8

enum failure_action { FAILURE_RETRY, FAILURE_POWEROFF, FAILURE_REBOOT };
enum attest_provider { ATTEST_AUTO, ATTEST_CONFIGFS_TSM, ATTEST_SEV_GUEST, ATTEST_SIM };
enum channel_mode { CHANNEL_LISTEN, CHANNEL_CONNECT };
/* [initdata] mode: off (never read) or required (no boot without it).
 * There is no "optional": a host that withholds initdata would choose
 * which settings the guest runs with. */
enum initdata_mode { INITDATA_OFF, INITDATA_REQUIRED };

/* Initdata (lib/bootcfg/initdata.c): a per-VM TOML document the host hands
 * in unmeasured (QEMU fw_cfg), bound to the launch by HOST_DATA =
 * SHA-256(document). Bounded so the guest reads it into a fixed buffer. */
#define BOOTCFG_INITDATA_MAX 16384
/* The QEMU fw_cfg item that carries it (-fw_cfg name=...,file=...). */
#define BOOTCFG_INITDATA_FW_CFG_NAME "opt/org.snpboot/initdata"

struct boot_config {
	enum log_level log_level;
	struct {
		enum failure_action action; /* what a failed phase does */
		unsigned retries;           /* with action = retry: attempts after the first */
		uint32_t retry_delay_ms;
		enum failure_action final_action; /* after the last retry: poweroff or reboot */
	} failure;
	struct net_config net;
	struct {
		enum attest_provider provider;
		char sim_port[64]; /* virtio-serial port name of snp-sim */
		uint32_t vmpl;     /* the privlevel asked for (0-3); no service provider only */
		/* "" or "svsm": the report comes from the SVSM's service attestation
		 * (configfs-tsm service_provider), with a service manifest. */
		char service_provider[8];
		char service_guid[GUID_TEXT_LEN + 1]; /* "": every service */
		uint32_t service_manifest_version;
	} attestation;
	struct {
		enum channel_mode mode;
		uint16_t listen_port;
		uint32_t owner_ip; /* connect mode; network byte order */
		uint16_t owner_port;
		uint8_t owner_keys[BOOTCFG_MAX_OWNER_KEYS][32]; /* SHA-256 of owner SPKI */
		unsigned owner_key_count;
		uint32_t deadline_s;
		unsigned max_attempts;
	} channel;
	struct {
		char device[128]; /* /dev/..., UUID=..., PARTUUID=... */
		uint32_t device_timeout_ms;
		char mapper_name[32];
		char fstype[16];
		char options[128]; /* mount options: flags (ro, noatime, ...) and fs data */
		/* The disk pin (root.pin_*; lib/disk/disk_pin.h): the only disk the
		 * key may open, and how it must be mapped. Required. */
		struct disk_pin pin;
		int pin_digest_type;  /* index into the accepted types: only "pbkdf2" */
		uint32_t pin_set;     /* bit i: the i-th pin key was given */
	} root;
	struct {
		char init[128];
		char args[BOOTCFG_MAX_INIT_ARGS][64];
		unsigned arg_count;
	} switch_root;
	struct {
		enum initdata_mode mode;
		/* bit i: the i-th field of the schema may come from initdata.
		 * Never an [attestation] or [initdata] field (refused when the
		 * list is read); the disk pin all of it or none of it. */
		uint64_t allow;
		int applied; /* 1 once bootcfg_apply_initdata succeeded */
	} initdata;
	/* [vm]: set only by initdata; names the VM in log lines. */
	struct {
		char name[64];
		char uuid[GUID_TEXT_LEN + 1];
	} vm;
};

void bootcfg_defaults(struct boot_config *cfg);
/* Parses the TOML text (file is for messages), then applies the overrides;
 * validates cross-field rules. 0, or -1 with "file:line: ..." in err. */
int bootcfg_load(struct boot_config *cfg, const char *file, const char *text, size_t len,
		 const struct cmdline_overrides *overrides, char *err, size_t err_len);

const char *failure_action_name(enum failure_action a);

/* With initdata.mode = "required", bootcfg_load accepts a boot.toml that
 * leaves a required value (owner pin, disk pin, root.device, a static
 * address, the owner's address in connect mode) to initdata, when
 * initdata.allow lets initdata set it. This writes the keys so left, space
 * separated ("" when none), for the build-time check's message. */
void bootcfg_deferred(const struct boot_config *cfg, char *out, size_t out_len);

/* Applies an initdata document over a loaded config: the same TOML parser
 * and value rules as boot.toml, only the keys initdata.allow names (plus
 * [vm]), never [attestation] or [initdata], an owner pin list only
 * non-empty, the disk pin only whole. Then every rule of bootcfg_load with
 * nothing left to initdata. On error cfg is unchanged. The caller binds
 * the document to HOST_DATA first (init/initdata.c). 0, or -1 with
 * file:line:column and why in err. */
int bootcfg_apply_initdata(struct boot_config *cfg, const char *file, const char *text, size_t len, char *err,
			   size_t err_len);
/* Without the image's boot.toml: the document as bootcfg_apply_initdata
 * reads it with every key initdata may ever set allowed (never
 * [attestation] or [initdata]), but not the full-config rules, which need
 * the boot.toml. 0, or -1 with file:line:column and why in err. */
int bootcfg_check_initdata(const char *file, const char *text, size_t len, char *err, size_t err_len);

/* Only the disk pin: the pin_* keys of text's [root] table, or of its top
 * level (the lines `snpboot disk-pin` prints), with the same types and
 * rules as bootcfg_load (complete, and acceptable to the first stage). 0
 * with *pin, or -1 with file:line:column and why in err. */
int bootcfg_load_pin(const char *file, const char *text, size_t len, struct disk_pin *pin, char *err, size_t err_len);

#endif
