#include "server/router.h"

#include <cstdlib>
#include <iostream>

#include "util/utf8.h"

namespace engram::server {

std::optional<std::string> Call::Query(std::string_view name) const {
  std::optional<std::string> value;
  for (const auto& [k, v] : query) {
    if (k == name) value = v;
  }
  return value;
}

namespace {

std::vector<std::string> SplitTemplate(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 1;  // templates start with "/"
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

bool IsParam(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

void Router::Add(Route route) {
  route.segments = SplitTemplate(route.path);
  for (const Route& r : routes_) {
    if (r.method == route.method && r.path == route.path) {
      std::cerr << "engram: bug: route " << route.method << " " << route.path
                << " registered twice\n";
      std::abort();
    }
  }
  routes_.push_back(std::move(route));
}

Router::Match Router::Find(std::string_view method,
                           const std::vector<std::string>& segments) const {
  Match best;
  std::vector<bool> best_shape;
  for (const Route& r : routes_) {
    if (r.segments.size() != segments.size()) continue;
    bool ok = true;
    std::vector<bool> shape;  // true where the template has a literal
    for (size_t i = 0; i < segments.size() && ok; ++i) {
      const bool param = IsParam(r.segments[i]);
      shape.push_back(!param);
      if (param) {
        ok = !segments[i].empty();
      } else {
        ok = r.segments[i] == segments[i];
      }
    }
    if (!ok) continue;
    if (r.method != method) {
      best.path_exists = true;
      continue;
    }
    // Literal segments win, earliest first: "/memories/search" beats "/memories/{id}".
    if (best.route == nullptr || shape > best_shape) {
      best.route = &r;
      best_shape = std::move(shape);
    }
  }
  if (best.route != nullptr) {
    for (size_t i = 0; i < segments.size(); ++i) {
      const std::string& t = best.route->segments[i];
      if (IsParam(t)) best.params[t.substr(1, t.size() - 2)] = segments[i];
    }
  }
  return best;
}

bool PercentDecode(std::string_view in, bool plus_is_space, std::string* out) {
  out->clear();
  out->reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      const int hi = HexValue(in[i + 1]), lo = HexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out->push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out->push_back(' ');
    } else {
      out->push_back(c);
    }
  }
  return true;
}

Status ParseTarget(std::string_view target, std::vector<std::string>* segments,
                   QueryParams* query) {
  segments->clear();
  query->clear();
  const size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  std::string_view qs = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  if (path.empty() || path.front() != '/') {
    return Status::InvalidArgument("the request path must start with '/'");
  }
  path.remove_prefix(1);
  std::string decoded;
  while (true) {
    const size_t slash = path.find('/');
    std::string_view raw = path.substr(0, slash);
    if (!PercentDecode(raw, /*plus_is_space=*/false, &decoded)) {
      return Status::InvalidArgument("malformed percent-escape in the request path");
    }
    if (!util::IsValidUtf8(decoded)) {
      return Status::InvalidArgument("the request path is not valid UTF-8 once decoded");
    }
    segments->push_back(decoded);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  // "/healthz/" and "/healthz" name the same resource.
  if (segments->size() > 1 && segments->back().empty()) segments->pop_back();
  while (!qs.empty()) {
    const size_t amp = qs.find('&');
    std::string_view pair = qs.substr(0, amp);
    qs = amp == std::string_view::npos ? std::string_view() : qs.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    std::string name, value;
    if (!PercentDecode(pair.substr(0, eq), true, &name) ||
        (eq != std::string_view::npos && !PercentDecode(pair.substr(eq + 1), true, &value))) {
      return Status::InvalidArgument("malformed percent-escape in the query string");
    }
    if (!util::IsValidUtf8(name) || !util::IsValidUtf8(value)) {
      return Status::InvalidArgument("query parameter '" +
                                     (util::IsValidUtf8(name) ? name : std::string("?")) +
                                     "' is not valid UTF-8");
    }
    query->emplace_back(std::move(name), std::move(value));
  }
  return Status::Ok();
}

}  // namespace engram::server
