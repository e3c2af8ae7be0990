// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sysfs attribute values and config space, read the way vfio-pilot reads a
 * host (pci.c's attribute readers, caps.c's capability decoding through
 * libpci, iommu.c's groups): two functions behind a root port in a scratch
 * root, their files taken from the input. Whatever the bytes, the model is
 * built or an error returned, and every device found has a valid address.
 *
 * Input: LEN-LO LEN-HI CONFIG[LEN] (of the endpoint, at most 4096 bytes),
 * then newline-separated values for the attributes in attrs[] below.
 */
#include "fuzz.h"
#include "host/host.h"
#include "util.h"

#define DEV  "sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0"
#define DEV1 "sys/devices/pci0000:00/0000:00:01.0/0000:01:00.1"
#define PORT "sys/devices/pci0000:00/0000:00:01.0"

static const char *const attrs[] = {
	"vendor",
	"device",
	"class",
	"revision",
	"subsystem_vendor",
	"subsystem_device",
	"reset_method",
	"boot_vga",
	"d3cold_allowed",
	"current_link_speed",
	"max_link_speed",
	"current_link_width",
	"max_link_width",
	"sriov_totalvfs",
	"sriov_numvfs",
	"driver_override",
	"numa_node",
	"power_state",
	"modalias",
	"irq",
	"resource",
};

/* A root port whose config space is valid: the tree around the fuzzed device. */
static const unsigned char port_config[64] = {
	0x86, 0x80, 0x10, 0x15, 0x07, 0x04, 0x10,	   0x00, 0x00, 0x00,
	0x04, 0x06, 0x10, 0x00, 0x01, 0x00, [0x18] = 0x00, 0x01, 0x01, 0x00,
};

static void setup_tree(void)
{
	fuzz_put_str("proc/sys/kernel/osrelease", "6.8.12-4-pve\n");
	fuzz_put_str("proc/cmdline", "BOOT_IMAGE=/vmlinuz quiet intel_iommu=on\n");
	fuzz_put_str("proc/modules", "vfio_pci 16384 0 - Live 0x0\n");
	fuzz_put_str("proc/mounts", "rpool/ROOT/pve-1 / zfs rw 0 0\n");
	fuzz_put_str("etc/hostname", "pve\n");
	fuzz_put(PORT "/config", port_config, sizeof(port_config));
	fuzz_put_str(PORT "/vendor", "0x8086\n");
	fuzz_put_str(PORT "/device", "0x1510\n");
	fuzz_put_str(PORT "/class", "0x060400\n");
	fuzz_link(PORT "/iommu_group", "../../../kernel/iommu_groups/1");
	fuzz_link("sys/kernel/iommu_groups/1/devices/0000:00:01.0",
		  "../../../../devices/pci0000:00/0000:00:01.0");
	fuzz_link("sys/bus/pci/devices/0000:00:01.0",
		  "../../../devices/pci0000:00/0000:00:01.0");
	fuzz_link("sys/bus/pci/devices/0000:01:00.0",
		  "../../../devices/pci0000:00/0000:00:01.0/0000:01:00.0");
	fuzz_link("sys/bus/pci/devices/0000:01:00.1",
		  "../../../devices/pci0000:00/0000:00:01.0/0000:01:00.1");
	fuzz_link(DEV "/iommu_group", "../../../../kernel/iommu_groups/2");
	fuzz_link(DEV1 "/iommu_group", "../../../../kernel/iommu_groups/2");
	fuzz_link("sys/kernel/iommu_groups/2/devices/0000:01:00.0",
		  "../../../../devices/pci0000:00/0000:00:01.0/0000:01:00.0");
	fuzz_link("sys/kernel/iommu_groups/2/devices/0000:01:00.1",
		  "../../../../devices/pci0000:00/0000:00:01.0/0000:01:00.1");
	fuzz_put_str(DEV1 "/vendor", "0x10de\n");
	fuzz_put_str(DEV1 "/device", "0x22ba\n");
	fuzz_put_str(DEV1 "/class", "0x040300\n");
	fuzz_link("sys/bus/pci/drivers/vfio-pci/0000:01:00.1",
		  "../../../../devices/pci0000:00/0000:00:01.0/0000:01:00.1");
	fuzz_link(DEV1 "/driver", "../../../../bus/pci/drivers/vfio-pci");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	_cleanup_(vp_host_freep) struct vp_host *h = NULL;
	struct vp_ctx *ctx = NULL;
	_cleanup_free_ char *rest = NULL;
	char *save = NULL, *v;
	size_t clen, i = 0;

	if (size < 2 || size > FUZZ_MAX_INPUT)
		return 0;
	if (!ready) {
		setup_tree();
		ready = true;
	}
	clen = (size_t)(data[0] | data[1] << 8) % 4097;
	if (clen > size - 2)
		clen = size - 2;
	fuzz_put(DEV "/config", data + 2, clen);
	/* The same bytes as the audio function's config, so both decode them. */
	fuzz_put(DEV1 "/config", data + 2, clen);
	rest = fuzz_str(data + 2 + clen, size - 2 - clen);
	for (v = strtok_r(rest, "\n", &save); i < ARRAY_SIZE(attrs);
	     v = v ? strtok_r(NULL, "\n", &save) : NULL, i++) {
		_cleanup_free_ char *rel = xasprintf(DEV "/%s", attrs[i]);

		if (v && !streq(v, "-"))
			fuzz_put_str(rel, v);
		else
			fuzz_rm(rel);
	}
	/* A new context each time: nothing is cached between inputs. */
	if (vp_ctx_new(fuzz_root(), &ctx) < 0)
		abort();
	if (vp_host_load(ctx, &h) == 0) {
		for (size_t d = 0; d < h->ndevs; d++)
			FUZZ_ASSERT(h->devs[d]->bdf.dev < 32 && h->devs[d]->bdf.fn < 8);
	}
	vp_ctx_free(ctx);
	return 0;
}
