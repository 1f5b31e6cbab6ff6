// Fuzzes the customer CSV import (vault/records/csv_import.h): the RFC 4180 reader
// (ParseCsv) and the row checks every file goes through before anything is
// written (ReadCustomerCsv, with two known users and one who has left).
// Checks:
//   - what ParseCsv accepts is valid UTF-8 and, written back with every
//     field quoted, reads back as the same rows;
//   - every record that passed has a name, real dates and known users, and
//     comes from one data row (in order); every row counted either passed
//     or has an error naming it;
//   - a file with no errors passes every row it counts; a file refused
//     whole (its encoding, a broken quote, its header) reads no row.
// Seed corpus: tests/fuzz/corpus/csv_import/ (the documented example, the
// unit tests' files and broken ones).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/text.h"
#include "base/time.h"
#include "tests/fuzz/promise.h"
#include "vault/records/csv_import.h"

namespace {

using namespace custos;
using namespace custos::vault;

using custos::fuzz::Require;

std::string WriteCsv(const std::vector<std::vector<std::string>>& rows) {
  std::string out;
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      if (i > 0) out += ',';
      out += '"';
      for (char c : row[i]) out += c == '"' ? std::string("\"\"") : std::string(1, c);
      out += '"';
    }
    out += "\r\n";
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto rows = ParseCsv(text);
  if (!rows.ok()) {
    Require(rows.status().code() == StatusCode::kInvalidArgument, "a refusal is kInvalidArgument");
  } else {
    for (const auto& row : *rows) {
      Require(!row.empty(), "a row has a field");
      for (const std::string& f : row) Require(json::IsValidUtf8(f), "fields are valid UTF-8");
    }
    auto again = ParseCsv(WriteCsv(*rows));
    Require(again.ok() && *again == *rows, "rows written back read back the same");
  }

  const std::set<std::string> ids = {"u-alice", "u-bob"};
  // carol has left: nothing may be given to her.
  auto user_id = [](const std::string& username) -> Result<CsvUser> {
    if (username == "alice") return CsvUser{"u-alice"};
    if (username == "bob") return CsvUser{"u-bob"};
    if (username == "carol") return CsvUser{"u-carol", /*disabled=*/true};
    return CsvUser{};
  };
  CsvImportOptions options;
  options.max_rows = 64;
  CsvImportReport report;
  auto read = ReadCustomerCsv(text, user_id, options, &report);
  Require(read.ok(), "only the user lookup can fail the reading");
  Require(read->records.size() == read->record_rows.size(), "each record has its row");
  if (report.whole_file) {
    // Its encoding, a broken quote, the header: no row was read.
    Require(read->records.empty() && report.rows == 0 && !report.errors.empty(),
            "a file refused whole has no rows and says why");
    return 0;
  }
  std::set<size_t> error_rows;
  for (const CsvRowError& e : report.errors) {
    Require(!e.message.empty(), "an error says what is wrong");
    if (e.row >= 2) error_rows.insert(e.row);
  }
  size_t last_row = 1;
  for (size_t i = 0; i < read->records.size(); ++i) {
    const NewRecord& r = read->records[i];
    const size_t row = read->record_rows[i];
    Require(row > last_row, "records come in row order, one per data row");
    last_row = row;
    Require(error_rows.count(row) == 0, "a record's row has no error");
    Require(r.kind == RecordKind::kCustomer && !IsBlankText(r.name), "a customer file has a name");
    Require(r.declassify_on.empty() || ParseDate(r.declassify_on).ok(),
            "a declassification date is a date");
    Require(r.owner_id.empty() || ids.count(r.owner_id) == 1, "an owner is a known user");
    Require(r.custodian_id.empty() || ids.count(r.custodian_id) == 1,
            "a custodian is a known user");
    for (const KeyDate& d : r.content.key_dates) {
      Require(ParseDate(d.date).ok(), "a key date is a date");
    }
    for (const Contact& c : r.content.contacts) Require(!c.name.empty(), "a contact has a name");
  }
  Require(read->records.size() + error_rows.size() == report.rows,
          "every row counted passed or has an error");
  if (report.errors.empty()) Require(read->records.size() == report.rows, "no error, no loss");
  return 0;
}
