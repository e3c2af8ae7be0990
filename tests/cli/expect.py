# SPDX-License-Identifier: GPL-2.0-or-later
"""What a correct tool concludes on each fixture host (see tests/fixtures/scenarios/*.md).

Written by hand from the scenario descriptions, not from the tool's output.
"""

SCENARIOS = {
    "intel-4090": {
        "devices": {
            "0000:01:00.0": {"vendor_id": "10de", "device_id": "2684", "kind": "display",
                             "flr": True, "boot_vga": False, "pcie.link_speed": "16.0 GT/s PCIe"},
            "0000:00:02.0": {"boot_vga": True, "driver": "i915"},
        },
        "groups": {
            "0000:01:00.0": {"verdict": "isolated-with-companions", "companion": ["0000:01:00.1"]},
        },
        "critical": {"0000:00:02.0": ["console"], "0000:05:00.0": ["network"],
                     "0000:02:00.0": ["root_disk"]},
        "doctor": {"verdict": "not-ready", "targets": ["0000:01:00.0"],
                   "fail": ["device.driver", "vfio.modules"]},
        "advise": {"gaming": {"recommendation": "passthrough", "device": "0000:01:00.0"}},
        "text": [(["groups"], ["isolated-with-companions", "0000:01:00.1  audio"])],
    },
}
