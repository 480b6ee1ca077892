#include "engram/policy.h"

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "util/json.h"
#include "util/utf8.h"

namespace engram {

namespace {

using json = nlohmann::json;

constexpr double kMsPerDay = 86'400'000.0;

Status BadPolicyField(const std::string& field, const std::string& what) {
  return Status::InvalidArgument("policy: " + field + " " + what);
}

// A non-negative number of days, as milliseconds.
Result<int64_t> Days(const json& v, const std::string& field) {
  if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < 0 ||
      v.get<double>() > 365.0 * 1000) {
    return BadPolicyField(field, "must be a number of days between 0 and 365000");
  }
  return static_cast<int64_t>(std::llround(v.get<double>() * kMsPerDay));
}

Result<double> Fraction(const json& v, const std::string& field) {
  if (!v.is_number() || !(v.get<double>() >= 0 && v.get<double>() <= 1)) {
    return BadPolicyField(field, "must be a number between 0 and 1");
  }
  return v.get<double>();
}

Result<bool> Flag(const json& v, const std::string& field) {
  if (!v.is_boolean()) return BadPolicyField(field, "must be true or false");
  return v.get<bool>();
}

Status ParseTypePolicy(const json& j, const std::string& field, TypePolicy* out) {
  if (!j.is_object()) return BadPolicyField(field, "must be an object");
  for (const auto& [name, v] : j.items()) {
    const std::string f = field + "." + name;
    if (name == "ttl_days") {
      ENGRAM_ASSIGN_OR_RETURN(out->ttl_ms, Days(v, f));
      if (*out->ttl_ms == 0)
        return BadPolicyField(f, "must be more than 0 (leave it out for no expiry)");
    } else if (name == "min_confidence") {
      ENGRAM_ASSIGN_OR_RETURN(out->min_confidence, Fraction(v, f));
    } else if (name == "max_records") {
      if (!v.is_number_unsigned()) return BadPolicyField(f, "must be a whole number (0: no limit)");
      out->max_records = v.get<size_t>();
    } else {
      return BadPolicyField(f, "is not a known field (ttl_days, min_confidence, max_records)");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<Policy> ParsePolicy(std::string_view text) {
  if (!util::IsValidUtf8(text)) return Status::InvalidArgument("policy: not valid UTF-8");
  Result<json> parsed = util::ParseJson(text);
  if (!parsed.ok()) return Status::InvalidArgument("policy: " + parsed.status().message());
  const json& j = *parsed;
  if (!j.is_object()) return Status::InvalidArgument("policy: must be a JSON object");
  Policy p;
  for (const auto& [name, v] : j.items()) {
    if (name == "types") {
      if (!v.is_object()) return BadPolicyField("types", "must be an object keyed by memory type");
      for (const auto& [type_name, tp] : v.items()) {
        Result<MemoryType> type = ParseMemoryType(type_name);
        if (!type.ok()) return BadPolicyField("types." + type_name, "is not a memory type");
        ENGRAM_RETURN_IF_ERROR(ParseTypePolicy(tp, "types." + type_name, &p.For(*type)));
      }
    } else if (name == "near_duplicate_similarity") {
      ENGRAM_ASSIGN_OR_RETURN(p.near_duplicate_similarity, Fraction(v, name));
    } else if (name == "extract_on_session_append") {
      ENGRAM_ASSIGN_OR_RETURN(p.extract_on_session_append, Flag(v, name));
    } else if (name == "gc") {
      if (!v.is_object()) return BadPolicyField("gc", "must be an object");
      for (const auto& [gc_name, gv] : v.items()) {
        if (gc_name == "session_retention_days") {
          ENGRAM_ASSIGN_OR_RETURN(p.session_retention_ms, Days(gv, "gc." + gc_name));
        } else if (gc_name == "keep_history") {
          ENGRAM_ASSIGN_OR_RETURN(p.gc_keep_history, Flag(gv, "gc." + gc_name));
        } else {
          return BadPolicyField("gc." + gc_name,
                                "is not a known field (session_retention_days, keep_history)");
        }
      }
    } else {
      return BadPolicyField(name,
                            "is not a known field (types, near_duplicate_similarity, "
                            "extract_on_session_append, gc)");
    }
  }
  return p;
}

Result<Policy> LoadPolicyFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("policy file " + path + " cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  Result<Policy> p = ParsePolicy(text.str());
  if (!p.ok()) return Status::InvalidArgument(path + ": " + p.status().message());
  return p;
}

}  // namespace engram
