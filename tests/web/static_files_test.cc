#include "web/static_files.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "tests/vault/test_util.h"

namespace custos::web {
namespace {

namespace fs = std::filesystem;

class WebStaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = dir_.path() + "/ui";
    fs::create_directories(root_ + "/js");
    std::ofstream(root_ + "/index.html") << "<html></html>";
    std::ofstream(root_ + "/js/app.js") << "1";
    std::ofstream(root_ + "/notes.bin") << "x";
    std::ofstream(dir_.path() + "/secret.html") << "secret";
    fs::create_symlink(dir_.path() + "/secret.html", root_ + "/escape.html");
    fs::create_symlink(dir_.path(), root_ + "/up");
  }
  vault::testing::TempDir dir_;
  std::string root_;
};

TEST_F(WebStaticFilesTest, ResolvesFilesInsideRoot) {
  EXPECT_TRUE(ResolveStaticPath(root_, "/").ok());
  EXPECT_TRUE(ResolveStaticPath(root_, "/index.html").ok());
  EXPECT_TRUE(ResolveStaticPath(root_, "/js/app.js").ok());
  EXPECT_TRUE(ResolveStaticPath(root_, "//js//app.js").ok());
}

TEST_F(WebStaticFilesTest, RefusesEscapes) {
  for (const char* p : {"/../secret.html", "/js/../../secret.html", "/./index.html", "/escape.html",
                        "/up/secret.html", "/js", "/notes.bin", "/.git/config",
                        "/js\\..\\..\\secret.html", "/index.html\n", "/missing.js"}) {
    EXPECT_EQ(ResolveStaticPath(root_, p).status().code(), StatusCode::kNotFound) << p;
  }
  EXPECT_FALSE(ResolveStaticPath(root_, std::string_view("/index.html\0.js", 15)).ok());
  EXPECT_FALSE(ResolveStaticPath("", "/index.html").ok());
}

TEST(WebContentTypeTest, KnownTypesOnly) {
  EXPECT_EQ(ContentTypeFor("a/b.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("a.html"), "text/html; charset=utf-8");
  EXPECT_TRUE(ContentTypeFor("a.exe").empty());
  EXPECT_TRUE(ContentTypeFor("noext").empty());
}

}  // namespace
}  // namespace custos::web
