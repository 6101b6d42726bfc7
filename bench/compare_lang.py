#!/usr/bin/env python3
"""Compares the language packages of customs's and Trivy's CycloneDX SBOMs of
the same image, as multisets of (purl type, name, version), and explains
each class of difference it knows.

  bench/compare_lang.py CUSTOMS.cdx.json TRIVY.cdx.json

Trivy merges identical name@version copies found in several node_modules
directories into one component; customs lists each installed copy with its
path. So npm is also compared as sets. Trivy leaves out files an OS package
installed (Debian's python3-* egg-info, fzf's Go stdlib); customs lists them
with an owner. Trivy was run with jars skipped.
"""
import collections
import json
import sys


def load(path):
    doc = json.load(open(path))
    out = collections.Counter()
    props = {}

    def walk(components):
        for c in components:
            purl = c.get("purl", "")
            if purl and not purl.startswith(("pkg:deb/", "pkg:apk/", "pkg:rpm/")):
                ptype = purl[4:].split("/", 1)[0]
                name = (c.get("group", "") + "/" if c.get("group") else "") + c["name"]
                key = (ptype, name, c.get("version", ""))
                out[key] += 1
                props.setdefault(key, []).append({p["name"]: p["value"] for p in c.get("properties", [])})
            walk(c.get("components", []))

    walk(doc.get("components", []))
    return out, props


customs, cprops = load(sys.argv[1])
trivy, tprops = load(sys.argv[2])
print(f"customs: {sum(customs.values())} language packages ({len(customs)} distinct type/name/version)")
print(f"trivy:   {sum(trivy.values())} language packages ({len(trivy)} distinct type/name/version)")
both = set(customs) & set(trivy)
print(f"distinct in both: {len(both)}")
for key in sorted(set(customs) - set(trivy)):
    owner = any(p.get("customs:OwnedBy") for p in cprops[key])
    why = "installed by an OS package (Trivy skips dpkg-owned files)" if owner else \
          "jar (Trivy run with --skip-files '**/*.jar')" if key[0] == "maven" else ""
    print("only customs:", *key, "--", why)
for key in sorted(set(trivy) - set(customs)):
    paths = [p.get("aquasecurity:trivy:FilePath", "") for p in tprops[key]]
    print("only trivy:  ", *key, "--", ", ".join(paths))
extra = sum(customs[k] - trivy[k] for k in both if customs[k] > trivy[k])
print(f"copies customs lists separately that Trivy merges: {extra}")
