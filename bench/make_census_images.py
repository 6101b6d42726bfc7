#!/usr/bin/env python3
"""Writes the images of bench/census.sh into one OCI layout.

    make_census_images.py OUT_LAYOUT COUNT BASE_LAYOUT:REF [BASE_LAYOUT:REF ...]

The corpus looks like a registry of Dockerfile builds: every image is many
layers, most of them shared. On each base (one of BASE_LAYOUT:REF):

  runtime    RUNTIME_STEPS layers shared by every image on the base (a
             language runtime installed in that many RUN steps);
  framework  one of FRAMEWORKS stacks of FRAMEWORK_STEPS layers on that
             runtime (the first half of the images of a base use the
             first, the others the second);
  app        one layer no other image has.

Image i is on base i % len(bases); j = i // len(bases) numbers the images of
a base. It goes to repository "bench/<base>-<j // 5>" with tag "1.<j % 5>"
(<base> is the base layout's name: 5 versions of an app a repository). A
census lists repositories in name order, so it scans the images base by base:
the first image of a base brings the base, its runtime and a framework (16 to
19 new layers), the first with the second framework 3, every other image 1.

Every file is small deterministic text (no timestamps, uid 0, mtime 0), so
the layers are the same on every run. Base blobs are hard-linked into
OUT_LAYOUT (copied when that fails). Prints one line per image,
"REF REPOSITORY TAG". CORPUS_VERSION names this layout; bench/census.sh
rebuilds its registry when it changes.
"""
import gzip
import hashlib
import io
import json
import os
import shutil
import sys
import tarfile

CORPUS_VERSION = "3"
RUNTIMES = ["python", "node", "ruby", "php", "perl"]  # by base index (cycled)
RUNTIME_STEPS = 12
FRAMEWORKS = ["web", "worker"]
FRAMEWORK_STEPS = 2
FILES_PER_LAYER = 12
LINES_PER_FILE = 60


def blob_path(layout, digest):
    return os.path.join(layout, "blobs", "sha256", digest.split(":", 1)[1])


def put(layout, data):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    path = blob_path(layout, digest)
    if not os.path.exists(path):
        with open(path + ".tmp", "wb") as f:
            f.write(data)
        os.rename(path + ".tmp", path)
    return digest, len(data)


def link_blob(src_layout, dst_layout, digest):
    src, dst = blob_path(src_layout, digest), blob_path(dst_layout, digest)
    if os.path.exists(dst):
        return
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


def read_base(spec, out):
    layout, ref = spec.rsplit(":", 1)
    index = json.load(open(os.path.join(layout, "index.json")))
    entry = next(m for m in index["manifests"]
                 if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == ref)
    manifest = json.load(open(blob_path(layout, entry["digest"])))
    config = json.load(open(blob_path(layout, manifest["config"]["digest"])))
    for layer in manifest["layers"]:
        link_blob(layout, out, layer["digest"])
    name = os.path.basename(os.path.normpath(layout))
    return name, manifest, config


def source_file(tag, n):
    """A small Python-looking module, different for every (tag, n)."""
    lines = ["# %s module %d\n" % (tag, n)]
    for k in range(LINES_PER_FILE):
        lines.append("def %s_f%d_%d(x):\n    return x * %d + %d\n"
                     % (tag.replace("-", "_").replace("/", "_"), n, k, k + 1, n))
    return "".join(lines).encode()


def make_layer(files):
    """files: [(path, bytes)] -> (gzip blob, diff_id)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as t:
        for path, body in files:
            info = tarfile.TarInfo(path)
            info.size = len(body)
            info.mtime = 0
            info.mode = 0o644
            t.addfile(info, io.BytesIO(body))
    data = raw.getvalue()
    return gzip.compress(data, compresslevel=6, mtime=0), "sha256:" + hashlib.sha256(data).hexdigest()


class Layers:
    """Layers by key, each built and stored once."""

    def __init__(self, out):
        self.out, self.made = out, {}

    def get(self, key, created_by, files):
        if key not in self.made:
            blob, diff_id = make_layer(files())
            digest, size = put(self.out, blob)
            self.made[key] = (digest, size, diff_id, created_by)
        return self.made[key]


def runtime_step(layers, base, runtime, s):
    tag = "%s-%s/step%d" % (runtime, base, s)
    return layers.get(
        ("runtime", base, s), "RUN install %s (step %d of %d)" % (runtime, s + 1, RUNTIME_STEPS),
        lambda: [("usr/local/lib/%s/step%02d/mod%02d.py" % (runtime, s, n), source_file(tag, n))
                 for n in range(FILES_PER_LAYER)])


def framework_step(layers, base, runtime, fw, s):
    tag = "%s-%s-%s/step%d" % (fw, runtime, base, s)
    return layers.get(
        ("framework", base, fw, s), "RUN install the %s framework (step %d of %d)"
        % (fw, s + 1, FRAMEWORK_STEPS),
        lambda: [("usr/local/lib/%s/%s/step%02d/mod%02d.py" % (runtime, fw, s, n), source_file(tag, n))
                 for n in range(FILES_PER_LAYER)])


def app_layer(layers, app, base):
    body = ("census bench app %d on %s\n" % (app, base)).encode() + source_file("app%d_%s" % (app, base), 0)
    return layers.get(("app", app, base), "COPY app %d" % app,
                      lambda: [("srv/app/app-%d-%s.py" % (app, base), body)])


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    out, count, specs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    os.makedirs(os.path.join(out, "blobs", "sha256"), exist_ok=True)
    with open(os.path.join(out, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    bases = [read_base(spec, out) for spec in specs]
    apps = (count + len(bases) - 1) // len(bases)
    layers = Layers(out)
    entries = []
    for i in range(count):
        b = i % len(bases)
        app = i // len(bases)  # j of the docstring
        name, base_manifest, base_config = bases[b]
        short = name[4:] if name.startswith("oci-") else name
        runtime = RUNTIMES[b % len(RUNTIMES)]
        fw = FRAMEWORKS[min(len(FRAMEWORKS) - 1, app * len(FRAMEWORKS) // apps)]
        own = [runtime_step(layers, short, runtime, s) for s in range(RUNTIME_STEPS)]
        own += [framework_step(layers, short, runtime, fw, s) for s in range(FRAMEWORK_STEPS)]
        own.append(app_layer(layers, app, short))
        config = json.loads(json.dumps(base_config))
        manifest = json.loads(json.dumps(base_manifest))
        history = config.setdefault("history", [])
        for digest, size, diff_id, created_by in own:
            config["rootfs"]["diff_ids"].append(diff_id)
            history.append({"created": "2024-01-01T00:00:00Z", "created_by": created_by})
            manifest["layers"].append({
                "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                "digest": digest, "size": size})
        config_digest, config_size = put(out, json.dumps(config).encode())
        manifest["config"] = dict(manifest["config"], digest=config_digest, size=config_size)
        manifest_digest, manifest_size = put(out, json.dumps(manifest).encode())
        ref = "img%d" % i
        entries.append({
            "mediaType": manifest.get("mediaType", "application/vnd.oci.image.manifest.v1+json"),
            "digest": manifest_digest, "size": manifest_size,
            "annotations": {"org.opencontainers.image.ref.name": ref}})
        print("%s bench/%s-%d 1.%d" % (ref, name, app // 5, app % 5))
    with open(os.path.join(out, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": entries}, f)


if __name__ == "__main__":
    main()
