#include "util/memory.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <string>

namespace engram::util {

namespace {

// The number in the first line of `path`; 0 when absent or not a number ("max": no limit).
uint64_t ReadLimit(const char* path) {
  std::ifstream in(path);
  std::string line;
  if (!std::getline(in, line) || line.empty() ||
      line.find_first_not_of("0123456789") != std::string::npos || line.size() > 19) {
    return 0;
  }
  return std::stoull(line);
}

}  // namespace

uint64_t AvailableMemoryBytes() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGE_SIZE);
  uint64_t bytes = pages > 0 && page_size > 0
                       ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(page_size)
                       : 0;
  // cgroup v2, then v1 (whose "no limit" is a huge number, larger than the machine).
  for (const char* path :
       {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
    const uint64_t limit = ReadLimit(path);
    if (limit > 0) bytes = bytes == 0 ? limit : std::min(bytes, limit);
  }
  return bytes;
}

}  // namespace engram::util
