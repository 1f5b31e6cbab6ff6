// Small helpers shared by the API handlers of web/*_api.cc: binding a handler
// to the App, reading query parameters and JSON fields with clear 400s, and
// naming people in responses. Poco-free.
// Thread-safety: stateless functions.
#ifndef CUSTOS_WEB_INTERNAL_HANDLER_UTIL_H_
#define CUSTOS_WEB_INTERNAL_HANDLER_UTIL_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "base/time.h"
#include "policy/types.h"
#include "vault/records/records.h"
#include "vault/store/vault.h"
#include "web/api.h"
#include "web/internal/app.h"

namespace custos::web::internal {

using AppHandler = HttpResponse (*)(App&, const HttpRequest&, const RequestContext&);

// A rendered document (agreement, customer letter) is shown as its own page:
// sandboxed (no script, no same-origin), with only its own inline print
// stylesheet allowed.
inline constexpr char kDocumentCsp[] =
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

// A Router handler that calls `fn` with `app` (which outlives the router).
Handler Bind(App& app, AppHandler fn);

// The query parameter or "".
std::string QueryString(const HttpRequest& req, std::string_view key);
// A decimal query parameter in [0, max]; `fallback` when absent or empty.
Result<size_t> QuerySize(const HttpRequest& req, std::string_view key, size_t fallback, size_t max);
// A time query parameter: RFC 3339 or Unix milliseconds; nullopt when absent.
Result<std::optional<UnixMillis>> QueryTime(const HttpRequest& req, std::string_view key);

// A required, non-blank JSON string field of at most `max_bytes`.
Result<std::string> RequiredText(const json::Value& body, std::string_view key,
                                 size_t max_bytes = 4096);
// An optional JSON string field ("" when absent) of at most `max_bytes`.
Result<std::string> OptionalText(const json::Value& body, std::string_view key,
                                 size_t max_bytes = 4096);
// An optional time field (RFC 3339 string or Unix milliseconds).
Result<std::optional<UnixMillis>> OptionalTime(const json::Value& body, std::string_view key);
// An optional JSON boolean (`fallback` when absent or null).
Result<bool> OptionalBool(const json::Value& body, std::string_view key, bool fallback);
// An optional array of strings (empty when absent).
Result<std::vector<std::string>> OptionalStrings(const json::Value& body, std::string_view key);

// 429 `too_many_attempts` with Retry-After (whole seconds, rounded up): the
// answer of a password check the LoginThrottle refused (login, password
// change, signing).
HttpResponse TooManyAttempts(int64_t wait_ms);

// The metadata of a record the caller may see. SECURITY: the same sight
// rule as the vault's search, through an audited Archive::Search (records of
// this name, level and owner, then the id); kNotFound when unknown or out of
// sight, so existence does not leak.
Result<vault::RecordMeta> VisibleRecord(App& app, const RequestContext& ctx,
                                        std::string_view record_id);

// {"id","username","display_name"} of a user, or {"id"} alone when unknown.
json::Value PersonJson(const vault::ReadTxn& txn, const std::string& user_id);

// {"id":"confidential","zh":"秘密","en":"Confidential"}: the marking shown
// wherever a record is shown.
json::Value MarkingJson(policy::Classification c);

}  // namespace custos::web::internal

#endif  // CUSTOS_WEB_INTERNAL_HANDLER_UTIL_H_
