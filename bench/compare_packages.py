#!/usr/bin/env python3
"""Compares the package sets of two CycloneDX JSON SBOMs: customs's and Trivy's.

  bench/compare_packages.py CUSTOMS.cdx.json TRIVY.cdx.json [--layers]

A package is keyed by (purl type, name, arch) and compared on version and on
source package (name and version). Values are taken from, in order:
  version  the component's `version`, with the purl's `epoch` qualifier put in
           front ("1:2.38.1-5") when the version has none;
  arch     the purl's `arch` qualifier, else an `arch` property;
  source   Trivy's properties aquasecurity:trivy:SrcName / SrcVersion /
           SrcEpoch / SrcRelease, or any property whose name ends in
           SrcName, source_name, source-name or sourceName (and the same for
           version), or the purl's `upstream` qualifier; with none, the
           package is its own source (as Trivy writes it).
  layer    (--layers) a property ending in LayerDiffID, layer_diff_id,
           layer:diff_id or layer.diff_id.
Components of every nesting level are read; only those with a purl count
(the operating-system and container components have none).

Prints the packages only in one SBOM and the field differences, then a
summary line. Exit status: 0 when the sets agree, 1 when they differ, 2 when
a file cannot be read.
"""

import json
import sys
from urllib.parse import parse_qsl, unquote


def parse_purl(purl):
    """Returns (type, namespace, name, version, qualifiers) of a purl."""
    if not purl.startswith("pkg:"):
        return None
    rest = purl[4:]
    rest = rest.split("#", 1)[0]
    qualifiers = {}
    if "?" in rest:
        rest, query = rest.split("?", 1)
        qualifiers = {k: v for k, v in parse_qsl(query, keep_blank_values=True)}
    version = ""
    if "@" in rest:
        rest, version = rest.rsplit("@", 1)
        version = unquote(version)
    parts = rest.split("/")
    ptype = parts[0].lower()
    name = unquote(parts[-1]) if len(parts) > 1 else ""
    namespace = "/".join(unquote(p) for p in parts[1:-1])
    return ptype, namespace, name, version, qualifiers


def prop_lookup(props, suffixes):
    for name, value in props.items():
        for suffix in suffixes:
            if name == suffix or name.endswith(":" + suffix) or name.endswith(suffix):
                if value != "":
                    return value
    return ""


def with_epoch(version, epoch):
    if version and epoch and epoch != "0" and ":" not in version:
        return f"{epoch}:{version}"
    return version


def walk(components):
    for c in components or []:
        yield c
        yield from walk(c.get("components"))


def load(path):
    with open(path) as f:
        doc = json.load(f)
    if doc.get("bomFormat") != "CycloneDX":
        raise ValueError(f"{path}: not a CycloneDX document (bomFormat "
                         f"{doc.get('bomFormat')!r})")
    packages = {}
    duplicates = []
    for c in walk(doc.get("components")):
        purl = c.get("purl")
        if not purl:
            continue
        parsed = parse_purl(purl)
        if parsed is None:
            continue
        ptype, namespace, pname, pversion, q = parsed
        props = {p.get("name", ""): p.get("value", "")
                 for p in c.get("properties", []) if isinstance(p, dict)}
        name = c.get("name") or pname
        # CycloneDX splits Maven-style names into group and name; keep both.
        if c.get("group"):
            name = f"{c['group']}/{name}"
        version = with_epoch(c.get("version") or pversion, q.get("epoch"))
        arch = q.get("arch") or prop_lookup(props, ["arch", "Arch"])
        src_name = prop_lookup(props, ["SrcName", "source_name", "source-name",
                                       "sourceName"])
        src_version = prop_lookup(props, ["SrcVersion", "source_version",
                                          "source-version", "sourceVersion"])
        src_release = props.get("aquasecurity:trivy:SrcRelease", "")
        if src_version and src_release:
            src_version = f"{src_version}-{src_release}"
        src_version = with_epoch(src_version,
                                 props.get("aquasecurity:trivy:SrcEpoch", ""))
        if not src_name and q.get("upstream"):
            upstream = q["upstream"]
            src_name, _, up_version = upstream.partition("@")
            src_version = src_version or up_version
        src_name = src_name or name
        src_version = src_version or version
        layer = prop_lookup(props, ["LayerDiffID", "layer_diff_id",
                                    "layer:diff_id", "layer.diff_id"])
        key = (ptype, name, arch)
        entry = {"version": version, "source": f"{src_name} {src_version}",
                 "layer": layer, "purl": purl}
        if key in packages and packages[key] != entry:
            duplicates.append((key, entry))
            continue
        packages[key] = entry
    return packages, duplicates


def fmt_key(key):
    ptype, name, arch = key
    return f"{ptype}/{name}" + (f" [{arch}]" if arch else "")


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    flags = {a for a in argv[1:] if a.startswith("--")}
    if len(args) != 2 or flags - {"--layers"}:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    try:
        ours, our_dups = load(args[0])
        theirs, their_dups = load(args[1])
    except (OSError, ValueError) as e:
        print(f"compare_packages.py: {e}", file=sys.stderr)
        return 2

    fields = ["version", "source"] + (["layer"] if "--layers" in flags else [])
    only_ours = sorted(set(ours) - set(theirs))
    only_theirs = sorted(set(theirs) - set(ours))
    diffs = []
    for key in sorted(set(ours) & set(theirs)):
        for field in fields:
            if ours[key][field] != theirs[key][field]:
                diffs.append((key, field, ours[key][field], theirs[key][field]))

    for key in only_ours:
        print(f"only customs: {fmt_key(key)} {ours[key]['version']}")
    for key in only_theirs:
        print(f"only trivy:   {fmt_key(key)} {theirs[key]['version']}")
    for key, field, a, b in diffs:
        print(f"differs:      {fmt_key(key)} {field}: customs {a!r} trivy {b!r}")
    for label, dups in (("customs", our_dups), ("trivy", their_dups)):
        for key, entry in dups:
            print(f"duplicate in {label}: {fmt_key(key)} {entry['version']}")
    same = len(set(ours) & set(theirs)) - len({d[0] for d in diffs})
    print(f"customs {len(ours)} packages, trivy {len(theirs)}: {same} identical, "
          f"{len({d[0] for d in diffs})} differ, {len(only_ours)} only customs, "
          f"{len(only_theirs)} only trivy")
    return 0 if not (only_ours or only_theirs or diffs) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
