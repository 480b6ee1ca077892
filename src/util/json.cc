#include "util/json.h"

#include <set>
#include <string>
#include <vector>

namespace engram::util {

namespace {

// The parser's message without its "[json.exception...]" prefix and "last read: '...'"
// excerpt: that excerpt would echo request bytes (perhaps a secret) into responses and logs.
std::string Describe(const nlohmann::json::exception& e) {
  if (const auto* parse = dynamic_cast<const nlohmann::json::parse_error*>(&e)) {
    std::string what = parse->what();
    if (size_t colon = what.find(": "); colon != std::string::npos) what = what.substr(colon + 2);
    if (size_t last = what.find("; last read: "); last != std::string::npos) {
      const size_t next = what.find("; ", last + 2);
      what.erase(last, next == std::string::npos ? std::string::npos : next - last);
    }
    return "malformed JSON at byte " + std::to_string(parse->byte) + ": " + what;
  }
  // out_of_range 406 ("number overflow parsing '1e999'") is the only other parser error.
  return "malformed JSON: a number is outside the range of a double";
}

template <typename Json>
Result<Json> Parse(std::string_view text, bool unique_keys) {
  ENGRAM_RETURN_IF_ERROR(CheckJsonDepth(text));
  try {
    if (!unique_keys) return Json::parse(text);
    // The member names of each open object; the parser reports each name before its value.
    std::vector<std::set<std::string>> open;
    bool duplicate = false;
    Json parsed = Json::parse(text, [&](int, nlohmann::json::parse_event_t event, Json& value) {
      using Event = nlohmann::json::parse_event_t;
      if (event == Event::object_start) {
        open.emplace_back();
      } else if (event == Event::object_end) {
        open.pop_back();
      } else if (event == Event::key && !open.empty() &&
                 !open.back().insert(value.template get<std::string>()).second) {
        duplicate = true;
      }
      return true;
    });
    if (duplicate) return Status::InvalidArgument("JSON names one object member twice");
    return parsed;
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidArgument(Describe(e));
  }
}

}  // namespace

Status CheckJsonDepth(std::string_view text, size_t max_depth) {
  size_t depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) {
        return Status::InvalidArgument("JSON is nested deeper than " + std::to_string(max_depth) +
                                       " levels (at byte " + std::to_string(i) + ")");
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return Status::Ok();
}

Result<nlohmann::json> ParseJson(std::string_view text) {
  return Parse<nlohmann::json>(text, /*unique_keys=*/false);
}

Result<nlohmann::ordered_json> ParseOrderedJson(std::string_view text, bool unique_keys) {
  return Parse<nlohmann::ordered_json>(text, unique_keys);
}

nlohmann::json ParseJsonOr(nlohmann::json fallback, std::string_view text) {
  Result<nlohmann::json> parsed = ParseJson(text);
  return parsed.ok() ? std::move(*parsed) : std::move(fallback);
}

}  // namespace engram::util
