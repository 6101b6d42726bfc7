#include "base/json.h"

#include <gtest/gtest.h>

namespace customs {
namespace {

TEST(JsonTest, ParsesAndReadsTypedFields) {
  auto doc = ParseJson(R"({"a":"x","n":3,"b":true,"l":["p",1,"q"]})", "t");
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(JsonString(*doc, "a"), "x");
  EXPECT_EQ(JsonString(*doc, "n", "fb"), "fb");
  EXPECT_EQ(JsonInt(*doc, "n"), 3);
  EXPECT_TRUE(JsonBool(*doc, "b"));
  EXPECT_EQ(JsonStrings(*doc, "l"), (std::vector<std::string>{"p", "q"}));
}

TEST(JsonTest, RejectsDeepAndLargeAndMalformed) {
  std::string deep(100, '[');
  auto r = ParseJson(deep, "deep.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  EXPECT_FALSE(ParseJson("{\"a\":1}", "big", 3).ok());
  auto bad = ParseJson("{\"a\":}", "bad.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("bad.json: malformed JSON at byte"), std::string::npos);
  // Brackets inside strings do not count as nesting.
  EXPECT_TRUE(ParseJson("[\"" + std::string(100, '[') + "\"]", "s").ok());
}

}  // namespace
}  // namespace customs
