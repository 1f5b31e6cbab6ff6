#include "base/html.h"

#include <gtest/gtest.h>

namespace custos {
namespace {

TEST(HtmlTest, EscapesEverythingThatCanBreakOutOfTextOrAttributes) {
  EXPECT_EQ(HtmlEscape("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;");
  EXPECT_EQ(HtmlEscape("华信商贸 plain"), "华信商贸 plain");
  std::string out = "a";
  AppendHtmlEscaped(&out, "<b>");
  EXPECT_EQ(out, "a&lt;b&gt;");
}

}  // namespace
}  // namespace custos
