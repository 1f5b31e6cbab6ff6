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
  first.Append(std::move(second));
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

}  // namespace
}  // namespace custos::vault::internal
