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

namespace customs {
namespace {

std::string NlohmannReport(const nlohmann::ordered_json& doc) {
  return doc.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

TEST(DumpReportJsonTest, SameBytesAsNlohmann) {
  nlohmann::ordered_json doc;
  doc["z first"] = "kept in insertion order";
  doc["empty object"] = nlohmann::ordered_json::object();
  doc["empty array"] = nlohmann::ordered_json::array();
  doc["numbers"] = {0, -1, 42, INT64_MIN, UINT64_MAX, 7.5, 10.0, 1e-7, -0.0, 3.14159, 1e300};
  doc["flags"] = {true, false, nullptr};
  std::string controls;
  for (int c = 0; c < 0x20; ++c) controls += static_cast<char>(c);
  doc["controls"] = controls + "\x7f \"quoted\" back\\slash /";
  doc["utf-8"] = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xef\xbf\xbd";
  doc["invalid"] = {"\x80",     "a\xc0\xaf",        "\xed\xa0\x80", "\xf5\x80\x80\x80",
                    "\xe2\x82", "\xf4\x90\x80\x80", "x\xff\xfey"};
  doc["ke\"y\n\xc3"] = {{"nested", {{"deeper", nlohmann::ordered_json::array({1, "two", {}})}}}};
  EXPECT_EQ(DumpReportJson(doc), NlohmannReport(doc));
  EXPECT_EQ(DumpReportJson(nlohmann::ordered_json()), "null\n");
  EXPECT_EQ(DumpReportJson(nlohmann::ordered_json::object()), "{}\n");
}

// Random byte strings, as keys and values: every escaping and replacement
// decision agrees with nlohmann's.
TEST(DumpReportJsonTest, RandomStringsAgree) {
  uint32_t state = 12345;
  auto next = [&] {
    state = state * 1103515245 + 12345;
    return state >> 16;
  };
  const std::string alphabet =
      std::string("ab\"\\\n\t\x01\x1f\x7f", 9) +
      "\x80\xbf\xc2\xc3\xdf\xe0\xe2\xed\xef\xf0\xf4\xf5\xff\xa0\x9f\x90\x8f";
  nlohmann::ordered_json doc = nlohmann::ordered_json::object();
  for (int i = 0; i < 3000; ++i) {
    std::string s;
    size_t len = next() % 9;
    for (size_t k = 0; k < len; ++k) s += alphabet[next() % alphabet.size()];
    doc[std::to_string(i) + s] = s;
  }
  EXPECT_EQ(DumpReportJson(doc), NlohmannReport(doc));
}

}  // namespace
}  // namespace customs
