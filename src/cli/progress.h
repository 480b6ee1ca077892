// A one-line progress report for long commands (export, import, files sync): "<what> 3/10"
// rewritten in place on standard error, only when that is a terminal and output is not --json,
// so scripts and logs never see it; redrawn at most ten times a second, so a report per line of
// a large archive costs nothing. Debian packages no C++ progress-bar library, hence these few
// lines.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <utility>

namespace engram::cli {

class Progress {
 public:
  // `total` may be given later, with each Update.
  Progress(std::string what, size_t total, bool json_output);
  ~Progress();  // clears the line
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // `done` of total are done; `item` names the one now under way.
  void Update(size_t done, const std::string& item);
  void Update(size_t done, size_t total, const std::string& item) {
    total_ = total;
    Update(done, item);
  }
  // Another `what` (a new phase), shown with the next Update.
  void Rename(std::string what) {
    what_ = std::move(what);
    last_ = {};
  }
  // Clears the line, before printing something else on the terminal.
  void Clear();

 private:
  std::string what_;
  size_t total_;
  bool enabled_;
  std::chrono::steady_clock::time_point last_{};  // last redraw; the first Update always draws
};

}  // namespace engram::cli
