// Reading settings from environment variables, with the same errors on every face of engram.
#pragma once

#include <charconv>
#include <string>
#include <string_view>

#include "engram/status.h"

namespace engram::util {

// Parses `value`, the value of the variable `name`, as a positive integer into *out, which is
// left unchanged when value is empty (the variable is unset). InvalidArgument naming the
// variable and quoting the value (cut to 32 bytes) otherwise.
template <typename T>
Status ParsePositiveInt(std::string_view name, std::string_view value, T* out) {
  if (value.empty()) return Status::Ok();
  T parsed{};
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), parsed);
  if (ec != std::errc() || end != value.data() + value.size() || parsed <= 0) {
    return Status::InvalidArgument(std::string(name) + "='" + std::string(value.substr(0, 32)) +
                                   "' is not a positive integer");
  }
  *out = parsed;
  return Status::Ok();
}

}  // namespace engram::util
