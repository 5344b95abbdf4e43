/* The VM definition's tables and keys with what config-generator writes
 * for each (vmdef_schema.h). Docs are the comments of the generated file:
 * what the key is and its safe default, in the owner's terms. */
#include "vmdef_schema.h"

#include <string.h>

#define Z32 "00000000000000000000000000000000"

const struct vmdef_table vmdef_schema_tables[] = {
	{"vm", "The virtual machine: what QEMU is asked to create. vCPUs and their model are measured."},
	{"firmware", "The firmware the guest starts from; MEASUREMENT begins with its pages."},
	{"boot", "Direct kernel boot (QEMU -kernel, -initrd, -append). With an AmdSev OVMF all three\n"
		 "are measured through its kernel-hashes table: change any and the client refuses."},
	{"policy", "The guest POLICY given at launch, and what the client accepts in the report."},
	{"expect", "What the client requires of the attestation report besides POLICY."},
	{"platform", "Whose signature the client trusts: AMD's pinned roots unless told otherwise."},
	{"channel", "The attested TLS channel, from the owner's side. The disk key itself is never kept\n"
		    "here: name its file (disk_key_file), or give `snpboot client --disk-key-file FILE`."},
	{"launch", "How `snpboot launch-qemu` starts the VM (not measured, not checked by the client)."},
	{"svsm", "A COCONUT-SVSM that runs below the guest (at VMPL 0) and offers services such as a\n"
		 "vTPM. Leave the table out for a guest without an SVSM. The SVSM and the OVMF vars\n"
		 "area size are measured; kernel hashes are not (boot the kernel from the disk)."},
	{"sim", "snp-sim only (the simulated platform for machines without SNP hardware): what its\n"
		"TEST-key reports say beyond [expect]. Ignored by everything else."},
};
const size_t vmdef_schema_n_tables = sizeof vmdef_schema_tables / sizeof vmdef_schema_tables[0];

const struct vmdef_key vmdef_schema_keys[] = {
	/* [vm] */
	{"vm", "name", VMDEF_KIND_STRING, "\"snpboot-vm\"", 0, "Name of this VM (1..63 bytes), used in messages. Required."},
	{"vm", "vcpus", VMDEF_KIND_INT, "1", 0,
	 "Number of vCPUs (1..512). Measured (one VMSA page each). Default 1."},
	{"vm", "vcpu_type", VMDEF_KIND_STRING, "\"EPYC-v4\"", 0,
	 "QEMU CPU model (-cpu), e.g. EPYC-v4, EPYC-Milan, EPYC-Genoa; its CPUID signature is\n"
	 "measured (`snpboot measure --help` lists the known models). Default \"EPYC-v4\"."},
	{"vm", "memory_mib", VMDEF_KIND_INT, "2048", 0, "Guest memory in MiB (64..4194304). Not measured. Default 2048."},
	{"vm", "vmm_type", VMDEF_KIND_STRING, "\"qemu\"", 0,
	 "Who builds the VMSAs (measured): \"qemu\", \"ec2\" (EC2 today), \"ec2-2025\" (EC2 before 2026) or \"gce\". launch-qemu needs \"qemu\". Default \"qemu\"."},
	{"vm", "guest_features", VMDEF_KIND_INT, "0x1", 0,
	 "VMSA SEV_FEATURES; bit 0 (SNPActive) must be set. Measured. 0x21 adds DebugSwap, which\n"
	 "some host kernels turn on. Default 0x1."},
	{"vm", "initdata", VMDEF_KIND_PATH, "\"initdata.toml\"", 1,
	 "This VM's initdata (TOML, at most 16 KiB): its per-VM settings for an image whose\n"
	 "boot.toml says [initdata] mode = \"required\". Not measured: bound to the launch by\n"
	 "HOST_DATA = SHA-256(file), which expect.host_data then defaults to (and must equal).\n"
	 "launch-qemu hands it to the guest by fw_cfg. `snpboot initdata FILE` checks it.\n"
	 "Default: none."},
	/* [firmware] */
	{"firmware", "ovmf", VMDEF_KIND_PATH, "\"OVMF.amdsev.fd\"", 0,
	 "The AmdSev OVMF build (QEMU -bios under SNP). It must have the SEV kernel-hashes table\n"
	 "(SNP_KERNEL_HASHES), or kernel, initrd and command line go unmeasured (`snpboot measure`\n"
	 "refuses such firmware). Required while expect.measurement is \"computed\"."},
	{"firmware", "ovmf_hash", VMDEF_KIND_STRING, "\"" Z32 Z32 Z32 "\"", 1,
	 "96 hex digits: precomputed digest of the firmware pages (the file is then only read for\n"
	 "its tables). Default: computed from ovmf, which is safer."},
	/* [boot] */
	{"boot", "kernel", VMDEF_KIND_PATH, "\"vmlinuz\"", 0, "Kernel image (QEMU -kernel). Default: none (boot from disk, unmeasured)."},
	{"boot", "initrd", VMDEF_KIND_PATH, "\"initramfs.cpio.gz\"", 0,
	 "The snpboot initramfs (QEMU -initrd; needs kernel). Default: none."},
	{"boot", "append", VMDEF_KIND_STRING, "\"console=ttyS0 panic=-1 loglevel=4\"", 0,
	 "Kernel command line (QEMU -append; needs kernel), byte for byte as launched.\n"
	 "snpboot.SECTION.KEY=VALUE words override the initramfs's boot.toml. Default: none."},
	/* [policy] */
	{"policy", "guest_policy", VMDEF_KIND_INT, "0x30000", 1,
	 "The whole POLICY as an integer (bit 17 must be 1). When given, the keys below must agree\n"
	 "with it. Default: composed from the keys below (0x30000: SMT allowed, debug off, ABI 0.0)."},
	{"policy", "debug", VMDEF_KIND_BOOL, "false", 0,
	 "Allow the SNP debug interface (bit 19): the host could read and change guest memory.\n"
	 "Keep false (the default)."},
	{"policy", "migrate_ma", VMDEF_KIND_BOOL, "false", 0,
	 "Allow a migration agent (bit 18). Keep false (the default) unless you run one."},
	{"policy", "single_socket", VMDEF_KIND_BOOL, "false", 0, "Require a single-socket host (bit 20). Default false."},
	{"policy", "smt", VMDEF_KIND_STRING, "\"allowed\"", 0,
	 "Host SMT: \"allowed\" (bit 16 set), \"required-off\" (bit 16 clear: launches only on a host\n"
	 "with SMT off, which removes sibling-thread side channels) or \"any\" (not checked).\n"
	 "Default \"allowed\"."},
	{"policy", "abi_major", VMDEF_KIND_INT, "0", 0, "Minimum SNP firmware ABI major (0..255) in POLICY. Default 0."},
	{"policy", "abi_minor", VMDEF_KIND_INT, "0", 0, "Minimum SNP firmware ABI minor (0..255) in POLICY. Default 0."},
	/* [expect] */
	{"expect", "measurement", VMDEF_KIND_STRING, "\"computed\"", 0,
	 "\"computed\" (from firmware, boot and vm, as `snpboot measure` does) or 96 hex digits.\n"
	 "A fixed value does not follow changes of the files. Default \"computed\"."},
	{"expect", "host_data", VMDEF_KIND_STRING, "\"" Z32 Z32 "\"", 1,
	 "64 hex digits the host passes at launch (QEMU host-data) that the report must carry.\n"
	 "Default: not checked."},
	{"expect", "id_key_digest", VMDEF_KIND_STRING, "\"" Z32 Z32 Z32 "\"", 1,
	 "ID_KEY_DIGEST (96 hex or base64), printed by `snpboot idblock-generator`. Default: not checked."},
	{"expect", "author_key_digest", VMDEF_KIND_STRING, "\"" Z32 Z32 Z32 "\"", 1,
	 "AUTHOR_KEY_DIGEST (96 hex or base64), printed by idblock-generator. Default: not checked."},
	{"expect", "family_id", VMDEF_KIND_STRING, "\"" Z32 "\"", 1, "FAMILY_ID from the ID block (32 hex). Default: not checked."},
	{"expect", "image_id", VMDEF_KIND_STRING, "\"" Z32 "\"", 1, "IMAGE_ID from the ID block (32 hex). Default: not checked."},
	{"expect", "min_guest_svn", VMDEF_KIND_INT, "0", 0, "Lowest GUEST_SVN accepted (0..2^32-1). Default 0."},
	{"expect", "vmpl", VMDEF_KIND_INT, "0", 1,
	 "VMPL the report must come from (0..3). Name another than 0 only when an SVSM runs\n"
	 "below the first stage. Default 0 (a report from VMPL 1..3 is refused)."},
	{"expect", "min_tcb", VMDEF_KIND_TCB, "{ bootloader = 3, tee = 0, snp = 8, microcode = 115 }", 1,
	 "Lowest REPORTED_TCB accepted, per component (0..255; fmc on Turin). Set it to the TCB\n"
	 "of patched firmware (AMD security bulletins), or take it from a report or VCEK you\n"
	 "trust: `config-generator --min-tcb-from FILE`. REQUIRED when simulated = false: the\n"
	 "client refuses a real definition without it. Default: none."},
	/* [platform] */
	{"platform", "product", VMDEF_KIND_STRING, "\"milan\"", 1,
	 "\"milan\", \"genoa\" or \"turin\": the AMD root and VCEK generation accepted.\n"
	 "Default: whichever the VCEK names."},
	{"platform", "trust_anchor", VMDEF_KIND_PATH, "\"ark.pem\"", 1,
	 "ARK certificate (PEM or DER) to trust. Unless simulated = true it must be AMD's pinned\n"
	 "root. Default: AMD's pinned roots."},
	{"platform", "simulated", VMDEF_KIND_BOOL, "false", 0,
	 "true: trust_anchor is snp-sim's TEST root; a verified report then proves NOTHING (every\n"
	 "tool warns on every run). Keep false (the default) for real VMs."},
	{"platform", "certs", VMDEF_KIND_PATH, "\"certs\"", 1,
	 "Directory of AMD certificates (ark/ask/vcek, crl.der) used instead of the guest's\n"
	 "certificate table. Default: none."},
	{"platform", "check_crl", VMDEF_KIND_BOOL, "true", 0,
	 "Consult the ARK's CRL: the client fetches AMD's from KDS (cached, refreshed daily)\n"
	 "when the certificates come without one, and refuses a revoked ASK or VCEK or a stale\n"
	 "CRL. false turns revocation checking off: config-generator --check warns and the\n"
	 "client says on every run that no CRL was consulted. Keep true (the default)."},
	/* [channel] */
	{"channel", "mode", VMDEF_KIND_STRING, "\"connect\"", 0,
	 "\"connect\": the client dials the guest; \"listen\": the guest dials the client. Either way\n"
	 "the guest is the TLS server. Default \"connect\"."},
	{"channel", "address", VMDEF_KIND_STRING, "\"127.0.0.1:7443\"", 0,
	 "HOST:PORT (\"[v6]:PORT\"): where the client dials (connect) or listens (listen).\n"
	 "launch-qemu forwards this port to the guest in connect mode. Default \"127.0.0.1:7443\"."},
	{"channel", "timeout_s", VMDEF_KIND_INT, "60", 0,
	 "Seconds the client waits for the guest (1..86400); allow for the whole boot. Default 60."},
	{"channel", "owner_key", VMDEF_KIND_PATH, "\"owner.pem\"", 1,
	 "The owner's P-384 private key (PEM, mode 0600) the client presents; pin its SPKI SHA-256\n"
	 "in boot.toml owner_key_sha256 so only you can talk to the guest. Default: none."},
	{"channel", "disk_key_file", VMDEF_KIND_PATH, "\"disk.key\"", 1,
	 "The file holding the disk key the client sends after a verified report (raw bytes,\n"
	 "mode 0600 or the client refuses it; encrypt-disk --generate-key writes one). The\n"
	 "client's --disk-key-file or --disk-key-fd replaces it. Default: none."},
	/* [launch] */
	{"launch", "qemu", VMDEF_KIND_STRING, "\"qemu-system-x86_64\"", 0,
	 "QEMU binary: a name looked up in PATH, or a path (SNP needs QEMU 9.1 or later).\n"
	 "Default \"qemu-system-x86_64\"."},
	{"launch", "disk", VMDEF_KIND_PATH, "\"disk.img\"", 0,
	 "The encrypted root disk image (virtio-blk, /dev/vda in the guest). Default: none."},
	{"launch", "disk_format", VMDEF_KIND_STRING, "\"raw\"", 0, "\"raw\" or \"qcow2\". Default \"raw\"."},
	{"launch", "disk_snapshot", VMDEF_KIND_BOOL, "false", 0,
	 "true: guest writes go to a temporary overlay and are lost (QEMU snapshot=on). Default false."},
	{"launch", "id_block", VMDEF_KIND_PATH, "\"id-block.base64\"", 1,
	 "ID block (base64) from `snpboot idblock-generator`, passed as id-block=. Needs id_auth.\n"
	 "Default: none (the firmware then checks no ID block)."},
	{"launch", "id_auth", VMDEF_KIND_PATH, "\"id-auth.base64\"", 1,
	 "ID auth info (base64) from idblock-generator, passed as id-auth=. Needs id_block."},
	{"launch", "author_key_enabled", VMDEF_KIND_BOOL, "true", 1,
	 "With id_auth: whether it carries an author key (author-key-enabled=on; idblock-generator's\n"
	 "always does). Default true."},
	{"launch", "network", VMDEF_KIND_STRING, "\"user\"", 0,
	 "\"user\": QEMU user networking (virtio-net); in connect mode the channel port is forwarded\n"
	 "to guest_port. \"none\": no NIC (add one with extra_args). Default \"user\"."},
	{"launch", "guest_port", VMDEF_KIND_INT, "7443", 0,
	 "The port the first stage listens on (boot.toml channel.listen_port). Default 7443."},
	{"launch", "cbitpos", VMDEF_KIND_INT, "51", 1, "C-bit position (QEMU cbitpos; 51 on Milan, Genoa, Turin). Default 51."},
	{"launch", "reduced_phys_bits", VMDEF_KIND_INT, "1", 1, "QEMU reduced-phys-bits. Default 1."},
	{"launch", "console", VMDEF_KIND_PATH, "\"console.log\"", 1,
	 "File receiving the serial console. Default: QEMU's standard output."},
	{"launch", "extra_args", VMDEF_KIND_STRINGS, "[\"-device\", \"virtio-rng-pci\"]", 1,
	 "More QEMU arguments, appended as they are. Default: none."},
	/* [svsm] */
	{"svsm", "image", VMDEF_KIND_PATH, "\"svsm.bin\"", 1,
	 "The SVSM binary, placed below the OVMF vars area and measured page by page. Required\n"
	 "in this table."},
	{"svsm", "ovmf_vars_size", VMDEF_KIND_INT, "540672", 1,
	 "Bytes of the OVMF vars area (the size of OVMF_VARS.fd); it decides where the SVSM sits,\n"
	 "so it is measured. Give this or ovmf_vars."},
	{"svsm", "ovmf_vars", VMDEF_KIND_PATH, "\"OVMF_VARS.fd\"", 1,
	 "The OVMF vars file launch-qemu passes; its size stands for ovmf_vars_size. Default: none."},
	{"svsm", "attest_services", VMDEF_KIND_BOOL, "true", 1,
	 "true: the report must be the SVSM's service attestation (boot.toml attestation.\n"
	 "service_provider = \"svsm\"): signed at VMPL 0, with the service manifest, and\n"
	 "REPORT_DATA = SHA-512(session binding || manifest). A report without a manifest is\n"
	 "refused, and so is one with a manifest when this is false. Default false."},
	{"svsm", "service_guid", VMDEF_KIND_STRING, "\"c476f1eb-0123-45a5-9641-b4e7dde5bfe3\"", 1,
	 "The one service the guest's boot.toml asks to attest (the vTPM is\n"
	 "c476f1eb-0123-45a5-9641-b4e7dde5bfe3). Default: every service."},
	{"svsm", "vtpm_ek_sha256", VMDEF_KIND_STRING, "\"" Z32 Z32 "\"", 1,
	 "64 hex digits: SHA-256 of the vTPM's manifest (its endorsement key, a TPMT_PUBLIC),\n"
	 "as the client prints it. Pin it to refuse any other vTPM. Needs the vTPM service_guid.\n"
	 "Default: not pinned (the client prints it)."},
	/* [sim] */
	{"sim", "state_dir", VMDEF_KIND_PATH, "\"snp-sim-state\"", 1,
	 "Directory of the simulator's TEST PKI (ark.pem is the trust anchor to name).\n"
	 "Default \"snp-sim-state\" beside this file."},
	{"sim", "chip_id", VMDEF_KIND_STRING, "\"" Z32 Z32 Z32 Z32 "\"", 1, "CHIP_ID, 128 hex. Default: random, kept in state_dir."},
	{"sim", "reported_tcb", VMDEF_KIND_TCB, "{ bootloader = 3, tee = 0, snp = 8, microcode = 115 }", 1,
	 "REPORTED_TCB of the simulated platform. Default: bootloader 3, tee 0, snp 8, microcode 115."},
	{"sim", "platform_info", VMDEF_KIND_INT, "1", 1, "PLATFORM_INFO. Default 1 (SMT_EN), 0 when policy.smt = \"required-off\"."},
	{"sim", "host_data", VMDEF_KIND_STRING, "\"" Z32 Z32 "\"", 1, "HOST_DATA (64 hex). Default: expect.host_data, else zero."},
	{"sim", "measurement", VMDEF_KIND_STRING, "\"" Z32 Z32 Z32 "\"", 1,
	 "Report this MEASUREMENT instead of the computed one (pretend another launch). Default: computed."},
	{"sim", "guest_svn", VMDEF_KIND_INT, "0", 1, "GUEST_SVN. Default: expect.min_guest_svn."},
	{"sim", "report_version", VMDEF_KIND_INT, "2", 1, "Report format version, 2 or 3. Default 3 on Turin, else 2."},
	{"sim", "firmware_version", VMDEF_KIND_STRING, "\"1.55.21\"", 1, "\"MAJOR.MINOR.BUILD\" of the SNP firmware. Default \"1.55.21\"."},
};
const size_t vmdef_schema_n_keys = sizeof vmdef_schema_keys / sizeof vmdef_schema_keys[0];

size_t vmdef_schema_table_keys(const char *table, const char *out[VMDEF_SCHEMA_TABLE_KEYS_MAX])
{
	size_t n = 0;
	if (!table) {
		for (size_t i = 0; i < vmdef_schema_n_tables && n + 1 < VMDEF_SCHEMA_TABLE_KEYS_MAX; i++)
			out[n++] = vmdef_schema_tables[i].name;
	} else {
		for (size_t i = 0; i < vmdef_schema_n_keys && n + 1 < VMDEF_SCHEMA_TABLE_KEYS_MAX; i++)
			if (strcmp(vmdef_schema_keys[i].table, table) == 0)
				out[n++] = vmdef_schema_keys[i].key;
	}
	out[n] = NULL;
	return n;
}

const struct vmdef_key *vmdef_schema_find(const char *table, const char *key)
{
	for (size_t i = 0; i < vmdef_schema_n_keys; i++)
		if (strcmp(vmdef_schema_keys[i].table, table) == 0 && strcmp(vmdef_schema_keys[i].key, key) == 0)
			return &vmdef_schema_keys[i];
	return NULL;
}

const char *vmdef_kind_name(enum vmdef_kind k)
{
	switch (k) {
	case VMDEF_KIND_STRING: return "string";
	case VMDEF_KIND_PATH: return "path";
	case VMDEF_KIND_INT: return "integer";
	case VMDEF_KIND_BOOL: return "boolean";
	case VMDEF_KIND_TCB: return "TCB table";
	case VMDEF_KIND_STRINGS: return "array of strings";
	}
	return "value";
}
