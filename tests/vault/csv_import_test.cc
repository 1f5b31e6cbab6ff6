#include "vault/records/csv_import.h"

#include <sstream>

#include <gtest/gtest.h>

#include "tests/vault/records_fixture.h"

namespace custos::vault {
namespace {

class CsvImportTest : public testing::ArchiveTest {
 protected:
  Result<CsvImportReport> Import(const std::string& csv, bool skip = false) {
    std::istringstream in(csv);
    CsvImportOptions o;
    o.skip_errors = skip;
    return ImportCustomersCsv(*archive_, As(author_), in, o);
  }
};

const char kHeader[] =
    "name,classification,owner,custodian,tags,registration_number,address,contact_name,"
    "contact_phone,contact_email,agreed_prices,key_dates,notes,paper_room\n";

TEST_F(CsvImportTest, ParsesQuotesNewlinesAndBom) {
  auto rows = ParseCsv(
      "\xEF\xBB\xBF"
      "a,b\r\n\"x, y\",\"say \"\"hi\"\"\nthere\"\n");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0][0], "a");
  EXPECT_EQ((*rows)[1][0], "x, y");
  EXPECT_EQ((*rows)[1][1], "say \"hi\"\nthere");
  EXPECT_EQ(ParseCsv("a,\"b\n").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(CsvImportTest, ImportsAllRowsInOneGo) {
  std::string csv = kHeader;
  csv +=
      "苏州精密模具有限公司,秘密,wang.author,chen.custodian,华东;模具,91320500MA1XXXXX1A,"
      "苏州工业园区星湖街 1 号,张经理|李工,13800000001|13800000002,zhang@example.cn|,"
      "\"A 型 95 元/件, 年返 2%\",2026-03-15 合同续签,老客户,A201\n";
  csv += "北京远航科技有限公司,top_secret,,,华北,,,,,,,,,\n";
  auto r = Import(csv);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->errors.empty());
  EXPECT_TRUE(r->committed);
  ASSERT_EQ(r->record_ids.size(), 2u);
  auto m = archive_->GetMeta(r->record_ids[0]);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->classification, policy::Classification::kConfidential);
  EXPECT_EQ(m->custodian_id, custodian_.id);
  EXPECT_EQ(m->tags, (std::vector<std::string>{"华东", "模具"}));
  EXPECT_EQ(m->paper.room, "A201");
  auto v = archive_->View(As(author_), m->id, "核对导入结果");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  ASSERT_EQ(v->version.content.contacts.size(), 2u);
  EXPECT_EQ(v->version.content.contacts[1].phone, "13800000002");
  EXPECT_EQ(v->version.content.agreed_prices, "A 型 95 元/件, 年返 2%");
  ASSERT_EQ(v->version.content.key_dates.size(), 1u);
  EXPECT_EQ(v->version.content.key_dates[0].label, "合同续签");
  EXPECT_EQ(archive_->GetMeta(r->record_ids[1])->owner_id, author_.id);
}

TEST_F(CsvImportTest, ReportsErrorsByRowAndImportsNothing) {
  std::string csv = kHeader;
  csv += "好客户,internal,,,,,,,,,,,,\n";                 // row 2 ok
  csv += ",internal,,,,,,,,,,,,\n";                       // row 3: empty name
  csv += "坏等级,very_secret,,,,,,,,,,,,\n";              // row 4
  csv += "没人,internal,nobody,,,,,,,,,,,\n";             // row 5
  csv += "字段少,internal\n";                             // row 6
  csv += "坏日期,internal,,,,,,,,,,2026-13-40 续签,,\n";  // row 7
  csv += "坏邮件,internal,,,,,,王,,not-an-email,,,,\n";   // row 8
  auto r = Import(csv);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->committed);
  EXPECT_EQ(r->rows, 7u);
  std::vector<size_t> rows;
  for (const CsvRowError& e : r->errors) rows.push_back(e.row);
  EXPECT_EQ(rows, (std::vector<size_t>{3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(r->errors[0].column, "name");
  EXPECT_EQ(r->errors[2].column, "owner");
  EXPECT_EQ(archive_->CatalogSize(), 0u);

  auto skipped = Import(csv, /*skip=*/true);
  ASSERT_TRUE(skipped.ok());
  EXPECT_TRUE(skipped->committed);
  EXPECT_EQ(skipped->record_ids.size(), 1u);
  EXPECT_EQ(archive_->CatalogSize(), 1u);
}

// The checks alone, without a vault: what the lookup is asked and what
// passes, row by row.
TEST(CsvReadTest, ChecksRowsWithTheGivenLookup) {
  std::vector<std::string> asked;
  auto user_id = [&](const std::string& username) -> Result<std::string> {
    asked.push_back(username);
    return username == "alice" ? std::string("u-alice") : std::string();
  };
  CsvImportReport report;
  auto read = ReadCustomerCsv(
      "name,classification,owner,key_dates\n甲,internal,alice,2026-03-15 续签\n\n"
      "乙,internal,nobody,\n丙,secret,alice,\n",
      user_id, CsvImportOptions(), &report);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(report.rows, 3u);
  ASSERT_EQ(report.errors.size(), 1u);
  EXPECT_EQ(report.errors[0].row, 4u);
  EXPECT_EQ(report.errors[0].column, "owner");
  EXPECT_EQ(asked, (std::vector<std::string>{"alice", "nobody", "alice"}));
  ASSERT_EQ(read->records.size(), 2u);
  EXPECT_EQ(read->record_rows, (std::vector<size_t>{2, 5}));
  EXPECT_EQ(read->records[0].owner_id, "u-alice");
  EXPECT_EQ(read->records[1].classification, policy::Classification::kSecret);

  auto failing = [](const std::string&) -> Result<std::string> {
    return Status::Unavailable("lookup failed");
  };
  CsvImportReport report2;
  EXPECT_EQ(ReadCustomerCsv("name,classification,owner\n甲,internal,alice\n", failing,
                            CsvImportOptions(), &report2)
                .status()
                .code(),
            StatusCode::kUnavailable);
  CsvImportReport report3;
  auto no_lookup =
      ReadCustomerCsv("name,classification\n甲,internal\n", failing, CsvImportOptions(), &report3);
  ASSERT_TRUE(no_lookup.ok());
  EXPECT_EQ(no_lookup->records.size(), 1u);
}

// A spreadsheet cell may hold a line break (a quoted CSV field): kept in
// the notes, refused in a name or a tag, with the row and column.
TEST(CsvReadTest, LineBreaksOnlyInTheLongerContentColumns) {
  auto nobody = [](const std::string&) -> Result<std::string> { return std::string(); };
  CsvImportReport report;
  auto read = ReadCustomerCsv(
      "name,classification,tags,notes\n"
      "甲,internal,华东,\"第一行\n第二行\"\n"
      "\"乙\n公司\",internal,华东,\n"
      "丙,internal,\"华东\u202E\",\n",
      nobody, CsvImportOptions(), &report);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_EQ(read->records.size(), 1u);
  EXPECT_EQ(read->records[0].content.notes, "第一行\n第二行");
  ASSERT_EQ(report.errors.size(), 2u);
  EXPECT_EQ(report.errors[0].row, 3u);
  EXPECT_EQ(report.errors[0].column, "name");
  EXPECT_EQ(report.errors[0].message, "holds a line break; it must be one line");
  EXPECT_EQ(report.errors[1].row, 4u);
  EXPECT_EQ(report.errors[1].column, "tags");
  EXPECT_NE(report.errors[1].message.find("bidirectional"), std::string::npos);
}

TEST_F(CsvImportTest, BadHeaderAndDeniedImporter) {
  auto bad = Import("name,colour\nx,red\n");
  ASSERT_TRUE(bad.ok());
  ASSERT_FALSE(bad->errors.empty());
  EXPECT_EQ(bad->errors[0].row, 1u);
  EXPECT_EQ(bad->errors[0].column, "colour");
  std::istringstream in(std::string(kHeader) + "甲,internal,,,,,,,,,,,,\n");
  auto denied = ImportCustomersCsv(*archive_, As(auditor_), in);
  EXPECT_EQ(denied.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(archive_->CatalogSize(), 0u);
}

}  // namespace
}  // namespace custos::vault
