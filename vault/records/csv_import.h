// Bulk import of customer files from CSV (UTF-8, header row first; the
// columns are documented in docs/csv-import.md).
//
// Every row is validated before anything is written; errors are reported by
// row number (the header is row 1, so row numbers match a spreadsheet's when
// no field spans lines). A file with any error imports nothing unless
// skip_errors is set, in which case the valid rows are imported. The import
// is all or nothing: every imported row is created in one transaction
// (Archive::CreateRecords), each with its own audit event.
//
// Thread-safety: free functions; see records.h.
#ifndef CUSTOS_VAULT_RECORDS_CSV_IMPORT_H_
#define CUSTOS_VAULT_RECORDS_CSV_IMPORT_H_

#include <functional>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "vault/records/records.h"

namespace custos::vault {

struct CsvImportOptions {
  bool skip_errors = false;
  std::string reason = "CSV 批量导入";
  // Rows above this are refused (one transaction holds them all).
  size_t max_rows = 200000;
};

struct CsvRowError {
  size_t row = 0;  // 1 = the header
  std::string column;
  std::string message;
};

struct CsvImportReport {
  size_t rows = 0;  // data rows read
  std::vector<CsvRowError> errors;
  std::vector<std::string> record_ids;  // created, in row order
  bool committed = false;               // false: nothing was imported
  // The errors are the file's (its encoding, a broken quote, the header),
  // not rows that skip_errors could leave out.
  bool whole_file = false;
};

// Parses RFC 4180 CSV (quoted fields, "" escapes, CRLF or LF, a UTF-8 BOM is
// skipped). kInvalidArgument naming the row ("row N: …", and N in
// *error_row when given) for a quote not closed, text after a closing quote
// (a stray quote would otherwise swallow the rows after it), or invalid
// UTF-8.
Result<std::vector<std::vector<std::string>>> ParseCsv(std::string_view text,
                                                       size_t* error_row = nullptr);

// The records a customer CSV describes, checked as ImportCustomersCsv checks
// them before it writes anything (no vault needed): rows that passed, in row
// order, with report->rows counted and every problem added to
// report->errors. `user_id` maps an owner or custodian username to the
// user (id "" when there is no such user); its errors are returned as they
// are and end the reading.
struct CsvUser {
  std::string id;  // "" = no such user
  bool disabled = false;
};
struct CustomerRows {
  std::vector<NewRecord> records;
  std::vector<size_t> record_rows;  // the CSV row each record comes from
};
Result<CustomerRows> ReadCustomerCsv(
    std::string_view text, const std::function<Result<CsvUser>(const std::string&)>& user_id,
    const CsvImportOptions& options, CsvImportReport* report);

// Validates (ReadCustomerCsv) and imports. Returns the report (committed=false when errors
// stopped it). Errors of the vault, and a denial (audited, kPermissionDenied
// "record N: rule: ...") of the caller's create_record, are returned as a
// Status instead.
Result<CsvImportReport> ImportCustomersCsv(Archive& archive, const Caller& caller, std::istream& in,
                                           const CsvImportOptions& options = {});

}  // namespace custos::vault

#endif  // CUSTOS_VAULT_RECORDS_CSV_IMPORT_H_
