#!/usr/bin/python
# SPDX-License-Identifier: GPL-2.0-or-later
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: facts
short_description: PCI inventory and passthrough readiness of a Proxmox VE host
description:
  - Runs C(vfio-pilot devices --json) and C(vfio-pilot doctor --json) on the host and
    returns the devices and doctor's verdict as the fact C(vfio_pilot).
  - Reads only; never changes the host. Doctor's verdicts (exit 0, 1, 2, 4) are facts,
    not failures.
  - The JSON read is the versioned envelope of docs/json.md; a schema this collection
    does not know is refused.
version_added: "0.1.0"
options:
  root:
    description: Read the host below this directory instead of C(/) (vfio-pilot C(--root)).
    type: path
    default: /
  binary:
    description: The vfio-pilot program, a name looked up in PATH or an absolute path.
    type: str
    default: vfio-pilot
  devices:
    description: The devices doctor checks for passthrough; default the candidate GPUs.
    type: list
    elements: str
    default: []
  doctor:
    description: Run doctor as well as devices.
    type: bool
    default: true
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
author: vfio-pilot maintainers
"""

EXAMPLES = r"""
- name: Inventory and readiness
  vfio_pilot.proxmox.facts:

- name: Fail early when a host cannot pass its GPU through
  ansible.builtin.assert:
    that: ansible_facts.vfio_pilot.doctor.verdict != 'not-ready'
    fail_msg: "{{ ansible_facts.vfio_pilot.doctor.failed }}"
"""

RETURN = r"""
ansible_facts:
  description: Facts under the key C(vfio_pilot).
  returned: always
  type: dict
  contains:
    vfio_pilot:
      description: C(schema), C(root), C(devices) (DEVICE objects of docs/json.md), C(gpus)
        (the addresses of display devices), and C(doctor) (null when I(doctor=false)) with
        C(verdict) (C(ready), C(ready-with-warnings), C(not-ready), C(reboot-pending)),
        C(targets), C(layers), C(findings) and C(failed) (the ids of failing findings).
      type: dict
      returned: always
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.vfio_pilot.proxmox.plugins.module_utils.vfio_pilot import (
    COMMON_ARGS, VfioPilot)


def main():
    spec = dict(COMMON_ARGS, devices=dict(type="list", elements="str", default=[]),
                doctor=dict(type="bool", default=True))
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    vp = VfioPilot(module)
    _, devs, _ = vp.run(["devices"], "devices")
    facts = dict(schema=devs["schema"], root=devs["root"], devices=devs["devices"],
                 gpus=[d["address"] for d in devs["devices"] if d["kind"] == "display"],
                 doctor=None)
    msg = "%d devices" % len(devs["devices"])
    if module.params["doctor"]:
        for a in module.params["devices"]:
            if not a or a.startswith("-"):
                module.fail_json(msg="devices: %r is not a PCI address" % a)
        _, doc, _ = vp.run(["doctor"] + list(module.params["devices"]), "doctor",
                           verdicts=(0, 1, 2, 4))
        failed = [f["id"] for f in doc["findings"] if f["verdict"] == "fail"]
        facts["doctor"] = dict(verdict=doc["verdict"], targets=doc["targets"],
                               layers=doc["layers"], findings=doc["findings"],
                               failed=failed)
        msg += "; doctor: %s" % doc["verdict"]
        if failed:
            msg += " (failing: %s)" % ", ".join(failed)
    module.exit_json(changed=False, msg=msg, ansible_facts=dict(vfio_pilot=facts))


if __name__ == "__main__":
    main()
