#include "embed/use_lite/io.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace engram::use_lite {

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    if (err == ENOENT) return Status::NotFound(path + ": no such file");
    return Status::IOError(path + ": cannot open: " + std::strerror(err));
  }
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return Status::IOError(path + ": read failed");
  return std::move(content).str();
}

}  // namespace engram::use_lite
