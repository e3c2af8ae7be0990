// SPDX-License-Identifier: GPL-2.0-or-later
/* UPIDs as pve-common's PVE/UPID.pm decode accepts and refuses them (test/upid-test.pl).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "host/tasks.h"

static void upid_valid(void **state)
{
	struct vp_task t;

	assert_int_equal(
		vp_upid_decode(
			"UPID:pve-1:00001B07:002F4001:6740A25B:qmstart:103:root@pam:",
			&t),
		0);
	assert_string_equal(t.node, "pve-1");
	assert_int_equal(t.pid, 0x1B07);
	assert_int_equal(t.pstart, 0x2F4001);
	assert_int_equal(t.starttime, 0x6740A25B);
	assert_string_equal(t.type, "qmstart");
	assert_string_equal(t.id, "103");
	assert_string_equal(t.user, "root@pam");
	/* The subdirectory is the start time's last hex digit, as written. */
	assert_string_equal(
		t.log,
		"var/log/pve/tasks/B/UPID:pve-1:00001B07:002F4001:6740A25B:qmstart:103:root@pam:");
	vp_task_free(&t);
	/* An empty id, and a 9-digit pstart (uptime beyond 497 days). */
	assert_int_equal(
		vp_upid_decode("UPID:n:00000001:1002F4001:6740A250:aptupdate::root@pam:",
			       &t),
		0);
	assert_string_equal(t.id, "");
	assert_true(t.pstart == 0x1002F4001ULL);
	vp_task_free(&t);
}

static void upid_invalid(void **state)
{
	static const char *const bad[] = {
		"UPID:pve:00001B07:002F4001:6740A25B:qmstart:103:root@pam", /* no ':' end
									     */
		"UPID:-pve:00001B07:002F4001:6740A25B:qmstart:103:root@pam:",
		"UPID:pve:1B07:002F4001:6740A25B:qmstart:103:root@pam:",
		"UPID:pve:00001B07:002F4001:6740A25G:qmstart:103:root@pam:",
		"UPID:pve:00001B07:002F4001:6740A25B:qm/start:103:root@pam:",
		"UPID:pve:00001B07:002F4001:6740A25B:qmstart:1 3:root@pam:",
		"UPID:pve:00001B07:002F4001:6740A25B:qmstart:103::",
		"UPID:pve:00001B07:002F4001:6740A25B:qmstart:103:root@pam:x:",
		"upid:pve:00001B07:002F4001:6740A25B:qmstart:103:root@pam:",
		"",
	};
	struct vp_task t;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(vp_upid_decode(bad[i], &t), -EINVAL);
}

static void task_status(void **state)
{
	struct vp_task t = { 0 };

	assert_false(vp_task_failed(&t)); /* running */
	t.status = "OK";
	assert_false(vp_task_failed(&t));
	t.status = "WARNINGS: 2";
	assert_false(vp_task_failed(&t));
	t.status = "start failed: QEMU exited with code 1";
	assert_true(vp_task_failed(&t));
	t.status = "unexpected status";
	assert_true(vp_task_failed(&t));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(upid_valid),
		cmocka_unit_test(upid_invalid),
		cmocka_unit_test(task_status),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
