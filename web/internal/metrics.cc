#include "web/internal/metrics.h"

#include <cstdio>

namespace custos::web::internal {

void Metrics::Record(const std::string& method, const std::string& route, int status,
                     double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  ++requests_[{method, route, status}];
  Histogram& h = latency_[{method, route}];
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++h.buckets[i];
  }
  ++h.count;
  h.sum += seconds;
}

namespace {

// Label values are route patterns and method names we chose, but escape
// anyway so the output format can never break.
std::string Label(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::string Num(double d) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", d);
  return buf;
}

}  // namespace

std::string Metrics::Render(const vault::Vault::CommitStats& commits) const {
  std::string out;
  std::lock_guard<std::mutex> lock(mu_);
  out += "# HELP custos_http_requests_total HTTP requests by method, route and status.\n";
  out += "# TYPE custos_http_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    const auto& [method, route, status] = key;
    out += "custos_http_requests_total{method=\"" + Label(method) + "\",route=\"" + Label(route) +
           "\",status=\"" + std::to_string(status) + "\"} " + std::to_string(n) + "\n";
  }
  out += "# HELP custos_http_request_duration_seconds HTTP request latency.\n";
  out += "# TYPE custos_http_request_duration_seconds histogram\n";
  for (const auto& [key, h] : latency_) {
    const std::string labels =
        "method=\"" + Label(key.first) + "\",route=\"" + Label(key.second) + "\"";
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      out += "custos_http_request_duration_seconds_bucket{" + labels + ",le=\"" + Num(kBuckets[i]) +
             "\"} " + std::to_string(h.buckets[i]) + "\n";
    }
    out += "custos_http_request_duration_seconds_bucket{" + labels + ",le=\"+Inf\"} " +
           std::to_string(h.count) + "\n";
    out += "custos_http_request_duration_seconds_sum{" + labels + "} " + Num(h.sum) + "\n";
    out += "custos_http_request_duration_seconds_count{" + labels + "} " + std::to_string(h.count) +
           "\n";
  }
  out += "# HELP custos_vault_commits_total Group commits of the vault.\n";
  out += "# TYPE custos_vault_commits_total counter\n";
  out += "custos_vault_commits_total " + std::to_string(commits.commits) + "\n";
  out += "# HELP custos_vault_commit_requests_total Writes carried by group commits.\n";
  out += "# TYPE custos_vault_commit_requests_total counter\n";
  out += "custos_vault_commit_requests_total " + std::to_string(commits.requests) + "\n";
  out += "# HELP custos_vault_commit_max_batch Largest group-commit batch so far.\n";
  out += "# TYPE custos_vault_commit_max_batch gauge\n";
  out += "custos_vault_commit_max_batch " + std::to_string(commits.max_batch) + "\n";
  out += "# HELP custos_vault_commit_run_seconds_total Committer time running the writes.\n";
  out += "# TYPE custos_vault_commit_run_seconds_total counter\n";
  out += "custos_vault_commit_run_seconds_total " +
         Num(static_cast<double>(commits.run_nanos) / 1e9) + "\n";
  out += "# HELP custos_vault_commit_sync_seconds_total Committer time in LMDB's durable commit.\n";
  out += "# TYPE custos_vault_commit_sync_seconds_total counter\n";
  out += "custos_vault_commit_sync_seconds_total " +
         Num(static_cast<double>(commits.commit_nanos) / 1e9) + "\n";
  out += "# HELP custos_vault_commit_failures_total Commits the store refused (disk full, I/O).\n";
  out += "# TYPE custos_vault_commit_failures_total counter\n";
  out += "custos_vault_commit_failures_total " + std::to_string(commits.commit_failures) + "\n";
  out += "# HELP custos_vault_failing 1 while the vault's last commit failed (writes fail).\n";
  out += "# TYPE custos_vault_failing gauge\n";
  out += std::string("custos_vault_failing ") + (commits.failing ? "1" : "0") + "\n";
  return out;
}

}  // namespace custos::web::internal
