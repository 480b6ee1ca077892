#include "store/factory.h"

#include <algorithm>

namespace engram::store {

namespace {

bool SchemeChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '-' || c == '.';
}

std::string KnownSchemes() {
  std::string out;
  for (const BackendRegistration& b : RegisteredBackends()) {
    out += (out.empty() ? "" : ", ") + std::string(b.scheme) + "://";
  }
  return out;
}

}  // namespace

Result<StoreUrl> ParseStoreUrl(std::string_view url) {
  const size_t sep = url.find("://");
  const std::string_view scheme = sep == std::string_view::npos ? "" : url.substr(0, sep);
  const bool valid =
      !scheme.empty() &&
      ((scheme[0] >= 'a' && scheme[0] <= 'z') || (scheme[0] >= 'A' && scheme[0] <= 'Z')) &&
      std::all_of(scheme.begin(), scheme.end(), SchemeChar);
  if (!valid) {
    return Status::InvalidArgument("a store URL must look like scheme://..., e.g. " +
                                   SqliteUrl("/path/engram.db") +
                                   " (known schemes: " + KnownSchemes() + ")");
  }
  StoreUrl out;
  for (char c : scheme) out.scheme += (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  out.rest = std::string(url.substr(sep + 3));
  return out;
}

std::string SqliteUrl(std::string_view path) {
  return "sqlite://" + std::string(path);
}

Result<OpenedBackend> OpenBackend(std::string_view url, const OpenSettings& settings) {
  ENGRAM_ASSIGN_OR_RETURN(StoreUrl parsed, ParseStoreUrl(url));
  for (const BackendRegistration& b : RegisteredBackends()) {
    if (b.scheme == parsed.scheme) return b.open(parsed, settings);
  }
  return Status::InvalidArgument("no store backend for scheme '" + parsed.scheme +
                                 "://' (known schemes: " + KnownSchemes() + ")");
}

Result<Stores> OpenStores(std::string_view memory_url, std::string_view sessions_url,
                          const OpenSettings& settings) {
  ENGRAM_ASSIGN_OR_RETURN(OpenedBackend memory, OpenBackend(memory_url, settings));
  if (!memory.memory) {
    return Status::InvalidArgument(
        "the store URL's backend keeps no memories (only session "
        "state): name it as the sessions URL instead");
  }
  Stores out{memory.memory, memory.sessions, memory.graph, memory.checkpoints, memory.local_dir};
  if (!sessions_url.empty() && sessions_url != memory_url) {
    // Its local folder is not used: nothing to create or check there.
    OpenSettings session_settings = settings;
    session_settings.cache_dir.clear();
    session_settings.private_local_dir = false;
    ENGRAM_ASSIGN_OR_RETURN(OpenedBackend sessions, OpenBackend(sessions_url, session_settings));
    out.sessions = sessions.sessions;
    if (sessions.checkpoints) out.checkpoints = sessions.checkpoints;
  }
  if (!out.sessions) {
    return Status::InvalidArgument("the sessions URL's backend keeps no session state");
  }
  return out;
}

}  // namespace engram::store
