// StaticFiles: the web page (ui/, built by Vite) served by `engram serve` under /ui.
//
// The built files are read into memory once at start, so a request can only ever name one of
// them: no path is joined onto the file system per request, and no traversal is possible.
// Every answer carries a strict Content-Security-Policy (scripts, styles and API calls from this
// origin only, no inline code, no framing), nosniff and no-referrer. Files under assets/ have
// content hashes in their names (Vite) and are cached for a year as immutable; the rest
// (index.html) are revalidated with their ETag on every load.
#pragma once

#include <map>
#include <string>

#include "engram/status.h"
#include "server/api.h"

namespace engram::server {

class StaticFiles {
 public:
  // The files under `dir` (recursively; at most 64 MiB in all), served under `prefix`.
  // NotFound when `dir` has no index.html; IOError when a file cannot be read.
  static Result<StaticFiles> Load(const std::string& dir, std::string prefix = "/ui");

  // A server without the built page: every path under the prefix answers 404 with `why`.
  static StaticFiles Missing(std::string why, std::string prefix = "/ui");

  // The answer to `method` on `target` (path and query as sent, the path equal to the prefix or
  // under it). `if_none_match`: the request's If-None-Match header, empty when absent.
  //   prefix           308 to prefix + "/" (the page's relative URLs need the slash)
  //   prefix/          index.html
  //   prefix/NAME      that file; 404 when there is none
  // GET and HEAD only (405 otherwise); 304 when If-None-Match names the file's ETag.
  HttpResponse Serve(const std::string& method, const std::string& target,
                     const std::string& if_none_match) const;

  // Number of files loaded.
  size_t size() const { return files_.size(); }

 private:
  struct File {
    std::string content_type;
    std::string etag;
    std::string body;
    bool immutable = false;
  };
  std::string prefix_;
  std::string missing_;                // non-empty: why there are no files
  std::map<std::string, File> files_;  // by path relative to the prefix ("index.html")
};

// The content type of a file name by its extension; application/octet-stream when unknown.
std::string ContentTypeFor(const std::string& name);

}  // namespace engram::server
