// Router: the route table of the HTTP API, independent of any socket library.
//
// A route is (method, path template, access, handler) plus the description /openapi.json is
// built from. Templates are literal segments and "{name}" parameters ("/v1/owners/{owner}");
// a parameter matches one path segment, percent-decoded, so an owner id may contain "/" when
// the client sends it as %2F. The HTTP front end (http_server.h), the in-process tests and a
// later MCP bridge all dispatch through the same table.
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engram/status.h"
#include "server/auth.h"

namespace engram::server {

// Who may call a route.
enum class Access {
  kPublic,  // anyone, no key needed (/healthz, /openapi.json)
  kOwner,   // a key that covers the owner the request names (or an admin key)
  kAnyKey,  // any valid key; the route names no owner (/v1/whoami)
  kAdmin,   // an admin key only
};

// Query parameters in the order sent; a name may repeat.
using QueryParams = std::vector<std::pair<std::string, std::string>>;

// What a handler sees of one request: everything already decoded and authenticated.
struct Call {
  const Principal* principal = nullptr;     // null on public routes
  std::map<std::string, std::string> path;  // template parameters, percent-decoded
  QueryParams query;                        // percent-decoded
  nlohmann::json body;                      // parsed request body; null when none was sent
  std::string request_id;

  // The last value of query parameter `name`, if sent.
  std::optional<std::string> Query(std::string_view name) const;
};

// A handler's answer. Errors travel as a Status (mapped to HTTP in errors.h).
struct Reply {
  int status = 200;
  nlohmann::json body;
  // Non-JSON answers (/metrics): sent verbatim with this content type when set.
  std::string text;
  std::string content_type;
  // Set instead of `text` for answers too large to hold (archives): called after the status line
  // to write the body in pieces (sent chunked with `content_type`); `write` returns false when
  // the client went away, and then so does `stream`.
  std::function<bool(const std::function<bool(std::string_view)>& write)> stream;
};

// A JSON reply.
inline Reply Ok(nlohmann::json body, int status = 200) {
  Reply r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

using Handler = std::function<Result<Reply>(Call&)>;

// The OpenAPI description of a route's inputs and outputs (JSON Schema 2020-12 fragments,
// "$ref": "#/components/schemas/X" allowed).
struct QueryParamDoc {
  std::string name;
  std::string type;  // "string", "integer", "number", "boolean"
  std::string description;
  bool required = false;
};
struct RouteDoc {
  std::string operation_id;
  std::string summary;
  std::string tag;
  std::vector<QueryParamDoc> query;
  nlohmann::json request_schema;  // null: no body
  bool body_required = true;
  nlohmann::json response_schema;  // schema of the success body
  std::string response_content_type = "application/json";
};

struct Route {
  std::string method;  // "GET", "POST", "PUT", "PATCH", "DELETE"
  std::string path;    // template, e.g. "/v1/owners/{owner}/memories/{id}"
  Access access = Access::kOwner;
  int success_status = 200;  // documented success status (a handler may return another 2xx)
  Handler handler;
  RouteDoc doc;
  // Template segments, split once at registration.
  std::vector<std::string> segments;
};

class Router {
 public:
  // Registers a route. Two routes with one method and one template are a bug (aborts).
  void Add(Route route);

  struct Match {
    const Route* route = nullptr;
    std::map<std::string, std::string> params;
    // When no route matched: true if the path exists under another method (405, not 404).
    bool path_exists = false;
  };
  // Matches a decoded path split into segments. Literal segments win over parameters, so
  // "/memories/search" is never read as the memory id "search".
  Match Find(std::string_view method, const std::vector<std::string>& segments) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

// Splits a request target ("/a/b%2Fc?x=1") into percent-decoded path segments and query
// parameters. InvalidArgument for a bad escape or a segment or parameter that is not valid UTF-8.
Status ParseTarget(std::string_view target, std::vector<std::string>* segments, QueryParams* query);

// Decodes %XX escapes (and "+" as a space when plus_is_space); false on a malformed escape.
bool PercentDecode(std::string_view in, bool plus_is_space, std::string* out);

}  // namespace engram::server
