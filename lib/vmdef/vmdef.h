/*
 * The owner's VM definition (vm.toml): what the VM is launched from, what
 * its attestation report must say, how to reach it, and (for the simulated
 * platform only) what the simulator reports. Read by the client, `snpboot
 * measure --vm-definition`, snp-sim, config-generator and the launcher.
 *
 * Loaded strictly: unknown tables or keys, wrong types and out-of-range
 * values are refused with "vm.toml:LINE:COL: message". Relative paths
 * resolve against the directory of the definition file. Host only (stdio,
 * malloc for the file and the parse tree).
 *
 *   key                     type / values                        default
 *   [vm]
 *   name                    string, 1..63 bytes                   required
 *   vcpus                   integer 1..512                        1
 *   vcpu_type               QEMU CPU model (measure_vcpu_type_sig) "EPYC-v4"
 *   memory_mib              integer 64..4194304                   2048
 *   vmm_type                "qemu" | "ec2" | "ec2-2025" | "gce"   "qemu"
 *   guest_features          integer, VMSA SEV_FEATURES, bit 0 set 1
 *   initdata                path of this VM's initdata document    none
 *                           (TOML, at most 16 KiB; `snpboot
 *                           initdata` checks it). Read at load:
 *                           HOST_DATA must be its SHA-256, so
 *                           expect.host_data defaults to that (and
 *                           must equal it when given); launch-qemu
 *                           passes it by fw_cfg and as host-data;
 *                           snp-sim reports it (sim.host_data
 *                           still overrides, for tests)
 *   [firmware]
 *   ovmf                    path of the AmdSev OVMF image used     required when the
 *                           for MEASUREMENT (needs the SEV         measurement is
 *                           kernel-hashes table to measure a       "computed"
 *                           kernel)
 *   ovmf_hash               96 hex: digest of the firmware pages   computed from ovmf
 *                           (the file is then only read for its tables)
 *   [boot]
 *   kernel                  path (QEMU -kernel)                    none
 *   initrd                  path (QEMU -initrd; needs kernel)      none
 *   append                  string (QEMU -append; needs kernel)    none
 *   [policy]  the guest POLICY given at launch and what the client accepts
 *   guest_policy            integer; bit 17 must be 1              composed from the
 *                                                                  keys below (0x30000)
 *   debug                   bool     = POLICY bit 19               from guest_policy (false)
 *   migrate_ma              bool     = POLICY bit 18               from guest_policy (false)
 *   single_socket           bool     = POLICY bit 20               from guest_policy (false)
 *   smt                     "allowed" (bit 16 = 1) | "required-off"
 *                           (bit 16 = 0, host SMT must be off) |
 *                           "any" (not checked)                    from guest_policy
 *   abi_major, abi_minor    0..255: minimum ABI the report's       from guest_policy (0.0)
 *                           POLICY must name
 *   When guest_policy is given, every other key given here must agree with
 *   it (debug = false with bit 19 set is an error, and so on).
 *   [expect]  what the client requires of the report
 *   measurement             "computed" (from firmware, boot and vm) "computed"
 *                           or 96 hex
 *   host_data               64 hex                                 not checked
 *   id_key_digest           96 hex or base64 (48 bytes)            not checked
 *   author_key_digest       96 hex or base64 (48 bytes)            not checked
 *   family_id, image_id     32 hex                                 not checked
 *   min_guest_svn           integer 0..2^32-1                      0
 *   vmpl                    integer 0..3                           0 (a report from
 *                                                                  VMPL 1..3 is refused)
 *   min_tcb                 { bootloader, tee, snp, microcode,     required unless
 *                           fmc } each 0..255 (fmc: Turin)         simulated = true
 *                           (config-generator --min-tcb-from
 *                           fills it from a report or VCEK)
 *   [platform]
 *   product                 "milan" | "genoa" | "turin"            the VCEK's
 *   trust_anchor            path of an ARK (PEM or DER)            AMD's pinned roots
 *   simulated               bool: the anchor is snp-sim's TEST     false
 *                           root (tools warn loudly on every run;
 *                           requires trust_anchor)
 *   certs                   directory: local certificate cache     none
 *   check_crl               bool: the ARK's CRL must be consulted  true
 *                           (false: revocation unchecked; tools
 *                           say so on every run)
 *   A trust_anchor with simulated = false must be AMD's pinned root.
 *   [channel]  from the owner's view
 *   mode                    "connect" (the client dials the guest) "connect"
 *                           | "listen" (the guest dials the client)
 *   address                 "HOST:PORT" ("[v6]:PORT" for IPv6)     "127.0.0.1:7443"
 *   timeout_s               integer 1..86400                       60
 *   owner_key               path of the owner's P-384 key (PEM)    none (no pinning)
 *   disk_key_file           path of the disk key the client sends  none (give --disk-key-file
 *                           (mode 0600; never the key itself)      or --disk-key-fd)
 *   [launch]  `snpboot launch-qemu` only (neither measured nor verified)
 *   qemu                    QEMU binary: name in PATH or path      "qemu-system-x86_64"
 *   disk                    path of the root disk image            none
 *                           (virtio-blk)
 *   disk_format             "raw" | "qcow2"                        "raw"
 *   disk_snapshot           bool: writes go to a throwaway overlay false
 *   id_block, id_auth       paths of idblock-generator's base64    none; both or neither
 *                           files (QEMU id-block=, id-auth=)
 *   author_key_enabled      bool (author-key-enabled=on)           true (with id_auth)
 *   network                 "user" (virtio-net, slirp; connect     "user"
 *                           mode forwards channel.address's port
 *                           to guest_port) | "none"
 *   guest_port              integer 1..65535: the first stage's    7443
 *                           channel.listen_port
 *   cbitpos                 integer 1..63                          51
 *   reduced_phys_bits       integer 0..63                          1
 *   console                 path: serial console to this file      QEMU's stdout
 *   extra_args              array of strings, appended to QEMU's   none
 *                           arguments as they are
 *   The tables and keys allowed, with the comments config-generator writes,
 *   are listed in vmdef_schema.c.
 *   [svsm]  a COCONUT-SVSM below the firmware (the table's presence says so)
 *   image                   path of the SVSM binary (measured      required in the table
 *                           below the OVMF vars area)
 *   ovmf_vars_size          integer: bytes of the OVMF vars area   one of the two
 *   ovmf_vars               path of the vars file (its size)       required
 *   attest_services         bool: the report is the SVSM's service false
 *                           attestation (VMPL 0, with a manifest;
 *                           REPORT_DATA = SHA-512(binding||manifest))
 *   service_guid            GUID of the one service attested       none (every service)
 *                           (the guest's boot.toml asks for it)
 *   vtpm_ek_sha256          64 hex: SHA-256 of the vTPM manifest   not pinned (printed)
 *                           (the EK's TPMT_PUBLIC); needs the vTPM
 *                           service_guid
 *   [sim]  snp-sim only; everything the report needs that [expect] lacks
 *   state_dir               directory of the test PKI              "snp-sim-state"
 *   chip_id                 128 hex                                random, stored in state_dir
 *   reported_tcb            { bootloader, tee, snp, microcode,     Milan/Genoa 3,0,8,115;
 *                           fmc } each 0..255                      Turin fmc 0 too
 *   platform_info           integer                                1 (SMT_EN); 0 when
 *                                                                  smt = "required-off"
 *   host_data               64 hex                                 [expect] host_data or zero
 *   measurement             96 hex (pretend another launch)        computed
 *   guest_svn               integer                                [expect] min_guest_svn
 *   report_version          2 | 3                                  3 on Turin, else 2
 *   firmware_version        "MAJOR.MINOR.BUILD"                    "1.55.21"
 */
#ifndef SNPBOOT_VMDEF_H
#define SNPBOOT_VMDEF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/guid.h"
#include "measure/measure.h"
#include "snp/snp_report.h"
#include "snp/snp_verify.h"

#define VMDEF_PATH_MAX 1024
#define VMDEF_NAME_MAX 64
#define VMDEF_VCPU_TYPE_MAX 32
#define VMDEF_APPEND_MAX 4096
#define VMDEF_ADDRESS_MAX 256
#define VMDEF_MAX_VCPUS 512u
#define VMDEF_ANCHOR_MAX 8192
#define VMDEF_FILE_MAX (256 * 1024)
#define VMDEF_ERR_LEN 512
#define VMDEF_EXTRA_ARGS_MAX 4096 /* bytes of launch.extra_args, each string with its NUL */
#define VMDEF_EXTRA_ARGS_COUNT 64
#define VMDEF_INITDATA_MAX 16384 /* the first stage's limit (BOOTCFG_INITDATA_MAX) */

enum vmdef_channel_mode {
	VMDEF_CHANNEL_CONNECT = 0, /* the client dials the guest */
	VMDEF_CHANNEL_LISTEN,      /* the client listens, the guest dials it */
};

/* Where a key was written, for messages about its value found later. */
struct vmdef_pos {
	unsigned line, column;
};

enum vmdef_network {
	VMDEF_NETWORK_USER = 0, /* QEMU user networking with virtio-net */
	VMDEF_NETWORK_NONE,     /* no NIC */
};

/* [launch]: how launch-qemu starts the VM (empty strings when absent). */
struct vmdef_launch {
	char qemu[VMDEF_PATH_MAX];
	char disk[VMDEF_PATH_MAX];
	char disk_format[8];
	int disk_snapshot;
	char id_block[VMDEF_PATH_MAX], id_auth[VMDEF_PATH_MAX];
	int author_key_enabled;
	enum vmdef_network network;
	uint16_t guest_port;
	uint32_t cbitpos, reduced_phys_bits;
	char console[VMDEF_PATH_MAX];
	unsigned n_extra_args;
	char extra_args[VMDEF_EXTRA_ARGS_MAX]; /* n_extra_args strings, each NUL-terminated */
	struct vmdef_pos pos_id_block, pos_id_auth;
};

struct vmdef_sim {
	char state_dir[VMDEF_PATH_MAX];
	int has_chip_id;
	uint8_t chip_id[64];
	struct snp_tcb reported_tcb;
	uint64_t platform_info;
	uint8_t host_data[32];
	int has_measurement;
	uint8_t measurement[48];
	uint32_t guest_svn;
	uint32_t report_version;
	uint8_t fw_major, fw_minor, fw_build;
};

/* [svsm]: a COCONUT-SVSM launched below the firmware (has_svsm when the
 * table is there). The image and vars size decide the launch digest
 * (measure_svsm.h). */
struct vmdef_svsm {
	char image[VMDEF_PATH_MAX];     /* the SVSM binary; required in the table */
	uint64_t ovmf_vars_size;        /* ovmf_vars_size; 0: the size of ovmf_vars (vmdef_svsm_vars_size) */
	char ovmf_vars[VMDEF_PATH_MAX]; /* the vars file launch-qemu passes, "" when only the size is given */
	struct vmdef_pos pos_image, pos_ovmf_vars;
	/* The SVSM's service attestation (vmdef_svsm_attest.c): the report must
	 * come from the SVSM (VMPL 0) with a service manifest, REPORT_DATA =
	 * SHA-512(session binding || manifest). */
	int attest_services;
	int has_service_guid;
	uint8_t service_guid[16];                   /* guid_t layout (base/guid.h) */
	char service_guid_text[GUID_TEXT_LEN + 1];
	int has_vtpm_ek_sha256;
	uint8_t vtpm_ek_sha256[32];                 /* SHA-256 of the vTPM manifest (EK TPMT_PUBLIC) */
};

struct vmdef {
	char file[VMDEF_PATH_MAX]; /* as given to vmdef_load */
	char dir[VMDEF_PATH_MAX];  /* its directory: relative paths resolve against it */

	/* [vm] */
	char name[VMDEF_NAME_MAX];
	uint32_t vcpus;
	char vcpu_type[VMDEF_VCPU_TYPE_MAX];
	uint32_t vcpu_sig;
	uint64_t memory_mib;
	enum measure_vmm vmm;
	uint64_t guest_features;
	/* vm.initdata: the file ("" when absent) and its SHA-256, which is the
	 * launch's HOST_DATA (vmdef_initdata.c) */
	char initdata[VMDEF_PATH_MAX];
	uint8_t initdata_sha256[32];
	struct vmdef_pos pos_initdata;

	/* [firmware], [boot]: empty strings when absent */
	char ovmf[VMDEF_PATH_MAX];
	char ovmf_hash[2 * MEASURE_DIGEST_LEN + 1];
	char kernel[VMDEF_PATH_MAX];
	char initrd[VMDEF_PATH_MAX];
	int has_append;
	char append[VMDEF_APPEND_MAX];

	/* [policy] */
	uint64_t guest_policy;
	int debug, migrate_ma, single_socket;
	enum snp_tristate smt; /* ANY, REQUIRE_ON ("allowed": bit 16 set), REQUIRE_OFF */
	uint8_t abi_major, abi_minor;

	/* [expect] */
	int measurement_computed;
	uint8_t measurement[48]; /* when not computed */
	int has_host_data, has_id_key_digest, has_author_key_digest, has_family_id, has_image_id;
	uint8_t host_data[32];
	uint8_t id_key_digest[48];
	uint8_t author_key_digest[48];
	uint8_t family_id[16];
	uint8_t image_id[16];
	uint32_t min_guest_svn;
	int has_vmpl;
	uint32_t vmpl;
	int has_min_tcb;
	struct snp_tcb min_tcb;

	/* [platform] */
	enum snp_product product; /* UNKNOWN: the VCEK's */
	char trust_anchor[VMDEF_PATH_MAX];
	int simulated;
	char certs[VMDEF_PATH_MAX];
	int check_crl; /* 1 (default): the verifier requires the ARK's CRL */

	/* [channel] */
	enum vmdef_channel_mode channel_mode;
	char address[VMDEF_ADDRESS_MAX];
	char host[VMDEF_ADDRESS_MAX]; /* address without the port (and without [ ] for IPv6) */
	uint16_t port;
	uint32_t timeout_s;
	char owner_key[VMDEF_PATH_MAX];
	char disk_key_file[VMDEF_PATH_MAX]; /* where the key is, never the key */

	/* [launch] (defaults filled in even when the table is absent) */
	struct vmdef_launch launch;

	/* [svsm] */
	int has_svsm;
	struct vmdef_svsm svsm;

	/* [sim] (defaults filled in even when the table is absent) */
	int has_sim;
	struct vmdef_sim sim;

	/* Positions of keys whose files are read later (0: not given). */
	struct vmdef_pos pos_ovmf, pos_kernel, pos_trust_anchor, pos_measurement;

	/* Filled by vmdef_to_policy: the trust anchor's DER (policy points here). */
	uint8_t anchor_der[VMDEF_ANCHOR_MAX];
	size_t anchor_len;
};

/*
 * Reads and checks the definition at path. def is zeroed first and holds
 * every default afterwards. Returns 0, or -1 with "path:line:col: message"
 * (position omitted when it does not apply) in err.
 */
int vmdef_load(const char *path, struct vmdef *def, char *err, size_t err_len);

/* The same from text already in memory; `path` names it in messages and
 * decides the directory relative paths resolve against. */
int vmdef_parse(const char *path, const char *text, size_t len, struct vmdef *def, char *err, size_t err_len);

/* The OVMF vars area size of an [svsm] definition: ovmf_vars_size, or the
 * size of ovmf_vars (which must then agree with it). 0, or -1 with err. */
int vmdef_svsm_vars_size(const struct vmdef *def, uint64_t *size, char *err, size_t err_len);

/*
 * The launch digest of the definition's firmware, boot files, vCPUs and VMM
 * (measure_launch_digest_files). Refuses firmware that cannot measure the
 * kernel it is given. Returns 0, or -1 with the reason (naming the key and
 * its position) in err.
 */
int vmdef_measure(const struct vmdef *def, uint8_t out[MEASURE_DIGEST_LEN], char *err, size_t err_len);

/*
 * What the client verifies, from the definition: policy bits, expected
 * values (MEASUREMENT computed when "computed"), product, trust anchor
 * (read into def->anchor_der; policy->trust_anchor points there, so def
 * must outlive policy) and now = time(NULL). report_data: the expected
 * REPORT_DATA, or NULL to leave it unset (the verifier then refuses unless
 * the caller waives it). Returns 0, or -1 with err.
 */
int vmdef_to_policy(struct vmdef *def, struct snp_verify_policy *policy, const uint8_t report_data[64], char *err,
		    size_t err_len);
/*
 * What a verifier needs beyond a loadable definition: a real (simulated =
 * false) definition must name [expect] min_tcb. vmdef_to_policy refuses
 * without it; config-generator --check reports it. 0, or -1 with the
 * reason and the fix in err.
 */
int vmdef_verifier_ready(const struct vmdef *def, char *err, size_t err_len);
/* vmdef_to_policy without vmdef_verifier_ready: for reviewers such as
 * config-generator --check, never for a decision to release a key. */
int vmdef_policy_fill(struct vmdef *def, struct snp_verify_policy *policy, const uint8_t report_data[64], char *err,
		      size_t err_len);

/*
 * The ARK's CRL a simulated definition offers, for a certificate set that
 * came without one (the guest's certificate table): crl.der or crl.pem in
 * [platform] certs, else in [sim] state_dir (snp-sim issues it there).
 * Fills *crl (malloc'd, DER) and path (where it came from). Returns 0, 1 if
 * there is none (path: where it looked), -1 with err if one is unreadable.
 */
int vmdef_sim_crl(const struct vmdef *def, uint8_t **crl, size_t *len, char *path, size_t path_cap, char *err,
		  size_t err_len);

/* The line every tool prints on every run when check_crl = false. */
#define VMDEF_NO_CRL_WARNING "WARNING: [platform] check_crl = false: no CRL was consulted; a revoked AMD key would be accepted"

/* Reads a certificate file (PEM, first CERTIFICATE block, or DER) into out. Returns 0, or -1 with err. */
int vmdef_read_cert(const char *path, uint8_t *out, size_t cap, size_t *len, char *err, size_t err_len);

/* The warning every tool prints on every run of a simulated definition. */
#define VMDEF_SIMULATED_WARNING                                                                          \
	"WARNING: SIMULATED SNP PLATFORM: this VM definition trusts snp-sim's TEST root, not AMD.\n"    \
	"WARNING: a report that verifies proves NOTHING about real hardware or confidentiality.\n"
/* Prints VMDEF_SIMULATED_WARNING to out, prefixed by prog, if def is simulated. */
void vmdef_warn_if_simulated(FILE *out, const char *prog, const struct vmdef *def);

/* "connect" / "listen". */
const char *vmdef_channel_mode_name(enum vmdef_channel_mode m);

#endif
