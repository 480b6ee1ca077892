// Metrics: request counts and latency histograms by method, route template and status, in the
// Prometheus text exposition format (version 0.0.4). Thread-safe.
//
// Routes are labelled by template ("/v1/owners/{owner}/memories/{id}"), never by the concrete
// path, so owner ids and memory ids stay out of the metrics and the label set stays bounded.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

namespace engram::server {

class Metrics {
 public:
  // Upper bounds of the latency buckets, in seconds ("+Inf" is implied).
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1.0,  2.5};

  void Record(const std::string& method, const std::string& route, int status, double seconds);

  // A gauge without labels, rendered as given.
  struct Gauge {
    std::string name;  // e.g. "engram_index_bytes"
    std::string help;
    double value = 0;
    bool counter = false;  // rendered with TYPE counter
  };

  // Live memories per type (MemoryTypeName order) for the engram_memories gauge; omitted from the
  // output when `memories_by_type` is empty (the count failed). Then `gauges`, in order.
  std::string Render(const std::vector<std::pair<std::string, int64_t>>& memories_by_type,
                     const std::vector<Gauge>& gauges = {}) const;

  // Requests recorded so far for (method, route, status); for tests.
  uint64_t Count(const std::string& method, const std::string& route, int status) const;

 private:
  struct Series {
    uint64_t count = 0;
    double sum = 0;
    std::array<uint64_t, kBuckets.size()> buckets{};  // non-cumulative; summed on render
  };
  using Key = std::tuple<std::string, std::string, int>;
  mutable std::mutex mu_;
  std::map<Key, Series> series_;
};

// Escapes a Prometheus label value (backslash, double quote, newline).
std::string EscapeLabel(const std::string& value);

}  // namespace engram::server
