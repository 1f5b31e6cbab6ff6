// The Archive's in-memory catalog (vault/records/internal/catalog.h): what
// a search, a person's files and the declassification sweep read.
#include "vault/records/internal/catalog.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace custos::vault::internal {
namespace {

RecordMeta Meta(std::string id, std::string owner, std::vector<std::string> tags,
                uint64_t revision = 1) {
  RecordMeta m;
  m.id = std::move(id);
  m.name = "客户 " + m.id;
  m.owner_id = std::move(owner);
  m.author_id = "u-author";
  m.custodian_id = "u-keeper";
  m.tags = std::move(tags);
  m.status = "active";
  m.revision = revision;
  m.classification = policy::Classification::kSecret;
  return m;
}

TEST(CatalogTest, ANewerRevisionReplacesTheEntryAndAnOlderOneIsIgnored) {
  Catalog c;
  c.Put(Meta("c-1", "u-a", {"上海"}, 2));
  c.Put(Meta("c-1", "u-b", {"苏州"}, 1));  // older: arrives late
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c.String(c.entries()[0].owner), "u-a");
  c.Put(Meta("c-1", "u-c", {"杭州"}, 3));
  ASSERT_EQ(c.size(), 1u) << "replaced in place, not added";
  EXPECT_EQ(c.String(c.entries()[0].owner), "u-c");
  ASSERT_EQ(c.entries()[0].tags.size(), 1u);
  EXPECT_EQ(c.String(c.entries()[0].tags[0]), "杭州");
}

TEST(CatalogTest, AppendedPartsKeepTheirOrderAndTheirStrings) {
  // Each part numbers its strings in its own order: the same owner and tag
  // have different numbers in the two parts, and "u-z" exists only in the
  // second.
  Catalog first;
  first.Put(Meta("c-1", "u-a", {"上海", "机电"}));
  first.Put(Meta("c-2", "u-b", {"苏州"}));
  Catalog second;
  second.Put(Meta("c-9", "u-z", {"苏州"}));
  second.Put(Meta("d-1", "u-b", {"机电", "上海"}));
  ASSERT_TRUE(first.Append(std::move(second)));
  EXPECT_EQ(second.size(), 0u);
  ASSERT_EQ(first.size(), 4u);
  std::vector<std::string> ids;
  for (const Catalog::Entry& e : first.entries()) ids.push_back(*e.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"c-1", "c-2", "c-9", "d-1"}));
  for (const Catalog::Entry& e : first.entries()) {
    const RecordMeta back = first.MetaOf(e);
    if (back.id == "c-9") {
      EXPECT_EQ(back.owner_id, "u-z");
      EXPECT_EQ(back.tags, std::vector<std::string>{"苏州"});
    }
    if (back.id == "d-1") {
      EXPECT_EQ(back.owner_id, "u-b");
      EXPECT_EQ(back.tags, (std::vector<std::string>{"机电", "上海"}));
      EXPECT_EQ(first.entries()[3].owner, first.entries()[1].owner) << "one number for u-b";
    }
  }
  EXPECT_EQ(first.Lookup("u-z"), first.entries()[2].owner);
  EXPECT_EQ(first.Lookup("nobody"), Catalog::kNone);
  // The appended entries are found by id afterwards: a newer revision of
  // one replaces it.
  first.Put(Meta("d-1", "u-a", {}, 5));
  ASSERT_EQ(first.size(), 4u);
  EXPECT_EQ(first.MetaOf(first.entries()[3]).owner_id, "u-a");
}

TEST(CatalogTest, APartHoldingARecordAlreadyJoinedIsRefused) {
  Catalog first;
  first.Put(Meta("c-1", "u-a", {}));
  Catalog again;
  again.Put(Meta("c-2", "u-a", {}));
  again.Put(Meta("c-1", "u-b", {}));
  EXPECT_FALSE(first.Append(std::move(again)));
}

TEST(CatalogTest, KeepsTheDeclassificationDayAndTheFieldsASearchReads) {
  Catalog c;
  RecordMeta m = Meta("c-1", "u-a", {"上海"});
  m.declassify_on = "2027-03-01";
  m.kind = RecordKind::kDocument;
  m.status = "dormant";
  c.Put(m);
  RecordMeta unreadable = Meta("c-2", "u-a", {});
  unreadable.declassify_on = "2027-02-30";  // no such day: never due
  c.Put(unreadable);
  const Catalog::Entry& e = c.entries()[0];
  EXPECT_EQ(e.declassify_day, DaysFromCivil(CivilDate{2027, 3, 1}));
  EXPECT_EQ(c.entries()[1].declassify_day, Catalog::kNoDate);
  const RecordMeta back = c.MetaOf(e);
  EXPECT_EQ(back.declassify_on, "2027-03-01");
  EXPECT_EQ(back.name, m.name);
  EXPECT_EQ(back.author_id, "u-author");
  EXPECT_EQ(back.custodian_id, "u-keeper");
  EXPECT_EQ(back.status, "dormant");
  EXPECT_EQ(back.kind, RecordKind::kDocument);
  EXPECT_EQ(back.classification, policy::Classification::kSecret);
  EXPECT_EQ(back.revision, 1u);
}

// Each entry of `c` as metadata, in order.
std::vector<RecordMeta> Metas(const Catalog& c) {
  std::vector<RecordMeta> out;
  for (const Catalog::Entry& e : c.entries()) out.push_back(c.MetaOf(e));
  return out;
}

bool SameFields(const RecordMeta& a, const RecordMeta& b) {
  return a.id == b.id && a.name == b.name && a.owner_id == b.owner_id &&
         a.author_id == b.author_id && a.custodian_id == b.custodian_id && a.status == b.status &&
         a.tags == b.tags && a.revision == b.revision && a.declassify_on == b.declassify_on &&
         a.classification == b.classification && a.kind == b.kind;
}

TEST(CatalogTest, EncodedPartsDecodeToTheSameEntriesAndJoinBackInOrder) {
  Catalog c;
  for (int i = 0; i < 40; ++i) {
    RecordMeta m = Meta("c-" + std::to_string(100 + i), "u-" + std::to_string(i % 3),
                        {i % 2 ? "上海" : "苏州", "机电"}, 1 + i);
    if (i % 7 == 0) m.declassify_on = i == 0 ? "1969-12-31" : "2027-03-0" + std::to_string(i / 7);
    if (i % 5 == 0) m.kind = RecordKind::kDocument;
    m.classification = policy::kAllClassifications[i % policy::kClassificationCount];
    if (i == 3) m.tags.clear();
    c.Put(m);
  }
  // Three parts, each with its own numbering of the strings it uses, joined
  // as a saved catalog is read back.
  auto first = Catalog::Decode(c.Encode(0, 13));
  auto second = Catalog::Decode(c.Encode(13, 27));
  auto third = Catalog::Decode(c.Encode(27, 1000));  // past the end: up to it
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(second.ok() && third.ok());
  EXPECT_EQ(second->size(), 14u);
  EXPECT_EQ(third->size(), 13u);
  ASSERT_TRUE(first->Append(std::move(*second)));
  ASSERT_TRUE(first->Append(std::move(*third)));
  const std::vector<RecordMeta> want = Metas(c);
  const std::vector<RecordMeta> got = Metas(*first);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_TRUE(SameFields(got[i], want[i])) << "entry " << i << ": " << got[i].id;
  EXPECT_EQ(got[0].declassify_on, "1969-12-31") << "a day before 1970 (negative) comes back";
  EXPECT_NE(first->Find("c-120"), nullptr);
  EXPECT_EQ(first->Lookup("u-2"), first->Find("c-102")->owner);
  auto empty = Catalog::Decode(c.Encode(40, 40));
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->size(), 0u);
}

TEST(CatalogTest, ADamagedPartIsRefusedNotReadAsSomethingElse) {
  Catalog c;
  for (int i = 0; i < 6; ++i) c.Put(Meta("c-" + std::to_string(i), "u-a", {"上海"}, 1));
  const std::string bytes = c.Encode(0, 6);
  ASSERT_TRUE(Catalog::Decode(bytes).ok());
  // Every shorter prefix, and anything after the end.
  for (size_t n = 0; n < bytes.size(); ++n)
    EXPECT_EQ(Catalog::Decode(bytes.substr(0, n)).status().code(), StatusCode::kDataLoss) << n;
  EXPECT_EQ(Catalog::Decode(bytes + "x").status().code(), StatusCode::kDataLoss);
  // Another format, and a string number past the part's strings.
  std::string other = bytes;
  other[0] = 2;
  EXPECT_EQ(Catalog::Decode(other).status().code(), StatusCode::kDataLoss);
  Catalog one;
  one.Put(Meta("c-1", "u-a", {}, 1));
  std::string wrong = one.Encode(0, 1);
  // The strings are u-a, u-author, u-keeper, active (4); the entry's owner
  // number follows its id and name.
  const size_t owner_at = wrong.find("客户 c-1") + std::string("客户 c-1").size();
  ASSERT_EQ(wrong[owner_at], 0);
  wrong[owner_at] = 4;
  EXPECT_EQ(Catalog::Decode(wrong).status().code(), StatusCode::kDataLoss);
  // Every single changed byte either is refused or decodes to six entries
  // (a changed letter of a name): never a crash (ASan) or a wrong count.
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string flipped = bytes;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x41);
    auto d = Catalog::Decode(flipped);
    if (d.ok()) {
      EXPECT_EQ(d->size(), 6u) << i;
    } else {
      EXPECT_EQ(d.status().code(), StatusCode::kDataLoss) << i;
    }
  }
}

}  // namespace
}  // namespace custos::vault::internal
