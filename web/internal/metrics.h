// Request metrics for /metrics (Prometheus text exposition format 0.0.4).
// Labels are route patterns, never raw paths, so cardinality stays bounded.
// Thread-safety: safe for concurrent use.
#ifndef CUSTOS_WEB_INTERNAL_METRICS_H_
#define CUSTOS_WEB_INTERNAL_METRICS_H_

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

#include "vault/store/vault.h"

namespace custos::web::internal {

class Metrics {
 public:
  void Record(const std::string& method, const std::string& route, int status, double seconds);
  std::string Render(const vault::Vault::CommitStats& commits) const;

 private:
  static constexpr std::array<double, 10> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,  0.1,    0.25,  1.0,  5.0};
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> buckets{};
    uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests_;
  std::map<std::pair<std::string, std::string>, Histogram> latency_;
};

}  // namespace custos::web::internal

#endif  // CUSTOS_WEB_INTERNAL_METRICS_H_
