#include "vault/evidence/sha256sums.h"

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include <gtest/gtest.h>

#include "vault/evidence/manifest.h"

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

// Found by evidence_manifest_fuzz: a manifest whose case reference held
// bytes that are not UTF-8, or control characters, was accepted, and then did not read back the
// same once written again.
TEST(ManifestTest, TextThatIsNotUtf8IsRefused) {
  std::ifstream in(
      std::string(std::getenv("CUSTOS_SOURCE_ROOT") != nullptr ? std::getenv("CUSTOS_SOURCE_ROOT")
                                                               : ".") +
          "/tests/fuzz/corpus/evidence_manifest/manifest.xml",
      std::ios::binary);
  ASSERT_TRUE(in.good());
  const std::string good((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto parsed = ParseManifest(good);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const size_t at = good.find(parsed->case_ref);
  ASSERT_NE(at, std::string::npos);
  std::string bad = good;
  bad.replace(at, 0, "\xf7\xff\xff\xff");
  auto refused = ParseManifest(bad);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("UTF-8"), std::string::npos);
  bad = good;
  bad.replace(at, 0, "\x03\x1c");
  EXPECT_FALSE(ParseManifest(bad).ok());
  // The same characters as character references, and DEL: the writer would
  // not give them back (it writes U+FFFD), so a verifier refuses them.
  for (const char* sneaky : {"&#1;", "&#x1F;", "\x7f", "&#127;"}) {
    bad = good;
    bad.replace(at, 0, sneaky);
    auto r = ParseManifest(bad);
    ASSERT_FALSE(r.ok()) << sneaky;
    EXPECT_NE(r.status().message().find("control character"), std::string::npos) << sneaky;
  }
  // Tab and newline references are characters a value may hold, and they
  // survive a round trip.
  bad = good;
  bad.replace(at, 0, "a&#9;b&#10;");
  auto kept = ParseManifest(bad);
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  auto again = ParseManifest(FormatManifest(*kept));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->case_ref, kept->case_ref);
}

}  // namespace
}  // namespace custos::vault::evidence
