# SPDX-License-Identifier: GPL-2.0-or-later
"""Running vfio-pilot with --json and reading its documents (docs/json.md).

Shared by the modules of vfio_pilot.proxmox: the binary is run with an
argument vector (no shell), the envelope's schema and command are checked,
the exit status is mapped to a failure with vfio-pilot's own words (docs/cli.md),
and a plan document becomes Ansible's changed, diff, msg and warnings.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re

# The envelope versions these modules read. A document with another schema is
# refused: a key may have changed meaning (docs/json.md, "Envelope version").
SCHEMAS = (1,)

# docs/cli.md, "Exit status"; codes 1 to 4 are verdicts, read per command.
EXIT_MEANING = {
    64: "bad command line or argument",
    65: "host data that cannot be parsed with certainty",
    66: "the root, a device or a file was not found, or a program it runs is not installed",
    70: "internal error in vfio-pilot",
    74: "I/O or permission error while reading",
    75: "try again later, nothing was written (a file changed between plan and apply, "
        "another apply, undo or bind holds the root's lock, or an interrupted undo "
        "was finished and a new plan is needed)",
    77: "the command needs root, nothing was written (run the task with become: true)",
}

COMMON_ARGS = dict(
    root=dict(type="path", default="/"),
    binary=dict(type="str", default="vfio-pilot"),
)

# pve-configid, as vfio-pilot checks it (src/cmd/mapping.c).
CONFIGID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]+$")


class VfioPilot(object):
    def __init__(self, module):
        self.module = module
        self.root = module.params["root"]
        # Commands run only on the host itself (docs/json.md, plan documents).
        self.live = os.path.realpath(self.root) == "/"
        self.binary = self._find_binary(module.params["binary"])

    def _find_binary(self, name):
        if "/" not in name:
            path = self.module.get_bin_path(name, opt_dirs=["/usr/sbin", "/usr/local/sbin",
                                                            "/usr/local/bin"])
            if not path:
                self.module.fail_json(msg="%s not found in PATH: install the vfio-pilot "
                                          "package or give binary: /path/to/vfio-pilot" % name)
            return path
        if not (os.path.isfile(name) and os.access(name, os.X_OK)):
            self.module.fail_json(msg="binary %s is not an executable file" % name)
        return name

    def argv(self, args):
        # Option values are attached (--root=DIR) so a value is never read as an option.
        return [self.binary, "--json", "--root=" + self.root] + list(args)

    def run(self, args, command, verdicts=(0,)):
        """Run one command; return (rc, document). Fail on anything but the
        exit codes in verdicts; a document must carry a known schema and the
        expected command."""
        argv = self.argv(args)
        rc, out, err = self.module.run_command(argv, environ_update={"LC_ALL": "C"})
        errors = []
        for line in err.splitlines():
            text = line[len("vfio-pilot: "):] if line.startswith("vfio-pilot: ") else line
            if text.startswith("warning: "):
                self.module.warn(text[len("warning: "):])
            elif text.strip():
                errors.append(text)
        doc = None
        if out.strip():
            try:
                doc = json.loads(out)
            except ValueError as e:
                self.module.fail_json(msg="vfio-pilot printed no JSON document (%s)" % e,
                                      rc=rc, cmd=argv, stdout=out, stderr=err)
            self.check_envelope(doc, command, argv)
        if rc not in verdicts and rc != 2:
            meaning = EXIT_MEANING.get(rc, "unexpected exit status")
            self.module.fail_json(
                msg="vfio-pilot %s failed (exit %d: %s)%s" % (
                    command, rc, meaning, ": " + "; ".join(errors) if errors else ""),
                rc=rc, cmd=argv, stderr=err, document=doc,
                changed=bool(doc and doc.get("undo_id")),
                undo_id=doc.get("undo_id") if doc else None)
        if doc is None:
            self.module.fail_json(msg="vfio-pilot %s exited %d without a JSON document%s" % (
                command, rc, ": " + "; ".join(errors) if errors else ""),
                rc=rc, cmd=argv, stderr=err)
        return rc, doc, errors

    def check_envelope(self, doc, command, argv):
        if not isinstance(doc, dict) or "schema" not in doc:
            self.module.fail_json(msg="vfio-pilot's output is not a JSON envelope "
                                      "(no schema key)", cmd=argv)
        if doc["schema"] not in SCHEMAS:
            self.module.fail_json(
                msg="vfio-pilot's JSON schema %r is not one this collection reads (%s); "
                    "use a vfio_pilot.proxmox collection made for this vfio-pilot"
                    % (doc["schema"], ", ".join(str(s) for s in SCHEMAS)),
                cmd=argv, document=doc)
        if doc.get("command") != command:
            self.module.fail_json(msg="vfio-pilot answered %r to a %r command"
                                      % (doc.get("command"), command), cmd=argv, document=doc)


def diffs(doc):
    """Ansible's diff from a plan document: one prepared diff per edit, and
    the commands vfio-pilot runs after writing."""
    out = [dict(prepared=e["diff"] or "") for e in doc["edits"]]
    if doc["commands"]:
        lines = ["commands vfio-pilot runs after writing (on the host itself, root /):"]
        lines += ["  %s    # %s" % (" ".join(c["argv"]), c["why"]) for c in doc["commands"]]
        out.append(dict(prepared="\n".join(lines) + "\n"))
    return out


def _warn_notes(module, doc):
    for n in doc["notes"]:
        if n.startswith("warning: "):
            module.warn(n[len("warning: "):])


def _would_change(doc):
    return bool(doc["edits"] or doc["commands"])


def plan_apply(module, vp, command, args):
    """plan (check mode) or plan then apply for one of host, vm, mapping;
    exits the module. args follow 'COMMAND plan|apply'."""
    rc, plan, errors = vp.run([command, "plan"] + args, command + " plan")
    _warn_notes(module, plan)
    result = dict(changed=False, plan=plan, notes=plan["notes"], refusals=plan["refusals"],
                  undo_id=None, rc=rc)
    if plan["refusals"] or rc == 2:
        module.fail_json(msg="vfio-pilot %s refused: %s" % (
            command, "; ".join(plan["refusals"] or errors or ["exit 2"])), **result)
    # Commands left pending run only on / (an apply elsewhere leaves them);
    # an interrupted apply or undo is finished by the next apply anywhere.
    work = (_would_change(plan) or plan["interrupted"] or
            (plan["pending_commands"] and vp.live))
    if module.check_mode or not work:
        result["changed"] = _would_change(plan)
        result["diff"] = diffs(plan)
        if result["changed"]:
            result["msg"] = "would change: %s" % ", ".join(
                [e["path"] for e in plan["edits"]] +
                [" ".join(c["argv"]) for c in plan["commands"]])
        else:
            result["msg"] = "nothing to change"
        for c in plan["pending_commands"]:
            module.warn("pending from an earlier apply (the next apply on the host itself "
                        "runs it): " + c)
        module.exit_json(**result)
    rc, done, errors = vp.run([command, "apply"] + args, command + " apply")
    if done["refusals"] or rc == 2:
        result.update(plan=done, notes=done["notes"], refusals=done["refusals"], rc=rc)
        module.fail_json(msg="vfio-pilot %s refused: %s" % (
            command, "; ".join(done["refusals"] or errors or ["exit 2"])), **result)
    # Pending commands that ran (root /) are a change; under another root they stay.
    finished = (set(plan["pending_commands"]) - set(done["pending_commands"]) or
                set(plan["interrupted"]) - set(done["interrupted"]))
    changed = _would_change(done) or bool(finished)
    for c in done["pending_commands"]:
        module.warn("not run: %s (--root is not /: run it on that host; the next apply "
                    "there runs it)" % c if not vp.live else "still pending: " + c)
    msg = "nothing to change"
    if done["undo_id"]:
        msg = "applied: %s; undo with: vfio-pilot%s undo %s" % (
            ", ".join([e["path"] for e in done["edits"]] +
                      [" ".join(c["argv"]) for c in done["commands"]]) or "pending work",
            "" if vp.live else " --root " + vp.root, done["undo_id"])
    elif changed:
        msg = "applied: %s" % ", ".join(sorted(finished))
    result.update(changed=changed, plan=done, notes=done["notes"], refusals=done["refusals"],
                  undo_id=done["undo_id"], rc=rc, msg=msg, diff=diffs(done))
    module.exit_json(**result)


def addresses(module, name, option="--device"):
    """A list option of PCI addresses, as --device=ADDR arguments."""
    out = []
    for a in module.params[name] or []:
        if not a or a.startswith("-"):
            module.fail_json(msg="%s: %r is not a PCI address" % (name, a))
        out.append(option + "=" + a)
    return out


def flags(module, names):
    """Boolean options as --option flags (underscores become dashes)."""
    return ["--" + n.replace("_", "-") for n in names if module.params[n]]
