#include "vault/evidence/sha256sums.h"

#include <gtest/gtest.h>

namespace custos::vault::evidence {
namespace {

const std::string kA(64, 'a');
const std::string kB(64, 'b');

TEST(BundlePathTest, AcceptsOnlyPlainRelativePaths) {
  EXPECT_TRUE(ValidBundlePath("manifest.xml"));
  EXPECT_TRUE(ValidBundlePath("audit/123.tlog-proof"));
  EXPECT_TRUE(ValidBundlePath("records/c-0123abcd/v1.json"));
  for (const char* bad : {"", "/etc/passwd", "a//b", "a/", "../x", "a/../b", "./a", "a b", "a\\b",
                          "名单.json", "a\nb"}) {
    EXPECT_FALSE(ValidBundlePath(bad)) << bad;
  }
  EXPECT_FALSE(ValidBundlePath(std::string(201, 'a')));
}

TEST(Sha256SumsTest, FormatsWhatSha256sumReadsAndParsesItBack) {
  const std::string text = FormatSha256Sums({{kA, "manifest.xml"}, {kB, "audit/checkpoint"}});
  EXPECT_EQ(text, kA + "  manifest.xml\n" + kB + "  audit/checkpoint\n");
  auto parsed = ParseSha256Sums(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->size(), 2u);
  EXPECT_EQ(parsed->at("audit/checkpoint"), kB);
}

TEST(Sha256SumsTest, AcceptsBinaryModeAndUpperCase) {
  auto parsed = ParseSha256Sums(std::string(64, 'A') + " *x.bin\n");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->at("x.bin"), kA);
}

TEST(Sha256SumsTest, RefusesMalformedListsNamingTheLine) {
  const std::string good = kA + "  a\n";
  struct Case {
    std::string text;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {"", "empty"},
           {kA + "  a", "newline"},
           {good + kA + " a\n", "line 2"},
           {good + std::string(63, 'a') + "g  b\n", "line 2"},
           {good + kB + "  ../b\n", "line 2"},
           {good + kB + "  a\n", "listed twice"},
           {good + "\n", "line 2"},
       }) {
    auto parsed = ParseSha256Sums(c.text);
    ASSERT_FALSE(parsed.ok()) << c.text;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(parsed.status().message().find(c.message), std::string::npos)
        << parsed.status().message();
  }
}

}  // namespace
}  // namespace custos::vault::evidence
