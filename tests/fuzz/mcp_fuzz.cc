// MCP JSON-RPC messages (mcp::Session::HandleText) from arbitrary text: each line of the input is
// one message to one fresh session, as a client sends them over stdio. Every answer is a JSON-RPC
// response object (or none, for a notification), never a crash. The tools run on a real engine
// (engine_fixture.h) for one owner.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "engine_fixture.h"
#include "mcp/session.h"
#include "mcp/tools.h"
#include "server/router.h"
#include "server/v1.h"

namespace {

const engram::mcp::Tools& FuzzTools() {
  // Never destroyed: the process ends with the fuzzer.
  static engram::server::Router* routes = [] {
    auto* r = new engram::server::Router();
    engram::server::RegisterV1Routes(*r, engram::fuzz::FuzzEngine(), engram::SearchMode::kLexical);
    return r;
  }();
  static const engram::mcp::Tools* tools = new engram::mcp::Tools(*routes);
  return *tools;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  engram::server::Principal principal;
  principal.name = "fuzz";
  principal.owners = {"fuzz-owner"};
  engram::mcp::Session session(FuzzTools(), principal, engram::mcp::Version());
  while (!input.empty()) {
    const size_t end = input.find('\n');
    const std::string_view line = input.substr(0, end);
    input = end == std::string_view::npos ? std::string_view() : input.substr(end + 1);
    const std::optional<nlohmann::json> answer = session.HandleText(line);
    if (answer && (!answer->is_object() || !answer->contains("jsonrpc"))) __builtin_trap();
  }
  return 0;
}
