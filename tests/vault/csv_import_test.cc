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
  auto user_id = [&](const std::string& username) -> Result<CsvUser> {
    asked.push_back(username);
    return username == "alice" ? CsvUser{"u-alice"} : CsvUser{};
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

  auto failing = [](const std::string&) -> Result<CsvUser> {
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
  auto nobody = [](const std::string&) -> Result<CsvUser> { return CsvUser{}; };
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

// A quote opened and not closed where the clerk meant swallowed the next
// rows into one field, and the import said every row was imported. Text
// after a closing quote is refused, naming the row, and nothing is imported.
TEST_F(CsvImportTest, AStrayQuoteIsRefusedRatherThanSwallowingTheNextRows) {
  size_t row = 0;
  const Status swallowed =
      ParseCsv("name,notes\n甲,\"VIP 客户\n乙,\"备注\"\n丙,\"ok\"\n", &row).status();
  EXPECT_EQ(swallowed.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(row, 2u);
  EXPECT_NE(swallowed.message().find("row 2: text after a quoted field's closing quote"),
            std::string::npos)
      << swallowed.message();
  // A quote inside a field that does not start with one stays text.
  auto inches = ParseCsv("name,notes\n甲,12\" 显示器\n");
  ASSERT_TRUE(inches.ok()) << inches.status().ToString();
  EXPECT_EQ((*inches)[1][1], "12\" 显示器");

  auto r = Import("name,classification,notes\n甲,internal,\"VIP 客户\n乙,internal,\"备注\"\n",
                  /*skip=*/true);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->committed);
  EXPECT_TRUE(r->whole_file);
  ASSERT_EQ(r->errors.size(), 1u);
  EXPECT_EQ(r->errors[0].row, 2u);
  EXPECT_EQ(r->errors[0].message.rfind("text after", 0), 0u) << r->errors[0].message;
  EXPECT_EQ(archive_->CatalogSize(), 0u);
  // A file in GB18030 is the file's fault, not one row's.
  auto gbk = Import("name,classification\n\xC4\xA3\xBE\xDF,internal\n", /*skip=*/true);
  ASSERT_TRUE(gbk.ok());
  EXPECT_TRUE(gbk->whole_file);
  ASSERT_EQ(gbk->errors.size(), 1u);
  EXPECT_EQ(gbk->errors[0].row, 2u);
  EXPECT_NE(gbk->errors[0].message.find("not valid UTF-8"), std::string::npos);
}

// What a clerk's file must not do to the archive: give customers to someone
// who has left, add a customer whose name shows nothing or differs from one
// that looks the same, or take a registration number that is not one.
TEST_F(CsvImportTest, RowsThatWouldMisleadAreRefusedByColumn) {
  User left = borrower_;
  left.disabled = true;
  ASSERT_TRUE(vault_->Write([&](WriteTxn& w) { return UpdateUser(w, left); }).ok());
  std::string csv =
      "name,classification,owner,custodian,registration_number,contact_name,"
      "contact_email\n";
  csv += "甲公司,internal,li.borrower,,,,\n";                           // row 2
  csv += "乙公司,internal,,li.borrower,,,\n";                           // row 3
  csv += "\u3000,internal,,,,,\n";                                      // row 4
  csv += "\u200b,internal,,,,,\n";                                      // row 5
  csv += "苏州\u200b精密模具有限公司,internal,,,,,\n";                  // row 6
  csv += "丙公司,internal,,,９１３２０５００ＭＡ１ＸＸＸＸＸ１Ａ,,\n";  // row 7
  csv += "丁公司,internal,,,统一社会信用,,\n";                          // row 8
  csv += "戊公司,internal,,,,王,wang-at-example.cn\n";                  // row 9
  csv += "己公司,internal,,,91320500MA1XXXXX1A,王,wang@example.cn\n";   // row 10 ok
  auto r = Import(csv);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->committed);
  EXPECT_FALSE(r->whole_file);
  std::vector<std::pair<size_t, std::string>> got;
  for (const CsvRowError& e : r->errors) got.emplace_back(e.row, e.column);
  EXPECT_EQ(got, (std::vector<std::pair<size_t, std::string>>{{2, "owner"},
                                                              {3, "custodian"},
                                                              {4, "name"},
                                                              {5, "name"},
                                                              {5, "name"},
                                                              {6, "name"},
                                                              {7, "registration_number"},
                                                              {8, "registration_number"},
                                                              {9, "contact_email"}}));
  EXPECT_EQ(r->errors[0].message, "'li.borrower' has left or is disabled");
  EXPECT_NE(r->errors[5].message.find("invisible character (U+200B)"), std::string::npos)
      << r->errors[5].message;
  // The customer's address is not repeated in the message.
  EXPECT_EQ(r->errors[8].message.find("wang-at-example.cn"), std::string::npos);
  EXPECT_EQ(archive_->CatalogSize(), 0u);

  // The same holds outside the import.
  NewRecord blank;
  blank.name = "\u3000 ";
  blank.classification = policy::Classification::kInternal;
  EXPECT_EQ(archive_->CreateRecord(As(author_), blank, "新客户").status().code(),
            StatusCode::kInvalidArgument);
  NewRecord to_leaver;
  to_leaver.name = "庚公司";
  to_leaver.classification = policy::Classification::kInternal;
  to_leaver.owner_id = borrower_.id;
  const Status refused = archive_->CreateRecord(As(author_), to_leaver, "新客户").status();
  EXPECT_EQ(refused.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(refused.message_zh(), "负责人 li.borrower 已离职或账户已停用");
}

// The browser sends a file back whole when it is edited, in at most 1 MiB:
// a file with more content than that could be imported but never saved
// again. Longer documents go in attachments.
TEST_F(CsvImportTest, ContentLargerThanAFileMayHoldIsRefused) {
  const std::string notes(300 * 1024, 'n');
  auto r = Import("name,classification,notes\n甲,internal,\"" + notes + "\"\n乙,internal,短\n");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->committed);
  ASSERT_EQ(r->errors.size(), 1u);
  EXPECT_EQ(r->errors[0].row, 2u);
  EXPECT_EQ(r->errors[0].message,
            "content is 301 KiB, more than a file's 256 KiB; put a long document in an "
            "attachment");
  NewRecord big;
  big.name = "甲";
  big.classification = policy::Classification::kInternal;
  big.content.notes = notes;
  EXPECT_EQ(archive_->CreateRecord(As(author_), big, "新客户").status().code(),
            StatusCode::kInvalidArgument);
  big.content.notes.resize(200 * 1024);
  EXPECT_TRUE(archive_->CreateRecord(As(author_), big, "新客户").ok());
}

// A file written before a rule was added (a name pasted with a zero-width
// space, content over the size) can still be updated: what it already holds
// is not judged again, only what changes.
TEST(RecordTextTest, AnUpdateJudgesOnlyWhatChanges) {
  RecordVersion before;
  before.meta.name = "苏州\u200b精密模具有限公司";
  before.meta.tags = {"华东\u200b"};
  before.content.notes = std::string(300 * 1024, 'n');
  before.content.contacts = {Contact{"张\u200b经理", "", "", "", ""}};
  RecordUpdate same;
  same.name = before.meta.name;
  same.tags = before.meta.tags;
  same.content = before.content;
  same.status = "dormant";                   // a change that passes
  EXPECT_FALSE(CheckRecordText(same).ok());  // judged alone, the old text fails
  EXPECT_TRUE(CheckRecordText(same, &before).ok());
  RecordUpdate renamed = same;
  renamed.name = "苏州\u200b精密";
  EXPECT_EQ(CheckRecordText(renamed, &before).code(), StatusCode::kInvalidArgument);
  RecordUpdate longer = same;
  longer.content.notes += "n";
  EXPECT_NE(CheckRecordText(longer, &before).message().find("KiB"), std::string::npos);
  RecordUpdate shorter = same;
  shorter.content.notes.resize(290 * 1024);
  EXPECT_TRUE(CheckRecordText(shorter, &before).ok());
  RecordUpdate contact = same;
  contact.content.contacts[0].phone = "1380\u200b0000";
  EXPECT_EQ(CheckRecordText(contact, &before).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace custos::vault
