// The network half of RFC 3161 timestamps: POSTing a TimeStampReq to a
// time-stamping authority (TSA) over HTTP or HTTPS (RFC 3161 §3.4) and
// bringing back its TimeStampResp. Building the request and checking the
// reply are vault/evidence/timestamp.h's; this file only moves bytes, so
// the exchange runs outside any vault transaction.
//
// HTTPS verifies the TSA's certificate against the system's CA store and
// its host name; there is no switch to turn that off. No proxy is used and
// no redirect is followed.
//
// Thread-safety: the functions may run on any thread concurrently.
#ifndef CUSTOS_WEB_TSA_CLIENT_H_
#define CUSTOS_WEB_TSA_CLIENT_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "base/status.h"

namespace custos::web {

// A TimeStampResp is a few kilobytes (a signature and one to three
// certificates); anything much larger is not one.
inline constexpr size_t kMaxTimestampReplyBytes = 64 * 1024;

// POSTs `request_der` (a DER TimeStampReq) to `url` ("http://…" or
// "https://…") as application/timestamp-query and returns the body of the
// answer: the TSA's DER TimeStampResp, unchecked. `timeout_seconds` bounds
// the connection and each send and receive; a reply trickling in is cut
// off after twice that since the start.
//
// Errors: kInvalidArgument for a URL that is not http(s)://host[:port]/…
// or a timeout below 1; kUnavailable when the TSA cannot be reached (name
// not found, connection refused, timeout, TLS failure including a
// certificate the system does not trust) or answers 5xx or 429;
// kFailedPrecondition when it answers anything else that is not 200 with
// Content-Type application/timestamp-reply (the URL is not a TSA);
// kResourceExhausted for a reply over kMaxTimestampReplyBytes.
Result<std::string> RequestTimestamp(const std::string& url, std::string_view request_der,
                                     int timeout_seconds = 15);

// Timestamps `data` at the TSA at `url`: makes a request for SHA-256(data)
// with a fresh nonce (MakeTimestampRequest), sends it (RequestTimestamp,
// default timeout) and checks the reply (CheckTimestampResponse, with the
// nonce and with `ca_pem` when not empty). Returns the DER TimeStampResp,
// ready to be stored as audit/checkpoint.tsr. Errors: those of the three
// steps, e.g. kDataLoss when the reply fails a check.
Result<std::string> TimestampData(const std::string& url, std::string_view data,
                                  std::string_view ca_pem);

}  // namespace custos::web

#endif  // CUSTOS_WEB_TSA_CLIENT_H_
