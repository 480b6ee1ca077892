#include "server/metrics.h"

#include <cstdio>

namespace engram::server {

std::string EscapeLabel(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void Metrics::Record(const std::string& method, const std::string& route, int status,
                     double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  Series& s = series_[Key{method, route, status}];
  ++s.count;
  s.sum += seconds;
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      ++s.buckets[i];
      break;
    }
  }
}

uint64_t Metrics::Count(const std::string& method, const std::string& route, int status) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = series_.find(Key{method, route, status});
  return it == series_.end() ? 0 : it->second.count;
}

namespace {
std::string Number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}
}  // namespace

std::string Metrics::Render(const std::vector<std::pair<std::string, int64_t>>& memories_by_type,
                            const std::vector<Gauge>& gauges) const {
  std::string out;
  std::map<Key, Series> snapshot;
  {
    std::lock_guard<std::mutex> lock(mu_);
    snapshot = series_;
  }
  out +=
      "# HELP engram_http_requests_total HTTP requests served, by method, route template and "
      "status.\n# TYPE engram_http_requests_total counter\n";
  for (const auto& [key, s] : snapshot) {
    const auto& [method, route, status] = key;
    out += "engram_http_requests_total{method=\"" + EscapeLabel(method) + "\",route=\"" +
           EscapeLabel(route) + "\",status=\"" + std::to_string(status) + "\"} " +
           std::to_string(s.count) + "\n";
  }
  out +=
      "# HELP engram_http_request_duration_seconds Time from a parsed request to its response, "
      "by method, route template and status.\n"
      "# TYPE engram_http_request_duration_seconds histogram\n";
  for (const auto& [key, s] : snapshot) {
    const auto& [method, route, status] = key;
    const std::string labels = "method=\"" + EscapeLabel(method) + "\",route=\"" +
                               EscapeLabel(route) + "\",status=\"" + std::to_string(status) + "\"";
    uint64_t cumulative = 0;
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += s.buckets[i];
      out += "engram_http_request_duration_seconds_bucket{" + labels + ",le=\"" +
             Number(kBuckets[i]) + "\"} " + std::to_string(cumulative) + "\n";
    }
    out += "engram_http_request_duration_seconds_bucket{" + labels + ",le=\"+Inf\"} " +
           std::to_string(s.count) + "\n";
    out += "engram_http_request_duration_seconds_sum{" + labels + "} " + Number(s.sum) + "\n";
    out += "engram_http_request_duration_seconds_count{" + labels + "} " + std::to_string(s.count) +
           "\n";
  }
  if (!memories_by_type.empty()) {
    out +=
        "# HELP engram_memories Live memories (not deleted, superseded or expired) of all "
        "owners, by type.\n# TYPE engram_memories gauge\n";
    for (const auto& [type, n] : memories_by_type) {
      out += "engram_memories{type=\"" + EscapeLabel(type) + "\"} " + std::to_string(n) + "\n";
    }
  }
  for (const Gauge& g : gauges) {
    out += "# HELP " + g.name + " " + g.help + "\n# TYPE " + g.name +
           (g.counter ? " counter\n" : " gauge\n") + g.name + " " + Number(g.value) + "\n";
  }
  return out;
}

}  // namespace engram::server
