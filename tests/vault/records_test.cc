#include "vault/records/records.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "policy/rules.h"
#include "tests/vault/records_fixture.h"
#include "vault/access/policy_store.h"

namespace custos::vault {
namespace {

using policy::Classification;

class RecordTest : public testing::ArchiveTest {
 protected:
  // The names of the files a text search by the author finds, sorted (a
  // page holds them all).
  std::vector<std::string> NamesFound(const std::string& text) {
    SearchQuery q;
    q.text = text;
    auto found = archive_->Search(As(author_), q);
    EXPECT_TRUE(found.ok()) << found.status().ToString();
    std::vector<std::string> out;
    if (found.ok())
      for (const RecordMeta& m : found->records) out.push_back(m.name);
    std::sort(out.begin(), out.end());
    EXPECT_EQ(found.ok() ? found->total : 0u, out.size()) << text;
    return out;
  }
};

TEST_F(RecordTest, CreateStoresMetaVersionAndOwnership) {
  const uint64_t before = LogSize();
  RecordMeta m = MakeRecord(Classification::kConfidential);
  EXPECT_EQ(m.id.substr(0, 2), "c-");
  EXPECT_EQ(m.id.size(), 18u);
  EXPECT_EQ(m.owner_id, author_.id);
  EXPECT_EQ(m.author_id, author_.id);
  EXPECT_EQ(m.latest_version, 1u);
  EXPECT_EQ(LogSize(), before + 1);

  auto meta = archive_->GetMeta(m.id);
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(meta->name, "华东机电有限公司");
  EXPECT_EQ(meta->paper.room, "A201");
  EXPECT_EQ(meta->classification, Classification::kConfidential);

  auto own = archive_->OwnershipHistory(As(author_), m.id);
  ASSERT_TRUE(own.ok());
  ASSERT_EQ(own->size(), 1u);
  EXPECT_EQ((*own)[0].from, "");
  EXPECT_EQ((*own)[0].to, author_.id);
  EXPECT_EQ((*own)[0].reason, "新客户建档");
}

TEST_F(RecordTest, CreateDeniedForAuditorIsAudited) {
  NewRecord r;
  r.name = "X";
  const uint64_t before = LogSize();
  auto m = archive_->CreateRecord(As(auditor_), r, "try");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(m.status().message().find(policy::rules::kRoleNotPermitted), std::string::npos);
  EXPECT_EQ(LogSize(), before + 1);
  EXPECT_EQ(archive_->CatalogSize(), 0u);
}

TEST_F(RecordTest, UpdateAppendsVersionsAndDiffsFieldByField) {
  RecordMeta m = MakeRecord(Classification::kInternal);
  RecordUpdate u;
  u.name = m.name;
  u.classification = Classification::kConfidential;
  u.custodian_id = custodian_.id;
  u.tags = {"华东", "机电", "重点"};
  u.paper = m.paper;
  u.content.registration_number = "91310000MA1FL0XX1X";
  u.content.address = "上海市浦东新区张江路 200 号";
  u.content.contacts = {{"张经理", "采购总监", "13800000000", "zhang@example.cn", "zhang_wx"}};
  u.content.agreed_prices = "A 型 95 元/件";
  u.content.price_tolerance = "最多让利 3%";
  auto v2 = archive_->UpdateRecord(As(author_), m.id, u, "升级为重点客户");
  ASSERT_TRUE(v2.ok()) << v2.status().ToString();
  EXPECT_EQ(v2->latest_version, 2u);
  EXPECT_EQ(v2->revision, 2u);

  auto history = archive_->VersionHistory(As(author_), m.id);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[1].reason, "升级为重点客户");
  EXPECT_EQ((*history)[1].author_id, author_.id);
  EXPECT_TRUE((*history)[1].content.address.empty());  // headers only

  auto diff = archive_->CompareVersions(As(author_), m.id, 1, 2, "核对变更内容");
  ASSERT_TRUE(diff.ok()) << diff.status().ToString();
  std::map<std::string, FieldChange> by_field;
  for (const FieldChange& c : *diff) by_field[c.field] = c;
  EXPECT_EQ(by_field.size(), 5u);
  EXPECT_EQ(by_field["content.address"].before, "\"上海市浦东新区张江路 100 号\"");
  EXPECT_EQ(by_field["content.address"].after, "\"上海市浦东新区张江路 200 号\"");
  EXPECT_EQ(by_field["content.contacts[0].title"].after, "\"采购总监\"");
  EXPECT_EQ(by_field["content.price_tolerance"].before, "\"\"");
  EXPECT_EQ(by_field["meta.classification"].after, "\"confidential\"");
  EXPECT_EQ(by_field["meta.tags[2]"].before, "");
  EXPECT_EQ(by_field["meta.tags[2]"].after, "\"重点\"");

  // Version 1 stays as it was.
  auto r = vault_->BeginRead();
  auto v1 = ReadRecordVersion(**r, m.id, 1);
  ASSERT_TRUE(v1.ok());
  EXPECT_EQ(v1->content.address, "上海市浦东新区张江路 100 号");
  EXPECT_EQ(v1->meta.classification, Classification::kInternal);
}

TEST_F(RecordTest, OnlyOwnerUpdates) {
  RecordMeta m = MakeRecord(Classification::kInternal);
  User other = AddUser("qian.author", "钱销售", {policy::Role::kAuthor});
  RecordUpdate u;
  u.name = "改名";
  auto r = archive_->UpdateRecord(As(other), m.id, u, "改");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(policy::rules::kRecordNotOwner), std::string::npos);
  EXPECT_EQ(archive_->GetMeta(m.id)->latest_version, 1u);
}

// A name, tag or content field that would print differently from what is
// stored (a line break in a one-line field, a NUL, a bidirectional override)
// is refused with the field named, before any decision: nothing is written.
TEST_F(RecordTest, TextThatWouldNotReadAsStoredIsRefusedWithItsField) {
  struct Case {
    const char* what;
    void (*change)(NewRecord&);
    const char* message;
    const char* message_zh;  // the field named as the UI names it
  };
  const Case cases[] = {
      {"a line break in the name", [](NewRecord& r) { r.name = "华东\n机电"; },
       "name holds a line break", "客户名称含有换行符，须为一行"},
      {"a NUL in the name", [](NewRecord& r) { r.name = std::string("华东") + '\0' + "机电"; },
       "name holds a control character (U+0000)", "客户名称含有控制字符（U+0000）"},
      {"a C1 control in the name", [](NewRecord& r) { r.name = "华东\u0085机电"; },
       "name holds a control character (U+0085)", "客户名称含有控制字符（U+0085）"},
      {"a right-to-left override in the name",
       [](NewRecord& r) { r.name = "invoice\u202Efdp.exe"; },
       "name holds a bidirectional control character (U+202E)",
       "客户名称含有双向文本控制字符（U+202E）"},
      {"a blank tag",
       [](NewRecord& r) {
         r.tags = {"华东", " "};
       },
       "tags[1] is blank", "标签 2 为空"},
      {"33 tags", [](NewRecord& r) { r.tags = std::vector<std::string>(33, "华东"); },
       "a file has at most 32 tags", "一份档案最多 32 个标签（现有 33 个）"},
      {"a tab in a tag", [](NewRecord& r) { r.tags = {"华\t东"}; }, "tags[0] holds a tab",
       "标签 1 含有制表符"},
      {"a line break in a paper box", [](NewRecord& r) { r.paper.box = "12\n13"; },
       "paper.box holds a line break", "纸质档案所在盒含有换行符"},
      {"a line break in a contact's phone",
       [](NewRecord& r) {
         r.content.contacts = {{"张经理", "", "138\n0000", "", ""}};
       },
       "content.contacts[0].phone holds a line break", "联系人 1 · 电话含有换行符，须为一行"},
      {"an isolate in the agreed prices",
       [](NewRecord& r) { r.content.agreed_prices = "A 型 \u2067001\u2069 元/件"; },
       "content.agreed_prices holds a bidirectional control character (U+2067)",
       "约定价格含有双向文本控制字符（U+2067）"},
      {"a bell in the notes", [](NewRecord& r) { r.content.notes = "注意\a"; },
       "content.notes holds a control character (U+0007)", "备注含有控制字符（U+0007）"},
      {"a key date that is no date",
       [](NewRecord& r) {
         r.content.key_dates = {{"2026-02-30", "签约"}};
       },
       "content.key_dates[0].date must be a date", "重要日期 1 · 日期须为日期（YYYY-MM-DD）"},
  };
  for (const Case& c : cases) {
    NewRecord r;
    r.name = "华东机电有限公司";
    r.classification = Classification::kConfidential;
    c.change(r);
    const uint64_t before = LogSize();
    auto m = archive_->CreateRecord(As(author_), r, "新客户建档");
    ASSERT_FALSE(m.ok()) << c.what;
    EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument) << c.what;
    EXPECT_NE(m.status().message().find(c.message), std::string::npos)
        << c.what << ": " << m.status().message();
    EXPECT_EQ(m.status().message_zh().rfind(c.message_zh, 0), 0u)
        << c.what << ": " << m.status().message_zh();
    EXPECT_EQ(LogSize(), before) << c.what;
  }
  EXPECT_EQ(archive_->CatalogSize(), 0u);

  // The longer content fields keep their line breaks and tabs.
  NewRecord ok;
  ok.name = "华东机电有限公司";
  ok.classification = Classification::kConfidential;
  ok.content.notes = "第一行\n第二行\r\n\t缩进";
  ok.content.address = "上海市浦东新区\n张江路 100 号";
  auto m = archive_->CreateRecord(As(author_), ok, "新客户建档");
  ASSERT_TRUE(m.ok()) << m.status().ToString();

  // An update is held to the same rule, and the file stays as it was.
  RecordUpdate u;
  u.name = "华东机电\n有限公司";
  u.classification = Classification::kConfidential;
  auto updated = archive_->UpdateRecord(As(author_), m->id, u, "改名");
  ASSERT_FALSE(updated.ok());
  EXPECT_NE(updated.status().message().find("name holds a line break"), std::string::npos);
  EXPECT_EQ(archive_->GetMeta(m->id)->latest_version, 1u);

  // Many at once: the record is named, and none is created.
  std::vector<NewRecord> batch(2, ok);
  batch[1].tags = {""};
  auto many = archive_->CreateRecords(As(author_), batch, "批量建档");
  ASSERT_FALSE(many.ok());
  EXPECT_EQ(many.status().message(), "record 2: tags[0] is blank");
  EXPECT_EQ(many.status().message_zh(), "第 2 份档案：标签 1 为空");
  EXPECT_EQ(archive_->CatalogSize(), 1u);
}

TEST(RecordContentTest, InputThatFromJsonWouldPassOverIsRefusedWithItsField) {
  const std::pair<const char*, const char*> refused[] = {
      {R"({"note":"跟进"})", "content.note is not a field of a record's content"},
      {R"({"notes":5})", "content.notes must be a string"},
      {R"({"contacts":"张经理 138"})", "content.contacts must be an array"},
      {R"({"contacts":["张经理"]})", "content.contacts[0] must be an object"},
      {R"({"contacts":[{"name":"张","fax":"021"}]})",
       "content.contacts[0].fax is not a field of a contact"},
      {R"({"key_dates":[{"date":"2026-01-01","when":"x"}]})",
       "content.key_dates[0].when is not a field of a key date"},
      {R"([])", "content must be an object"},
  };
  for (const auto& [text, message] : refused) {
    auto c = RecordContent::FromInput(*json::Parse(text));
    ASSERT_FALSE(c.ok()) << text;
    EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument) << text;
    EXPECT_EQ(c.status().message(), message) << text;
  }
  // What ToJson writes reads back the same; absent and null fields are empty.
  RecordContent full;
  full.address = "上海";
  full.contacts = {{"张经理", "采购", "138", "z@example.cn", "wx"}};
  full.key_dates = {{"2026-01-01", "签约"}};
  full.notes = "备注";
  auto back = RecordContent::FromInput(full.ToJson());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, full);
  auto sparse = RecordContent::FromInput(*json::Parse(R"({"notes":null,"contacts":null})"));
  ASSERT_TRUE(sparse.ok()) << sparse.status().ToString();
  EXPECT_EQ(*sparse, RecordContent());
}

TEST_F(RecordTest, ReassignOwnerKeepsHistory) {
  RecordMeta m = MakeRecord(Classification::kSecret);
  User successor = AddUser("he.author", "何销售", {policy::Role::kAuthor});
  // The owner cannot hand their own customer over (no approver role, and SoD).
  auto self = archive_->ReassignOwner(As(author_), m.id, successor.id, "离职交接");
  ASSERT_FALSE(self.ok());
  EXPECT_EQ(self.status().code(), StatusCode::kPermissionDenied);

  // Never to the file's keeper: the keeper checks the owner.
  EXPECT_EQ(
      archive_->ReassignOwner(As(approver_), m.id, custodian_.id, "交给保管人").status().code(),
      StatusCode::kInvalidArgument);
  auto r = archive_->ReassignOwner(As(approver_), m.id, successor.id, "王销售离职，客户交接");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->owner_id, successor.id);
  auto back = archive_->ReassignOwner(As(approver_), m.id, author_.id, "交接撤回");
  ASSERT_TRUE(back.ok());

  auto own = archive_->OwnershipHistory(As(author_), m.id);
  ASSERT_TRUE(own.ok());
  ASSERT_EQ(own->size(), 3u);
  EXPECT_EQ((*own)[1].from, author_.id);
  EXPECT_EQ((*own)[1].to, successor.id);
  EXPECT_EQ((*own)[1].by, approver_.id);
  EXPECT_EQ((*own)[1].reason, "王销售离职，客户交接");
  EXPECT_GT((*own)[1].audit_seq, 0u);
  EXPECT_EQ((*own)[2].to, author_.id);
  EXPECT_EQ(archive_->RecordsOwnedBy(author_.id)->size(), 1u);
  EXPECT_TRUE(archive_->RecordsOwnedBy(successor.id)->empty());

  auto to_self = archive_->ReassignOwner(As(approver_), m.id, approver_.id, "我来");
  ASSERT_FALSE(to_self.ok());
  EXPECT_NE(to_self.status().message().find(policy::rules::kSodSelfAssignment), std::string::npos);
}

TEST_F(RecordTest, SearchFiltersAndRespectsSight) {
  MakeRecord(Classification::kInternal, "苏州精密模具有限公司", {"华东", "模具"});
  MakeRecord(Classification::kConfidential, "苏州华鑫贸易有限公司", {"华东"});
  RecordMeta top = MakeRecord(Classification::kTopSecret, "北京远航科技有限公司", {"华北", "战略"});
  MakeRecord(Classification::kPublic, "广州南方物流有限公司", {"华南"});

  SearchQuery q;
  q.text = "苏州";
  auto r = archive_->Search(As(borrower_), q);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->total, 2u);

  q = SearchQuery();
  q.tag = "华东";
  EXPECT_EQ(archive_->Search(As(borrower_), q)->total, 2u);
  q = SearchQuery();
  q.classification = Classification::kTopSecret;
  EXPECT_EQ(archive_->Search(As(borrower_), q)->total, 1u);
  q = SearchQuery();
  q.text = "战略";  // tag text
  EXPECT_EQ(archive_->Search(As(borrower_), q)->total, 1u);
  q = SearchQuery();
  q.owner_id = author_.id;
  q.limit = 2;
  auto page = archive_->Search(As(borrower_), q);
  EXPECT_EQ(page->total, 4u);
  EXPECT_EQ(page->records.size(), 2u);

  // HR may search but not see top-secret names; the auditor sees metadata.
  User hr = AddUser("ma.hr", "马人事", {policy::Role::kHr});
  q = SearchQuery();
  auto hr_view = archive_->Search(As(hr), q);
  ASSERT_TRUE(hr_view.ok());
  EXPECT_EQ(hr_view->total, 2u);  // public + internal only
  for (const RecordMeta& m : hr_view->records) EXPECT_NE(m.id, top.id);
  EXPECT_EQ(archive_->Search(As(auditor_), q)->total, 4u);

  // Every search is an audit event.
  const uint64_t before = LogSize();
  ASSERT_TRUE(archive_->Search(As(borrower_), q).ok());
  EXPECT_EQ(LogSize(), before + 1);
}

TEST_F(RecordTest, SearchShowsOwnRecordsAboveOnesSight) {
  User hr = AddUser("ma.hr", "马人事", {policy::Role::kHr});
  NewRecord r;
  r.name = "人事专用客户";
  r.classification = Classification::kSecret;
  r.owner_id = hr.id;
  ASSERT_TRUE(archive_->CreateRecord(As(author_), r, "建档").ok());
  MakeRecord(Classification::kSecret, "别人的机密客户");
  SearchQuery q;
  auto found = archive_->Search(As(hr), q);
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->total, 1u);
  EXPECT_EQ(found->records[0].name, "人事专用客户");
  q.owner_id = "u-nobody";
  EXPECT_EQ(archive_->Search(As(author_), q)->total, 0u);
  q = SearchQuery();
  q.status = "active";
  q.kind = RecordKind::kCustomer;
  EXPECT_EQ(archive_->Search(As(author_), q)->total, 2u);
  q.offset = 1;
  auto page = archive_->Search(As(author_), q);
  EXPECT_EQ(page->total, 2u);
  EXPECT_EQ(page->records.size(), 1u);
}

// The catalog is scanned in two halves at once; every page, at every
// offset, is the page a single scan in catalog order gives, and the total
// counts the matches of both halves.
TEST_F(RecordTest, SearchPagesAreTheSameAtEveryOffsetAndLimit) {
  for (int i = 0; i < 9; ++i) MakeRecord(Classification::kInternal, "分页客户" + std::to_string(i));
  SearchQuery all;
  all.text = "分页客户";
  auto whole = archive_->Search(As(author_), all);
  ASSERT_TRUE(whole.ok()) << whole.status().ToString();
  ASSERT_EQ(whole->total, 9u);
  ASSERT_EQ(whole->records.size(), 9u);
  for (size_t limit : {1u, 2u, 4u, 9u}) {
    for (size_t offset = 0; offset <= 10; ++offset) {
      SearchQuery q = all;
      q.offset = offset;
      q.limit = limit;
      auto page = archive_->Search(As(author_), q);
      ASSERT_TRUE(page.ok()) << page.status().ToString();
      EXPECT_EQ(page->total, 9u);
      std::vector<std::string> got, expected;
      for (const RecordMeta& m : page->records) got.push_back(m.id);
      for (size_t k = offset; k < std::min<size_t>(9, offset + limit); ++k)
        expected.push_back(whole->records[k].id);
      EXPECT_EQ(got, expected) << "offset " << offset << ", limit " << limit;
    }
  }
  SearchQuery huge = all;
  huge.offset = SIZE_MAX;  // no overflow: an empty page, the whole total
  auto none = archive_->Search(As(author_), huge);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->total, 9u);
  EXPECT_TRUE(none->records.empty());
}

TEST_F(RecordTest, SearchListsFilesByNameInPinyinOrder) {
  // Created in this order; listed Beijing, Chengdu, Chongqing, Guangzhou,
  // Nanjing, Ningbo, Shanghai, Suzhou, Tianjin (by code point 上海 would
  // come first and 重庆 last). Two files of one name: by id.
  const std::vector<std::string> created = {"上海华茂", "重庆天成", "南京卓越", "北京明辉",
                                            "苏州凯旋", "天津鼎盛", "宁波嘉禾", "成都德润",
                                            "广州恒通", "南京卓越"};
  for (const std::string& name : created) MakeRecord(Classification::kInternal, name, {"排序测试"});
  SearchQuery q;
  q.tag = "排序测试";
  auto found = archive_->Search(As(author_), q);
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  std::vector<std::string> names;
  for (const RecordMeta& m : found->records) names.push_back(m.name);
  EXPECT_EQ(names,
            (std::vector<std::string>{"北京明辉", "成都德润", "重庆天成", "广州恒通", "南京卓越",
                                      "南京卓越", "宁波嘉禾", "上海华茂", "苏州凯旋", "天津鼎盛"}));
  ASSERT_EQ(found->records.size(), 10u);
  EXPECT_LT(found->records[4].id, found->records[5].id);
}

TEST_F(RecordTest, SearchPagesOfManyMatchesAreSlicesOfTheWholeList) {
  // 700 matches: a page of a few is chosen from them a few hundred at a
  // time, and must still be the same slice of the whole list by name.
  std::vector<NewRecord> many(700);
  for (size_t i = 0; i < many.size(); ++i) {
    many[i].name = "排序客户 " + std::to_string((i * 389) % many.size());  // created shuffled
    many[i].classification = Classification::kInternal;
    many[i].custodian_id = custodian_.id;
    many[i].owner_id = author_.id;
    many[i].tags = {"分片"};
  }
  ASSERT_TRUE(archive_->CreateRecords(As(author_), many, "批量建档").ok());
  SearchQuery all;
  all.tag = "分片";
  all.limit = 1000;
  auto whole = archive_->Search(As(author_), all);
  ASSERT_TRUE(whole.ok()) << whole.status().ToString();
  ASSERT_EQ(whole->records.size(), many.size());
  for (size_t i = 0; i < many.size(); ++i)
    ASSERT_EQ(whole->records[i].name, "排序客户 " + std::to_string(i));
  for (auto [offset, limit] : std::vector<std::pair<size_t, size_t>>{
           {0, 1}, {0, 50}, {123, 7}, {299, 2}, {650, 100}, {699, 5}}) {
    SearchQuery q = all;
    q.offset = offset;
    q.limit = limit;
    auto page = archive_->Search(As(author_), q);
    ASSERT_TRUE(page.ok());
    EXPECT_EQ(page->total, many.size());
    std::vector<std::string> got, expected;
    for (const RecordMeta& m : page->records) got.push_back(m.id);
    for (size_t k = offset; k < std::min(many.size(), offset + limit); ++k)
      expected.push_back(whole->records[k].id);
    EXPECT_EQ(got, expected) << "offset " << offset << ", limit " << limit;
  }
}

TEST_F(RecordTest, TextSearchMatchesTheCurrentNameOnlyAndNeverAcrossTwoNames) {
  const RecordMeta a = MakeRecord(Classification::kInternal, "上海甲", {});
  MakeRecord(Classification::kInternal, "乙方贸易", {});
  EXPECT_TRUE(NamesFound("甲乙").empty()) << "the end of one name and the start of the next";
  EXPECT_EQ(NamesFound("上海"), std::vector<std::string>{"上海甲"});
  RecordUpdate rename;
  rename.name = "苏州丙";
  rename.custodian_id = custodian_.id;
  ASSERT_TRUE(archive_->UpdateRecord(As(author_), a.id, rename, "更名").ok());
  EXPECT_TRUE(NamesFound("上海").empty()) << "the old name no longer matches";
  EXPECT_EQ(NamesFound("苏州"), std::vector<std::string>{"苏州丙"});
  EXPECT_EQ(NamesFound("贸易"), std::vector<std::string>{"乙方贸易"});
}

// A search of several words, as people type them ("上海 模具", with an
// ASCII space or the ideographic space a Chinese input method types), finds
// the files that hold every word, each in the name or in a tag.
TEST_F(RecordTest, TextSearchOfSeveralWordsFindsFilesHoldingEachWord) {
  MakeRecord(Classification::kInternal, "上海精密模具有限公司", {"华东"});
  MakeRecord(Classification::kInternal, "上海远航贸易有限公司", {"模具"});
  MakeRecord(Classification::kInternal, "苏州精密模具有限公司", {"华东"});
  const std::vector<std::string> shanghai_moulds = {"上海精密模具有限公司", "上海远航贸易有限公司"};
  EXPECT_EQ(NamesFound("上海 模具"), shanghai_moulds);
  EXPECT_EQ(NamesFound("  上海\t模具 "), shanghai_moulds);
  EXPECT_EQ(NamesFound("上海\u3000模具"), shanghai_moulds);  // 全角空格
  EXPECT_EQ(NamesFound("精密 华东"),
            (std::vector<std::string>{"上海精密模具有限公司", "苏州精密模具有限公司"}));
  EXPECT_TRUE(NamesFound("上海 苏州").empty());
  EXPECT_EQ(NamesFound("   ").size(), 3u);  // no word: every file
}

TEST_F(RecordTest, CatalogRebuildsOnReopen) {
  MakeRecord(Classification::kInternal, "甲");
  MakeRecord(Classification::kInternal, "乙");
  auto again = Archive::Open(*vault_, *log_);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->CatalogSize(), 2u);
}

TEST_F(RecordTest, AnArchiveServesWhileItsCatalogIsBuiltAndLosesNoChangeMadeMeanwhile) {
  // Enough files that the background build is likely still running when
  // the next writes land; the outcome must not depend on who wins.
  std::vector<NewRecord> many(3000);
  for (size_t i = 0; i < many.size(); ++i) {
    many[i].name = "客户 " + std::to_string(i);
    many[i].classification = Classification::kInternal;
    many[i].custodian_id = custodian_.id;
  }
  auto created = archive_->CreateRecords(As(author_), many, "批量建档");
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  auto again = Archive::Open(*vault_, *log_);
  ASSERT_TRUE(again.ok());
  Archive& reopened = **again;
  // Written through the new Archive at once: a new file, and a rename of
  // one the build is reading.
  auto fresh = reopened.CreateRecord(As(author_), many[0], "新客户建档");
  ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
  RecordUpdate rename;
  rename.name = "改名后的客户";
  rename.custodian_id = custodian_.id;
  ASSERT_TRUE(reopened.UpdateRecord(As(author_), (*created)[7].id, rename, "更正名称").ok());
  ASSERT_TRUE(reopened.AwaitCatalog().ok());
  EXPECT_EQ(reopened.CatalogSize(), many.size() + 1);
  EXPECT_EQ(reopened.RecordsOwnedBy(author_.id)->size(), many.size() + 1);
  SearchQuery q;
  q.text = "改名后的客户";
  auto found = reopened.Search(As(author_), q);
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  ASSERT_EQ(found->total, 1u) << "the catalog kept the newer name";
  EXPECT_EQ(found->records[0].id, (*created)[7].id);
}

// Each of `queries` as `caller` searches it, up to 1 000 matches each; a
// search that fails or finds nothing fails the test.
std::vector<SearchResult> SearchEach(Archive& archive, const Caller& caller,
                                     std::vector<SearchQuery> queries) {
  std::vector<SearchResult> out;
  for (SearchQuery& q : queries) {
    q.limit = 1000;
    auto r = archive.Search(caller, q);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    out.push_back(r.ok() ? *r : SearchResult());
    EXPECT_GT(out.back().total, 0u) << "query " << out.size() - 1;
  }
  return out;
}

TEST_F(RecordTest, ACatalogReadBackFromTheStoreFindsWhatTheLiveOneFound) {
  // Built at reopen in four parts of the ids on two threads, each part with
  // its own numbering of owners, tags and statuses: every filter must give
  // what the catalog kept current by the commits gave.
  const std::vector<std::string> tags = {"上海", "苏州", "杭州", "机电", "模具"};
  const std::vector<std::string> statuses = {"active", "dormant", "archived"};
  const std::vector<User> owners = {author_, borrower_, borrower2_};
  std::vector<NewRecord> many(600);
  for (size_t i = 0; i < many.size(); ++i) {
    many[i].name = "客户 " + std::to_string(i);
    many[i].classification = i % 4 == 0 ? Classification::kSecret : Classification::kInternal;
    many[i].custodian_id = custodian_.id;
    many[i].owner_id = owners[i % owners.size()].id;
    many[i].tags = {tags[i % tags.size()], tags[(i / 7) % tags.size()]};
    many[i].status = statuses[(i / 3) % statuses.size()];
    if (i % 50 == 0) many[i].declassify_on = "2026-02-0" + std::to_string(1 + i / 100);
  }
  ASSERT_TRUE(archive_->CreateRecords(As(author_), many, "批量建档").ok());
  std::vector<SearchQuery> queries;
  for (const std::string& t : tags) {
    SearchQuery q;
    q.tag = t;
    queries.push_back(q);
    q = SearchQuery();
    q.text = t;
    queries.push_back(q);
  }
  for (const std::string& s : statuses) {
    SearchQuery q;
    q.status = s;
    q.classification = Classification::kSecret;
    queries.push_back(q);
  }
  for (const User& o : owners) {
    SearchQuery q;
    q.owner_id = o.id;
    q.tag = tags[1];
    queries.push_back(q);
  }
  auto ids = [](const SearchResult& r) {
    std::set<std::string> out;
    for (const RecordMeta& m : r.records) out.insert(m.id);
    return out;
  };
  const std::vector<SearchResult> before = SearchEach(*archive_, As(auditor_), queries);
  std::map<std::string, std::vector<std::string>> owned_before;
  for (const User& o : owners) owned_before[o.id] = *archive_->RecordsOwnedBy(o.id);

  auto again = Archive::Open(*vault_, *log_);
  ASSERT_TRUE(again.ok());
  Archive& reopened = **again;
  const std::vector<SearchResult> after = SearchEach(reopened, As(auditor_), queries);
  for (size_t i = 0; i < queries.size(); ++i) {
    EXPECT_EQ(after[i].total, before[i].total) << "query " << i;
    EXPECT_EQ(ids(after[i]), ids(before[i])) << "query " << i;
  }
  SearchQuery all;
  all.limit = 1000;
  auto whole = reopened.Search(As(auditor_), all);
  ASSERT_TRUE(whole.ok());
  ASSERT_EQ(whole->total, many.size());
  // "客户 0", "客户 1", "客户 2", …: by name, the number by its value.
  ASSERT_EQ(whole->records.size(), many.size());
  for (size_t i = 0; i < many.size(); ++i)
    EXPECT_EQ(whole->records[i].name, "客户 " + std::to_string(i)) << "listed by name";
  for (const User& o : owners) {
    auto owned = reopened.RecordsOwnedBy(o.id);
    ASSERT_TRUE(owned.ok());
    EXPECT_EQ(*owned, owned_before[o.id]);
    EXPECT_EQ(owned->size(), many.size() / owners.size());
    EXPECT_TRUE(std::is_sorted(owned->begin(), owned->end()));
  }
  // The declassification dates came back with the rest: two files are due
  // by 1 February 2026 (i = 0 and 50, both above public).
  auto due = reopened.DeclassifyDue(CivilDate{2026, 2, 1});
  ASSERT_TRUE(due.ok()) << due.status().ToString();
  EXPECT_EQ(due->size(), 2u);
}

TEST_F(RecordTest, ASavedCatalogAndTheChangesSinceFindWhatTheLiveOneFound) {
  // The catalog saved in the store, then changes after it (a rename, a new
  // owner, new tags and status, two new files): an Archive opened next
  // reads the saved catalog and takes the changes in from the journal, and
  // every search, in the same order, and every person's files agree.
  const std::vector<std::string> tags = {"上海", "苏州", "杭州"};
  const std::vector<User> owners = {author_, borrower_, borrower2_};
  std::vector<NewRecord> many(300);
  for (size_t i = 0; i < many.size(); ++i) {
    many[i].name = "客户 " + std::to_string(i);
    many[i].classification = i % 4 == 0 ? Classification::kSecret : Classification::kInternal;
    many[i].custodian_id = custodian_.id;
    many[i].owner_id = owners[i % owners.size()].id;
    many[i].tags = {tags[i % tags.size()]};
    many[i].status = i % 2 ? "active" : "dormant";
  }
  auto created = archive_->CreateRecords(As(author_), many, "批量建档");
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  ASSERT_TRUE(archive_->SaveCatalog().ok());
  if (!vault_->shared()) {
    // On an unshared vault the journal is kept only after the saved
    // catalog: its newest entry, which numbers the next. (Nodes sharing a
    // vault keep theirs for the others.)
    auto r = vault_->BeginRead();
    ASSERT_TRUE(r.ok());
    EXPECT_EQ((*r)->Count(tables::kRecordChanges).value(), 1u);
  }
  RecordUpdate rename;
  rename.name = "改名后的客户";
  rename.classification = (*created)[9].classification;
  rename.custodian_id = custodian_.id;
  ASSERT_TRUE(archive_->UpdateRecord(As(author_), (*created)[9].id, rename, "更正名称").ok());
  ASSERT_TRUE(archive_->ReassignOwner(As(approver_), (*created)[3].id, borrower_.id, "交接").ok());
  RecordUpdate retag;
  retag.name = (*created)[6].name;
  retag.classification = (*created)[6].classification;
  retag.custodian_id = custodian_.id;
  retag.tags = {"宁波"};
  retag.status = "archived";
  ASSERT_TRUE(archive_->UpdateRecord(As(author_), (*created)[6].id, retag, "归档").ok());
  ASSERT_TRUE(archive_->CreateRecord(As(author_), many[0], "新客户建档").ok());
  ASSERT_TRUE(archive_->CreateRecord(As(author_), many[1], "新客户建档").ok());

  std::vector<SearchQuery> queries(6);
  queries[0].text = "改名后的客户";
  queries[1].tag = "宁波";
  queries[2].status = "archived";
  queries[3].owner_id = borrower_.id;
  queries[4].tag = tags[0];
  queries[4].classification = Classification::kSecret;
  // queries[5]: everything
  auto ids = [](const SearchResult& r) {
    std::vector<std::string> out;
    for (const RecordMeta& m : r.records) out.push_back(m.id);
    return out;
  };
  const std::vector<SearchResult> before = SearchEach(*archive_, As(auditor_), queries);
  EXPECT_EQ(before[0].total, 1u);
  EXPECT_EQ(before[5].total, many.size() + 2);

  auto again = Archive::Open(*vault_, *log_);
  ASSERT_TRUE(again.ok());
  Archive& reopened = **again;
  ASSERT_TRUE(reopened.AwaitCatalog().ok());
  const CatalogLoad load = reopened.LastCatalogLoad();
  EXPECT_TRUE(load.saved) << "read from every file, not from the saved catalog";
  EXPECT_EQ(load.changes, 5u) << "a rename, a new owner, new tags, two new files";
  const std::vector<SearchResult> after = SearchEach(reopened, As(auditor_), queries);
  for (size_t i = 0; i < queries.size(); ++i) {
    EXPECT_EQ(after[i].total, before[i].total) << "query " << i;
    EXPECT_EQ(ids(after[i]), ids(before[i])) << "query " << i << ", in the same order";
  }
  for (const User& o : owners) {
    auto owned = reopened.RecordsOwnedBy(o.id);
    ASSERT_TRUE(owned.ok());
    EXPECT_EQ(*owned, *archive_->RecordsOwnedBy(o.id));
  }
  // Only changes since the saved catalog count towards saving it again.
  auto stale = reopened.SaveCatalogIfStale();
  ASSERT_TRUE(stale.ok());
  EXPECT_FALSE(*stale) << "5 changes to a catalog of 302";
}

TEST_F(RecordTest, ACatalogReadFromEveryFileIsSavedForTheNextOpenOnceLargeEnough) {
  ArchiveOptions options;
  options.save_catalog_from = 40;
  std::vector<NewRecord> some(39);
  for (size_t i = 0; i < some.size(); ++i) {
    some[i].name = "客户 " + std::to_string(i);
    some[i].classification = Classification::kInternal;
    some[i].custodian_id = custodian_.id;
  }
  ASSERT_TRUE(archive_->CreateRecords(As(author_), some, "批量建档").ok());
  const auto open = [&]() {
    auto a = Archive::Open(*vault_, *log_, options);
    EXPECT_TRUE(a.ok());
    EXPECT_TRUE((*a)->AwaitCatalog().ok());
    return std::move(a).value();
  };
  const auto journal = [&]() {
    auto r = vault_->BeginRead();
    EXPECT_TRUE(r.ok());
    return (*r)->Count(tables::kRecordChanges).value();
  };
  EXPECT_EQ(journal(), some.size()) << "one entry per new file";
  // 39 files: read from the files each time, and not saved; the journal,
  // which no start needs then, is cut to its newest entry.
  EXPECT_FALSE(open()->LastCatalogLoad().saved);
  EXPECT_EQ(journal(), vault_->shared() ? some.size() : 1u) << "nodes sharing a vault keep it";
  EXPECT_FALSE(open()->LastCatalogLoad().saved);
  ASSERT_TRUE(archive_->CreateRecord(As(author_), some[0], "新客户建档").ok());
  // 40: read from the files once more, and saved (the Archive's builder
  // does it after the catalog is ready; its destructor waits for it).
  EXPECT_FALSE(open()->LastCatalogLoad().saved);
  auto next = open();
  EXPECT_TRUE(next->LastCatalogLoad().saved);
  EXPECT_EQ(next->LastCatalogLoad().changes, 0u);
  EXPECT_EQ(next->CatalogSize(), 40u);
  // Behind by a quarter of save_catalog_from (10 changes): saved again.
  for (int i = 0; i < 9; ++i)
    ASSERT_TRUE(next->CreateRecord(As(author_), some[1], "新客户建档").ok());
  auto stale = next->SaveCatalogIfStale();
  ASSERT_TRUE(stale.ok());
  EXPECT_FALSE(*stale) << "9 changes";
  ASSERT_TRUE(next->CreateRecord(As(author_), some[1], "新客户建档").ok());
  stale = next->SaveCatalogIfStale();
  ASSERT_TRUE(stale.ok());
  EXPECT_TRUE(*stale) << "10 changes";
  {
    // The older catalog's part is gone: one part (50 entries) and the head.
    auto r = vault_->BeginRead();
    ASSERT_TRUE(r.ok());
    EXPECT_EQ((*r)->Count(tables::kCatalog).value(), 2u);
  }
  auto last = open();
  EXPECT_TRUE(last->LastCatalogLoad().saved);
  EXPECT_EQ(last->LastCatalogLoad().changes, 0u);
  EXPECT_EQ(last->CatalogSize(), 50u);
}

TEST_F(RecordTest, DeclassificationDateMakesTheRecordPublicInANewVersion) {
  NewRecord r;
  r.name = "到期解密客户";
  r.classification = Classification::kSecret;
  r.custodian_id = custodian_.id;
  r.declassify_on = "2026-01-15";
  r.content.agreed_prices = "B 型 88 元/件";
  auto due = archive_->CreateRecord(As(author_), r, "新客户建档");
  ASSERT_TRUE(due.ok()) << due.status().ToString();
  r.name = "未到期客户";
  r.declassify_on = "2030-06-01";
  auto later = archive_->CreateRecord(As(author_), r, "新客户建档");
  ASSERT_TRUE(later.ok());

  auto none = archive_->DeclassifyDue(CivilDate{2026, 1, 14});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  const uint64_t before = LogSize();
  auto changed = archive_->DeclassifyDue(CivilDate{2026, 1, 15});
  ASSERT_TRUE(changed.ok()) << changed.status().ToString();
  ASSERT_EQ(changed->size(), 1u);
  EXPECT_EQ((*changed)[0].id, due->id);
  EXPECT_EQ(LogSize(), before + 1);

  auto meta = archive_->GetMeta(due->id);
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(meta->classification, Classification::kPublic);
  EXPECT_EQ(meta->declassify_on, "");
  EXPECT_EQ(meta->latest_version, 2u);
  EXPECT_EQ(archive_->GetMeta(later->id)->classification, Classification::kSecret);
  {
    auto txn = vault_->BeginRead();
    auto v2 = ReadRecordVersion(**txn, due->id, 2);
    ASSERT_TRUE(v2.ok());
    EXPECT_EQ(v2->author_id, "");
    EXPECT_NE(v2->reason.find("2026-01-15"), std::string::npos);
    EXPECT_EQ(v2->content.agreed_prices, "B 型 88 元/件");
    EXPECT_EQ(v2->meta.classification, Classification::kPublic);
    auto leaf = log_->Leaf(**txn, before);
    ASSERT_TRUE(leaf.ok());
    auto event = json::Parse(*leaf).value();
    EXPECT_EQ(json::GetString(event, "action").value(), "record.declassify");
    EXPECT_EQ(json::GetString(event, "rule").value(), "record.declassify_on");
    EXPECT_EQ(json::GetString(*event.Find("details"), "from").value(), "secret");
  }
  // Done once: the next tick finds nothing.
  auto again = archive_->DeclassifyDue(CivilDate{2026, 2, 1});
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->empty());
}

}  // namespace
}  // namespace custos::vault
