// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Container configs: the classifier follows pve-container
 * src/PVE/LXC/Config.pm parse_pct_config (blank, [pve:pending], [snapshot],
 * '#', lxc.*, description:, snapstate:, delete:, key: value, anything
 * else) and is_valid_lxc_conf_key for raw keys; edits go through the line
 * model of conf.c in the CT dialect.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pve/conf-priv.h"
#include "pve/ctconf.h"
#include "pve/keys.h"
#include "pve/priv.h"
#include "util.h"

/* $valid_lxc_conf_keys: value 1 (allowed). */
static const char *const lxc_valid[] = {
	"lxc.apparmor.profile",
	"lxc.apparmor.allow_incomplete",
	"lxc.apparmor.allow_nesting",
	"lxc.apparmor.raw",
	"lxc.selinux.context",
	"lxc.include",
	"lxc.arch",
	"lxc.uts.name",
	"lxc.signal.halt",
	"lxc.signal.reboot",
	"lxc.signal.stop",
	"lxc.init.cmd",
	"lxc.init.cwd",
	"lxc.pty.max",
	"lxc.console.logfile",
	"lxc.console.path",
	"lxc.tty.max",
	"lxc.devtty.dir",
	"lxc.hook.autodev",
	"lxc.autodev",
	"lxc.kmsg",
	"lxc.mount.fstab",
	"lxc.mount.entry",
	"lxc.mount.auto",
	"lxc.rootfs.mount",
	"lxc.cap.drop",
	"lxc.cap.keep",
	"lxc.seccomp.profile",
	"lxc.seccomp.notify.proxy",
	"lxc.seccomp.notify.cookie",
	"lxc.idmap",
	"lxc.hook.pre-start",
	"lxc.hook.pre-mount",
	"lxc.hook.mount",
	"lxc.hook.start",
	"lxc.hook.stop",
	"lxc.hook.post-stop",
	"lxc.hook.clone",
	"lxc.hook.destroy",
	"lxc.hook.version",
	"lxc.log.level",
	"lxc.log.file",
	"lxc.start.auto",
	"lxc.start.delay",
	"lxc.start.order",
	"lxc.group",
	"lxc.environment",
	"lxc.environment.runtime",
	"lxc.environment.hooks",
	"lxc.sysctl.fs.mqueue",
	"lxc.sysctl.kernel.msgmax",
	"lxc.sysctl.kernel.msgmnb",
	"lxc.sysctl.kernel.msgmni",
	"lxc.sysctl.kernel.sem",
	"lxc.sysctl.kernel.shmall",
	"lxc.sysctl.kernel.shmmax",
	"lxc.sysctl.kernel.shmmni",
	"lxc.sysctl.kernel.shm_rmid_forced",
};

/* $valid_lxc_conf_keys entries that are an error message instead of 1. */
static const struct {
	const char *key, *msg;
} lxc_refused[] = {
	{ "lxc.rootfs.path", "lxc.rootfs.path is auto generated from rootfs" },
	{ "lxc.rootfs.options", "lxc.rootfs.options is not supported, please use mount "
				"point options in the \"rootfs\" key" },
};

/* $deprecated_lxc_conf_keys: still accepted, with a warning. A row a key, as there. */
static const struct {
	const char *old, *new;
} lxc_deprecated[] = {
	{ "lxc.aa_profile", "lxc.apparmor.profile" },
	{ "lxc.aa_allow_incomplete", "lxc.apparmor.allow_incomplete" },
	{ "lxc.console", "lxc.console.path" },
	{ "lxc.devttydir", "lxc.tty.dir" },
	{ "lxc.haltsignal", "lxc.signal.halt" },
	{ "lxc.rebootsignal", "lxc.signal.reboot" },
	{ "lxc.stopsignal", "lxc.signal.stop" },
	{ "lxc.id_map", "lxc.idmap" },
	{ "lxc.init_cmd", "lxc.init.cmd" },
	{ "lxc.loglevel", "lxc.log.level" },
	{ "lxc.logfile", "lxc.log.file" },
	{ "lxc.mount", "lxc.mount.fstab" },
	{ "lxc.network.type", "lxc.net.INDEX.type" },
	{ "lxc.network.flags", "lxc.net.INDEX.flags" },
	{ "lxc.network.link", "lxc.net.INDEX.link" },
	{ "lxc.network.mtu", "lxc.net.INDEX.mtu" },
	{ "lxc.network.name", "lxc.net.INDEX.name" },
	{ "lxc.network.hwaddr", "lxc.net.INDEX.hwaddr" },
	{ "lxc.network.ipv4", "lxc.net.INDEX.ipv4.address" },
	{ "lxc.network.ipv4.gateway", "lxc.net.INDEX.ipv4.gateway" },
	{ "lxc.network.ipv6", "lxc.net.INDEX.ipv6.address" },
	{ "lxc.network.ipv6.gateway", "lxc.net.INDEX.ipv6.gateway" },
	{ "lxc.network.script.up", "lxc.net.INDEX.script.up" },
	{ "lxc.network.script.down", "lxc.net.INDEX.script.down" },
	{ "lxc.pts", "lxc.pty.max" },
	{ "lxc.se_context", "lxc.selinux.context" },
	{ "lxc.seccomp", "lxc.seccomp.profile" },
	{ "lxc.tty", "lxc.tty.max" },
	{ "lxc.utsname", "lxc.uts.name" },
};

/*
 * is_valid_lxc_conf_key. lxc.cgroup.* (cgroup v1) follows the knowledge
 * file (§7: kept, warned as deprecated); older pve-container took it
 * silently. Sets *st and *msg (NULL for OK).
 */
static int lxc_key_status(const char *key, const char *line, enum vp_pve_status *st,
			  char **msg)
{
	*st = VP_PVE_OK;
	*msg = NULL;
	if (startswith(key, "lxc.limit.")) {
		*st = VP_PVE_WARNED;
		*msg = xasprintf("%s: lxc.limit.* was renamed to lxc.prlimit.*", key);
		return *msg ? 0 : -ENOMEM;
	}
	for (size_t i = 0; i < ARRAY_SIZE(lxc_deprecated); i++) {
		if (streq(key, lxc_deprecated[i].old)) {
			*st = VP_PVE_WARNED;
			*msg = xasprintf("%s is deprecated and was renamed to %s", key,
					 lxc_deprecated[i].new);
			return *msg ? 0 : -ENOMEM;
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(lxc_valid); i++)
		if (streq(key, lxc_valid[i]))
			return 0;
	for (size_t i = 0; i < ARRAY_SIZE(lxc_refused); i++) {
		if (streq(key, lxc_refused[i].key)) {
			*st = VP_PVE_REJECTED;
			*msg = xasprintf("%s: %s", key, lxc_refused[i].msg);
			return *msg ? 0 : -ENOMEM;
		}
	}
	if (startswith(key, "lxc.cgroup.")) {
		*st = VP_PVE_WARNED;
		*msg = xasprintf(
			"%s: lxc.cgroup.* (cgroup v1) is deprecated, this will be a "
			"hard error in the future!",
			key);
		return *msg ? 0 : -ENOMEM;
	}
	if (startswith(key, "lxc.cgroup2.") || startswith(key, "lxc.prlimit.") ||
	    startswith(key, "lxc.net."))
		return 0;
	*st = VP_PVE_REJECTED;
	*msg = xasprintf("unable to parse config: %s", line);
	return *msg ? 0 : -ENOMEM;
}

/* [pve:pending] and [snapshot]: a repeated name silently replaces the earlier one. */
static int open_section(struct vp_pve_conf *c, size_t i, enum vp_pve_section_kind kind,
			const char *name, size_t *cur)
{
	int idx;

	for (size_t s = 0; s < c->n_sections; s++) {
		if (c->sections[s].kind != kind || !streq(c->sections[s].name, name) ||
		    c->sections[s].discarded)
			continue;
		c->sections[s].discarded = true;
		for (size_t j = 0; j < i; j++) {
			int r;

			if (c->lines[j].section != s ||
			    c->lines[j].kind == VP_PVE_LINE_BLANK)
				continue;
			r = vp_pve_line_statusf(
				&c->lines[j], VP_PVE_REJECTED,
				"section [%s] appears again later; Proxmox "
				"keeps only the later one",
				name);
			if (r < 0)
				return r;
		}
	}
	idx = vp_pve_conf_add_section(c, kind, name, i);
	if (idx < 0)
		return idx;
	*cur = (size_t)idx;
	c->lines[i].section = *cur;
	return vp_pve_line_set(&c->lines[i], VP_PVE_LINE_SECTION, name, NULL);
}

static int judge(struct vp_pve_line *l)
{
	enum vp_pve_status st;
	char *reason = NULL;
	int r = vp_pve_key_judge(vp_pve_ct_key(l->key), l->key, l->value, false, &st,
				 &reason);

	if (r < 0)
		return r;
	/* parse_pct_config warns but stores the value anyway */
	vp_pve_line_status(l, st == VP_PVE_REJECTED ? VP_PVE_WARNED : st, reason);
	return 0;
}

static int body_line(struct vp_pve_conf *c, struct vp_pve_line *l)
{
	_cleanup_free_ char *key = NULL, *value = NULL;
	enum vp_pve_status st;
	char *msg;
	int r;

	if (l->text[0] == '#')
		return vp_pve_line_set(l, VP_PVE_LINE_COMMENT, NULL, NULL);
	if ((r = vp_pve_gram_lxc(l->text, &key, &value))) {
		if (r < 0 || (r = vp_pve_line_set(l, VP_PVE_LINE_LXC, key, value)) < 0)
			return r;
		r = lxc_key_status(key, l->text, &st, &msg);
		if (r == 0)
			vp_pve_line_status(l, st, msg);
		return r;
	}
	if ((r = vp_pve_gram_named(l->text, "description", &value)))
		return r < 0 ? r
			     : vp_pve_line_set(l, VP_PVE_LINE_DESCRIPTION, NULL, value);
	if (vp_pve_gram_snapstate(l->text))
		return vp_pve_line_set(l, VP_PVE_LINE_SNAPSTATE, "snapstate", NULL);
	if ((r = vp_pve_gram_named(l->text, "delete", &value))) {
		if (r < 0 ||
		    (r = vp_pve_line_set(l, VP_PVE_LINE_DELETE, "delete", value)) < 0)
			return r;
		if (c->sections[l->section].kind == VP_PVE_SEC_PENDING)
			return 0;
		return vp_pve_line_statusf(
			l, VP_PVE_REJECTED,
			"property 'delete' is only allowed in [pve:pending]");
	}
	if ((r = vp_pve_gram_key(l->text, false, &key, &value))) {
		if (r < 0 || (r = vp_pve_line_set(l, VP_PVE_LINE_KEY, key, value)) < 0)
			return r;
		return judge(l);
	}
	r = vp_pve_line_set(l, VP_PVE_LINE_OTHER, NULL, NULL);
	if (r < 0)
		return r;
	return vp_pve_line_statusf(l, VP_PVE_REJECTED, "unable to parse config: %s",
				   l->text);
}

int vp_pve_ct_classify(struct vp_pve_conf *c)
{
	size_t cur = 0;
	int r = vp_pve_conf_reset(c);

	for (size_t i = 0; r >= 0 && i < c->n_lines; i++) {
		struct vp_pve_line *l = &c->lines[i];
		_cleanup_free_ char *name = NULL;

		l->section = cur;
		if (vp_pve_blank(l->text)) {
			vp_pve_line_status(l, VP_PVE_IGNORED, NULL);
		} else if (vp_pve_gram_header(l->text,
					      vp_pve_dialect(VP_PVE_LXC)->pending)) {
			r = open_section(c, i, VP_PVE_SEC_PENDING, "pending", &cur);
		} else if ((r = vp_pve_gram_snapshot(l->text, &name)) > 0) {
			r = open_section(c, i, VP_PVE_SEC_SNAPSHOT, name, &cur);
		} else if (r == 0) {
			r = body_line(c, l);
		}
	}
	return r < 0 ? r : 0;
}

int vp_pve_ctconf_parse(const char *text, size_t len, struct vp_pve_conf **out)
{
	return vp_pve_conf_new(text, len, VP_PVE_LXC, out);
}

/* The API of ctconf.h over the edits CTs share with VMs (conf.c): alike by design. */
int vp_pve_ctconf_check(const char *key, const char *value, char **reason)
{
	return vp_pve_dialect_check(vp_pve_dialect(VP_PVE_LXC), key, value, reason);
}

int vp_pve_ctconf_set(struct vp_pve_conf *c, bool pending, const char *key,
		      const char *value, char **reason)
{
	return vp_pve_dialect_set(vp_pve_dialect(VP_PVE_LXC), c, pending, key, value,
				  reason);
}

int vp_pve_ctconf_delete(struct vp_pve_conf *c, bool pending, const char *key)
{
	return vp_pve_dialect_delete(vp_pve_dialect(VP_PVE_LXC), c, pending, key);
}

int vp_pve_ctconf_add_lxc(struct vp_pve_conf *c, const char *key, const char *value,
			  char **reason)
{
	_cleanup_free_ char *line = NULL, *msg = NULL;
	enum vp_pve_status st;
	size_t n = strlen(value);
	int r;

	if (n == 0 || strpbrk(value, "\n\r") || vp_pve_isspace(value[0]) ||
	    vp_pve_isspace(value[n - 1]))
		return vp_pve_fail(
			reason, -EINVAL,
			"value of '%s' is empty, has a line feed or starts or ends "
			"with white space",
			key);
	line = xasprintf("%s: %s", key, value);
	if (!line)
		return -ENOMEM;
	r = lxc_key_status(key, line, &st, &msg);
	if (r < 0)
		return r;
	if (st != VP_PVE_OK)
		return vp_pve_fail(reason, -EINVAL, "%s", msg);
	r = vp_pve_conf_reads_back(VP_PVE_LXC, line, key, value, reason);
	if (r < 0)
		return r;
	return vp_pve_conf_append(c, 0, line);
}
