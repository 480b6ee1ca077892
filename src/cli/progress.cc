#include "cli/progress.h"

#include <unistd.h>

#include <cstdio>
#include <utility>

namespace engram::cli {

Progress::Progress(std::string what, size_t total, bool json_output)
    : what_(std::move(what)), total_(total), enabled_(!json_output && isatty(STDERR_FILENO)) {}

Progress::~Progress() {
  Clear();
}

void Progress::Clear() {
  if (enabled_) std::fputs("\r\033[K", stderr);
}

void Progress::Update(size_t done, const std::string& item) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (done != total_ && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  std::fprintf(stderr, "\r\033[K%s %zu/%zu %s", what_.c_str(), done, total_, item.c_str());
  std::fflush(stderr);
}

}  // namespace engram::cli
