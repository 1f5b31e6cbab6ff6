// The Archive's in-memory catalog (records_catalog.cc): for each record, the
// fields a metadata search filters on, a person's files are found by and
// the declassification sweep reads — not the whole RecordMeta, which stays
// in the store (a search reads the metadata of the page it returns). With
// 300 000 files, `serve`'s own memory fell from 467 to 197 MiB when the
// catalog stopped keeping a RecordMeta per file (docs/benchmarks.md).
//
// Not thread-safe: the Archive guards it (catalog_mu_).
#ifndef CUSTOS_VAULT_RECORDS_INTERNAL_CATALOG_H_
#define CUSTOS_VAULT_RECORDS_INTERNAL_CATALOG_H_

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "policy/types.h"
#include "vault/records/records.h"

namespace custos::vault::internal {

class Catalog {
 public:
  // A string the catalog does not hold (Lookup).
  static constexpr uint32_t kNone = UINT32_MAX;
  // No declassification date (Entry::declassify_day).
  static constexpr int64_t kNoDate = INT64_MIN;

  using NamePrefix = std::array<uint64_t, 2>;

  struct Entry {
    const std::string* id = nullptr;  // the key in ids_ (node-stable)
    std::string name;
    // NameSortKey(name), and its first 16 bytes as two numbers
    // (big-endian; about 8 Chinese characters): files are listed in this
    // order (NameBefore), and the numbers decide most comparisons without
    // reading the key.
    std::string name_key;
    NamePrefix name_prefix;
    // Interned (String): ids of people, the status label, the tags.
    uint32_t owner = 0;
    uint32_t author = 0;
    uint32_t custodian = 0;
    uint32_t status = 0;
    std::vector<uint32_t> tags;
    uint64_t revision = 0;
    int64_t declassify_day = kNoDate;  // DaysFromCivil of declassify_on, if valid
    policy::Classification classification = policy::Classification::kTopSecret;
    RecordKind kind = RecordKind::kCustomer;
  };

  // Whether `a` is listed before `b`: by name (pinyin order), then by id.
  static bool NameBefore(const Entry& a, const Entry& b) {
    if (a.name_prefix != b.name_prefix) return a.name_prefix < b.name_prefix;
    if (a.name_key != b.name_key) return a.name_key < b.name_key;
    return *a.id < *b.id;
  }

  Catalog() = default;
  Catalog(Catalog&&) = default;
  Catalog& operator=(Catalog&&) = default;
  Catalog(const Catalog&) = delete;
  Catalog& operator=(const Catalog&) = delete;

  // Adds `meta`, or replaces the record's entry when `meta` is a newer
  // revision (an older one is ignored: commits and scans may arrive in
  // either order). A new record's entry goes last.
  void Put(const RecordMeta& meta);
  // Appends every entry of `later` (the parts of one scan, each built on
  // its own thread, or of a saved catalog), and leaves `later` empty. False
  // when `later` holds a record this catalog holds: both are then left
  // half-joined, to be thrown away.
  [[nodiscard]] bool Append(Catalog&& later);

  // Room for `n` entries in all, so that joining many parts does not move
  // the entries and rehash the ids again and again.
  void Reserve(size_t n);

  size_t size() const { return entries_.size(); }
  // In insertion order.
  const std::vector<Entry>& entries() const { return entries_; }
  // The catalog's fields of `e` as metadata (the rest left as a default
  // RecordMeta has them): what Put takes back.
  RecordMeta MetaOf(const Entry& e) const;
  // Entries [from, to) and the strings they use, as bytes: one part of the
  // catalog the store keeps (records_catalog.cc, Archive::SaveCatalog).
  std::string Encode(size_t from, size_t to) const;
  // A catalog of the entries of a part that Encode wrote, in their order
  // (Append joins the parts); kDataLoss when `bytes` are not such a part.
  static Result<Catalog> Decode(std::string_view bytes);

  // The entry of record `id`, or nullptr.
  const Entry* Find(std::string_view id) const;
  // The interned number of `s`, or kNone.
  uint32_t Lookup(std::string_view s) const;
  const std::string& String(uint32_t n) const { return strings_[n]; }
  size_t strings() const { return strings_.size(); }

 private:
  uint32_t Intern(const std::string& s);
  static void SetName(Entry* e, std::string name);

  std::vector<Entry> entries_;
  // Looked up by string_view, without making a string of the key.
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Map = std::unordered_map<std::string, uint32_t, Hash, std::equal_to<>>;

  Map ids_;  // record id → index in entries_
  Map intern_;
  std::vector<std::string> strings_;
};

}  // namespace custos::vault::internal

#endif  // CUSTOS_VAULT_RECORDS_INTERNAL_CATALOG_H_
