// End-to-end tests on real images built by tests/images/build_images.sh with
// debootstrap, umoci and skopeo, in every source form.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>

#include "base/strings.h"
#include "model/purl.h"
#include "scan/scanner.h"
#include "tests/testing.h"

namespace customs {
namespace {

using Tuple = std::tuple<std::string, std::string, std::string, std::string, std::string>;

std::set<Tuple> PackageSet(const model::ScanResult& r) {
  std::set<Tuple> out;
  for (const auto& p : r.packages)
    out.insert({p.name, p.version, p.arch, p.source_name, p.source_version});
  return out;
}

model::ScanResult MustScan(const std::string& arg, scan::ScanOptions options = {}) {
  auto r = scan::ScanImage(arg, options);
  EXPECT_TRUE(r.ok()) << arg << ": " << r.status().ToString();
  if (!r.ok() || r->empty()) return {};
  EXPECT_EQ(r->size(), 1u);
  return (*r)[0];
}

TEST(ImageTest, DebianSamePackagesInEverySourceForm) {
  CUSTOMS_REQUIRE_IMAGE(rootfs, "rootfs/debian");
  // The expected set, from dpkg itself reading the same database.
  std::string out;
  ASSERT_EQ(testing::Run("dpkg-query --admindir=" + rootfs +
                             "/var/lib/dpkg -W -f='${db:Status-Abbrev}|${Package}|${Version}|"
                             "${Architecture}|${source:Package}|${source:Version}\\n'",
                         &out),
            0)
      << out;
  std::set<Tuple> want;
  for (auto line : Split(out, '\n')) {
    auto f = Split(line, '|');
    if (f.size() == 6 && Trim(f[0]) == "ii")
      want.insert({std::string(f[1]), std::string(f[2]), std::string(f[3]), std::string(f[4]),
                   std::string(f[5])});
  }
  ASSERT_GT(want.size(), 80u);
  std::vector<std::string> forms = {"rootfs:" + rootfs};
  for (const char* rel :
       {"oci-debian", "debian.docker-archive.tar", "debian.oci-archive.tar", "oci-debian-zstd"}) {
    std::string p = testing::TestImage(rel);
    if (p.empty()) continue;
    std::string prefix = std::string(rel).starts_with("oci-")                   ? "oci:"
                         : std::string(rel).find("docker") != std::string::npos ? "docker-archive:"
                                                                                : "oci-archive:";
    forms.push_back(prefix + p);
  }
  ASSERT_GE(forms.size(), 4u);
  for (const auto& f : forms) {
    model::ScanResult r = MustScan(f);
    EXPECT_EQ(PackageSet(r), want) << f;
    EXPECT_EQ(r.os.id, "debian") << f;
    EXPECT_EQ(r.os.version_id, "12") << f;
    EXPECT_TRUE(r.complete()) << f;
    for (const auto& p : r.packages) {
      ASSERT_TRUE(p.purl.starts_with("pkg:deb/debian/" + model::PurlEncode(p.name) + "@"))
          << p.purl;
      ASSERT_NE(p.purl.find("distro=debian-12"), std::string::npos) << p.purl;
      if (p.name == "bash") {
        EXPECT_NE(std::find(p.files.begin(), p.files.end(), "bin/bash"), p.files.end());
      }
    }
  }
}

TEST(ImageTest, MultiLayerAttributionAndWhiteouts) {
  CUSTOMS_REQUIRE_IMAGE(layout, "oci-multilayer");
  for (std::string arg : {"oci:" + layout + ":multi",
                          "docker-archive:" + testing::TestImage("multilayer.docker-archive.tar"),
                          "oci-archive:" + testing::TestImage("multilayer.oci-archive.tar")}) {
    model::ScanResult r = MustScan(arg);
    ASSERT_EQ(r.image.layers.size(), 3u) << arg;
    int hello = 0;
    for (const auto& p : r.packages) {
      if (p.name == "hello") {
        ++hello;
        EXPECT_EQ(p.version, "2.10-3");
        EXPECT_EQ(p.layer.index, 2) << arg;
        EXPECT_EQ(p.layer.diff_id, r.image.layers[2].diff_id);
        EXPECT_EQ(p.files.size() > 0, true);
      } else {
        EXPECT_EQ(p.layer.index, 0) << p.name << " in " << arg;
      }
    }
    EXPECT_EQ(hello, 1) << arg;
  }
}

// Language packages on a Debian image (tests/images/build_images.sh oci-lang):
// expectations come from the unpacked image itself, read by dpkg-query, the
// Go toolchain and npm's own lockfile.
TEST(ImageTest, LanguagePackagesOwnershipAndLockfiles) {
  CUSTOMS_REQUIRE_IMAGE(layout, "oci-lang");
  // The files the expectations need, extracted with Python's tarfile from the
  // layers in manifest order (umoci unpack of the whole image takes ~20 s).
  std::string root = testing::TempDir();
  std::string out;
  ASSERT_EQ(testing::Run(
                "python3 - '" + layout + "' '" + root +
                    "' <<'EOF'\n"
                    "import json, os, sys, tarfile\n"
                    "layout, root = sys.argv[1:]\n"
                    "blob = lambda d: os.path.join(layout, 'blobs', *d.split(':'))\n"
                    "index = json.load(open(os.path.join(layout, 'index.json')))\n"
                    "m = [x for x in index['manifests'] if "
                    "x['annotations']['org.opencontainers.image.ref.name'] == 'lang'][0]\n"
                    "manifest = json.load(open(blob(m['digest'])))\n"
                    "want = lambda n: n.startswith(('var/lib/dpkg/', 'usr/share/java/')) or n in "
                    "('srv/app/package-lock.json', 'usr/local/bin/hello-go')\n"
                    "for layer in manifest['layers']:\n"
                    "    with tarfile.open(blob(layer['digest'])) as t:\n"
                    "        t.extractall(root, members=[x for x in t if want(x.name) and "
                    "(x.isfile() or x.isdir())])\n"
                    "EOF\n",
                &out),
            0)
      << out;
  model::ScanResult r = MustScan("oci:" + layout + ":lang");
  ASSERT_EQ(r.image.layers.size(), 4u);
  EXPECT_TRUE(r.complete());

  // Every OS-owned language package: dpkg -S names the same owner.
  std::map<std::string, int> per_type;
  for (const auto& p : r.packages) {
    if (p.type == "deb") continue;
    ++per_type[p.type];
    if (p.type == "npm") continue;
    std::string owner;
    int rc = testing::Run(
        "dpkg-query --admindir='" + root + "/var/lib/dpkg' -S '/" + p.db_path + "' 2>/dev/null",
        &owner);
    if (rc != 0) {
      EXPECT_EQ(p.owner, "") << p.name << " " << p.db_path;
      continue;
    }
    std::string owner_name(Trim(owner.substr(0, owner.find(':'))));
    EXPECT_TRUE(p.owner.starts_with("pkg:deb/debian/" + owner_name + "@"))
        << p.name << " at " << p.db_path << ": owner " << p.owner << ", dpkg says " << owner_name;
  }
  EXPECT_GE(per_type["pypi"], 5);   // requests, urllib3, idna, certifi, yaml, ...
  EXPECT_EQ(per_type["maven"], 4);  // commons-lang3, jackson core/databind/annotations
  // Jar licenses: the manifest's Bundle-License, read here with unzip
  // (Debian's rebuilt commons-lang3 has none; the jackson jars have one).
  int licensed = 0;
  for (const auto& p : r.packages) {
    if (p.type != "maven") continue;
    std::string license;
    ASSERT_EQ(testing::Run("unzip -p '" + root + "/" + p.db_path +
                               "' META-INF/MANIFEST.MF | sed -n 's/^Bundle-License: *//p' | "
                               "tr -d '\\r'",
                           &license),
              0)
        << license;
    std::vector<std::string> want;
    if (!Trim(license).empty()) want.emplace_back(Trim(license));
    licensed += !want.empty();
    EXPECT_EQ(p.licenses, want) << p.db_path;
  }
  EXPECT_GE(licensed, 1);
  auto find = [&](std::string_view type, std::string_view name, std::string_view db_path) {
    for (const auto& p : r.packages)
      if (p.type == type && p.name == name && p.db_path == db_path) return &p;
    return static_cast<const model::Package*>(nullptr);
  };
  const model::Package* requests = nullptr;
  for (const auto& p : r.packages)
    if (p.type == "pypi" && p.name == "requests") requests = &p;
  ASSERT_NE(requests, nullptr);
  EXPECT_TRUE(requests->owner.starts_with("pkg:deb/debian/python3-requests@")) << requests->owner;

  // The Go program of layer 4: not owned, its own stdlib, attributed to
  // layer 4 even though fzf (layer 2) carries the same stdlib version.
  ASSERT_EQ(testing::Run("go version -m '" + root + "/usr/local/bin/hello-go'", &out), 0) << out;
  std::string go_version =
      std::string(Trim(out.substr(out.find(": ") + 2, out.find('\n') - out.find(": ") - 2)));
  ASSERT_TRUE(go_version.starts_with("go")) << out;
  const model::Package* stdlib = find("golang", "stdlib", "usr/local/bin/hello-go");
  ASSERT_NE(stdlib, nullptr);
  EXPECT_EQ(stdlib->version, "v" + go_version.substr(2));
  EXPECT_EQ(stdlib->layer.index, 3);
  EXPECT_EQ(stdlib->owner, "");
  const model::Package* fzf_stdlib = find("golang", "stdlib", "usr/bin/fzf");
  ASSERT_NE(fzf_stdlib, nullptr);
  EXPECT_EQ(fzf_stdlib->layer.index, 1);
  EXPECT_TRUE(fzf_stdlib->owner.starts_with("pkg:deb/debian/fzf@")) << fzf_stdlib->owner;
  const model::Package* main_module = find("golang", "example.com/hello", "usr/local/bin/hello-go");
  ASSERT_NE(main_module, nullptr);
  EXPECT_EQ(main_module->layer.index, 3);

  // npm: each package npm installed, once, from its package.json, with the
  // lockfile's scope; nothing left from the lockfile itself.
  std::string lock_text;
  ASSERT_EQ(testing::Run("python3 -c \"import json,sys; d=json.load(open(sys.argv[1])); "
                         "[print(k, v['version'], 'dev' if v.get('dev') else 'prod') "
                         "for k, v in d['packages'].items() if k]\" '" +
                             root + "/srv/app/package-lock.json'",
                         &lock_text),
            0)
      << lock_text;
  std::set<std::tuple<std::string, std::string, std::string>> want, got;
  for (auto line : Split(lock_text, '\n')) {
    auto f = Split(Trim(line), ' ');
    if (f.size() != 3) continue;
    std::string key(f[0]);
    want.insert({"srv/app/" + key + "/package.json", std::string(f[1]), std::string(f[2])});
  }
  for (const auto& p : r.packages)
    if (p.type == "npm") {
      got.insert({p.db_path, p.version, p.scope});
      EXPECT_EQ(p.layer.index, 2) << p.db_path;
    }
  EXPECT_GE(want.size(), 40u);
  EXPECT_EQ(got, want);
  for (const char* name : {"express", "lodash", "minimist"})
    EXPECT_NE(find("npm", name, "srv/app/node_modules/" + std::string(name) + "/package.json"),
              nullptr)
        << name;
}

TEST(ImageTest, MultiPlatformIndex) {
  CUSTOMS_REQUIRE_IMAGE(layout, "oci-multiarch");
  auto arches = [](const model::ScanResult& r) {
    std::set<std::string> a;
    for (const auto& p : r.packages) a.insert(p.arch);
    return a;
  };
  model::ScanResult amd = MustScan("oci:" + layout + ":3.20.3");
  EXPECT_EQ(arches(amd), std::set<std::string>{"x86_64"});
  EXPECT_EQ(amd.image.architecture, "amd64");

  scan::ScanOptions arm;
  arm.platform.platform = {"linux", "arm64", ""};
  arm.platform.explicit_platform = true;
  model::ScanResult a64 = MustScan("oci:" + layout + ":3.20.3", arm);
  EXPECT_EQ(arches(a64), std::set<std::string>{"aarch64"});

  scan::ScanOptions all;
  all.platform.all = true;
  auto both = scan::ScanImage("oci:" + layout + ":3.20.3", all);
  ASSERT_TRUE(both.ok()) << both.status().ToString();
  ASSERT_EQ(both->size(), 2u);  // the attestation manifest is skipped
  EXPECT_EQ((*both)[0].packages.size(), 14u);
  EXPECT_EQ((*both)[1].packages.size(), (*both)[0].packages.size());

  scan::ScanOptions s390;
  s390.platform.platform = {"linux", "s390x", ""};
  s390.platform.explicit_platform = true;
  auto none = scan::ScanImage("oci:" + layout + ":3.20.3", s390);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("available: linux/amd64, linux/arm64/v8)"),
            std::string::npos)
      << none.status().message();
}

}  // namespace
}  // namespace customs
