// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * VM configs (src/pve/vmconf.c, vmfacts.c): every corpus config round-trips
 * byte for byte, edits change only the intended line (whole expected texts),
 * lines Proxmox would reject carry its reason, and the passthrough facts of
 * the corpus configs.
 */
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "pve/vmconf.h"
#include "pve/vmfacts.h"
#include "util.h"

/* tests/pve, from VP_PVE_DATA or next to this source file. */
static char *data_dir(void)
{
	const char *env = getenv("VP_PVE_DATA");
	_cleanup_free_ char *src = strdup(__FILE__);

	if (env)
		return strdup(env);
	return src ? xasprintf("%s/../pve", dirname(src)) : NULL;
}

/* A corpus file without its two header lines ("# source:", "# note:"). */
static char *corpus(const char *name, size_t *len)
{
	_cleanup_free_ char *dir = data_dir(), *path = NULL, *all = NULL;
	_cleanup_fclose_ FILE *f = NULL;
	size_t cap = 0;
	ssize_t n;
	char *p;

	assert_non_null(dir);
	path = xasprintf("%s/vm_config/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s", path);
	n = getdelim(&all, &cap, '\0', f);
	assert_true(n > 0);
	assert_true(startswith(all, "# source:"));
	p = strchr(all, '\n');
	assert_non_null(p);
	assert_true(startswith(p + 1, "# note:"));
	p = strchr(p + 1, '\n');
	assert_non_null(p);
	*len = (size_t)n - (size_t)(p + 1 - all);
	return strndup(p + 1, *len);
}

static struct vp_pve_conf *parse_text(const char *text)
{
	struct vp_pve_conf *c = NULL;

	assert_int_equal(vp_pve_vmconf_parse(text, strlen(text), &c), 0);
	return c;
}

static void assert_text(const struct vp_pve_conf *c, const char *want)
{
	_cleanup_free_ char *out = NULL;
	size_t len;

	assert_int_equal(vp_pve_conf_serialize(c, &out, &len), 0);
	assert_int_equal(len, strlen(out));
	assert_string_equal(out, want);
}

/* The line whose text is @text. */
static const struct vp_pve_line *line(const struct vp_pve_conf *c, const char *text)
{
	for (size_t i = 0; i < c->n_lines; i++)
		if (streq(c->lines[i].text, text))
			return &c->lines[i];
	fail_msg("no line '%s'", text);
	return NULL;
}

static void expect(const struct vp_pve_conf *c, const char *text, enum vp_pve_status st,
		   const char *reason)
{
	const struct vp_pve_line *l = line(c, text);

	if (l->status != st)
		fail_msg("'%s': %s (%s), want %s", text, vp_pve_status_name(l->status),
			 l->reason ? l->reason : "", vp_pve_status_name(st));
	if (reason)
		assert_string_equal(l->reason, reason);
}

static void corpus_round_trip(void **state)
{
	_cleanup_free_ char *dir = data_dir(), *sub = NULL;
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *e;
	int files = 0;

	(void)state;
	sub = xasprintf("%s/vm_config", dir);
	d = opendir(sub);
	assert_non_null(d);
	while ((e = readdir(d))) {
		_cleanup_(vp_pve_conf_freep) struct vp_pve_conf *c = NULL;
		_cleanup_free_ char *text = NULL, *out = NULL;
		size_t len, out_len;

		if (!strstr(e->d_name, ".txt"))
			continue;
		text = corpus(e->d_name, &len);
		assert_int_equal(vp_pve_vmconf_parse(text, len, &c), 0);
		assert_int_equal(vp_pve_conf_serialize(c, &out, &out_len), 0);
		assert_int_equal(out_len, len);
		assert_memory_equal(out, text, len);
		/* no corpus line is rejected by Proxmox */
		for (size_t i = 0; i < c->n_lines; i++)
			if (c->lines[i].status == VP_PVE_REJECTED)
				fail_msg("%s: '%s' rejected: %s", e->d_name,
					 c->lines[i].text, c->lines[i].reason);
		files++;
	}
	assert_int_equal(files, 6);
}

static void byte_edges(void **state)
{
	static const char *const texts[] = {
		"",
		"\n",
		"\n\n",
		"bios: ovmf",
		"bios: ovmf\n",
		"bios: ovmf\n\n\n",
		"bios: ovmf\r\n",
		"  \t\n#x\n",
		"[PENDING]",
		"a\n\n[snap]\n\n",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
		_cleanup_(vp_pve_conf_freep) struct vp_pve_conf *c = parse_text(texts[i]);

		assert_text(c, texts[i]);
	}
	{
		struct vp_pve_conf *c = NULL;

		assert_int_equal(vp_pve_vmconf_parse("a\0b", 3, &c), -EINVAL);
		assert_null(c);
	}
}

static void rejected_lines(void **state)
{
	_cleanup_(vp_pve_conf_freep) struct vp_pve_conf *c = parse_text(
		"#Hardware%3A GPU\n"
		"hostpci0: 0000:01:00.0,pcie=1\n"
		"hostpci15: mapping=gpu0\n"
		"hostpci16: 0000:02:00.0\n"
		"hostpci01: 0000:02:00.0\n"
		"usb13: host=1234:5678\n"
		"usb14: host=1234:5678\n"
		"hostpci1: 0000:0A:00.0\n"
		"hostpci2: 0000:02:00.0,x-vga=maybe\n"
		"hostpci3: 0000:03:00.0,rombar=2\n"
		"hostpci4: mapping=g\n"
		"hostpci5: 0000:05:00.0,pcie=1,pcie=0\n"
		"hostpci6: 0000:06:00.0,multifunction=on\n"
		"cpu: host,flags=+avx2\n"
		"bios: foo\n"
		"hugepages: 4\n"
		"balloon: -1\n"
		"cores: 0\n"
		" memory: 2048\n"
		"Cores: 4\n"
		"numa:1\n"
		"delete: cores\n"
		"args: -cpu host,kvm=off\n"
		"numa0: cpus=0-3,memory=2048\n"
		"numa8: cpus=0\n"
		"efidisk0: local-lvm:vm-100-disk-0,efitype=4m,pre-enrolled-keys=1,size=4M\n"
		"hookscript: /var/lib/vz/snippets/hook.pl\n"
		"affinity: 3-1\n"
		"ostype: win12\n"
		"vga: std,memory=513\n"
		"machine: pc-q35-8.1,viommu=intel\n"
		"name: x\r\n"
		"net0: virtio=BC:24:11:3A:21:B7,bridge=vmbr0\n");

	(void)state;
	expect(c, "#Hardware%3A GPU", VP_PVE_OK, NULL);
	expect(c, "hostpci0: 0000:01:00.0,pcie=1", VP_PVE_OK, NULL);
	expect(c, "hostpci15: mapping=gpu0", VP_PVE_OK, NULL);
	expect(c, "hostpci16: 0000:02:00.0", VP_PVE_REJECTED,
	       "unable to parse value of 'hostpci16' - unknown setting 'hostpci16'");
	expect(c, "hostpci01: 0000:02:00.0", VP_PVE_REJECTED, NULL);
	expect(c, "usb13: host=1234:5678", VP_PVE_OK, NULL);
	expect(c, "usb14: host=1234:5678", VP_PVE_REJECTED,
	       "unable to parse value of 'usb14' - unknown setting 'usb14'");
	expect(c, "hostpci1: 0000:0A:00.0", VP_PVE_REJECTED,
	       "unable to parse value of 'hostpci1' - format error: host: value does not "
	       "match the regex pattern");
	expect(c, "hostpci2: 0000:02:00.0,x-vga=maybe", VP_PVE_REJECTED, NULL);
	expect(c, "hostpci3: 0000:03:00.0,rombar=2", VP_PVE_REJECTED, NULL);
	expect(c, "hostpci4: mapping=g", VP_PVE_REJECTED, NULL);
	expect(c, "hostpci5: 0000:05:00.0,pcie=1,pcie=0", VP_PVE_REJECTED,
	       "unable to parse value of 'hostpci5' - duplicate key in comma-separated list "
	       "property: pcie");
	expect(c, "hostpci6: 0000:06:00.0,multifunction=on", VP_PVE_REJECTED, NULL);
	expect(c, "cpu: host,flags=+avx2", VP_PVE_REJECTED, NULL);
	/* no format: the file parser keeps them, the API refuses them */
	expect(c, "bios: foo", VP_PVE_API_INVALID,
	       "bios: value 'foo' does not have a value in the enumeration 'seabios, ovmf'");
	expect(c, "hugepages: 4", VP_PVE_API_INVALID, NULL);
	expect(c, "balloon: -1", VP_PVE_REJECTED,
	       "unable to parse value of 'balloon' - type check ('integer') failed - got '-1'");
	expect(c, "cores: 0", VP_PVE_API_INVALID,
	       "cores: value must have a minimum value of 1");
	expect(c, " memory: 2048", VP_PVE_REJECTED,
	       "unable to parse config:  memory: 2048");
	expect(c, "Cores: 4", VP_PVE_REJECTED, NULL);
	expect(c, "numa:1", VP_PVE_OK, NULL);
	expect(c, "delete: cores", VP_PVE_REJECTED,
	       "property 'delete' is only allowed in [PENDING]");
	expect(c, "args: -cpu host,kvm=off", VP_PVE_OK, NULL);
	expect(c, "numa0: cpus=0-3,memory=2048", VP_PVE_OK, NULL);
	expect(c, "numa8: cpus=0", VP_PVE_REJECTED, NULL);
	expect(c,
	       "efidisk0: local-lvm:vm-100-disk-0,efitype=4m,pre-enrolled-keys=1,size=4M",
	       VP_PVE_OK, NULL);
	expect(c, "hookscript: /var/lib/vz/snippets/hook.pl", VP_PVE_REJECTED,
	       "unable to parse value of 'hookscript' - unable to parse volume ID "
	       "'/var/lib/vz/snippets/hook.pl'");
	expect(c, "affinity: 3-1", VP_PVE_REJECTED, NULL);
	expect(c, "ostype: win12", VP_PVE_API_INVALID, NULL);
	expect(c, "vga: std,memory=513", VP_PVE_REJECTED, NULL);
	expect(c, "machine: pc-q35-8.1,viommu=intel", VP_PVE_OK, NULL);
	expect(c, "name: x\r", VP_PVE_UNVERIFIED, NULL); /* \s* takes the \r */
	expect(c, "net0: virtio=BC:24:11:3A:21:B7,bridge=vmbr0", VP_PVE_UNVERIFIED, NULL);
	assert_string_equal(line(c, "name: x\r")->value, "x");
	/* the effective hostpci0 */
	assert_string_equal(vp_pve_conf_find(c, 0, "hostpci0")->value,
			    "0000:01:00.0,pcie=1");
	assert_null(vp_pve_conf_find(c, 0, "hostpci1"));
}

static void sections(void **state)
{
	_cleanup_(vp_pve_conf_freep) struct vp_pve_conf *c =
		parse_text("bios: ovmf\n"
			   "\n"
			   "[PENDING]\n"
			   "#pending description\n"
			   "delete: vga\n"
			   "balloon: 0\n"
			   "\n"
			   "[special:cloudinit]\n"
			   "ipconfig0: ip=dhcp\n"
			   "anything: goes here\n"
			   "\n"
			   "[special:fleecing]\n"
			   "fleecing-images: local:vm-100-fleece-0\n"
			   "other: x\n"
			   "\n"
			   "[foo bar]\n"
			   "hostpci0: 0000:0A:00.0\n"
			   "#hidden\n"
			   "\n"
			   "[snap1]\n"
			   "snapstate: delete\n"
			   "hostpci0: 0000:01:00.0\n"
			   "[snap1]\n"
			   "hostpci0: 0000:02:00.0\n"
			   "[pending]\n"
			   "cores: 2\n");
	size_t pending;

	(void)state;
	expect(c, "[PENDING]", VP_PVE_REJECTED, NULL); /* replaced by [pending] below */
	expect(c, "[pending]", VP_PVE_WARNED, "duplicate section: pending");
	expect(c, "delete: vga", VP_PVE_REJECTED, NULL);
	expect(c, "[special:cloudinit]", VP_PVE_OK, NULL);
	expect(c, "anything: goes here", VP_PVE_OK, NULL);
	expect(c, "fleecing-images: local:vm-100-fleece-0", VP_PVE_UNVERIFIED, NULL);
	expect(c, "other: x", VP_PVE_REJECTED,
	       "unable to parse value of 'other' - unknown setting 'other'");
	expect(c, "[foo bar]", VP_PVE_REJECTED, "skipping unknown section: 'foo bar'");
	expect(c, "hostpci0: 0000:0A:00.0", VP_PVE_IGNORED, NULL);
	expect(c, "#hidden", VP_PVE_IGNORED, NULL);
	expect(c, "snapstate: delete", VP_PVE_REJECTED,
	       NULL); /* first [snap1] is replaced */
	expect(c, "hostpci0: 0000:01:00.0", VP_PVE_REJECTED, NULL);
	expect(c, "hostpci0: 0000:02:00.0", VP_PVE_OK, NULL);
	pending = vp_pve_conf_pending(c);
	assert_int_not_equal(pending, SIZE_MAX);
	assert_string_equal(vp_pve_conf_find(c, pending, "cores")->value, "2");
	assert_null(vp_pve_conf_find(c, pending, "balloon"));
	assert_int_equal(c->sections[line(c, "hostpci0: 0000:02:00.0")->section].kind,
			 VP_PVE_SEC_SNAPSHOT);
}

static const char base[] = "#Hardware%3A\n"
			   "#- AMD RX 7700S GPU\n"
			   "balloon: 0\n"
			   "bios: ovmf\n"
			   "hostpci0: 0000:03:00,pcie=1,x-vga=1\n"
			   "machine: pc-q35-8.1\n"
			   "vga: none\n"
			   "\n"
			   "[PENDING]\n"
			   "balloon: 1024\n"
			   "\n"
			   "[before_lg]\n"
			   "#Before installing Looking Glass\n"
			   "hostpci0: 0000:03:00,pcie=1,x-vga=1\n"
			   "vga: none\n";

static void set_replaces_in_place(void **state)
{
	_cleanup_(vp_pve_conf_freep) struct vp_pve_conf *c = parse_text(base);
	_cleanup_free_ char *reason = NULL;

	(void)state;
	assert_int_equal(
		vp_pve_vmconf_set(c, false, "hostpci0", "0000:03:00.0,pcie=1", &reason),
		0);
	assert_text(c, "#Hardware%3A\n"
		       "#- AMD RX 7700S GPU\n"
		       "balloon: 0\n"
		       "bios: ovmf\n"
		       "hostpci0: 0000:03:00.0,pcie=1\n"
		       "machine: pc-q35-8.1\n"
		       "vga: none\n"
		       "\n"
		       "[PENDING]\n"
		       "balloon: 1024\n"
		       "\n"
		       "[before_lg]\n"
		       "#Before installing Looking Glass\n"
		       "hostpci0: 0000:03:00,pcie=1,x-vga=1\n"
		       "vga: none\n");
	/* booleans are written as Proxmox writes them */
	assert_int_equal(vp_pve_vmconf_set(c, false, "numa", "yes", &reason), 0);
	assert_string_equal(line(c, "numa: 1")->key, "numa");
}

static void set_appends_after_last_key(void **state)
{
	_cleanup_(vp_pve_conf_freep) struct vp_pve_conf *c = parse_text(base);
	_cleanup_free_ char *reason = NULL;

	(void)state;
	assert_int_equal(vp_pve_vmconf_set(c, false, "hostpci1", "0000:0f:00.4", &reason),
			 0);
	assert_int_equal(
		vp_pve_vmconf_set(c, false, "usb0", "host=0781:55ae,usb3=1", &reason), 0);
	assert_text(c, "#Hardware%3A\n"
		       "#- AMD RX 7700S GPU\n"
		       "balloon: 0\n"
		       "bios: ovmf\n"
		       "hostpci0: 0000:03:00,pcie=1,x-vga=1\n"
		       "machine: pc-q35-8.1\n"
		       "vga: none\n"
		       "hostpci1: 0000:0f:00.4\n"
		       "usb0: host=0781:55ae,usb3=1\n"
		       "\n"
		       "[PENDING]\n"
		       "balloon: 1024\n"
		       "\n"
		       "[before_lg]\n"
		       "#Before installing Looking Glass\n"
		       "hostpci0: 0000:03:00,pcie=1,x-vga=1\n"
		       "vga: none\n");
}

static void set_pending(void **state)
{
	_cleanup_(vp_pve_conf_freep) struct vp_pve_conf *c = parse_text(base);
	_cleanup_(vp_pve_conf_freep) struct vp_pve_conf *d = NULL;
	_cleanup_free_ char *reason = NULL;

	(void)state;
	assert_int_equal(vp_pve_vmconf_set(c, true, "balloon", "2048", &reason), 0);
	assert_int_equal(
		vp_pve_vmconf_set(c, true, "hostpci0", "mapping=gpu0,pcie=1", &reason),
		0);
	assert_text(c, "#Hardware%3A\n"
		       "#- AMD RX 7700S GPU\n"
		       "balloon: 0\n"
		       "bios: ovmf\n"
		       "hostpci0: 0000:03:00,pcie=1,x-vga=1\n"
		       "machine: pc-q35-8.1\n"
		       "vga: none\n"
		       "\n"
		       "[PENDING]\n"
		       "balloon: 2048\n"
		       "hostpci0: mapping=gpu0,pcie=1\n"
		       "\n"
		       "[before_lg]\n"
		       "#Before installing Looking Glass\n"
		       "hostpci0: 0000:03:00,pcie=1,x-vga=1\n"
		       "vga: none\n");
	assert_int_equal(vp_pve_vmconf_delete(c, true, "hostpci0"), 0);
	assert_int_equal(vp_pve_vmconf_delete(c, true, "hostpci0"), -ENOENT);

	/* no [PENDING] yet: it is created after the main section */
	d = parse_text("bios: ovmf\nvga: none\n\n[snap]\nvga: std\n");
	assert_int_equal(vp_pve_vmconf_set(d, true, "vga", "virtio", &reason), 0);
	assert_text(
		d,
		"bios: ovmf\nvga: none\n\n[PENDING]\nvga: virtio\n\n[snap]\nvga: std\n");
	assert_int_equal(vp_pve_vmconf_delete(d, true, "bios"), -ENOENT);
}

static void delete_main_only(void **state)
{
	_cleanup_(vp_pve_conf_freep) struct vp_pve_conf *c = parse_text(base);

	(void)state;
	assert_int_equal(vp_pve_vmconf_delete(c, false, "vga"), 0);
	assert_int_equal(vp_pve_vmconf_delete(c, false, "vga"), -ENOENT);
	assert_int_equal(vp_pve_vmconf_delete(c, false, "hostpci0"), 0);
	assert_text(c, "#Hardware%3A\n"
		       "#- AMD RX 7700S GPU\n"
		       "balloon: 0\n"
		       "bios: ovmf\n"
		       "machine: pc-q35-8.1\n"
		       "\n"
		       "[PENDING]\n"
		       "balloon: 1024\n"
		       "\n"
		       "[before_lg]\n"
		       "#Before installing Looking Glass\n"
		       "hostpci0: 0000:03:00,pcie=1,x-vga=1\n"
		       "vga: none\n");
}

static void set_edge_cases(void **state)
{
	_cleanup_free_ char *reason = NULL;
	struct vp_pve_conf *c;

	(void)state;
	/* no trailing newline: the other bytes stay */
	c = parse_text("bios: ovmf");
	assert_int_equal(vp_pve_vmconf_set(c, false, "vga", "none", &reason), 0);
	assert_text(c, "bios: ovmf\nvga: none");
	vp_pve_conf_free(c);
	/* empty config */
	c = parse_text("");
	assert_int_equal(vp_pve_vmconf_set(c, false, "bios", "ovmf", &reason), 0);
	assert_text(c, "bios: ovmf\n");
	vp_pve_conf_free(c);
	/* description only: after it */
	c = parse_text("#just a description\n\n[snap]\nbios: seabios\n");
	assert_int_equal(vp_pve_vmconf_set(c, false, "bios", "ovmf", &reason), 0);
	assert_text(c, "#just a description\nbios: ovmf\n\n[snap]\nbios: seabios\n");
	vp_pve_conf_free(c);
	/* duplicate lines: the last one (the one Proxmox uses) is replaced */
	c = parse_text("vga: std\ncores: 2\nvga: qxl\n");
	assert_int_equal(vp_pve_vmconf_set(c, false, "vga", "none", &reason), 0);
	assert_text(c, "vga: std\ncores: 2\nvga: none\n");
	vp_pve_conf_free(c);
	/* a rejected line of the key is fixed in place */
	c = parse_text("hostpci0: 0000:0A:00.0,pcie=1\nbios: ovmf\n");
	assert_int_equal(
		vp_pve_vmconf_set(c, false, "hostpci0", "0000:0a:00.0,pcie=1", &reason),
		0);
	assert_text(c, "hostpci0: 0000:0a:00.0,pcie=1\nbios: ovmf\n");
	expect(c, "hostpci0: 0000:0a:00.0,pcie=1", VP_PVE_OK, NULL);
	/* delete removes every line of the key */
	assert_int_equal(vp_pve_vmconf_set(c, false, "cores", "4", &reason), 0);
	vp_pve_conf_free(c);
	c = parse_text("vga: std\ncores: 2\nvga: qxl\n");
	assert_int_equal(vp_pve_vmconf_delete(c, false, "vga"), 0);
	assert_text(c, "cores: 2\n");
	vp_pve_conf_free(c);
}

static void set_refuses(void **state)
{
	_cleanup_(vp_pve_conf_freep) struct vp_pve_conf *c = parse_text(base);
	_cleanup_free_ char *reason = NULL;

	(void)state;
#define REFUSE(key, value, err)                                                          \
	do {                                                                             \
		assert_int_equal(vp_pve_vmconf_set(c, false, key, value, &reason), err); \
		assert_non_null(reason);                                                 \
	} while (0)
	REFUSE("hostpci16", "0000:01:00.0", -EINVAL);
	assert_string_equal(reason, "unknown setting 'hostpci16'");
	REFUSE("usb14", "host=0781:55ae", -EINVAL);
	REFUSE("hostpci0", "0000:0A:00.0", -EINVAL);
	REFUSE("hostpci0", "0000:01:00.0,x-vga=maybe", -EINVAL);
	REFUSE("hostpci0", "0000:01:00.0,rombar=2", -EINVAL);
	REFUSE("hostpci0", "mapping=g", -EINVAL);
	REFUSE("hostpci0", "0000:01:00.0,romfile=a,b.rom", -EINVAL);
	REFUSE("hostpci0", " 0000:01:00.0", -EINVAL);
	REFUSE("hostpci0", "0000:01:00.0\nbios: seabios", -EINVAL);
	REFUSE("hostpci0", "", -EINVAL);
	REFUSE("bios", "\"ovmf\"", -EINVAL);
	REFUSE("bios", "foo", -EINVAL);
	REFUSE("hugepages", "4", -EINVAL);
	REFUSE("cores", "0", -EINVAL);
	REFUSE("balloon", "-1", -EINVAL);
	REFUSE("balloon", "+1", -EINVAL);
	REFUSE("numa", "maybe", -EINVAL);
	REFUSE("hookscript", "/var/lib/vz/snippets/hook.pl", -EINVAL);
	REFUSE("args", "-cpu host snapstate: delete",
	       -EINVAL); /* would read as snapstate */
	REFUSE("net0", "virtio,bridge=vmbr0", -EOPNOTSUPP);
	REFUSE("description", "text", -EOPNOTSUPP);
	REFUSE("lock", "backup", -EOPNOTSUPP);
	REFUSE("cpu", "EPYC-Turin", -EOPNOTSUPP);
	REFUSE("cpu", "host,flags=+avx2", -EINVAL);
	REFUSE("Bios", "ovmf", -EINVAL);
#undef REFUSE
	assert_text(c, base); /* nothing changed */
	assert_int_equal(
		vp_pve_vmconf_check("hookscript", "local:snippets/hook.pl", &reason), 0);
	assert_int_equal(
		vp_pve_vmconf_check("args", "-cpu 'host,-hypervisor,kvm=off'", &reason),
		0);
	assert_int_equal(vp_pve_vmconf_check("affinity", "0,5,8-11", &reason), 0);
	assert_int_equal(vp_pve_vmconf_check("hugepages", "1024", &reason), 0);
	assert_int_equal(vp_pve_vmconf_check("cpu", "host,hidden=1", &reason), 0);
	assert_int_equal(vp_pve_vmconf_check("efidisk0",
					     "local-lvm:vm-100-disk-0,efitype=4m,size=4M",
					     &reason),
			 0);
	assert_int_equal(vp_pve_vmconf_check("machine", "pc-q35-9.2+pve1", &reason), 0);
	assert_int_equal(vp_pve_vmconf_check("memory", "16384", &reason), 0);
	assert_int_equal(vp_pve_vmconf_check("numa7", "cpus=0-3", &reason), 0);
	assert_int_equal(vp_pve_vmconf_check("ostype", "win11", &reason), 0);
	assert_int_equal(vp_pve_vmconf_check("vga", "none", &reason), 0);
	assert_int_equal(vp_pve_vmconf_check("balloon", "0", &reason), 0);
	assert_int_equal(vp_pve_vmconf_check("usb13", "spice", &reason), 0);
	assert_int_equal(vp_pve_vmconf_check("hostpci15", "01:00", &reason), 0);
}

static void description_text(void **state)
{
	_cleanup_(vp_pve_conf_freep) struct vp_pve_conf *c = NULL;
	_cleanup_free_ char *text = NULL, *d = NULL;
	size_t len;

	(void)state;
	text = corpus(
		"pve9-framework16-rx7700s-win11-lookingglass-WORKING-with-snapshots.txt",
		&len);
	assert_int_equal(vp_pve_vmconf_parse(text, len, &c), 0);
	assert_int_equal(vp_pve_conf_description(c, 0, &d), 0);
	assert_true(startswith(d, "Hardware:\n- AMD RX 7700S GPU\n\nSoftware\n"));
	assert_non_null(strstr(d, "looking glass: map anything"));
	assert_true(streq(d + strlen(d) - strlen("cpu: custom-7940HS-nested-vm"),
			  "cpu: custom-7940HS-nested-vm"));
	free(d);
	assert_int_equal(vp_pve_conf_description(c, 1, &d), 0);
	assert_string_equal(d, "Before installing Looking Glass host software");
	free(d);
	assert_int_equal(vp_pve_conf_description(c, 3, &d),
			 0); /* [intermediate_20251018] */
	assert_null(d);
}

static struct vp_pve_vmfacts facts_of(const char *name)
{
	_cleanup_(vp_pve_conf_freep) struct vp_pve_conf *c = NULL;
	_cleanup_free_ char *text = NULL;
	struct vp_pve_vmfacts f;
	size_t len;

	text = corpus(name, &len);
	assert_int_equal(vp_pve_vmconf_parse(text, len, &c), 0);
	assert_int_equal(vp_pve_vmfacts_get(c, &f), 0);
	return f;
}

static bool has_note(const struct vp_pve_vmfacts *f, const char *part)
{
	for (size_t i = 0; i < f->notes.n; i++)
		if (strstr(f->notes.v[i], part))
			return true;
	return false;
}

static void facts_7840hs(void **state)
{
	struct vp_pve_vmfacts f =
		facts_of("pve-7840hs-780m-inappropriate-ioctl-TRUNCATED.txt");

	(void)state;
	assert_int_equal(f.n_hostpci, 2);
	assert_int_equal(f.hostpci[0].index, 0);
	assert_true(f.hostpci[0].valid);
	assert_int_equal(f.hostpci[0].hosts.n, 1);
	assert_string_equal(f.hostpci[0].hosts.v[0], "0000:c6:00.0");
	assert_false(vp_pve_pci_id_all_functions(f.hostpci[0].hosts.v[0]));
	assert_true(f.hostpci[0].pcie);
	assert_false(f.hostpci[0].x_vga);
	assert_true(f.hostpci[0].rombar);
	/* the poster's inline comment is part of the file name for Proxmox */
	assert_string_equal(f.hostpci[0].romfile,
			    "vbios_1002_15bf.bin # Rom that I created using vbios");
	assert_string_equal(f.hostpci[1].hosts.v[0], "0000:c6:00.1");
	assert_true(has_note(&f, "hostpci0: romfile 'vbios_1002_15bf.bin # Rom"));
	assert_string_equal(f.machine_type, "pc-q35-9.0");
	assert_true(f.q35);
	assert_null(f.bios);
	assert_false(f.ovmf);
	assert_string_equal(f.balloon, "12288");
	assert_string_equal(f.cputype, "host");
	assert_string_equal(f.args, "-cpu 'host,-hypervisor,kvm=off'");
	assert_false(f.kvm_hidden);
	assert_string_equal(f.hostpci[0].driver, "vfio");
	vp_pve_vmfacts_free(&f);
}

static void facts_7950x(void **state)
{
	struct vp_pve_vmfacts f =
		facts_of("pve-7950x-raphael-igpu-no-output-TRUNCATED.txt");

	(void)state;
	assert_int_equal(f.n_hostpci, 2);
	assert_true(f.hostpci[0].x_vga);
	assert_false(f.hostpci[0].rombar);
	assert_string_equal(f.hostpci[0].romfile, "vbios_7950x.bin");
	assert_false(f.hostpci[1].x_vga);
	assert_false(f.hostpci[1].rombar);
	assert_null(f.hostpci[1].romfile);
	assert_true(f.ovmf);
	assert_string_equal(f.machine, "q35");
	assert_true(f.q35);
	assert_string_equal(f.cputype, "x86-64-v2-AES");
	assert_true(f.kvm_hidden); /* x-vga=1 without hidden=0 */
	assert_true(has_note(&f, "hostpci0: x-vga=1 with bios ovmf"));
	vp_pve_vmfacts_free(&f);
}

static void facts_habr(void **state)
{
	struct vp_pve_vmfacts f =
		facts_of("pve-habr-article-win10-gpu-plus-usbctrl-WORKING.txt");

	(void)state;
	assert_int_equal(f.n_hostpci, 2);
	assert_string_equal(f.hostpci[0].hosts.v[0], "0000:01:00");
	assert_true(vp_pve_pci_id_all_functions(f.hostpci[0].hosts.v[0]));
	assert_true(f.hostpci[0].pcie);
	assert_true(f.hostpci[0].x_vga);
	assert_string_equal(f.hostpci[1].hosts.v[0], "0000:0f:00.4");
	assert_false(f.hostpci[1].pcie);
	assert_string_equal(f.vga_type, "none");
	assert_string_equal(f.balloon, "0");
	assert_string_equal(f.machine_type, "pc-q35-7.2");
	assert_null(f.args);
	assert_int_equal(f.n_usb, 0);
	vp_pve_vmfacts_free(&f);
}

static void facts_sriov(void **state)
{
	struct vp_pve_vmfacts f =
		facts_of("pve-intel-igpu-sriov-vf-plus-2-devices-WORKING.txt");

	(void)state;
	assert_int_equal(f.n_hostpci, 3);
	assert_string_equal(f.hostpci[0].hosts.v[0], "0000:00:02.1");
	assert_string_equal(f.hostpci[1].hosts.v[0], "0000:03:00");
	assert_string_equal(f.hostpci[2].hosts.v[0], "0000:05:00");
	assert_int_equal(f.n_usb, 1);
	assert_string_equal(f.usb[0].host, "0781:55ae");
	assert_true(f.usb[0].usb3);
	assert_string_equal(f.args, "-cpu host,hv_vendor_id=1234567890ab");
	assert_string_equal(f.ostype, "win11");
	assert_int_equal(f.notes.n, 0);
	vp_pve_vmfacts_free(&f);
}

static void facts_7745hx(void **state)
{
	struct vp_pve_vmfacts f =
		facts_of("pve81-ryzen7745hx-610m-raphael-code43-TRUNCATED.txt");

	(void)state;
	assert_int_equal(f.n_hostpci, 2);
	assert_true(f.hostpci[0].x_vga);
	assert_string_equal(f.hostpci[0].romfile, "vbios_1002_164e.bin");
	assert_string_equal(f.hostpci[1].romfile, "AMDGopDriver.rom");
	assert_int_equal(f.cpu_hidden, 1);
	assert_string_equal(f.cpu_flags, "+virt-ssbd;+amd-ssbd;+amd-no-ssb;+aes");
	assert_true(f.kvm_hidden);
	/* the excerpt lost its machine line: i440fx, so pcie=1 cannot work */
	assert_null(f.machine);
	assert_false(f.q35);
	assert_true(has_note(&f, "hostpci0: pcie=1 needs a q35 machine"));
	assert_true(has_note(&f, "hostpci1: pcie=1 needs a q35 machine"));
	vp_pve_vmfacts_free(&f);
}

static void facts_snapshots(void **state)
{
	struct vp_pve_vmfacts f = facts_of(
		"pve9-framework16-rx7700s-win11-lookingglass-WORKING-with-snapshots.txt");

	(void)state;
	/* only the live section counts; the snapshots have their own hostpci0 */
	assert_int_equal(f.n_hostpci, 1);
	assert_string_equal(f.hostpci[0].value, "0000:03:00,pcie=1,x-vga=1");
	assert_string_equal(f.cputype, "host"); /* snapshots say x86-64-v2-AES */
	assert_int_equal(f.n_usb, 1);
	assert_string_equal(f.usb[0].host, "1-2.2");
	assert_non_null(strstr(f.args, "mem-path=/dev/kvmfr0"));
	assert_null(f.balloon);
	assert_string_equal(f.vga_type, "none");
	vp_pve_vmfacts_free(&f);
}

static void facts_constructed(void **state)
{
	_cleanup_(vp_pve_conf_freep) struct vp_pve_conf *c = parse_text(
		"#hostpci1%3A 0000%3A41%3A00,pcie=1\n"
		"hostpci0: 01:00.0,mapping=gpu0\n"
		"hostpci2: pcie=1\n"
		"hostpci3: 0000:01:00.0\n"
		"hostpci4: mapping=gpu1,mdev=nvidia-63\n"
		"hostpci5: 0000:0A:00.0\n"
		"hostpci16: 0000:07:00.0\n"
		"hostpci7: 0000:41:00.0;0000:41:00.1,mdev=i915-GVTg_V5_4,driver=keep\n"
		"usb5: host=spice\n"
		"cpu: host,hidden=0\n"
		"machine: pc-i440fx-7.0\n"
		"hookscript: local:snippets/gpu.sh\n"
		"ostype: l26\n"
		"bios: \"ovmf\"\n"
		"hostpci8: 0000:02:00.0,x-vga=1\n"
		"\n"
		"[PENDING]\n"
		"hostpci9: 0000:09:00.0\n"
		"cores: 4\n"
		"delete: usb5\n");
	struct vp_pve_vmfacts f;

	(void)state;
	assert_int_equal(vp_pve_vmfacts_get(c, &f), 0);
	assert_int_equal(f.n_hostpci, 7);
	assert_string_equal(f.hostpci[0].mapping, "gpu0");
	assert_string_equal(f.hostpci[3].mapping, "gpu1");
	assert_string_equal(f.hostpci[3].mdev, "nvidia-63");
	assert_false(f.hostpci[4].valid); /* hostpci5 */
	assert_int_equal(f.hostpci[4].index, 5);
	assert_int_equal(f.hostpci[5].hosts.n, 2);
	assert_string_equal(f.hostpci[5].driver, "keep");
	assert_string_equal(f.hookscript, "local:snippets/gpu.sh");
	assert_int_equal(f.cpu_hidden, 0);
	assert_false(f.kvm_hidden); /* hidden=0 wins over x-vga */
	assert_false(f.q35);
	assert_true(has_note(&f, "hostpci0: Cannot set both 'host' and 'mapping'"));
	assert_true(has_note(&f, "hostpci2: Either 'host' or 'mapping' must be set"));
	assert_true(has_note(&f, "hostpci2: pcie=1 needs a q35 machine"));
	assert_true(
		has_note(&f, "hostpci0 and hostpci3: device '01:00.0' assigned more"));
	assert_true(has_note(&f, "hostpci5: unable to parse value of 'hostpci5'"));
	assert_true(has_note(
		&f, "hostpci16: unable to parse value of 'hostpci16' - unknown"));
	assert_true(
		has_note(&f, "hostpci7: cannot use mediated device with multifunction"));
	assert_true(has_note(
		&f, "usb5: using usb5 is only possible with machine type >= 7.1"));
	assert_true(has_note(
		&f, "'hostpci1: 0000:41:00,pcie=1' is a line of the description"));
	/* check_type drops one pair of double quotes */
	assert_string_equal(f.bios, "ovmf");
	assert_true(f.ovmf);
	assert_true(has_note(&f, "hostpci9: pending change to '0000:09:00.0'"));
	assert_true(has_note(&f, "pending deletion of 'usb5'"));
	assert_false(has_note(&f, "cores"));
	vp_pve_vmfacts_free(&f);
}

static void facts_legacy_igd(void **state)
{
	_cleanup_(vp_pve_conf_freep) struct vp_pve_conf *good = parse_text(
		"hostpci0: 0000:00:02.0,legacy-igd=1\nvga: none\nmachine: pc-i440fx-8.1\n");
	_cleanup_(vp_pve_conf_freep) struct vp_pve_conf *bad = parse_text(
		"hostpci0: 0000:00:02.1,legacy-igd=1,rombar=0,x-vga=1\nmachine: q35\n");
	struct vp_pve_vmfacts f;

	(void)state;
	assert_int_equal(vp_pve_vmfacts_get(good, &f), 0);
	assert_true(f.hostpci[0].legacy_igd);
	assert_int_equal(f.notes.n, 0);
	vp_pve_vmfacts_free(&f);
	assert_int_equal(vp_pve_vmfacts_get(bad, &f), 0);
	assert_true(has_note(&f, "only works for devices on host bus 00:02.0"));
	assert_true(has_note(&f, "legacy-igd needs vga: none"));
	assert_true(has_note(&f, "legacy-igd needs rombar"));
	assert_true(has_note(&f, "legacy-igd does not go with x-vga or mdev"));
	assert_true(has_note(&f, "legacy-igd needs an i440fx machine"));
	vp_pve_vmfacts_free(&f);
}

/* hostpciN of [PENDING] (lines and deletions) and of the snapshots Proxmox keeps. */
static void hostpci_refs(void **state)
{
	static const char t[] = "hostpci0: 0000:01:00,pcie=1\n"
				"\n[PENDING]\nhostpci1: 0000:08:00.0\n"
				"delete: usb0, !hostpci3;hostpci16\n"
				"\n[old]\nhostpci4: 0000:06:00.0\n"
				"\n[old]\nhostpci5: mapping=hba\n"
				"\n[bogus]\nhostpci6: 0000:07:00.0\n";
	_cleanup_(vp_pve_conf_freep) struct vp_pve_conf *c = NULL;
	struct vp_pve_hostpci_refs r;

	assert_int_equal(vp_pve_vmconf_parse(t, strlen(t), &c), 0);
	assert_int_equal(vp_pve_hostpci_refs_get(c, &r), 0);
	/* pending hostpci1, its deletion of hostpci3 (hostpci16 is no index), and
	 * only the later [old]: a repeated section replaces the earlier one */
	assert_int_equal(r.n, 4);
	assert_int_equal(r.v[0].kind, VP_PVE_SEC_PENDING);
	assert_int_equal(r.v[0].h.index, 1);
	assert_string_equal(r.v[0].h.hosts.v[0], "0000:08:00.0");
	assert_true(r.v[1].deleted);
	assert_int_equal(r.v[1].h.index, 3);
	assert_int_equal(r.v[2].kind, VP_PVE_SEC_SNAPSHOT);
	assert_int_equal(r.v[2].h.index, 5);
	assert_string_equal(r.v[2].section, "old");
	assert_string_equal(r.v[2].h.mapping, "hba");
	assert_int_equal(r.v[3].kind, VP_PVE_SEC_SNAPSHOT);
	assert_int_equal(r.v[3].h.index, 6);
	vp_pve_hostpci_refs_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(corpus_round_trip),
		cmocka_unit_test(hostpci_refs),
		cmocka_unit_test(byte_edges),
		cmocka_unit_test(rejected_lines),
		cmocka_unit_test(sections),
		cmocka_unit_test(set_replaces_in_place),
		cmocka_unit_test(set_appends_after_last_key),
		cmocka_unit_test(set_pending),
		cmocka_unit_test(delete_main_only),
		cmocka_unit_test(set_edge_cases),
		cmocka_unit_test(set_refuses),
		cmocka_unit_test(description_text),
		cmocka_unit_test(facts_7840hs),
		cmocka_unit_test(facts_7950x),
		cmocka_unit_test(facts_habr),
		cmocka_unit_test(facts_sriov),
		cmocka_unit_test(facts_7745hx),
		cmocka_unit_test(facts_snapshots),
		cmocka_unit_test(facts_constructed),
		cmocka_unit_test(facts_legacy_igd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
