#include "server/static_files.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/json_codec.h"
#include "server/errors.h"

namespace engram::server {

namespace {

namespace fs = std::filesystem;

constexpr size_t kMaxTotalBytes = size_t{64} << 20;

// Scripts, styles, images and API calls from this origin only; no inline code, no plugins, no
// framing, no form posts elsewhere. The page needs nothing more.
constexpr const char* kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; manifest-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'";

// FNV-1a: a stable ETag across restarts, so a browser's cached copy stays valid.
std::string Fingerprint(const std::string& body) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : body) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[24];
  std::snprintf(buf, sizeof buf, "\"%016llx\"", static_cast<unsigned long long>(h));
  return buf;
}

HttpResponse WithHeaders(HttpResponse r) {
  r.route = "/ui";
  r.headers.emplace_back("Content-Security-Policy", kContentSecurityPolicy);
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  return r;
}

HttpResponse JsonError(int status, const char* code, const std::string& message) {
  HttpResponse r;
  r.status = status;
  r.body = core::DumpJson(ErrorBody(code, message));
  r.headers.emplace_back("Cache-Control", "no-store");
  return WithHeaders(std::move(r));
}

// Whether `if_none_match` (a list of ETags, or "*") names `etag`.
bool Matches(const std::string& if_none_match, const std::string& etag) {
  if (if_none_match.empty()) return false;
  if (if_none_match == "*") return true;
  std::stringstream in(if_none_match);
  std::string tag;
  while (std::getline(in, tag, ',')) {
    const size_t b = tag.find_first_not_of(" \t");
    const size_t e = tag.find_last_not_of(" \t");
    if (b == std::string::npos) continue;
    tag = tag.substr(b, e - b + 1);
    if (tag.rfind("W/", 0) == 0) tag = tag.substr(2);
    if (tag == etag) return true;
  }
  return false;
}

}  // namespace

std::string ContentTypeFor(const std::string& name) {
  static const std::map<std::string, std::string> kTypes = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".webmanifest", "application/manifest+json"},
  };
  const size_t dot = name.rfind('.');
  if (dot == std::string::npos || name.find('/', dot) != std::string::npos) {
    return "application/octet-stream";
  }
  auto it = kTypes.find(name.substr(dot));
  return it == kTypes.end() ? "application/octet-stream" : it->second;
}

Result<StaticFiles> StaticFiles::Load(const std::string& dir, std::string prefix) {
  std::error_code ec;
  if (!fs::is_regular_file(fs::path(dir) / "index.html", ec)) {
    return Status::NotFound("no index.html in the web page's directory " + dir);
  }
  StaticFiles out;
  out.prefix_ = std::move(prefix);
  size_t total = 0;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    const std::string rel = fs::relative(it->path(), dir, ec).generic_string();
    if (ec) break;
    std::ifstream in(it->path(), std::ios::binary);
    std::stringstream buf;
    buf << in.rdbuf();
    if (!in) return Status::IOError("cannot read " + it->path().string());
    File f;
    f.body = buf.str();
    total += f.body.size();
    if (total > kMaxTotalBytes) {
      return Status::InvalidArgument("the web page's directory " + dir + " holds more than " +
                                     std::to_string(kMaxTotalBytes >> 20) + " MiB");
    }
    f.content_type = ContentTypeFor(rel);
    f.etag = Fingerprint(f.body);
    f.immutable = rel.rfind("assets/", 0) == 0;
    out.files_.emplace(rel, std::move(f));
  }
  if (ec) return Status::IOError("cannot list " + dir + ": " + ec.message());
  return out;
}

StaticFiles StaticFiles::Missing(std::string why, std::string prefix) {
  StaticFiles out;
  out.prefix_ = std::move(prefix);
  out.missing_ = std::move(why);
  return out;
}

HttpResponse StaticFiles::Serve(const std::string& method, const std::string& target,
                                const std::string& if_none_match) const {
  if (method != "GET" && method != "HEAD") {
    HttpResponse r = JsonError(405, "method_not_allowed", "the web page is read with GET only");
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
  }
  const std::string path = target.substr(0, target.find('?'));
  if (path == prefix_) {
    HttpResponse r = WithHeaders({});
    r.status = 308;
    r.content_type = "text/plain; charset=utf-8";
    r.headers.emplace_back("Location", prefix_ + "/");
    return r;
  }
  if (!missing_.empty()) return JsonError(404, "not_found", missing_);
  std::string name = path.size() > prefix_.size() + 1 ? path.substr(prefix_.size() + 1) : "";
  if (name.empty()) name = "index.html";
  auto it = files_.find(name);
  if (it == files_.end()) {
    return JsonError(404, "not_found", "the web page has no file by that name");
  }
  const File& f = it->second;
  HttpResponse r;
  r.content_type = f.content_type;
  r.headers.emplace_back("ETag", f.etag);
  r.headers.emplace_back("Cache-Control",
                         f.immutable ? "public, max-age=31536000, immutable" : "no-cache");
  if (Matches(if_none_match, f.etag)) {
    r.status = 304;
  } else {
    r.body = f.body;
  }
  return WithHeaders(std::move(r));
}

}  // namespace engram::server
