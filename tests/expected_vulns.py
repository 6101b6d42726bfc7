#!/usr/bin/env python3
"""Derives, independently of customs's C++ code, which advisories apply to
the packages of a test image: its own package-database reading, its own
version ordering, its own range evaluation. tests/vuln_test.cc compares
customs's findings with this script's output.

  expected_vulns.py alpine IMAGE_TARBALL SECDB_YAML...
      IMAGE_TARBALL: a `docker save` tarball (gzip or not), a minirootfs
      tar.gz or an unpacked root filesystem. Prints "<package> <advisory id>" for every installed apk
      package whose origin a secdb entry fixes in a later version.
  expected_vulns.py osv ECOSYSTEM OSV_DIR NAME=VERSION...
      Prints "<name> <advisory id>" for every OSV record in OSV_DIR (JSON,
      not withdrawn) whose SEMVER or ECOSYSTEM range (semver ordering) or
      versions list holds the version.
"""
import io
import json
import os
import re
import sys
import tarfile

import yaml


# ------------------------------------------------------------------ apk
def installed_apk(tarball):
    """(name, version, origin) of lib/apk/db/installed inside the image."""
    def from_tar(t):
        for m in t:
            if m.name.lstrip("./") == "lib/apk/db/installed":
                return t.extractfile(m).read().decode()
            if m.name.endswith("layer.tar"):
                inner = tarfile.open(fileobj=io.BytesIO(t.extractfile(m).read()))
                text = from_tar(inner)
                if text is not None:
                    return text
        return None

    if os.path.isdir(tarball):  # an unpacked root filesystem
        with open(os.path.join(tarball, "lib/apk/db/installed")) as f:
            text = f.read()
    else:
        with tarfile.open(tarball) as t:
            text = from_tar(t)
    pkgs = []
    for block in text.split("\n\n"):
        fields = dict(line.split(":", 1) for line in block.splitlines() if len(line) > 2 and line[1] == ":")
        if "P" in fields:
            pkgs.append((fields["P"], fields["V"], fields.get("o", fields["P"])))
    return pkgs


SUFFIXES = {"alpha": -4, "beta": -3, "pre": -2, "rc": -1, "": 0, "cvs": 1, "svn": 2, "git": 3, "hg": 4, "p": 5}


def apk_key(v):
    """Sort key for apk versions: numbers, one letter, _suffix[N]..., -rN."""
    m = re.fullmatch(r"([0-9]+(?:\.[0-9]+)*)([a-z]?)((?:_[a-z]+[0-9]*)*)(?:-r([0-9]+))?", v)
    if not m:
        raise ValueError("not an apk version: " + v)
    nums, letter, suffixes, rel = m.groups()
    parts = [int(x) for x in nums.split(".")]
    sfx = []
    for s in re.findall(r"_([a-z]+)([0-9]*)", suffixes):
        sfx.append((SUFFIXES[s[0]], int(s[1] or 0)))
    sfx.append((0, 0))  # no (more) suffix
    return parts, letter, sfx, int(rel or 0)


def apk_less(a, b):
    pa, la, sa, ra = apk_key(a)
    pb, lb, sb, rb = apk_key(b)
    # Numeric parts compare one by one; a longer version with equal prefix is newer.
    for x, y in zip(pa, pb):
        if x != y:
            return x < y
    if len(pa) != len(pb):
        return len(pa) < len(pb)
    if la != lb:
        return la < lb
    if sa != sb:
        return sa < sb
    return ra < rb


def alpine(tarball, secdbs):
    fixes = {}  # origin -> [(fixed version, id)]
    for path in secdbs:
        doc = yaml.safe_load(open(path))
        for entry in doc.get("packages") or []:
            pkg = entry["pkg"]
            for fixed, ids in (pkg.get("secfixes") or {}).items():
                for raw in ids or []:
                    for tok in str(raw).split():
                        if tok.startswith("CVE-"):
                            fixes.setdefault(pkg["name"], []).append((str(fixed), tok))
                            break
    out = set()
    for name, version, origin in installed_apk(tarball):
        for fixed, vid in fixes.get(origin, []):
            if fixed != "0" and apk_less(version, fixed):
                out.add((name, vid))
    for name, vid in sorted(out):
        print(name, vid)


# --------------------------------------------------------------- semver
def semver_key(v):
    v = v.lstrip("v")
    if v.startswith("go"):
        v = v[2:]
    m = re.fullmatch(r"(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+.*)?", v)
    if not m:
        raise ValueError("not semver: " + v)
    core = tuple(int(x or 0) for x in m.groups()[:3])
    pre = m.group(4)
    if pre is None:
        return core, (1,)
    ids = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split("."))
    return core, (0,) + ids


def in_range(version, events):
    key = semver_key(version)
    affected = False
    ordered = sorted(events, key=lambda e: (0,) if list(e.values())[0] == "0" else (1, semver_key(list(e.values())[0])))
    for e in ordered:
        kind, value = next(iter(e.items()))
        if kind == "introduced" and (value == "0" or key >= semver_key(value)):
            affected = True
        elif kind == "fixed" and key >= semver_key(value):
            affected = False
        elif kind == "last_affected" and key > semver_key(value):
            affected = False
    return affected


def osv(ecosystem, directory, wanted):
    packages = [w.split("=", 1) for w in wanted]
    out = set()
    for root, _, files in os.walk(directory):
        for f in files:
            if not f.endswith(".json"):
                continue
            rec = json.load(open(os.path.join(root, f)))
            if rec.get("withdrawn"):
                continue
            for a in rec.get("affected", []):
                if a["package"]["ecosystem"] != ecosystem:
                    continue
                for name, version in packages:
                    if a["package"]["name"] != name:
                        continue
                    hit = version in a.get("versions", []) or version.lstrip("v") in a.get("versions", [])
                    for r in a.get("ranges", []):
                        if r["type"] in ("SEMVER", "ECOSYSTEM") and in_range(version, r["events"]):
                            hit = True
                    if hit:
                        out.add((name, rec["id"]))
    for name, vid in sorted(out):
        print(name, vid)


if __name__ == "__main__":
    if sys.argv[1] == "alpine":
        alpine(sys.argv[2], sys.argv[3:])
    elif sys.argv[1] == "osv":
        osv(sys.argv[2], sys.argv[3], sys.argv[4:])
    else:
        sys.exit("unknown mode " + sys.argv[1])
