#include "core/validate.h"

#include <nlohmann/json.hpp>

#include "util/json.h"
#include "util/utf8.h"

namespace engram::core {

namespace {

bool IsControl(unsigned char c) {
  return c < 0x20 || c == 0x7F;
}

Status CheckUtf8(std::string_view field, std::string_view value) {
  const size_t bad = util::FindInvalidUtf8(value);
  if (bad == std::string_view::npos) return Status::Ok();
  return Status::InvalidArgument(std::string(field) + " is not valid UTF-8 (invalid byte at " +
                                 "offset " + std::to_string(bad) + ")");
}

}  // namespace

Status ValidateOptionalId(std::string_view field, std::string_view value) {
  if (value.empty()) return Status::Ok();
  if (value.size() > 256) {
    return Status::InvalidArgument(std::string(field) + " is longer than 256 bytes");
  }
  ENGRAM_RETURN_IF_ERROR(CheckUtf8(field, value));
  for (unsigned char c : value) {
    if (IsControl(c)) {
      return Status::InvalidArgument(std::string(field) + " contains a control character");
    }
  }
  return Status::Ok();
}

Status ValidateId(std::string_view field, std::string_view value) {
  if (value.empty()) return Status::InvalidArgument(std::string(field) + " is required");
  return ValidateOptionalId(field, value);
}

Status ValidateScope(std::string_view scope) {
  if (scope.empty()) return Status::InvalidArgument("scope is empty");
  if (scope.size() > 512) return Status::InvalidArgument("scope is longer than 512 bytes");
  ENGRAM_RETURN_IF_ERROR(CheckUtf8("scope", scope));
  size_t segments = 0;
  size_t start = 0;
  while (true) {
    const size_t end = scope.find('/', start);
    const std::string_view seg =
        scope.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (seg.empty()) {
      return Status::InvalidArgument("scope '" + std::string(scope) +
                                     "' has an empty segment (leading, trailing or double '/')");
    }
    for (unsigned char c : seg) {
      if (IsControl(c) || c == ' ' || c == '\t') {
        return Status::InvalidArgument("scope '" + std::string(scope) +
                                       "' contains whitespace or a control character");
      }
    }
    if (++segments > 32) return Status::InvalidArgument("scope has more than 32 segments");
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return Status::Ok();
}

std::vector<std::string> VisibleScopes(std::string_view scope) {
  std::vector<std::string> out{"global"};
  if (scope == "global") return out;
  for (size_t pos = scope.find('/'); pos != std::string_view::npos;
       pos = scope.find('/', pos + 1)) {
    out.emplace_back(scope.substr(0, pos));
  }
  out.emplace_back(scope);
  return out;
}

Status ValidateText(std::string_view field, std::string_view text, size_t max_bytes,
                    bool allow_empty) {
  if (text.size() > max_bytes) {
    return Status::TooLarge(std::string(field) + " is " + std::to_string(text.size()) +
                            " bytes; the limit is " + std::to_string(max_bytes));
  }
  ENGRAM_RETURN_IF_ERROR(CheckUtf8(field, text));
  if (text.find('\0') != std::string_view::npos) {
    return Status::InvalidArgument(std::string(field) + " contains a NUL byte");
  }
  if (!allow_empty && text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return Status::InvalidArgument(std::string(field) + " is empty");
  }
  return Status::Ok();
}

Status ValidateJson(std::string_view field, std::string_view json, size_t max_bytes,
                    bool require_object) {
  if (json.size() > max_bytes) {
    return Status::TooLarge(std::string(field) + " is " + std::to_string(json.size()) +
                            " bytes; the limit is " + std::to_string(max_bytes));
  }
  ENGRAM_RETURN_IF_ERROR(CheckUtf8(field, json));
  Result<nlohmann::json> parsed = util::ParseJson(json);
  if (!parsed.ok()) {
    return Status::InvalidArgument(std::string(field) +
                                   " is not valid JSON: " + parsed.status().message());
  }
  if (require_object && !parsed->is_object()) {
    return Status::InvalidArgument(std::string(field) + " must be a JSON object");
  }
  return Status::Ok();
}

}  // namespace engram::core
