/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * USB devices as the kernel's USB core shows them in sysfs
 * (Documentation/ABI/testing/sysfs-bus-usb): /sys/bus/usb/devices/B-P.P with
 * idVendor, idProduct, busnum, devnum, devpath, speed, product,
 * manufacturer, bDeviceClass, and interfaces B-P.P:C.I with bInterfaceClass.
 * The host controller is the PCI function in the device's canonical path.
 * Names come from usb.ids (usbutils/hwdata) when the root has it.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "host/host.h"

/* bInterfaceClass codes (usb.org "Defined Class Codes") */
#define VP_USB_CLASS_HID     0x03
#define VP_USB_CLASS_STORAGE 0x08
#define VP_USB_CLASS_HUB     0x09

struct vp_usb_dev {
	char name[32]; /* sysfs name and Proxmox's bus-port form: "1-4.1" */
	char ctrl[16]; /* PCI address of the host controller, "" when not PCI */
	unsigned busnum, devnum;
	uint16_t vid, pid;
	char *speed; /* Mbit/s as the kernel prints it: "1.5", "480", "5000" */
	char *product, *manufacturer; /* from the device's strings, NULL when absent */
	char *vendor_name, *product_name; /* usb.ids, NULL when not listed */
	uint8_t dclass;
	bool hub, keyboard, hid, storage;
	struct strv drivers; /* interface drivers, unique */
};

struct vp_usb {
	struct vp_usb_dev *devs; /* sorted by controller, bus, port path */
	size_t n;
	char *ids_file; /* host path of the usb.ids used, NULL when none */
	bool present;	/* the root has /sys/bus/usb/devices */
};

int vp_usb_load(struct vp_ctx *ctx, struct vp_usb *u);
void vp_usb_free(struct vp_usb *u);

/* speed of at least 5000 Mbit/s: a SuperSpeed device (usb3=1) */
bool vp_usb_superspeed(const struct vp_usb_dev *d);

/* How many devices (hubs excluded) match VID:PID. */
size_t vp_usb_count_id(const struct vp_usb *u, uint16_t vid, uint16_t pid);

/*
 * Find a device by "VID:PID" (hex, optional 0x) or "B-P(.P)*" as Proxmox's
 * usbN host= takes them (USB.pm USB_ID_RE, USB_PATH_RE). -ENOENT when none,
 * -EINVAL when @spec is neither form, -EEXIST when a VID:PID names several.
 */
int vp_usb_find(const struct vp_usb *u, const char *spec, const struct vp_usb_dev **out);

/* Device or controller passthrough for the devices of controller @ctrl. */
struct vp_usb_advice {
	bool controller_ok;	/* the controller can go to a VM as a PCI device */
	bool controller_better; /* ... and that is the better choice */
	struct strv why;	/* reasons, in order */
};
int vp_usb_advise(const struct vp_host *h, const struct vp_usb *u, const char *ctrl,
		  struct vp_usb_advice *a);
void vp_usb_advice_free(struct vp_usb_advice *a);
