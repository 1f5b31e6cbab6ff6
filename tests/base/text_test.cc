#include "base/text.h"

#include <string>

#include <gtest/gtest.h>

namespace custos {
namespace {

TEST(TextTest, ChineseAndLatinTextOfEveryDayIsFine) {
  for (const char* text : {"", "华东机电有限公司", "客户 A-1（上海·浦东）", "VIP; 重点", "😀 emoji",
                           "\u200F\u200E marks"}) {
    EXPECT_EQ(LineTextProblem(text), "") << text;
    EXPECT_EQ(BlockTextProblem(text), "") << text;
  }
  EXPECT_EQ(BlockTextProblem("第一行\n第二行\r\n\t缩进\u2028段"), "");
}

TEST(TextTest, SaysWhatAOneLineFieldMayNotHold) {
  EXPECT_EQ(LineTextProblem("a\nb"), "holds a line break; it must be one line");
  EXPECT_EQ(LineTextProblem("a\rb"), "holds a line break; it must be one line");
  EXPECT_EQ(LineTextProblem("a\u2029b"), "holds a line break; it must be one line");
  EXPECT_EQ(LineTextProblem("a\tb"), "holds a tab");
  EXPECT_EQ(LineTextProblem(std::string("a\0b", 3)), "holds a control character (U+0000)");
  EXPECT_EQ(LineTextProblem("a\x7f"), "holds a control character (U+007F)");
  EXPECT_EQ(LineTextProblem("a\u009bb"), "holds a control character (U+009B)");
  EXPECT_EQ(LineTextProblem("\xff"), "is not UTF-8");
  for (const char* bidi :
       {"\u202A", "\u202B", "\u202C", "\u202D", "\u202E", "\u2066", "\u2067", "\u2068", "\u2069"}) {
    const std::string text = std::string("invoice") + bidi + "fdp.exe";
    EXPECT_NE(LineTextProblem(text).find("holds a bidirectional control character (U+2"),
              std::string::npos)
        << text;
    EXPECT_NE(BlockTextProblem(text), "") << text;
  }
}

TEST(TextTest, ALongerTextMayBreakLinesButHoldsNoOtherControl) {
  EXPECT_EQ(BlockTextProblem("注意\a"), "holds a control character (U+0007)");
  EXPECT_EQ(BlockTextProblem(std::string("\0", 1)), "holds a control character (U+0000)");
  EXPECT_EQ(BlockTextProblem("价格 \u202E001"),
            "holds a bidirectional control character (U+202E), which would show the text in "
            "another order than it is stored");
}

TEST(TextTest, AFieldsProblemIsSaidInBothLanguages) {
  EXPECT_TRUE(CheckTextField("name", "客户名称", "华东机电", false).ok());
  Status s = CheckTextField("name", "客户名称", "华东\n机电", false);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "name holds a line break; it must be one line");
  EXPECT_EQ(s.message_zh(), "客户名称含有换行符，须为一行");
  s = CheckTextField("the reason", "事由", "invoice\u202Efdp.exe", true);
  EXPECT_EQ(s.message_zh(), "事由含有双向文本控制字符（U+202E），会使文字的显示顺序与存储顺序不同");
  // A field without Chinese words is named as it is, a space before the Chinese.
  EXPECT_EQ(CheckTextField("x.y", "x.y", std::string("a\0b", 3), false).message_zh(),
            "x.y 含有控制字符（U+0000）");
  EXPECT_TRUE(CheckTextField("notes", "备注", "第一行\n第二行", true).ok());
}

TEST(TextTest, AChineseSubjectKeepsASpaceOnlyAfterLatinLetters) {
  EXPECT_EQ(ZhSubject("标签 2") + "为空", "标签 2 为空");
  EXPECT_EQ(ZhSubject("content.phone") + "含有制表符", "content.phone 含有制表符");
  EXPECT_EQ(ZhSubject("客户名称") + "为空", "客户名称为空");
  EXPECT_EQ(ZhSubject("事由（reason）") + "为必填项", "事由（reason）为必填项");
  EXPECT_EQ(ZhSubject(""), "");
}

TEST(TextTest, LowerAsciiLowersOnlyLatinCapitals) {
  EXPECT_EQ(LowerAscii("Content-Type: ABC-xyz_09"), "content-type: abc-xyz_09");
  EXPECT_EQ(LowerAscii("王磊 Sales.Wang ÄÖ"), "王磊 sales.wang ÄÖ");
}

// Two names that look the same must be the same text, and a name must show
// something.
TEST(TextTest, ZeroWidthCharactersAreRefusedInALineAndBlankTextShowsNothing) {
  EXPECT_EQ(LineTextProblem("苏州\u200B精密"),
            "holds an invisible character (U+200B), which would make it differ from a text "
            "that looks the same");
  EXPECT_EQ(CheckText("\uFEFF苏州精密", false).fault, TextFault::kInvisible);
  EXPECT_EQ(CheckText("苏州\u2060精密", false).code_point, 0x2060u);
  EXPECT_EQ(BlockTextProblem("备注\u200B"), "");  // a longer text may
  EXPECT_EQ(LineTextProblem("王磊\u200D"), "");   // a joiner, in emoji, stays

  for (const char* blank : {"", " \t", "\u3000", "\u00A0\u3000", "\u200B", "\uFEFF ", "\u2003",
                            "\u2800\u2800", "\u3164", "\u200D\u200C", "\u00AD"}) {
    EXPECT_TRUE(IsBlankText(blank)) << blank;
  }
  for (const char* shown : {"甲", "\u3000甲\u3000", "A", "\xFF"}) {
    EXPECT_FALSE(IsBlankText(shown)) << shown;
  }
}

}  // namespace
}  // namespace custos
