// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The companion rule (vp_same_card) and the selector on small hosts built in
 * memory: a GPU with HDMI audio and USB-C, an AMD APU's iGPU beside the SoC's
 * functions, a dual-port NIC, SR-IOV VFs, a card behind its own switch.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "host/select.h"

#define MAXD 16

struct fake {
	struct vp_dev d[MAXD];
	struct vp_dev *p[MAXD];
	struct vp_host h;
};

static struct vp_dev *add(struct fake *f, unsigned bus, unsigned dev, unsigned fn,
			  uint16_t vendor, uint16_t device, uint32_t class)
{
	struct vp_dev *d = &f->d[f->h.ndevs];

	memset(d, 0, sizeof(*d));
	d->bdf.bus = (uint8_t)bus;
	d->bdf.dev = (uint8_t)dev;
	d->bdf.fn = (uint8_t)fn;
	snprintf(d->addr, sizeof(d->addr), "0000:%02x:%02x.%x", bus, dev, fn);
	d->vendor = vendor;
	d->device = device;
	d->class = class;
	d->kind = vp_kind_of_class(class);
	d->is_bridge = (class >> 8) == 0x0604;
	d->iommu_group = -1;
	d->unit = -1;
	d->details = true; /* nothing lazy to read: physfn is as set here */
	f->p[f->h.ndevs] = d;
	f->h.devs = f->p;
	f->h.ndevs++;
	return d;
}

static bool comp_has(struct vp_dev **v, size_t n, const struct vp_dev *d)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == d)
			return true;
	return false;
}

/* NVIDIA Turing: VGA, HDMI audio, USB-C xHCI and UCSI are one card. */
static void gpu_card_functions(void **state)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct vp_dev *gpu = add(f, 1, 0, 0, 0x10de, 0x1e87, 0x030000);
	struct vp_dev *hda = add(f, 1, 0, 1, 0x10de, 0x10f8, 0x040300);
	struct vp_dev *usb = add(f, 1, 0, 2, 0x10de, 0x1ad8, 0x0c0330);
	struct vp_dev *ucsi = add(f, 1, 0, 3, 0x10de, 0x1ad9, 0x0c8000);
	struct vp_dev *nic = add(f, 2, 0, 0, 0x8086, 0x125c, 0x020000);
	struct vp_dev **c = NULL;
	size_t n = 0;

	assert_true(vp_same_card(NULL, &f->h, gpu, hda));
	assert_true(vp_same_card(NULL, &f->h, gpu, usb));
	assert_true(vp_same_card(NULL, &f->h, gpu, ucsi));
	assert_false(vp_same_card(NULL, &f->h, gpu, nic));
	assert_int_equal(vp_companions(NULL, &f->h, gpu, &c, &n), 0);
	assert_int_equal(n, 3);
	assert_ptr_equal(c[0], hda);
	assert_ptr_equal(c[2], ucsi);
	free(c);
	free(f);
}

/* An APU: the iGPU's PCI device also holds the SoC's functions (vendor 1022). */
static void apu_soc_functions_are_the_hosts(void **state)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct vp_dev *igpu = add(f, 3, 0, 0, 0x1002, 0x1638, 0x030000);
	struct vp_dev *hdmi = add(f, 3, 0, 1, 0x1002, 0x1637, 0x040300);
	struct vp_dev *psp = add(f, 3, 0, 2, 0x1022, 0x15df, 0x108000);
	struct vp_dev *usb = add(f, 3, 0, 3, 0x1022, 0x1639, 0x0c0330);
	struct vp_dev *acp = add(f, 3, 0, 5, 0x1022, 0x15e2, 0x048000);
	struct vp_dev *hda = add(f, 3, 0, 6, 0x1022, 0x15e3, 0x040300);
	struct vp_dev **c = NULL;
	size_t n = 0;

	assert_true(vp_same_card(NULL, &f->h, igpu, hdmi));
	assert_false(vp_same_card(NULL, &f->h, igpu, psp));
	assert_false(vp_same_card(NULL, &f->h, igpu, usb));
	assert_false(vp_same_card(NULL, &f->h, igpu, acp));
	assert_false(vp_same_card(NULL, &f->h, hdmi, hda));
	/* The SoC's functions among themselves: one device, as a NIC's are. */
	assert_true(vp_same_card(NULL, &f->h, psp, usb));
	assert_int_equal(vp_companions(NULL, &f->h, igpu, &c, &n), 0);
	assert_int_equal(n, 1);
	assert_ptr_equal(c[0], hdmi);
	assert_false(comp_has(c, n, psp));
	free(c);
	free(f);
}

/*
 * QEMU composes a card from its VGA and an ICH9 HD audio (tests/hosts): another
 * vendor, but no platform function of that vendor beside it.
 */
static void composed_card(void **state)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct vp_dev *vga = add(f, 2, 0, 0, 0x1234, 0x1111, 0x030000);
	struct vp_dev *hda = add(f, 2, 0, 1, 0x8086, 0x293e, 0x040300);

	assert_true(vp_same_card(NULL, &f->h, vga, hda));
	free(f);
}

/* Without a display in the device, one vendor's functions are one device. */
static void nic_ports_and_vfs(void **state)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct vp_dev *p0 = add(f, 7, 0, 0, 0x8086, 0x10fb, 0x020000);
	struct vp_dev *p1 = add(f, 7, 0, 1, 0x8086, 0x10fb, 0x020000);
	struct vp_dev *vf0 = add(f, 7, 0x10, 0, 0x8086, 0x10ed, 0x020000);
	struct vp_dev *vf2 = add(f, 7, 0x10, 2, 0x8086, 0x10ed, 0x020000);
	struct vp_dev **c = NULL;
	size_t n = 0;

	vf0->physfn = (char *)"0000:07:00.0";
	vf2->physfn = (char *)"0000:07:00.0";
	assert_true(vp_same_card(NULL, &f->h, p0, p1));
	/* VFs share slot numbers but are each their own function. */
	assert_false(vp_same_card(NULL, &f->h, vf0, vf2));
	assert_int_equal(vp_companions(NULL, &f->h, vf0, &c, &n), 0);
	assert_int_equal(n, 0);
	free(c);
	free(f);
}

/* Intel Arc: the audio sits on another bus below the card's own switch. */
static void card_switch(void **state)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct vp_dev *rp = add(f, 0, 1, 0, 0x8086, 0xa70d, 0x060400);
	struct vp_dev *up = add(f, 1, 0, 0, 0x8086, 0x4fa1, 0x060400);
	struct vp_dev *dn1 = add(f, 2, 1, 0, 0x8086, 0x4fa4, 0x060400);
	struct vp_dev *dn4 = add(f, 2, 4, 0, 0x8086, 0x4fa4, 0x060400);
	struct vp_dev *gpu = add(f, 3, 0, 0, 0x8086, 0x56a5, 0x030000);
	struct vp_dev *aud = add(f, 4, 0, 0, 0x8086, 0x4f92, 0x040300);
	struct vp_dev **c = NULL;
	size_t n = 0;

	up->parent = rp;
	dn1->parent = up;
	dn4->parent = up;
	gpu->parent = dn1;
	aud->parent = dn4;
	assert_true(vp_same_card(NULL, &f->h, gpu, aud));
	assert_int_equal(vp_companions(NULL, &f->h, gpu, &c, &n), 0);
	assert_int_equal(n, 1);
	assert_ptr_equal(c[0], aud);
	free(c);
	free(f);
}

/* Refusals: a named bridge; the console without and with the override. */
static void select_refusals(void **state)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct vp_dev *rp = add(f, 0, 2, 1, 0x1022, 0x1634, 0x060400);
	struct vp_dev *gpu = add(f, 3, 0, 0, 0x1002, 0x1638, 0x030000);
	struct vp_select_opts o = { .take_flag = "--take-host-device" };
	struct vp_devset s = { 0 };
	struct vp_devspec spec;

	(void)rp;
	gpu->critical = VP_CRIT_CONSOLE;
	assert_int_equal(vp_devspec_parse("00:02.1", &spec), 0);
	assert_int_equal(vp_select(NULL, &f->h, &spec, 1, &o, &s), 0);
	assert_int_equal(s.targets.n, 0);
	assert_int_equal(s.refusals.n, 1);
	assert_non_null(strstr(s.refusals.v[0], "bridge or port"));
	vp_devset_free(&s);

	assert_int_equal(vp_devspec_parse("03:00", &spec), 0);
	assert_true(spec.slot);
	assert_int_equal(vp_select(NULL, &f->h, &spec, 1, &o, &s), 0);
	assert_int_equal(s.refusals.n, 1);
	assert_non_null(strstr(s.refusals.v[0], "--take-host-device"));
	vp_devset_free(&s);

	o.take_host_device = true;
	assert_int_equal(vp_select(NULL, &f->h, &spec, 1, &o, &s), 0);
	assert_int_equal(s.refusals.n, 0);
	assert_int_equal(s.warnings.n, 1);
	assert_non_null(strstr(s.warnings.v[0], "headless: reach it over the network"));
	assert_true(vp_devset_goes(&s, gpu));
	vp_devset_free(&s);

	assert_int_equal(vp_devspec_parse("09:00.0", &spec), 0);
	assert_int_equal(vp_select(NULL, &f->h, &spec, 1, &o, &s), 0);
	assert_int_equal(s.missing, 1);
	vp_devset_free(&s);
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(gpu_card_functions),
		cmocka_unit_test(apu_soc_functions_are_the_hosts),
		cmocka_unit_test(composed_card),
		cmocka_unit_test(nic_ports_and_vfs),
		cmocka_unit_test(card_switch),
		cmocka_unit_test(select_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
