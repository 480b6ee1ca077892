// HTTP requests through the whole route table (server::Api::Handle, no sockets): the first line
// of the input is "METHOD TARGET", the rest is the body. Whatever arrives, the answer is a status
// from 200 to 599 with a JSON body when it says JSON, and never a 500: the store is a healthy
// local file (engine_fixture.h), so a 500 can only be the request's fault reaching a bug. The
// caller is an admin key, so every route is reachable.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "engine_fixture.h"
#include "server/api.h"

namespace {

constexpr char kKey[] = "k-fuzz-admin-0123456789";

engram::server::Api& FuzzApi() {
  // Never destroyed: the process ends with the fuzzer.
  static engram::server::Api* api = [] {
    engram::server::ApiOptions options;
    auto keys =
        engram::server::KeySet::Parse(std::string("{\"") + kKey + "\": {\"admin\": true}}", "fuzz");
    if (!keys.ok()) __builtin_trap();
    options.keys = std::move(*keys);
    options.default_search_mode = engram::SearchMode::kLexical;
    return new engram::server::Api(engram::fuzz::FuzzEngine(), std::move(options));
  }();
  return *api;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t line_end = input.find('\n');
  const std::string_view line = input.substr(0, line_end);
  const size_t space = line.find(' ');
  if (space == std::string_view::npos) return 0;
  engram::server::HttpRequest request;
  request.method = std::string(line.substr(0, space));
  request.target = std::string(line.substr(space + 1));
  if (line_end != std::string_view::npos) request.body = std::string(input.substr(line_end + 1));
  request.authorization = std::string("Bearer ") + kKey;
  const engram::server::HttpResponse response = FuzzApi().Handle(request);
  if (response.status < 200 || response.status > 599) __builtin_trap();
  if (response.status == 500) __builtin_trap();
  if (response.content_type == "application/json" && !nlohmann::json::accept(response.body)) {
    __builtin_trap();
  }
  return 0;
}
