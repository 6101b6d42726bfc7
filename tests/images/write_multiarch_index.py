#!/usr/bin/env python3
"""Turns an OCI layout with single-platform images tagged `amd64` and `arm64`
(made by umoci) into a multi-platform layout, as `skopeo copy --all` and
BuildKit's OCI exporter write it:

  index.json --(tag TAG)--> image index blob
                              linux/amd64   image manifest
                              linux/arm64   image manifest (variant v8)
                              unknown/unknown  attestation manifest (BuildKit
                                style: annotations vnd.docker.reference.type =
                                attestation-manifest and vnd.docker.reference.digest
                                = the amd64 manifest; one in-toto JSON layer)

The `amd64` and `arm64` tags are removed, so TAG is the only way in and a
reader must pick a platform and skip the attestation entry.

usage: write_multiarch_index.py LAYOUT TAG
"""

import hashlib
import json
import os
import sys

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
IN_TOTO = "application/vnd.in-toto+json"
REF_NAME = "org.opencontainers.image.ref.name"


def write_blob(layout, data):
    digest = hashlib.sha256(data).hexdigest()
    path = os.path.join(layout, "blobs", "sha256", digest)
    with open(path, "wb") as f:
        f.write(data)
    return "sha256:" + digest, len(data)


def read_blob(layout, digest):
    algo, hexpart = digest.split(":", 1)
    with open(os.path.join(layout, "blobs", algo, hexpart), "rb") as f:
        return f.read()


def canonical(obj):
    return json.dumps(obj, separators=(",", ":"), sort_keys=True).encode()


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: write_multiarch_index.py LAYOUT TAG")
    layout, tag = sys.argv[1], sys.argv[2]
    with open(os.path.join(layout, "index.json")) as f:
        index = json.load(f)
    by_tag = {
        d.get("annotations", {}).get(REF_NAME): d for d in index["manifests"]
    }

    entries = []
    for arch in ("amd64", "arm64"):
        desc = by_tag.get(arch)
        if desc is None:
            sys.exit(f"write_multiarch_index.py: no tag {arch!r} in {layout}")
        manifest = json.loads(read_blob(layout, desc["digest"]))
        config = json.loads(read_blob(layout, manifest["config"]["digest"]))
        if config.get("architecture") != arch or config.get("os") != "linux":
            sys.exit(f"write_multiarch_index.py: config of tag {arch!r} says "
                     f"{config.get('os')}/{config.get('architecture')}")
        platform = {"architecture": arch, "os": "linux"}
        if arch == "arm64":
            platform["variant"] = "v8"  # as Docker Hub's indexes write it
        entries.append({
            "mediaType": OCI_MANIFEST,
            "digest": desc["digest"],
            "size": desc["size"],
            "platform": platform,
        })

    # A BuildKit-style provenance attestation for the amd64 image.
    amd64_digest = entries[0]["digest"]
    statement = {
        "_type": "https://in-toto.io/Statement/v0.1",
        "predicateType": "https://slsa.dev/provenance/v0.2",
        "subject": [{
            "name": f"pkg:docker/alpine@{tag}?platform=linux%2Famd64",
            "digest": {"sha256": amd64_digest.split(":", 1)[1]},
        }],
        "predicate": {
            "builder": {"id": ""},
            "buildType": "https://mobyproject.org/buildkit@v1",
            "metadata": {"buildInvocationID": "customs-test-image"},
        },
    }
    layer_digest, layer_size = write_blob(layout, canonical(statement))
    att_config = {
        "architecture": "unknown",
        "os": "unknown",
        "config": {},
        "rootfs": {"type": "layers", "diff_ids": [layer_digest]},
    }
    config_digest, config_size = write_blob(layout, canonical(att_config))
    att_manifest = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {
            "mediaType": OCI_CONFIG,
            "digest": config_digest,
            "size": config_size,
        },
        "layers": [{
            "mediaType": IN_TOTO,
            "digest": layer_digest,
            "size": layer_size,
            "annotations": {
                "in-toto.io/predicate-type": "https://slsa.dev/provenance/v0.2"
            },
        }],
    }
    att_digest, att_size = write_blob(layout, canonical(att_manifest))
    entries.append({
        "mediaType": OCI_MANIFEST,
        "digest": att_digest,
        "size": att_size,
        "annotations": {
            "vnd.docker.reference.digest": amd64_digest,
            "vnd.docker.reference.type": "attestation-manifest",
        },
        "platform": {"architecture": "unknown", "os": "unknown"},
    })

    image_index = {
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": entries,
    }
    index_digest, index_size = write_blob(layout, canonical(image_index))
    top = {
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": [{
            "mediaType": OCI_INDEX,
            "digest": index_digest,
            "size": index_size,
            "annotations": {REF_NAME: tag},
        }],
    }
    with open(os.path.join(layout, "index.json"), "wb") as f:
        f.write(canonical(top))


if __name__ == "__main__":
    main()
