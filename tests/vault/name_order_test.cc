#include "vault/records/internal/name_order.h"

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace custos::vault::internal {
namespace {

std::vector<std::string> SortedByKey(std::vector<std::string> names) {
  std::sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
    return NameSortKey(a) < NameSortKey(b);
  });
  return names;
}

TEST(NameOrderTest, ChineseNamesSortByPinyin) {
  // By code point: 上 北 南 天 宁 广 成 武 苏 西 重 深 (U+4E0A … U+6DF1).
  EXPECT_EQ(SortedByKey({"上海", "北京", "南京", "天津", "宁波", "广州", "成都", "武汉", "苏州",
                         "西安", "重庆", "深圳"}),
            (std::vector<std::string>{"北京", "成都", "重庆", "广州", "南京", "宁波", "上海",
                                      "深圳", "苏州", "天津", "武汉", "西安"}));
  // Same first character: the next decides (华东 huadong, 华南 huanan).
  EXPECT_EQ(SortedByKey({"华南贸易有限公司", "华东机电有限公司", "常州电子有限公司"}),
            (std::vector<std::string>{"常州电子有限公司", "华东机电有限公司", "华南贸易有限公司"}));
}

TEST(NameOrderTest, LatinNamesAndNumbersSortAsPeopleRead) {
  EXPECT_EQ(SortedByKey({"b", "A", "a", "B", "2", "10"}),
            (std::vector<std::string>{"2", "10", "a", "A", "b", "B"}));
  // Numbers by value, wherever they stand in the name.
  EXPECT_EQ(SortedByKey({"2026 年价格体系（第 18 号）", "2024 年价格体系（第 7 号）",
                         "2026 年价格体系（第 9 号）"}),
            (std::vector<std::string>{"2024 年价格体系（第 7 号）", "2026 年价格体系（第 9 号）",
                                      "2026 年价格体系（第 18 号）"}));
  // Chinese and Latin names together: the Chinese ones first, in pinyin
  // order, as CLDR's Chinese collation has it.
  EXPECT_EQ(SortedByKey({"张三", "ABC 公司", "李四"}),
            (std::vector<std::string>{"李四", "张三", "ABC 公司"}));
}

TEST(NameOrderTest, EqualNamesGiveEqualKeysAndBadBytesDoNotBreakIt) {
  EXPECT_EQ(NameSortKey("苏州精密零件厂"), NameSortKey(std::string("苏州精密零件厂")));
  EXPECT_NE(NameSortKey("苏州"), NameSortKey("苏州 "));
  EXPECT_LT(NameSortKey(""), NameSortKey("a"));
  // Ill-formed UTF-8 counts as U+FFFD: a key, and the same one each time.
  const std::string bad = std::string("客户") + '\xff' + '\xfe';
  EXPECT_FALSE(NameSortKey(bad).empty());
  EXPECT_EQ(NameSortKey(bad), NameSortKey(bad));
  // A long name (beyond the first buffers).
  std::string long_name;
  for (int i = 0; i < 400; ++i) long_name += "华";
  EXPECT_LT(NameSortKey(long_name), NameSortKey(long_name + "华"));
}

TEST(NameOrderTest, ThreadsGetTheSameKeys) {
  const std::string expected = NameSortKey("宁波嘉禾纺织股份有限公司");
  std::vector<std::string> got(4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < got.size(); ++t) {
    threads.emplace_back([&, t] { got[t] = NameSortKey("宁波嘉禾纺织股份有限公司"); });
  }
  for (auto& th : threads) th.join();
  for (const std::string& k : got) EXPECT_EQ(k, expected);
}

}  // namespace
}  // namespace custos::vault::internal
