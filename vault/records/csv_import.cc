#include "vault/records/csv_import.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <set>
#include <utility>

#include "base/json.h"
#include "base/text.h"
#include "base/time.h"
#include "vault/access/users.h"

namespace custos::vault {
namespace {

const std::set<std::string>& KnownColumns() {
  static const std::set<std::string> known = {
      "name",          "classification", "owner",           "custodian",
      "tags",          "status",         "declassify_on",   "registration_number",
      "address",       "contact_name",   "contact_title",   "contact_phone",
      "contact_email", "contact_wechat", "business_status", "trading_habits",
      "order_volumes", "order_cycle",    "price_tolerance", "agreed_prices",
      "intentions",    "preferences",    "character_notes", "key_dates",
      "notes",         "paper_room",     "paper_cabinet",   "paper_box",
      "territory"};
  return known;
}

std::string Trim(std::string_view s) {
  size_t b = 0;
  size_t e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  return std::string(s.substr(b, e - b));
}

// Splits on any of `seps`, trimming and dropping empty parts unless keep_empty.
std::vector<std::string> Split(std::string_view s, std::string_view seps, bool keep_empty) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || seps.find(s[i]) != std::string_view::npos) {
      std::string part = Trim(s.substr(start, i - start));
      if (keep_empty || !part.empty()) out.push_back(std::move(part));
      start = i + 1;
    }
  }
  return out;
}

Result<policy::Classification> ParseLevel(const std::string& s) {
  static const std::map<std::string, policy::Classification> kZh = {
      {"公开", policy::Classification::kPublic},
      {"内部", policy::Classification::kInternal},
      {"秘密", policy::Classification::kConfidential},
      {"机密", policy::Classification::kSecret},
      {"绝密", policy::Classification::kTopSecret}};
  if (auto it = kZh.find(s); it != kZh.end()) return it->second;
  return policy::ParseClassification(s);
}

}  // namespace

Result<std::vector<std::vector<std::string>>> ParseCsv(std::string_view text, size_t* error_row) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false;
  bool field_started = false;
  size_t i = 0;
  auto end_row = [&] {
    row.push_back(std::move(field));
    field.clear();
    rows.push_back(std::move(row));
    row.clear();
    field_started = false;
  };
  while (i < text.size()) {
    const char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field.push_back('"');
          i += 2;
          continue;
        }
        quoted = false;
        ++i;
        // A quoted field ends at its closing quote. Anything else there
        // means a quote that was not closed where the writer meant it to
        // be, and reading on would join the rows that follow into this
        // field, silently.
        if (i < text.size() && text[i] != ',' && text[i] != '\r' && text[i] != '\n') {
          if (error_row != nullptr) *error_row = rows.size() + 1;
          return Status::InvalidArgument(
              "row " + std::to_string(rows.size() + 1) +
              ": text after a quoted field's closing quote (a quote inside a quoted field is "
              "written twice, \"\"; a quote opened earlier may not be closed)");
        }
        continue;
      }
      field.push_back(c);
      ++i;
      continue;
    }
    if (c == '"' && field.empty() && !field_started) {
      quoted = true;
      field_started = true;
      ++i;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
      field_started = false;
      ++i;
    } else if (c == '\r' || c == '\n') {
      end_row();
      i += (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ? 2 : 1;
    } else {
      field.push_back(c);
      field_started = true;
      ++i;
    }
  }
  if (quoted) {
    if (error_row != nullptr) *error_row = rows.size() + 1;
    return Status::InvalidArgument("row " + std::to_string(rows.size() + 1) +
                                   ": a quoted field is not closed");
  }
  if (field_started || !row.empty()) end_row();
  for (size_t r = 0; r < rows.size(); ++r) {
    for (const std::string& f : rows[r]) {
      if (!json::IsValidUtf8(f)) {
        if (error_row != nullptr) *error_row = r + 1;
        return Status::InvalidArgument(
            "row " + std::to_string(r + 1) +
            ": not valid UTF-8 (a file saved in another encoding, such as GB18030)");
      }
    }
  }
  return rows;
}

Result<CustomerRows> ReadCustomerCsv(
    std::string_view text, const std::function<Result<CsvUser>(const std::string&)>& user_id,
    const CsvImportOptions& options, CsvImportReport* report_out) {
  CsvImportReport& report = *report_out;
  CustomerRows out;
  size_t error_row = 0;
  auto parsed = ParseCsv(text, &error_row);
  if (!parsed.ok()) {
    // The message names the row itself.
    std::string message = parsed.status().message();
    const std::string prefix = "row " + std::to_string(error_row) + ": ";
    if (message.starts_with(prefix)) message.erase(0, prefix.size());
    report.errors.push_back(CsvRowError{error_row, "", std::move(message)});
    report.whole_file = true;
    return out;
  }
  std::vector<std::vector<std::string>>& rows = *parsed;
  // Skip blank lines entirely (a lone empty field).
  if (rows.empty()) {
    report.errors.push_back(CsvRowError{1, "", "the file is empty (a header row is required)"});
    report.whole_file = true;
    return out;
  }
  std::map<std::string, size_t> col;
  for (size_t c = 0; c < rows[0].size(); ++c) {
    const std::string name = Trim(rows[0][c]);
    if (KnownColumns().count(name) == 0) {
      report.errors.push_back(CsvRowError{1, name, "unknown column"});
    } else if (!col.emplace(name, c).second) {
      report.errors.push_back(CsvRowError{1, name, "duplicate column"});
    }
  }
  for (const char* required : {"name", "classification"}) {
    if (col.count(required) == 0)
      report.errors.push_back(CsvRowError{1, required, "required column is missing"});
  }
  if (!report.errors.empty()) {
    report.whole_file = true;
    return out;
  }
  if (rows.size() - 1 > options.max_rows) {
    report.errors.push_back(
        CsvRowError{1, "", "too many rows (at most " + std::to_string(options.max_rows) + ")"});
    report.whole_file = true;
    return out;
  }

  for (size_t ri = 1; ri < rows.size(); ++ri) {
    const std::vector<std::string>& row = rows[ri];
    const size_t row_no = ri + 1;
    if (row.size() == 1 && row[0].empty()) continue;  // blank line
    ++report.rows;
    const size_t before = report.errors.size();
    auto error = [&](const std::string& column, std::string message) {
      report.errors.push_back(CsvRowError{row_no, column, std::move(message)});
    };
    if (row.size() != rows[0].size()) {
      error("", "has " + std::to_string(row.size()) + " fields, the header has " +
                    std::to_string(rows[0].size()));
      continue;
    }
    auto get = [&](const char* name) -> std::string {
      auto it = col.find(name);
      return it == col.end() ? std::string() : Trim(row[it->second]);
    };
    NewRecord rec;
    rec.kind = RecordKind::kCustomer;
    rec.name = get("name");
    if (IsBlankText(rec.name)) error("name", "is empty");
    auto level = ParseLevel(get("classification"));
    if (!level.ok()) {
      error("classification", "'" + get("classification") + "' is not a classification");
    } else {
      rec.classification = *level;
    }
    // A leaver's customers go to their successors: none may be given to
    // someone whose account is disabled.
    const auto holder = [&](const char* column, std::string* id) -> Status {
      const std::string username = get(column);
      if (username.empty()) return Status::Ok();
      CUSTOS_ASSIGN_OR_RETURN(CsvUser u, user_id(username));
      if (u.id.empty()) {
        error(column, "no user '" + username + "'");
      } else if (u.disabled) {
        error(column, "'" + username + "' has left or is disabled");
      } else {
        *id = u.id;
      }
      return Status::Ok();
    };
    CUSTOS_RETURN_IF_ERROR(holder("owner", &rec.owner_id));
    CUSTOS_RETURN_IF_ERROR(holder("custodian", &rec.custodian_id));
    rec.tags = Split(get("tags"), ";|", false);
    if (rec.tags.size() > kMaxTags)
      error("tags", "more than " + std::to_string(kMaxTags) + " tags");
    rec.status = get("status").empty() ? "active" : get("status");
    rec.territory = get("territory");
    rec.declassify_on = get("declassify_on");
    if (!rec.declassify_on.empty() && !ParseDate(rec.declassify_on).ok())
      error("declassify_on", "'" + rec.declassify_on + "' is not a date (YYYY-MM-DD)");
    RecordContent& c = rec.content;
    c.registration_number = get("registration_number");
    if (!c.registration_number.empty() &&
        (c.registration_number.size() != 18 ||
         !std::all_of(c.registration_number.begin(), c.registration_number.end(), [](char ch) {
           return (ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z');
         })))
      error("registration_number",
            "must be 18 digits or capital letters A–Z (统一社会信用代码; full-width ９１… "
            "written as 91…)");
    c.address = get("address");
    const std::vector<std::string> names = Split(get("contact_name"), "|", true);
    const std::vector<std::string> titles = Split(get("contact_title"), "|", true);
    const std::vector<std::string> phones = Split(get("contact_phone"), "|", true);
    const std::vector<std::string> emails = Split(get("contact_email"), "|", true);
    const std::vector<std::string> wechats = Split(get("contact_wechat"), "|", true);
    auto at = [](const std::vector<std::string>& v, size_t i) {
      return i < v.size() ? v[i] : std::string();
    };
    const size_t n =
        std::max({names.size(), titles.size(), phones.size(), emails.size(), wechats.size()});
    for (size_t k = 0; k < n; ++k) {
      Contact contact{at(names, k), at(titles, k), at(phones, k), at(emails, k), at(wechats, k)};
      if (contact == Contact()) continue;
      if (contact.name.empty())
        error("contact_name", "contact " + std::to_string(k + 1) + " has no name");
      // The address is the customer's: not repeated in the message.
      if (!contact.email.empty() && contact.email.find('@') == std::string::npos)
        error("contact_email",
              "contact " + std::to_string(k + 1) + "'s address is not an e-mail address");
      c.contacts.push_back(std::move(contact));
    }
    c.business_status = get("business_status");
    c.trading_habits = get("trading_habits");
    c.order_volumes = get("order_volumes");
    c.order_cycle = get("order_cycle");
    c.price_tolerance = get("price_tolerance");
    c.agreed_prices = get("agreed_prices");
    c.intentions = get("intentions");
    c.preferences = get("preferences");
    c.character_notes = get("character_notes");
    for (const std::string& item : Split(get("key_dates"), ";", false)) {
      const size_t sp = item.find(' ');
      KeyDate d{item.substr(0, sp), sp == std::string::npos ? "" : Trim(item.substr(sp + 1))};
      if (!ParseDate(d.date).ok())
        error("key_dates", "'" + d.date + "' is not a date (YYYY-MM-DD)");
      c.key_dates.push_back(std::move(d));
    }
    c.notes = get("notes");
    if (Status size = CheckContentSize(c.ToJson()); !size.ok()) error("", size.message());
    rec.paper = {get("paper_room"), get("paper_cabinet"), get("paper_box")};
    // No control or bidirectional characters (CheckRecordText), said per
    // column: line breaks only in the longer content fields' columns, which
    // are named as the fields are.
    for (const auto& [column, index] : col) {
      const std::string cell = get(column.c_str());
      const std::string problem =
          IsLongContentField(column) ? BlockTextProblem(cell) : LineTextProblem(cell);
      if (!problem.empty()) error(column, problem);
    }
    if (report.errors.size() == before) {
      out.records.push_back(std::move(rec));
      out.record_rows.push_back(row_no);
    }
  }
  return out;
}

Result<CsvImportReport> ImportCustomersCsv(Archive& archive, const Caller& caller, std::istream& in,
                                           const CsvImportOptions& options) {
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Status::Unavailable("reading the CSV file failed");
  CsvImportReport report;
  // One read transaction for the lookups, opened at the first one.
  std::unique_ptr<ReadTxn> txn;
  std::map<std::string, CsvUser> user_ids;
  auto user_id = [&](const std::string& username) -> Result<CsvUser> {
    auto it = user_ids.find(username);
    if (it != user_ids.end()) return it->second;
    if (txn == nullptr) {
      CUSTOS_ASSIGN_OR_RETURN(txn, archive.vault().BeginRead());
    }
    auto u = FindUserByName(*txn, username);
    return user_ids[username] = u.ok() ? CsvUser{u->id, u->disabled} : CsvUser{};
  };
  CUSTOS_ASSIGN_OR_RETURN(CustomerRows read, ReadCustomerCsv(text, user_id, options, &report));
  std::vector<NewRecord>& records = read.records;
  txn.reset();
  if (!report.errors.empty() && !options.skip_errors) return report;
  if (records.empty()) {
    report.committed = report.errors.empty();
    return report;
  }
  CUSTOS_ASSIGN_OR_RETURN(std::vector<RecordMeta> made,
                          archive.CreateRecords(caller, records, options.reason));
  for (const RecordMeta& m : made) report.record_ids.push_back(m.id);
  report.committed = true;
  return report;
}

}  // namespace custos::vault
