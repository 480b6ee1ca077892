#include "mcp/stdio.h"

#include <string>

#include "core/json_codec.h"

namespace engram::mcp {

Status ServeStdio(Session& session, std::istream& in, std::ostream& out) {
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    std::optional<nlohmann::json> response = session.HandleText(line);
    if (!response) continue;
    // DumpJson escapes control characters, so a response is always exactly one line.
    out << core::DumpJson(*response) << '\n' << std::flush;
    if (!out) return Status::IOError("cannot write to standard output");
  }
  return Status::Ok();
}

}  // namespace engram::mcp
