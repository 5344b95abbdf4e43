/* vmdef sections that describe the launch: [vm], [firmware], [boot], [policy]. */
#include <string.h>

#include "base/bytes.h"
#include "vmdef_internal.h"

int vmdef__load_vm(struct vmdef_ctx *c)
{
	struct vmdef *d = c->def;
	const struct toml_node *t;
	if (vmdef__schema_table(c, "vm", &t))
		return -1;
	if (!t)
		return vmdef__fail(c, NULL, "missing required table [vm] (at least: name = \"...\")");
	const struct toml_node *n = toml_require(c->doc, t, "name", TOML_STRING, c->err);
	if (!n || vmdef__string(c, t, "name", d->name, sizeof d->name, NULL))
		return -1;
	if (!d->name[0])
		return vmdef__fail(c, n, "'vm.name' is empty");

	int64_t v;
	int got;
	d->vcpus = 1;
	if (vmdef__int(c, t, "vcpus", 1, VMDEF_MAX_VCPUS, &v, &got))
		return -1;
	if (got)
		d->vcpus = (uint32_t)v;

	strcpy(d->vcpu_type, "EPYC-v4");
	if (vmdef__string(c, t, "vcpu_type", d->vcpu_type, sizeof d->vcpu_type, &got))
		return -1;
	if (measure_vcpu_type_sig(d->vcpu_type, &d->vcpu_sig))
		return vmdef__fail(c, toml_table_get(c->doc, t, "vcpu_type"),
				   "'vm.vcpu_type': unknown CPU model '%s' (e.g. EPYC-v4, EPYC-Milan, EPYC-Genoa; "
				   "`snpboot measure --help` lists them all)",
				   d->vcpu_type);

	d->memory_mib = 2048;
	if (vmdef__int(c, t, "memory_mib", 64, 4194304, &v, &got))
		return -1;
	if (got)
		d->memory_mib = (uint64_t)v;

	char vmm[16] = "qemu";
	if (vmdef__string(c, t, "vmm_type", vmm, sizeof vmm, &got))
		return -1;
	if (measure_vmm_parse(vmm, &d->vmm))
		return vmdef__fail(c, toml_table_get(c->doc, t, "vmm_type"),
				   "'vm.vmm_type' must be \"qemu\", \"ec2\", \"ec2-2025\" (EC2 before 2026) or \"gce\", "
				   "not \"%s\"",
				   vmm);

	if (vmdef__path(c, t, "initdata", d->initdata, &d->pos_initdata))
		return -1;

	d->guest_features = MEASURE_FEATURE_SNP_ACTIVE;
	if (vmdef__int(c, t, "guest_features", 0, INT64_MAX, &v, &got))
		return -1;
	if (got) {
		d->guest_features = (uint64_t)v;
		if (!(d->guest_features & MEASURE_FEATURE_SNP_ACTIVE))
			return vmdef__fail(c, toml_table_get(c->doc, t, "guest_features"),
					   "'vm.guest_features' must have bit 0 (SNPActive) set, got 0x%llx",
					   (unsigned long long)d->guest_features);
	}
	return 0;
}

int vmdef__load_firmware_boot(struct vmdef_ctx *c)
{
	struct vmdef *d = c->def;
	const struct toml_node *fw, *boot;
	if (vmdef__schema_table(c, "firmware", &fw) || vmdef__schema_table(c, "boot", &boot))
		return -1;
	if (vmdef__path(c, fw, "ovmf", d->ovmf, &d->pos_ovmf))
		return -1;
	uint8_t hash[MEASURE_DIGEST_LEN];
	int got;
	if (vmdef__bytes(c, fw, "ovmf_hash", hash, sizeof hash, 0, &got))
		return -1;
	if (got)
		hex_encode(d->ovmf_hash, hash, sizeof hash);
	if (got && !d->ovmf[0])
		return vmdef__fail(c, toml_table_get(c->doc, fw, "ovmf_hash"),
				   "'firmware.ovmf_hash' needs 'firmware.ovmf' too (its tables are still read)");

	if (vmdef__path(c, boot, "kernel", d->kernel, &d->pos_kernel) || vmdef__path(c, boot, "initrd", d->initrd, NULL) ||
	    vmdef__string(c, boot, "append", d->append, sizeof d->append, &d->has_append))
		return -1;
	if (!d->kernel[0] && (d->initrd[0] || d->has_append))
		return vmdef__fail(c, toml_table_get(c->doc, boot, d->initrd[0] ? "initrd" : "append"),
				   "'boot.%s' needs 'boot.kernel' (QEMU ignores it without a kernel)",
				   d->initrd[0] ? "initrd" : "append");
	return 0;
}

/* A [policy] boolean that must agree with its guest_policy bit when both are given. */
static int policy_bit(struct vmdef_ctx *c, const struct toml_node *t, const char *key, uint64_t bit, int have_policy,
		      int *out)
{
	int got, v = 0;
	if (vmdef__bool(c, t, key, &v, &got))
		return -1;
	int from_policy = (c->def->guest_policy & bit) != 0;
	if (got && have_policy && v != from_policy)
		return vmdef__fail(c, toml_table_get(c->doc, t, key),
				   "'policy.%s = %s' disagrees with guest_policy 0x%llx (bit %d is %d)", key,
				   v ? "true" : "false", (unsigned long long)c->def->guest_policy, __builtin_ctzll(bit),
				   from_policy);
	*out = got ? v : have_policy ? from_policy : 0;
	return 0;
}

static int policy_smt(struct vmdef_ctx *c, const struct toml_node *t, int have_policy)
{
	struct vmdef *d = c->def;
	char s[16];
	int got;
	if (vmdef__string(c, t, "smt", s, sizeof s, &got))
		return -1;
	int bit = (d->guest_policy & SNP_POLICY_SMT) != 0;
	if (!got) {
		d->smt = !have_policy || bit ? SNP_REQUIRE_ON : SNP_REQUIRE_OFF;
		return 0;
	}
	const struct toml_node *n = toml_table_get(c->doc, t, "smt");
	if (strcmp(s, "allowed") == 0)
		d->smt = SNP_REQUIRE_ON;
	else if (strcmp(s, "required-off") == 0)
		d->smt = SNP_REQUIRE_OFF;
	else if (strcmp(s, "any") == 0)
		d->smt = SNP_ANY;
	else
		return vmdef__fail(c, n, "'policy.smt' must be \"allowed\", \"required-off\" or \"any\", not \"%s\"", s);
	if (have_policy && ((d->smt == SNP_REQUIRE_ON && !bit) || (d->smt == SNP_REQUIRE_OFF && bit)))
		return vmdef__fail(c, n, "'policy.smt = \"%s\"' disagrees with guest_policy 0x%llx (bit 16 is %d)", s,
				   (unsigned long long)d->guest_policy, bit);
	return 0;
}

int vmdef__load_policy(struct vmdef_ctx *c)
{
	struct vmdef *d = c->def;
	const struct toml_node *t;
	if (vmdef__schema_table(c, "policy", &t))
		return -1;
	int64_t v;
	int have_policy;
	if (vmdef__int(c, t, "guest_policy", 0, INT64_MAX, &v, &have_policy))
		return -1;
	if (have_policy) {
		const struct toml_node *n = toml_table_get(c->doc, t, "guest_policy");
		d->guest_policy = (uint64_t)v;
		if (!(d->guest_policy & SNP_POLICY_RESERVED_1))
			return vmdef__fail(c, n, "'policy.guest_policy' 0x%llx: bit 17 (reserved) must be 1",
					   (unsigned long long)d->guest_policy);
		if (d->guest_policy & ~SNP_POLICY_KNOWN_MASK)
			return vmdef__fail(c, n, "'policy.guest_policy' 0x%llx: bits 63:26 are reserved and must be 0",
					   (unsigned long long)d->guest_policy);
	}
	if (policy_bit(c, t, "debug", SNP_POLICY_DEBUG, have_policy, &d->debug) ||
	    policy_bit(c, t, "migrate_ma", SNP_POLICY_MIGRATE_MA, have_policy, &d->migrate_ma) ||
	    policy_bit(c, t, "single_socket", SNP_POLICY_SINGLE_SOCKET, have_policy, &d->single_socket) ||
	    policy_smt(c, t, have_policy))
		return -1;

	const char *abi_keys[2] = {"abi_major", "abi_minor"};
	uint8_t *abi[2] = {&d->abi_major, &d->abi_minor};
	unsigned from_policy[2] = {SNP_POLICY_ABI_MAJOR(d->guest_policy), SNP_POLICY_ABI_MINOR(d->guest_policy)};
	int given[2];
	for (int i = 0; i < 2; i++) {
		if (vmdef__int(c, t, abi_keys[i], 0, 255, &v, &given[i]))
			return -1;
		*abi[i] = given[i] ? (uint8_t)v : have_policy ? (uint8_t)from_policy[i] : 0;
	}
	if (have_policy && (given[0] || given[1]) &&
	    (from_policy[0] << 8 | from_policy[1]) < ((unsigned)d->abi_major << 8 | d->abi_minor))
		return vmdef__fail(c, toml_table_get(c->doc, t, given[0] ? "abi_major" : "abi_minor"),
				   "minimum ABI %u.%u is above the ABI %u.%u that guest_policy 0x%llx asks for at launch",
				   d->abi_major, d->abi_minor, from_policy[0], from_policy[1],
				   (unsigned long long)d->guest_policy);
	if (!have_policy)
		d->guest_policy = SNP_POLICY_RESERVED_1 | (d->smt != SNP_REQUIRE_OFF ? SNP_POLICY_SMT : 0) |
				  (d->migrate_ma ? SNP_POLICY_MIGRATE_MA : 0) | (d->debug ? SNP_POLICY_DEBUG : 0) |
				  (d->single_socket ? SNP_POLICY_SINGLE_SOCKET : 0) | (uint64_t)d->abi_major << 8 |
				  d->abi_minor;
	return 0;
}
