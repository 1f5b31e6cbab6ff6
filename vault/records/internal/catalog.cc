#include "vault/records/internal/catalog.h"

#include <algorithm>
#include <utility>

#include "base/time.h"
#include "vault/records/internal/name_order.h"

namespace custos::vault::internal {

uint32_t Catalog::Intern(const std::string& s) {
  auto [it, added] = intern_.try_emplace(s, static_cast<uint32_t>(strings_.size()));
  if (added) strings_.push_back(s);
  return it->second;
}

void Catalog::SetName(Entry* e, std::string name) {
  e->name = std::move(name);
  e->name_key = NameSortKey(e->name);
  e->name_prefix = {0, 0};
  for (size_t i = 0; i < 16; ++i) {
    const uint8_t byte = i < e->name_key.size() ? static_cast<uint8_t>(e->name_key[i]) : 0;
    uint64_t& word = e->name_prefix[i / 8];
    word = word << 8 | byte;
  }
}

uint32_t Catalog::Lookup(std::string_view s) const {
  auto it = intern_.find(s);
  return it == intern_.end() ? kNone : it->second;
}

const Catalog::Entry* Catalog::Find(std::string_view id) const {
  auto it = ids_.find(id);
  return it == ids_.end() ? nullptr : &entries_[it->second];
}

void Catalog::Put(const RecordMeta& meta) {
  auto [slot, added] = ids_.try_emplace(meta.id, static_cast<uint32_t>(entries_.size()));
  if (added) {
    entries_.emplace_back();
  } else if (entries_[slot->second].revision > meta.revision) {
    return;
  }
  Entry& e = entries_[slot->second];
  e.id = &slot->first;
  if (e.name != meta.name || e.name_key.empty()) SetName(&e, meta.name);
  e.owner = Intern(meta.owner_id);
  e.author = Intern(meta.author_id);
  e.custodian = Intern(meta.custodian_id);
  e.status = Intern(meta.status);
  e.tags.clear();
  for (const std::string& t : meta.tags) e.tags.push_back(Intern(t));
  e.revision = meta.revision;
  e.declassify_day = kNoDate;
  if (!meta.declassify_on.empty()) {
    // An unreadable date is never due, as before the catalog held it.
    if (auto date = ParseDate(meta.declassify_on); date.ok())
      e.declassify_day = DaysFromCivil(*date);
  }
  e.classification = meta.classification;
  e.kind = meta.kind;
}

RecordMeta Catalog::MetaOf(const Entry& e) const {
  RecordMeta m;
  m.id = *e.id;
  m.name = e.name;
  m.owner_id = strings_[e.owner];
  m.author_id = strings_[e.author];
  m.custodian_id = strings_[e.custodian];
  m.status = strings_[e.status];
  for (uint32_t t : e.tags) m.tags.push_back(strings_[t]);
  m.revision = e.revision;
  if (e.declassify_day != kNoDate) m.declassify_on = FormatDate(CivilFromDays(e.declassify_day));
  m.classification = e.classification;
  m.kind = e.kind;
  return m;
}

void Catalog::Reserve(size_t n) {
  entries_.reserve(n);
  ids_.reserve(n);
}

bool Catalog::Append(Catalog&& later) {
  // The later part's strings are numbered in its own order.
  std::vector<uint32_t> renumber(later.strings_.size());
  for (size_t i = 0; i < later.strings_.size(); ++i) renumber[i] = Intern(later.strings_[i]);
  const auto offset = static_cast<uint32_t>(entries_.size());
  for (auto& [id, pos] : later.ids_) pos += offset;
  // Node handles: the ids do not move, so the entries' pointers hold.
  ids_.merge(later.ids_);
  if (!later.ids_.empty()) return false;  // the parts overlap
  const size_t need = entries_.size() + later.entries_.size();
  if (need > entries_.capacity()) entries_.reserve(std::max(need, 2 * entries_.capacity()));
  for (Entry& e : later.entries_) {
    e.owner = renumber[e.owner];
    e.author = renumber[e.author];
    e.custodian = renumber[e.custodian];
    e.status = renumber[e.status];
    for (uint32_t& t : e.tags) t = renumber[t];
    entries_.push_back(std::move(e));
  }
  later = Catalog();
  return true;
}

// ---- a part as bytes ---------------------------------------------------------------
//
// Format 1: the byte 1; the strings the entries use (count, then each as
// length and bytes); the entries (count, then each: id, name, owner,
// author, custodian, status, the tags (count, then each), revision, a byte
// 1 and the declassification day (zig-zag) or the byte 0, classification,
// kind). Numbers are LEB128 varints; strings are numbered in the part's own
// order.

namespace {

constexpr unsigned char kPartFormat = 1;

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutBytes(std::string* out, std::string_view s) {
  PutVarint(out, s.size());
  out->append(s);
}

// Reads what PutVarint and PutBytes wrote; `ok` turns false (for good) at
// the first thing that is not there.
class PartReader {
 public:
  explicit PartReader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool done() const { return in_.empty(); }
  uint64_t Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (in_.empty()) break;
      const auto b = static_cast<unsigned char>(in_.front());
      in_.remove_prefix(1);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    ok_ = false;
    return 0;
  }
  unsigned char Byte() {
    if (in_.empty()) {
      ok_ = false;
      return 0;
    }
    const auto b = static_cast<unsigned char>(in_.front());
    in_.remove_prefix(1);
    return b;
  }
  std::string_view Bytes() {
    const uint64_t n = Varint();
    if (!ok_ || n > in_.size()) {
      ok_ = false;
      return {};
    }
    std::string_view s = in_.substr(0, n);
    in_.remove_prefix(n);
    return s;
  }

 private:
  std::string_view in_;
  bool ok_ = true;
};

}  // namespace

std::string Catalog::Encode(size_t from, size_t to) const {
  to = std::min(to, entries_.size());
  from = std::min(from, to);
  // The part's numbering of the strings its entries use.
  std::unordered_map<uint32_t, uint32_t> local;
  std::vector<uint32_t> used;
  const auto number = [&](uint32_t n) {
    auto [it, added] = local.try_emplace(n, static_cast<uint32_t>(used.size()));
    if (added) used.push_back(n);
    return it->second;
  };
  std::string entries;
  for (size_t i = from; i < to; ++i) {
    const Entry& e = entries_[i];
    PutBytes(&entries, *e.id);
    PutBytes(&entries, e.name);
    PutVarint(&entries, number(e.owner));
    PutVarint(&entries, number(e.author));
    PutVarint(&entries, number(e.custodian));
    PutVarint(&entries, number(e.status));
    PutVarint(&entries, e.tags.size());
    for (uint32_t t : e.tags) PutVarint(&entries, number(t));
    PutVarint(&entries, e.revision);
    if (e.declassify_day == kNoDate) {
      entries.push_back(0);
    } else {
      entries.push_back(1);
      const auto day = static_cast<uint64_t>(e.declassify_day);
      PutVarint(&entries, (day << 1) ^ static_cast<uint64_t>(e.declassify_day >> 63));
    }
    entries.push_back(static_cast<char>(e.classification));
    entries.push_back(static_cast<char>(e.kind));
  }
  std::string out(1, static_cast<char>(kPartFormat));
  PutVarint(&out, used.size());
  for (uint32_t n : used) PutBytes(&out, strings_[n]);
  PutVarint(&out, to - from);
  out += entries;
  return out;
}

Result<Catalog> Catalog::Decode(std::string_view bytes) {
  const Status bad = Status::DataLoss("a saved part of the records catalog is damaged");
  PartReader in(bytes);
  if (in.Byte() != kPartFormat) return bad;
  Catalog c;
  const uint64_t strings = in.Varint();
  // Each string and entry takes at least a byte: a count larger than what
  // is left is damage, not a reason to reserve memory.
  if (!in.ok() || strings > bytes.size()) return bad;
  c.strings_.reserve(strings);
  for (uint64_t i = 0; i < strings && in.ok(); ++i) {
    const std::string_view s = in.Bytes();
    if (!in.ok() || !c.intern_.try_emplace(std::string(s), static_cast<uint32_t>(i)).second)
      return bad;
    c.strings_.emplace_back(s);
  }
  const uint64_t count = in.Varint();
  // An entry takes at least 11 bytes (Encode).
  if (!in.ok() || count > bytes.size() / 11) return bad;
  const auto string = [&](uint32_t* n) {
    const uint64_t v = in.Varint();
    if (v >= strings) return false;
    *n = static_cast<uint32_t>(v);
    return true;
  };
  c.entries_.reserve(count);
  c.ids_.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    const std::string_view id = in.Bytes();
    if (!in.ok()) return bad;
    auto [slot, added] = c.ids_.try_emplace(std::string(id), static_cast<uint32_t>(i));
    if (!added) return bad;
    Entry& e = c.entries_.emplace_back();
    e.id = &slot->first;
    SetName(&e, std::string(in.Bytes()));
    if (!string(&e.owner) || !string(&e.author) || !string(&e.custodian) || !string(&e.status))
      return bad;
    const uint64_t tags = in.Varint();
    if (!in.ok() || tags > bytes.size()) return bad;
    e.tags.resize(tags);
    for (uint32_t& t : e.tags)
      if (!string(&t)) return bad;
    e.revision = in.Varint();
    const unsigned char dated = in.Byte();
    if (dated == 1) {
      const uint64_t z = in.Varint();
      e.declassify_day = static_cast<int64_t>(z >> 1) ^ -static_cast<int64_t>(z & 1);
    } else if (dated != 0) {
      return bad;
    }
    const unsigned char level = in.Byte();
    const unsigned char kind = in.Byte();
    if (!in.ok() || level >= policy::kClassificationCount ||
        kind > static_cast<unsigned char>(RecordKind::kDocument))
      return bad;
    e.classification = static_cast<policy::Classification>(level);
    e.kind = static_cast<RecordKind>(kind);
  }
  if (!in.ok() || !in.done()) return bad;
  return c;
}

}  // namespace custos::vault::internal
