/* boot.toml loading and kernel command-line overrides. */
#include <arpa/inet.h>

#include "../tap.h"
#include "bootcfg.h"
#include "base/bytes.h"
#include "cmdline.h"

static struct boot_config cfg;
static char err[320];

static int load(const char *text, const char *cmdline)
{
	struct cmdline_overrides ov;
	err[0] = '\0';
	if (cmdline && cmdline_parse(cmdline, strlen(cmdline), &ov, err, sizeof err) != 0)
		return -1;
	return bootcfg_load(&cfg, "boot.toml", text, strlen(text), cmdline ? &ov : NULL, err, sizeof err);
}

static char *read_file(const char *path, size_t *len)
{
	static char buf[65536];
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	*len = fread(buf, 1, sizeof buf - 1, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

static const char minimal[] = "[root]\ndevice = \"/dev/vda\"\n";

int main(void)
{
	/* The shipped config loads and is what the README and demo rely on. */
	size_t len = 0;
	char *shipped = read_file("config/boot.toml", &len);
	ok(shipped != NULL, "config/boot.toml readable");
	is_int(bootcfg_load(&cfg, "config/boot.toml", shipped ? shipped : "", len, NULL, err, sizeof err), 0, "shipped config loads: %s", err);
	is_int(cfg.net.mode, NET_MODE_DHCP, "shipped: dhcp");
	is_int(cfg.failure.action, FAILURE_RETRY, "shipped: retry");
	is_int(cfg.channel.listen_port, 7443, "shipped: listen port");
	is_str(cfg.switch_root.init, "/sbin/init", "shipped: init");

	is_int(load(minimal, NULL), 0, "minimal config");
	is_int(cfg.log_level, LOG_INFO, "default log level");
	is_int(cfg.failure.final_action, FAILURE_POWEROFF, "default final action");
	is_str(cfg.root.mapper_name, "root", "default mapper name");

	is_int(load("[network]\nmode = \"static\"\naddress = \"192.168.1.7/16\"\ngateway = \"192.168.0.1\"\n"
		    "dns = [\"1.1.1.1\", \"9.9.9.9\"]\n[root]\ndevice = \"UUID=abc\"\n", NULL),
	       0, "static network: %s", err);
	is_int(cfg.net.address, inet_addr("192.168.1.7"), "address parsed");
	is_int(cfg.net.prefix_len, 16, "prefix parsed");
	is_int(cfg.net.gateway, inet_addr("192.168.0.1"), "gateway parsed");
	is_int(cfg.net.dns_count, 2, "two dns servers");

	/* Errors name file, line and key. */
	is_int(load("[network]\nmoed = \"dhcp\"\n", NULL), -1, "unknown key refused");
	ok(strstr(err, "boot.toml:2") && strstr(err, "unknown key 'network.moed'"), "message: %s", err);
	is_int(load("[netwrk]\nmode = \"dhcp\"\n", NULL), -1, "unknown section refused");
	ok(strstr(err, "netwrk") != NULL, "message: %s", err);
	is_int(load("[network]\nmode = 3\n[root]\ndevice=\"/dev/vda\"\n", NULL), -1, "wrong type refused");
	ok(strstr(err, "boot.toml:2") && strstr(err, "must be a string"), "message: %s", err);
	is_int(load("[network]\nmode = \"wifi\"\n", NULL), -1, "bad enum refused");
	ok(strstr(err, "must be one of none dhcp static, got 'wifi'"), "message: %s", err);
	is_int(load("[channel]\nlisten_port = 70000\n[root]\ndevice=\"/dev/vda\"\n", NULL), -1, "port range checked");
	ok(strstr(err, "boot.toml:2") != NULL, "message: %s", err);
	is_int(load("[network]\naddress = \"10.0.0.1\"\n", NULL), -1, "address without prefix refused");
	ok(strstr(err, "ADDRESS/PREFIX") != NULL, "message: %s", err);
	is_int(load("[network]\nmode = \"static\"\n[root]\ndevice=\"/dev/vda\"\n", NULL), -1, "static without address refused");
	ok(strstr(err, "needs network.address") != NULL, "message: %s", err);
	is_int(load("[log]\nlevel = \"info\"\n", NULL), -1, "root.device required");
	ok(strstr(err, "root.device is required") != NULL, "message: %s", err);
	is_int(load("[channel]\nmode = \"connect\"\n[root]\ndevice=\"/dev/vda\"\n", NULL), -1, "connect needs owner address");
	is_int(load("[channel]\nowner_address = \"owner.example:7443\"\n", NULL), -1, "host names refused");
	ok(strstr(err, "resolves no names") != NULL, "message: %s", err);
	is_int(load("[channel]\nowner_key_sha256 = [\"00\"]\n", NULL), -1, "short fingerprint refused");
	is_int(load("[switch_root]\ninit = \"sbin/init\"\n[root]\ndevice=\"/dev/vda\"\n", NULL), -1, "relative init refused");
	is_int(load("[root]\ndevice = \"/dev/vda\"\nmapper_name = \"../x\"\n", NULL), -1, "mapper name with / refused");
	is_int(load("[root]\ndevice = \"/dev/vda\"\n[root]\nfstype = \"xfs\"\n", NULL), -1, "redefined table refused");
	is_int(load("root = 1\n", NULL), -1, "section that is not a table refused");

	char fp[65];
	memset(fp, 'a', 64);
	fp[64] = '\0';
	char text[256];
	snprintf(text, sizeof text, "[channel]\nowner_key_sha256 = [\"%s\"]\n[root]\ndevice=\"/dev/vda\"\n", fp);
	is_int(load(text, NULL), 0, "fingerprint accepted: %s", err);
	is_int(cfg.channel.owner_key_count, 1, "one owner key");
	is_int(cfg.channel.owner_keys[0][0], 0xaa, "fingerprint decoded");

	/* Command-line overrides. */
	is_int(load(minimal, "quiet snpboot.network.mode=static snpboot.network.address=10.0.2.15/24 "
			     "root=/dev/sda snpboot.switch_root.args=a,b,c snpboot.failure.retries=0"),
	       0, "overrides apply: %s", err);
	is_int(cfg.net.mode, NET_MODE_STATIC, "override mode");
	is_int(cfg.net.prefix_len, 24, "override prefix");
	is_int(cfg.switch_root.arg_count, 3, "override list");
	is_str(cfg.switch_root.args[2], "c", "override list element");
	is_int(cfg.failure.retries, 0, "override number");
	is_int(load(minimal, "snpboot.network.mode=bogus"), -1, "bad override refused");
	ok(strstr(err, "kernel command line: 'snpboot.network.mode' must be one of"), "message: %s", err);
	is_int(load(minimal, "snpboot.nope=1"), -1, "override without section refused");
	is_int(load(minimal, "snpboot.network.moed=1"), -1, "unknown override refused");
	ok(strstr(err, "unknown key 'snpboot.network.moed'") != NULL, "message: %s", err);
	is_int(load(minimal, "snpboot.failure.retries=-1"), -1, "negative number refused");
	is_int(load(minimal, "snpboot.failure.retries=99999999999"), -1, "huge number refused");
	is_int(load(minimal, "\"snpboot.root.options=ro,noatime\""), 0, "quoted word");
	is_str(cfg.root.options, "ro,noatime", "quoted value");
	is_int(load(minimal, "snpboot.root.device"), -1, "override without = refused");
	return done_testing();
}
