// Codecs shared by the files of the records module (records.cc,
// records_types.cc, records_catalog.cc); not part of the vault's interface.
#ifndef CUSTOS_VAULT_RECORDS_INTERNAL_RECORDS_CODEC_H_
#define CUSTOS_VAULT_RECORDS_INTERNAL_RECORDS_CODEC_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "base/json.h"
#include "base/status.h"
#include "vault/records/records.h"

namespace custos::vault::internal {

// tables::kIndex key of a record's ownership change n ("own/" id \0 u32 n),
// and the prefix of all of them.
std::string OwnKey(std::string_view id, uint32_t n);
std::string OwnPrefix(std::string_view id);

// A stored record version (tables::kRecords) to and from its JSON form.
json::Value VersionToJson(const RecordVersion& v);
Result<RecordVersion> VersionFromJson(std::string_view text);

// A stored ownership change.
Result<OwnershipChange> OwnershipFromJson(std::string_view text);

}  // namespace custos::vault::internal

#endif  // CUSTOS_VAULT_RECORDS_INTERNAL_RECORDS_CODEC_H_
