// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel messages of one boot from the systemd journal, read with
 * sd-journal (libsystemd), the way `journalctl -k -b` selects them
 * (journalctl.c: add_matches_for_boot and "_TRANSPORT=kernel" for -k). Proxmox
 * VE keeps its logs there and has no /var/log/kern.log by default.
 *
 * The journal of the root is opened as a directory (ROOT/var/log/journal,
 * else the volatile ROOT/run/log/journal) with sd_journal_open_directory, so a
 * snapshot or a mounted host is read the same way as the running one. The
 * boot is the root's own (ROOT/proc/sys/kernel/random/boot_id, which is what
 * sd_id128_get_boot reads); without it, the newest boot in the journal.
 */
#include <errno.h>
#include <fcntl.h>
#include <systemd/sd-id128.h>
#include <systemd/sd-journal.h>

#include "host/facts.h"

/* Enough for days of a busy host; the boot messages checks need come first. */
#define VP_KLOG_MAX_LINES 200000

static void journal_closep(sd_journal **j)
{
	if (*j)
		sd_journal_close(*j);
}

/* The boot of the last entry in the journal (journalctl -b with no id, offline). */
static int newest_boot(sd_journal *j, sd_id128_t *boot)
{
	uint64_t usec;
	int r;

	r = sd_journal_seek_tail(j);
	if (r < 0)
		return r;
	r = sd_journal_previous(j);
	if (r <= 0)
		return r < 0 ? r : -ENODATA;
	return sd_journal_get_monotonic_usec(j, &usec, boot);
}

static int read_boot(sd_journal *j, sd_id128_t boot, struct vp_klog *k)
{
	char m[64];
	int r;

	sd_journal_flush_matches(j);
	snprintf(m, sizeof(m), "_BOOT_ID=" SD_ID128_FORMAT_STR,
		 SD_ID128_FORMAT_VAL(boot));
	r = sd_journal_add_match(j, m, 0);
	if (r >= 0)
		r = sd_journal_add_match(j, "_TRANSPORT=kernel", 0);
	if (r < 0)
		return r;
	/* Only the message is needed: data of other fields is never decompressed. */
	sd_journal_set_data_threshold(j, 0);
	r = sd_journal_seek_head(j);
	if (r < 0)
		return r;
	while (k->lines.n < VP_KLOG_MAX_LINES && (r = sd_journal_next(j)) > 0) {
		const void *d;
		size_t len;

		r = sd_journal_get_data(j, "MESSAGE", &d, &len);
		if (r == -ENOENT || r == -EBADMSG)
			continue;
		if (r < 0)
			return r;
		/* Checks search lines: a multi-line message becomes one. */
		r = strv_pushf(&k->lines, "kernel: %.*s", (int)(len - 8),
			       (const char *)d + 8);
		if (r < 0)
			return r;
		for (char *p = k->lines.v[k->lines.n - 1]; *p; p++)
			if (*p == '\n')
				*p = ' ';
		strstrip_end(k->lines.v[k->lines.n - 1]);
	}
	return r < 0 ? r : 0;
}

int vp_journal_klog(struct vp_ctx *ctx, struct vp_klog *k)
{
	static const char *const dirs[] = { "var/log/journal", "run/log/journal" };
	_cleanup_(journal_closep) sd_journal *j = NULL;
	_cleanup_free_ char *path = NULL, *bootstr = NULL, *bootfile = NULL;
	const char *dir = NULL;
	sd_id128_t boot;
	bool own_boot = false;
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(dirs) && !j; i++) {
		free(path);
		path = NULL;
		if (vp_host_pathf(ctx, VP_ROOT, &path, "%s", dirs[i]) < 0)
			continue;
		if (sd_journal_open_directory(&j, path, 0) < 0) {
			j = NULL;
			continue;
		}
		/* An empty directory opens too: take it only when it has entries. */
		if (sd_journal_seek_head(j) < 0 || sd_journal_next(j) <= 0) {
			sd_journal_close(j);
			j = NULL;
			continue;
		}
		dir = dirs[i];
	}
	if (!j)
		return -ENOENT;

	if (vp_read_strf(ctx, VP_PROC, &bootstr, "sys/kernel/random/boot_id") == 0 &&
	    sd_id128_from_string(bootstr, &boot) == 0)
		own_boot = true;
	else if ((r = newest_boot(j, &boot)) < 0)
		return r;
	r = read_boot(j, boot, k);
	if (r < 0)
		return r;
	if (k->lines.n == 0) {
		strv_free(&k->lines);
		free(k->unavailable);
		k->unavailable = xasprintf(
			"the journal in /%s has no kernel messages of %s boot " SD_ID128_FORMAT_STR,
			dir, own_boot ? "the running" : "its newest",
			SD_ID128_FORMAT_VAL(boot));
		return -ENOENT;
	}
	bootfile = vp_display_path(VP_PROC, "sys/kernel/random/boot_id");
	k->source = xasprintf("journal /%s (boot " SD_ID128_FORMAT_STR
			      "%s%s, _TRANSPORT=kernel)",
			      dir, SD_ID128_FORMAT_VAL(boot),
			      own_boot ? "" : ", the newest in the journal: no ",
			      own_boot ? "" : (bootfile ? bootfile : "boot_id"));
	k->boot_id = xasprintf(SD_ID128_FORMAT_STR, SD_ID128_FORMAT_VAL(boot));
	k->journal_dir = strdup(dir);
	return k->source ? 0 : -ENOMEM;
}
