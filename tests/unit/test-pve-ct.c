// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Container configs (src/pve/ctconf.c) and devN values (src/pve/ctdev.c).
 * Device paths are built from DEV below so that this file, like src/, holds
 * no string literal that starts with a host path.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "pve/ctconf.h"
#include "util.h"

#define DEV \
	"/" \
	"dev"

static struct vp_pve_conf *parse_text(const char *text)
{
	struct vp_pve_conf *c = NULL;

	assert_int_equal(vp_pve_ctconf_parse(text, strlen(text), &c), 0);
	return c;
}

static void assert_text(const struct vp_pve_conf *c, const char *want)
{
	_cleanup_free_ char *out = NULL;

	assert_int_equal(vp_pve_conf_serialize(c, &out, NULL), 0);
	assert_string_equal(out, want);
}

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

static void dev_ok(const char *value, const char *path, const char *mode, long long uid,
		   long long gid, bool deny)
{
	_cleanup_free_ char *reason = NULL;
	struct vp_pve_lxc_dev d;

	if (vp_pve_lxc_dev_parse(value, &d, &reason) != 0)
		fail_msg("'%s' rejected: %s", value, reason);
	assert_string_equal(d.path, path);
	if (mode)
		assert_string_equal(d.mode, mode);
	else
		assert_null(d.mode);
	assert_int_equal(d.uid, uid);
	assert_int_equal(d.gid, gid);
	assert_int_equal(d.deny_write, deny);
	vp_pve_lxc_dev_free(&d);
}

static void dev_bad(const char *value, const char *msg)
{
	_cleanup_free_ char *reason = NULL;
	struct vp_pve_lxc_dev d;

	if (vp_pve_lxc_dev_parse(value, &d, &reason) != -EINVAL)
		fail_msg("'%s' accepted", value);
	if (msg)
		assert_string_equal(reason, msg);
}

static void dev_values(void **state)
{
	(void)state;
	dev_ok(DEV "/dri/renderD128,gid=104,mode=0660", DEV "/dri/renderD128", "0660", -1,
	       104, false);
	dev_ok("path=" DEV "/dri/card0,uid=0,gid=44,deny-write=yes", DEV "/dri/card0",
	       NULL, 0, 44, true);
	dev_ok(DEV "/kfd,mode=0777", DEV "/kfd", "0777", -1, -1, false);
	dev_ok(DEV "/nvidia0,gid=+44", DEV "/nvidia0", NULL, -1, 44, false);
	dev_ok(DEV "/a..b", DEV "/a..b", NULL, -1, -1,
	       false); /* ".." only as a component */
	dev_bad(DEV "/dri/renderD128,mode=666",
		"format error: mode: value does not match the regex pattern");
	dev_bad(DEV "/dri/renderD128,mode=0668", NULL);
	dev_bad(DEV "/dri/renderD128,mode=00660", NULL);
	dev_bad(DEV "/../etc", "format error: path: invalid format - " DEV
			       "/../etc is not a valid device path");
	dev_bad(DEV "/dri/..", NULL);
	dev_bad(DEV "/./null", NULL);
	dev_bad(DEV "/dri/.", NULL);
	dev_bad("/tmp/x", NULL);
	dev_bad("dev/null", NULL);
	dev_bad(DEV, NULL);
	dev_bad(DEV "/null,uid=-1",
		"format error: uid: value must have a minimum value of 0");
	dev_bad(DEV "/null,gid=abc", NULL);
	dev_bad(DEV "/null,deny-write=2", NULL);
	dev_bad(DEV "/null,major=226",
		"invalid key in comma-separated list property: major");
	dev_bad("gid=104", "Path has to be defined");
	dev_bad(DEV "/null," DEV "/zero",
		"duplicate key in comma-separated list property: path");
}

static void dev_print(void **state)
{
	_cleanup_free_ char *out = NULL, *reason = NULL;
	struct vp_pve_lxc_dev d = {
		.path = DEV "/dri/renderD128", .mode = "0660", .uid = -1, .gid = 104
	};

	(void)state;
	assert_int_equal(vp_pve_lxc_dev_print(&d, &out, &reason), 0);
	assert_string_equal(out, DEV "/dri/renderD128,gid=104,mode=0660");
	free(out);
	d = (struct vp_pve_lxc_dev){
		.path = DEV "/dri/card0", .uid = 0, .gid = 0, .deny_write = true
	};
	assert_int_equal(vp_pve_lxc_dev_print(&d, &out, &reason), 0);
	assert_string_equal(out, DEV "/dri/card0,deny-write=1,gid=0,uid=0");
	free(out);
	/* a path with '=' would not read back bare: written as path= */
	d = (struct vp_pve_lxc_dev){ .path = DEV "/odd=name", .uid = -1, .gid = -1 };
	assert_int_equal(vp_pve_lxc_dev_print(&d, &out, &reason), 0);
	assert_string_equal(out, "path=" DEV "/odd=name");
	free(out);
	out = NULL;
	d = (struct vp_pve_lxc_dev){
		.path = DEV "/dri/renderD128", .mode = "666", .uid = -1, .gid = -1
	};
	assert_int_equal(vp_pve_lxc_dev_print(&d, &out, &reason), -EINVAL);
	assert_null(out);
	d = (struct vp_pve_lxc_dev){ .path = DEV "/a,b", .uid = -1, .gid = -1 };
	assert_int_equal(vp_pve_lxc_dev_print(&d, &out, &reason), -EINVAL);
	assert_string_equal(reason, "illegal value with commas for path");
	d = (struct vp_pve_lxc_dev){ .path = DEV "/../etc/shadow", .uid = -1, .gid = -1 };
	assert_int_equal(vp_pve_lxc_dev_print(&d, &out, &reason), -EINVAL);
}

static const char ct[] =
	"#Plex with%3A iGPU\n"
	"arch: amd64\n"
	"cores: 4\n"
	"dev0: " DEV "/dri/renderD128,gid=104,mode=0660\n"
	"features: nesting=1\n"
	"hostname: plex\n"
	"memory: 4096\n"
	"ostype: debian\n"
	"rootfs: local-lvm:vm-105-disk-0,size=16G\n"
	"unprivileged: 1\n"
	"lxc.cgroup2.devices.allow: c 226:* rwm\n"
	"lxc.mount.entry: " DEV "/dri dev/dri none bind,optional,create=dir\n"
	"\n"
	"[pve:pending]\n"
	"memory: 8192\n"
	"\n"
	"[before-upgrade]\n"
	"cores: 2\n"
	"dev0: " DEV "/dri/card0\n";

static void ct_round_trip_and_status(void **state)
{
	_cleanup_(vp_pve_conf_freep) struct vp_pve_conf *c = parse_text(ct);
	_cleanup_(vp_pve_conf_freep) struct vp_pve_conf *w = NULL;
	size_t pending;

	(void)state;
	assert_text(c, ct);
	expect(c, "dev0: " DEV "/dri/renderD128,gid=104,mode=0660", VP_PVE_OK, NULL);
	expect(c, "lxc.cgroup2.devices.allow: c 226:* rwm", VP_PVE_OK, NULL);
	assert_int_equal(line(c, "lxc.cgroup2.devices.allow: c 226:* rwm")->kind,
			 VP_PVE_LINE_LXC);
	assert_string_equal(line(c, "lxc.cgroup2.devices.allow: c 226:* rwm")->value,
			    "c 226:* rwm");
	expect(c, "arch: amd64", VP_PVE_OK, NULL);
	pending = vp_pve_conf_pending(c);
	assert_int_not_equal(pending, SIZE_MAX);
	assert_string_equal(vp_pve_conf_find(c, pending, "memory")->value, "8192");
	assert_int_equal(c->sections[line(c, "cores: 2")->section].kind,
			 VP_PVE_SEC_SNAPSHOT);

	/* invalid values and unknown keys are kept with a warning, unlike qemu */
	w = parse_text("dev0: " DEV "/dri/renderD128,mode=666\n"
		       "dev256: " DEV "/null\n"
		       "dev1: gid=104\n"
		       "cores: 0\n"
		       "ostype: windows\n"
		       "allow-ksm: 1\n"
		       "lxc.cgroup.devices.allow: c 226:* rwm\n"
		       "lxc.rootfs.path: /x\n"
		       "lxc.foo: bar\n"
		       "lxc.aa_profile = unconfined\n"
		       "lxc.limit.nofile: 1024\n"
		       "lxc.net.0.type: veth\n"
		       "delete: cores\n"
		       "hookscript: local:snippets/ct.sh\n"
		       "[weird:section]\n"
		       "memory: 512\n");
	expect(w, "dev0: " DEV "/dri/renderD128,mode=666", VP_PVE_WARNED,
	       "unable to parse value of 'dev0' - format error: mode: value does not match "
	       "the regex pattern");
	expect(w, "dev256: " DEV "/null", VP_PVE_WARNED,
	       "unable to parse value of 'dev256' - unknown setting 'dev256'");
	expect(w, "dev1: gid=104", VP_PVE_API_INVALID,
	       "dev1: Path is not defined for passthrough device dev1");
	expect(w, "cores: 0", VP_PVE_API_INVALID, NULL);
	expect(w, "ostype: windows", VP_PVE_API_INVALID, NULL);
	/* container keys have no '-' */
	expect(w, "allow-ksm: 1", VP_PVE_REJECTED,
	       "unable to parse config: allow-ksm: 1");
	expect(w, "lxc.cgroup.devices.allow: c 226:* rwm", VP_PVE_WARNED, NULL);
	expect(w, "lxc.rootfs.path: /x", VP_PVE_REJECTED,
	       "lxc.rootfs.path: lxc.rootfs.path is auto generated from rootfs");
	expect(w, "lxc.foo: bar", VP_PVE_REJECTED,
	       "unable to parse config: lxc.foo: bar");
	expect(w, "lxc.aa_profile = unconfined", VP_PVE_WARNED,
	       "lxc.aa_profile is deprecated and was renamed to lxc.apparmor.profile");
	assert_string_equal(line(w, "lxc.aa_profile = unconfined")->value, "unconfined");
	expect(w, "lxc.limit.nofile: 1024", VP_PVE_WARNED, NULL);
	expect(w, "lxc.net.0.type: veth", VP_PVE_OK, NULL);
	expect(w, "delete: cores", VP_PVE_REJECTED,
	       "property 'delete' is only allowed in [pve:pending]");
	expect(w, "hookscript: local:snippets/ct.sh", VP_PVE_OK, NULL);
	expect(w, "[weird:section]", VP_PVE_REJECTED,
	       "unable to parse config: [weird:section]");
	/* no unknown-section skipping in containers: still the main section */
	assert_int_equal(line(w, "memory: 512")->section, 0);
}

static void ct_edits(void **state)
{
	_cleanup_(vp_pve_conf_freep) struct vp_pve_conf *c = parse_text(ct);
	_cleanup_free_ char *reason = NULL;

	(void)state;
	assert_int_equal(
		vp_pve_ctconf_set(c, false, "dev0", DEV "/dri/card0,gid=44", &reason), 0);
	assert_int_equal(vp_pve_ctconf_set(c, false, "dev1",
					   DEV "/dri/renderD129,gid=104,"
					       "mode=0660",
					   &reason),
			 0);
	assert_int_equal(vp_pve_ctconf_add_lxc(c, "lxc.cgroup2.devices.allow",
					       "c 29:0 rwm", &reason),
			 0);
	assert_int_equal(vp_pve_ctconf_set(c, true, "cores", "8", &reason), 0);
	assert_text(c,
		    "#Plex with%3A iGPU\n"
		    "arch: amd64\n"
		    "cores: 4\n"
		    "dev0: " DEV "/dri/card0,gid=44\n"
		    "features: nesting=1\n"
		    "hostname: plex\n"
		    "memory: 4096\n"
		    "ostype: debian\n"
		    "rootfs: local-lvm:vm-105-disk-0,size=16G\n"
		    "unprivileged: 1\n"
		    "dev1: " DEV "/dri/renderD129,gid=104,mode=0660\n"
		    "lxc.cgroup2.devices.allow: c 226:* rwm\n"
		    "lxc.mount.entry: " DEV "/dri dev/dri none bind,optional,create=dir\n"
		    "lxc.cgroup2.devices.allow: c 29:0 rwm\n"
		    "\n"
		    "[pve:pending]\n"
		    "memory: 8192\n"
		    "cores: 8\n"
		    "\n"
		    "[before-upgrade]\n"
		    "cores: 2\n"
		    "dev0: " DEV "/dri/card0\n");
	assert_int_equal(vp_pve_ctconf_delete(c, false, "lxc.cgroup2.devices.allow"), 0);
	assert_int_equal(vp_pve_ctconf_delete(c, false, "dev1"), 0);
	assert_int_equal(vp_pve_ctconf_delete(c, false, "dev1"), -ENOENT);
	assert_int_equal(vp_pve_ctconf_delete(c, true, "memory"), 0);
	assert_text(c,
		    "#Plex with%3A iGPU\n"
		    "arch: amd64\n"
		    "cores: 4\n"
		    "dev0: " DEV "/dri/card0,gid=44\n"
		    "features: nesting=1\n"
		    "hostname: plex\n"
		    "memory: 4096\n"
		    "ostype: debian\n"
		    "rootfs: local-lvm:vm-105-disk-0,size=16G\n"
		    "unprivileged: 1\n"
		    "lxc.mount.entry: " DEV "/dri dev/dri none bind,optional,create=dir\n"
		    "\n"
		    "[pve:pending]\n"
		    "cores: 8\n"
		    "\n"
		    "[before-upgrade]\n"
		    "cores: 2\n"
		    "dev0: " DEV "/dri/card0\n");

#define REFUSE(fn, err)                    \
	do {                               \
		assert_int_equal(fn, err); \
		assert_non_null(reason);   \
	} while (0)
	REFUSE(vp_pve_ctconf_set(c, false, "dev0", DEV "/dri/renderD128,mode=666",
				 &reason),
	       -EINVAL);
	REFUSE(vp_pve_ctconf_set(c, false, "dev0", DEV "/../etc", &reason), -EINVAL);
	REFUSE(vp_pve_ctconf_set(c, false, "dev0", "gid=104", &reason), -EINVAL);
	assert_string_equal(reason,
			    "dev0: Path is not defined for passthrough device dev0");
	REFUSE(vp_pve_ctconf_set(c, false, "dev256", DEV "/null", &reason), -EINVAL);
	REFUSE(vp_pve_ctconf_set(c, false, "lxc.mount.entry", "a b", &reason), -EINVAL);
	REFUSE(vp_pve_ctconf_set(c, false, "net0", "name=eth0,bridge=vmbr0", &reason),
	       -EOPNOTSUPP);
	REFUSE(vp_pve_ctconf_add_lxc(c, "lxc.rootfs.path", "/x", &reason), -EINVAL);
	REFUSE(vp_pve_ctconf_add_lxc(c, "lxc.cgroup.devices.allow", "c 226:* rwm",
				     &reason),
	       -EINVAL);
	REFUSE(vp_pve_ctconf_add_lxc(c, "lxc.foo", "bar", &reason), -EINVAL);
	REFUSE(vp_pve_ctconf_add_lxc(c, "lxc.mount.entry", " x", &reason), -EINVAL);
	REFUSE(vp_pve_ctconf_add_lxc(c, "lxc.mount.entry", "x\ny", &reason), -EINVAL);
#undef REFUSE
	assert_int_equal(vp_pve_ctconf_check("dev255", DEV "/dri/renderD128", &reason),
			 0);
	assert_int_equal(vp_pve_ctconf_check("tty", "6", &reason), 0);
	assert_int_equal(vp_pve_ctconf_check("tty", "7", &reason), -EINVAL);
	assert_int_equal(vp_pve_ctconf_check("onboot", "yes", &reason), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dev_values),
		cmocka_unit_test(dev_print),
		cmocka_unit_test(ct_round_trip_and_status),
		cmocka_unit_test(ct_edits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
