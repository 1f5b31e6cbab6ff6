#include "vault/records/internal/catalog.h"

#include <cstdlib>
#include <utility>

#include "base/time.h"

namespace custos::vault::internal {

uint32_t Catalog::Intern(const std::string& s) {
  auto [it, added] = intern_.try_emplace(s, static_cast<uint32_t>(strings_.size()));
  if (added) strings_.push_back(s);
  return it->second;
}

uint32_t Catalog::Lookup(std::string_view s) const {
  auto it = intern_.find(std::string(s));
  return it == intern_.end() ? kNone : it->second;
}

const Catalog::Entry* Catalog::Find(std::string_view id) const {
  auto it = ids_.find(std::string(id));
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
  e.name = meta.name;
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

void Catalog::Append(Catalog&& later) {
  // The later part's strings are numbered in its own order.
  std::vector<uint32_t> renumber(later.strings_.size());
  for (size_t i = 0; i < later.strings_.size(); ++i) renumber[i] = Intern(later.strings_[i]);
  const auto offset = static_cast<uint32_t>(entries_.size());
  for (auto& [id, pos] : later.ids_) pos += offset;
  // Node handles: the ids do not move, so the entries' pointers hold.
  ids_.merge(later.ids_);
  if (!later.ids_.empty()) std::abort();  // a bug: the parts overlap
  entries_.reserve(entries_.size() + later.entries_.size());
  for (Entry& e : later.entries_) {
    e.owner = renumber[e.owner];
    e.author = renumber[e.author];
    e.custodian = renumber[e.custodian];
    e.status = renumber[e.status];
    for (uint32_t& t : e.tags) t = renumber[t];
    entries_.push_back(std::move(e));
  }
  later = Catalog();
}

}  // namespace custos::vault::internal
