#include "report/license.h"

#include <gtest/gtest.h>

namespace customs::report {
namespace {

TEST(CanonicalSpdxExpressionTest, AcceptsKnownIdsAndCanonicalisesCase) {
  EXPECT_EQ(CanonicalSpdxExpression("GPL-2.0-or-later"), "GPL-2.0-or-later");
  EXPECT_EQ(CanonicalSpdxExpression("gpl-2.0-or-later OR mit"), "GPL-2.0-or-later OR MIT");
  EXPECT_EQ(CanonicalSpdxExpression("  Apache-2.0  "), "Apache-2.0");
  EXPECT_EQ(CanonicalSpdxExpression("zlib"), "Zlib");
}

TEST(CanonicalSpdxExpressionTest, ParsesOperatorsParenthesesAndExceptions) {
  EXPECT_EQ(CanonicalSpdxExpression("(MIT OR Apache-2.0)AND  BSD-3-Clause"),
            "(MIT OR Apache-2.0) AND BSD-3-Clause");
  EXPECT_EQ(CanonicalSpdxExpression("GPL-3.0-or-later WITH gcc-exception-3.1"),
            "GPL-3.0-or-later WITH GCC-exception-3.1");
  EXPECT_EQ(CanonicalSpdxExpression("GPL-2.0+"), "GPL-2.0+");
  EXPECT_EQ(CanonicalSpdxExpression("LGPL-2.1+ AND LicenseRef-foo.bar"),
            "LGPL-2.1+ AND LicenseRef-foo.bar");
  EXPECT_EQ(CanonicalSpdxExpression("DocumentRef-spdx-tool-1.2:LicenseRef-MIT-Style-2"),
            "DocumentRef-spdx-tool-1.2:LicenseRef-MIT-Style-2");
}

TEST(CanonicalSpdxExpressionTest, RejectsDistroLicenseNames) {
  // Debian copyright short names and rpm License: tags are not SPDX.
  EXPECT_EQ(CanonicalSpdxExpression("GPL-2+ and BSD"), std::nullopt);
  EXPECT_EQ(CanonicalSpdxExpression("GPL-2+"), std::nullopt);
  EXPECT_EQ(CanonicalSpdxExpression("GPLv3+"), std::nullopt);
  EXPECT_EQ(CanonicalSpdxExpression("ASL 2.0"), std::nullopt);
  EXPECT_EQ(CanonicalSpdxExpression("Public Domain"), std::nullopt);
  EXPECT_EQ(CanonicalSpdxExpression("public-domain"), std::nullopt);
  // Lower-case operators are not SPDX operators.
  EXPECT_EQ(CanonicalSpdxExpression("MIT or Apache-2.0"), std::nullopt);
}

TEST(CanonicalSpdxExpressionTest, RejectsMalformedExpressions) {
  for (const char* bad :
       {"", "   ", "MIT OR", "AND MIT", "(MIT", "MIT)", "()", "MIT WITH", "MIT WITH MIT",
        "GCC-exception-3.1", "MIT Apache-2.0", "LicenseRef-", "LicenseRef-a_b", "DocumentRef-x",
        "DocumentRef-x:MIT", "MIT\nOR Apache-2.0", "MIT++", "MIT/X11"}) {
    EXPECT_EQ(CanonicalSpdxExpression(bad), std::nullopt) << bad;
  }
}

TEST(CanonicalSpdxExpressionTest, BoundsLengthAndDepth) {
  std::string deep;
  for (size_t i = 0; i < kMaxLicenseExpressionDepth; ++i) deep += "(";
  deep += "MIT";
  for (size_t i = 0; i < kMaxLicenseExpressionDepth; ++i) deep += ")";
  EXPECT_TRUE(CanonicalSpdxExpression(deep).has_value());
  EXPECT_EQ(CanonicalSpdxExpression("(" + deep + ")"), std::nullopt);

  std::string long_text = "MIT";
  while (long_text.size() <= kMaxLicenseExpressionBytes) long_text += " OR MIT";
  EXPECT_EQ(CanonicalSpdxExpression(long_text), std::nullopt);
  // A deep stack of parentheses far past the limit returns, not crashes.
  EXPECT_EQ(CanonicalSpdxExpression(std::string(1000, '(')), std::nullopt);
}

TEST(SpdxIdStringTest, KeepsOnlyIdCharacters) {
  EXPECT_EQ(SpdxIdString("libstdc++6"), "libstdc-6");
  EXPECT_EQ(SpdxIdString("1:4.13+dfsg1-1+b1"), "1-4.13-dfsg1-1-b1");
  EXPECT_EQ(SpdxIdString("3.0.11-1~deb12u2"), "3.0.11-1-deb12u2");
  EXPECT_EQ(SpdxIdString("--a  b--"), "a-b");
  EXPECT_EQ(SpdxIdString("+++"), "unknown");
  EXPECT_EQ(SpdxIdString(""), "unknown");
  EXPECT_EQ(SpdxIdString("na\xC3\xAFve"), "na-ve");
}

TEST(DeclaredLicenseExpressionTest, JoinsWithAndAndRefsNonSpdxStrings) {
  LicenseRefTable refs;
  EXPECT_EQ(DeclaredLicenseExpression({"GPL-2.0-or-later"}, &refs), "GPL-2.0-or-later");
  EXPECT_EQ(DeclaredLicenseExpression({"LGPL-2.1-or-later", "GPL-2.0-or-later"}, &refs),
            "LGPL-2.1-or-later AND GPL-2.0-or-later");
  EXPECT_EQ(DeclaredLicenseExpression({"Apache-2.0", "Artistic-1.0 OR GPL-1.0-or-later"}, &refs),
            "Apache-2.0 AND (Artistic-1.0 OR GPL-1.0-or-later)");
  EXPECT_TRUE(refs.refs().empty());

  EXPECT_EQ(DeclaredLicenseExpression({"GPL-2+ and BSD", "LGPL-2.1-or-later"}, &refs),
            "LicenseRef-GPL-2-and-BSD AND LGPL-2.1-or-later");
  // The same text gets the same ref; a different text that sanitises the
  // same way gets a new one.
  EXPECT_EQ(DeclaredLicenseExpression({"GPL-2+ and BSD"}, &refs), "LicenseRef-GPL-2-and-BSD");
  EXPECT_EQ(DeclaredLicenseExpression({"GPL-2+  and  BSD"}, &refs), "LicenseRef-GPL-2-and-BSD-2");
  ASSERT_EQ(refs.refs().size(), 2u);
  EXPECT_EQ(refs.refs()[0].id, "LicenseRef-GPL-2-and-BSD");
  EXPECT_EQ(refs.refs()[0].text, "GPL-2+ and BSD");
  EXPECT_EQ(refs.refs()[1].text, "GPL-2+  and  BSD");

  EXPECT_EQ(DeclaredLicenseExpression({}, &refs), "");
  EXPECT_EQ(DeclaredLicenseExpression({"MIT", " MIT "}, &refs), "MIT");
}

TEST(DeclaredLicenseExpressionTest, WithoutTableAnyNonSpdxStringGivesEmpty) {
  EXPECT_EQ(DeclaredLicenseExpression({"MIT", "GPLv3+"}, nullptr), "");
  EXPECT_EQ(DeclaredLicenseExpression({"MIT", "BSD-3-Clause"}, nullptr), "MIT AND BSD-3-Clause");
}

}  // namespace
}  // namespace customs::report
