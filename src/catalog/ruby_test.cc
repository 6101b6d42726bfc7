#include "catalog/ruby.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace customs::catalog {
namespace {

using Strings = std::vector<std::string>;

// As rubygems 3.x writes specifications/<name>-<version>.gemspec (this one
// modelled on an installed test-unit 3.3.7).
constexpr std::string_view kInstalled = R"(# -*- encoding: utf-8 -*-
# stub: test-unit 3.3.7 ruby lib

Gem::Specification.new do |s|
  s.name = "test-unit".freeze
  s.version = "3.3.7"

  s.required_rubygems_version = Gem::Requirement.new(">= 0".freeze) if s.respond_to? :required_rubygems_version=
  s.metadata = { "source_code_uri" => "https://github.com/test-unit/test-unit" } if s.respond_to? :metadata=
  s.require_paths = ["lib".freeze]
  s.authors = ["Kouhei Sutou".freeze, "Haruka Yoshihara".freeze]
  s.date = "2020-11-18"
  s.description = "test-unit (Test::Unit) is unit testing framework for Ruby\n".freeze
  s.homepage = "http://test-unit.github.io/".freeze
  s.licenses = ["Ruby".freeze,"BSDL".freeze, "PSFL".freeze]
  s.rubygems_version = "3.2.22".freeze
  s.summary = "An xUnit family unit testing framework for Ruby.".freeze

  s.installed_by_version = "3.2.22" if s.respond_to? :installed_by_version

  if s.respond_to? :add_runtime_dependency then
    s.add_runtime_dependency(%q<power_assert>.freeze, [">= 0"])
  else
    s.add_dependency(%q<power_assert>.freeze, [">= 0"])
  end
end
)";

TEST(GemspecTest, InstalledSpec) {
  auto p =
      ParseGemspec(kInstalled, "usr/lib/ruby/gems/3.1.0/specifications/test-unit-3.3.7.gemspec");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->type, "gem");
  EXPECT_EQ(p->name, "test-unit");
  EXPECT_EQ(p->version, "3.3.7");
  EXPECT_EQ(p->licenses, (Strings{"Ruby", "BSDL", "PSFL"}));
  EXPECT_EQ(p->purl, "pkg:gem/test-unit@3.3.7");
  EXPECT_EQ(p->db_path, "usr/lib/ruby/gems/3.1.0/specifications/test-unit-3.3.7.gemspec");
}

TEST(GemspecTest, OlderSpellingsAndPlatform) {
  // rubygems 1.x/2.x wrote %q{} literals and `license =`; another block
  // variable; a native gem's platform.
  auto p = ParseGemspec(
      "Gem::Specification.new do |spec|\n"
      "  spec.name = %q{nokogiri}\n"
      "  spec.version = '1.15.4'\n"
      "  spec.platform = %q(x86_64-linux)\n"
      "  spec.license = 'MIT'.freeze\n"
      "end\n",
      "specifications/nokogiri-1.15.4-x86_64-linux.gemspec");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->name, "nokogiri");
  EXPECT_EQ(p->version, "1.15.4");
  EXPECT_EQ(p->licenses, Strings{"MIT"});
  EXPECT_EQ(p->purl, "pkg:gem/nokogiri@1.15.4?platform=x86_64-linux");

  p = ParseGemspec(
      "Gem::Specification.new do |s|\n s.name = \"rails\".freeze\n s.version = \"7.0.0\"\n"
      " s.platform = \"ruby\"\n s.licenses = [\"MIT\".freeze]\nend\n",
      "x");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->purl, "pkg:gem/rails@7.0.0");
  EXPECT_EQ(p->licenses, Strings{"MIT"});
}

TEST(GemspecTest, NeverEvaluates) {
  // Values that need Ruby to compute are not guessed: interpolation,
  // method calls, constants. The stub line is the fallback only when
  // neither name nor version was assigned.
  auto p = ParseGemspec(
      "# stub: fake 9.9.9 ruby lib\n"
      "Gem::Specification.new do |s|\n"
      "  s.name = \"real#{1}\"\n"
      "  s.version = Foo::VERSION\n"
      "  s.licenses = [LICENSE]\n"
      "end\n",
      "x");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->name, "fake");
  EXPECT_EQ(p->version, "9.9.9");
  EXPECT_TRUE(p->licenses.empty());

  p = ParseGemspec(
      "Gem::Specification.new do |s|\n  s.name = \"a\"\n  s.version = Foo::VERSION\nend\n",
      "specifications/a.gemspec");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(p.status().ToString().find("specifications/a.gemspec: gem a has no version"),
            std::string::npos)
      << p.status().ToString();
}

TEST(GemspecTest, Malformed) {
  EXPECT_FALSE(ParseGemspec("", "x").ok());
  // Assignments before Gem::Specification.new name no variable.
  EXPECT_FALSE(ParseGemspec("s.name = \"a\"\ns.version = \"1\"\n", "x").ok());
  // Unterminated literals, a literal cut by the line end, no value.
  EXPECT_FALSE(
      ParseGemspec("Gem::Specification.new do |s|\ns.name = \"a\ns.version = \"1\"\n", "x").ok());
  EXPECT_FALSE(ParseGemspec("Gem::Specification.new do |s|\ns.name = %q{a\n", "x").ok());
  EXPECT_FALSE(ParseGemspec("Gem::Specification.new do |s|\ns.name =\n", "x").ok());
  EXPECT_FALSE(ParseGemspec("Gem::Specification.new do ||\n", "x").ok());
  // "==" is a comparison, not an assignment; names with blanks are no names.
  EXPECT_FALSE(
      ParseGemspec("Gem::Specification.new do |s|\ns.name == \"a\"\ns.version = \"1\"\n", "x")
          .ok());
  EXPECT_FALSE(
      ParseGemspec("Gem::Specification.new do |s|\ns.name = \"a b\"\ns.version = \"1\"\n", "x")
          .ok());
  // A license literal longer than kMaxGemspecLiteralBytes is dropped.
  auto p = ParseGemspec(
      "Gem::Specification.new do |s|\ns.name = 'a'\ns.version = '1'\n"
      "s.licenses = ['" +
          std::string(kMaxGemspecLiteralBytes + 10, 'x') + "']\n",
      "x");
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->licenses.empty());
  // Nested brackets in %q() and escapes.
  p = ParseGemspec("Gem::Specification.new do |s|\ns.name = %q(a(b)c)\ns.version = \"1\\\"2\"\n",
                   "x");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->name, "a(b)c");
  EXPECT_EQ(p->version, "1\"2");
}

TEST(GemspecCatalogerTest, WantsOnlyInstalledSpecs) {
  GemspecCataloger c;
  auto wants = [&](const std::string& path) {
    return c.Wants(layer::FileInfo{.path = path, .type = layer::FileType::kRegular});
  };
  EXPECT_TRUE(wants("usr/local/bundle/specifications/rails-7.0.0.gemspec"));
  EXPECT_TRUE(wants("var/lib/gems/3.1.0/specifications/rake-13.0.6.gemspec"));
  EXPECT_TRUE(wants("usr/lib/ruby/gems/3.1.0/specifications/default/json-2.6.1.gemspec"));
  EXPECT_TRUE(wants("specifications/a-1.gemspec"));
  EXPECT_FALSE(wants("usr/local/bundle/gems/rails-7.0.0/rails.gemspec"));
  EXPECT_FALSE(wants("usr/local/bundle/specifications/.gemspec"));
  EXPECT_FALSE(wants("usr/local/bundle/specifications/x/a.gemspec"));
  EXPECT_FALSE(wants("usr/local/bundle/specifications/a.gemspec.bak"));
  EXPECT_FALSE(wants("a.gemspec"));
  EXPECT_EQ(c.Name(), "lang/ruby");

  layer::FileInfo info{.path = "usr/local/bundle/specifications/test-unit-3.3.7.gemspec"};
  layer::File file{info, {reinterpret_cast<const uint8_t*>(kInstalled.data()), kInstalled.size()}};
  layer::Findings out;
  ASSERT_TRUE(c.Analyze(file, out).ok());
  ASSERT_EQ(out.packages.size(), 1u);
  EXPECT_EQ(out.packages[0].db_path, info.path);
}

}  // namespace
}  // namespace customs::catalog
