#include "server/params.h"

#include <charconv>

#include "util/time.h"

namespace engram::server {

using nlohmann::json;

namespace {

Status Bad(const char* name, const char* expected) {
  return Status::InvalidArgument(std::string(name) + " must be " + expected);
}

const json* Field(const json& o, const char* name) {
  if (!o.is_object()) return nullptr;
  auto it = o.find(name);
  if (it == o.end() || it->is_null()) return nullptr;
  return &*it;
}

bool ParseCount(std::string_view text, size_t* out) {
  if (text.empty()) return false;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *out);
  return ec == std::errc() && ptr == end;
}

}  // namespace

Status CheckFields(const json& body, std::initializer_list<std::string_view> allowed) {
  if (body.is_null()) return Status::Ok();
  if (!body.is_object()) return Status::InvalidArgument("the request body must be a JSON object");
  for (auto it = body.begin(); it != body.end(); ++it) {
    bool known = false;
    for (std::string_view a : allowed) known = known || a == it.key();
    if (!known) return Status::InvalidArgument("unknown field '" + it.key() + "'");
  }
  return Status::Ok();
}

Status CheckQuery(const Call& call, std::initializer_list<std::string_view> allowed) {
  for (const auto& [name, value] : call.query) {
    bool known = false;
    for (std::string_view a : allowed) known = known || a == name;
    if (!known) return Status::InvalidArgument("unknown query parameter '" + name + "'");
  }
  return Status::Ok();
}

Status GetString(const json& o, const char* name, std::optional<std::string>* out) {
  const json* f = Field(o, name);
  if (f == nullptr) return Status::Ok();
  if (!f->is_string()) return Bad(name, "a string");
  *out = f->get<std::string>();
  return Status::Ok();
}

Status GetBool(const json& o, const char* name, std::optional<bool>* out) {
  const json* f = Field(o, name);
  if (f == nullptr) return Status::Ok();
  if (!f->is_boolean()) return Bad(name, "a boolean");
  *out = f->get<bool>();
  return Status::Ok();
}

Status GetNumber(const json& o, const char* name, std::optional<double>* out) {
  const json* f = Field(o, name);
  if (f == nullptr) return Status::Ok();
  if (!f->is_number()) return Bad(name, "a number");
  *out = f->get<double>();
  return Status::Ok();
}

Status GetCount(const json& o, const char* name, size_t max, std::optional<size_t>* out) {
  const json* f = Field(o, name);
  if (f == nullptr) return Status::Ok();
  if (!f->is_number_integer() ||
      (f->is_number_integer() && !f->is_number_unsigned() && f->get<int64_t>() < 0)) {
    return Bad(name, "a non-negative integer");
  }
  const uint64_t v = f->get<uint64_t>();
  if (v > max) {
    return Status::InvalidArgument(std::string(name) + " must be at most " + std::to_string(max));
  }
  *out = static_cast<size_t>(v);
  return Status::Ok();
}

Status GetTime(const json& o, const char* name, std::optional<Timestamp>* out) {
  const json* f = Field(o, name);
  if (f == nullptr) return Status::Ok();
  if (f->is_number_integer()) {
    if (f->is_number_unsigned() && f->get<uint64_t>() > uint64_t(util::kMaxTimestamp)) {
      return util::CheckTimestampRange(name, util::kMaxTimestamp + 1);
    }
    ENGRAM_RETURN_IF_ERROR(util::CheckTimestampRange(name, f->get<int64_t>()));
    *out = f->get<int64_t>();
    return Status::Ok();
  }
  if (!f->is_string()) return Bad(name, "ISO-8601 text or epoch milliseconds");
  Result<Timestamp> t = util::ParseTimestamp(f->get<std::string>());
  if (!t.ok()) return Status::InvalidArgument(std::string(name) + ": " + t.status().message());
  *out = *t;
  return Status::Ok();
}

Status GetJsonText(const json& o, const char* name, bool object_only,
                   std::optional<std::string>* out) {
  const json* f = Field(o, name);
  if (f == nullptr) return Status::Ok();
  if (object_only && !f->is_object()) return Bad(name, "a JSON object");
  *out = f->dump();
  return Status::Ok();
}

Result<std::string> RequireString(const json& o, const char* name) {
  std::optional<std::string> v;
  ENGRAM_RETURN_IF_ERROR(GetString(o, name, &v));
  if (!v || v->empty()) return Status::InvalidArgument(std::string(name) + " is required");
  return *v;
}

Status QueryString(const Call& call, const char* name, std::optional<std::string>* out) {
  if (auto v = call.Query(name)) *out = std::move(*v);
  return Status::Ok();
}

Status QueryCount(const Call& call, const char* name, size_t max, std::optional<size_t>* out) {
  std::optional<std::string> v = call.Query(name);
  if (!v) return Status::Ok();
  size_t n = 0;
  if (!ParseCount(*v, &n)) return Bad(name, "a non-negative integer");
  if (n > max) {
    return Status::InvalidArgument(std::string(name) + " must be at most " + std::to_string(max));
  }
  *out = n;
  return Status::Ok();
}

Status QueryBool(const Call& call, const char* name, std::optional<bool>* out) {
  std::optional<std::string> v = call.Query(name);
  if (!v) return Status::Ok();
  if (*v == "true" || *v == "1" || v->empty()) {
    *out = true;
  } else if (*v == "false" || *v == "0") {
    *out = false;
  } else {
    return Bad(name, "true or false");
  }
  return Status::Ok();
}

Status QueryTime(const Call& call, const char* name, std::optional<Timestamp>* out) {
  std::optional<std::string> v = call.Query(name);
  if (!v) return Status::Ok();
  Result<Timestamp> t = util::ParseTimestamp(*v);
  if (!t.ok()) return Status::InvalidArgument(std::string(name) + ": " + t.status().message());
  *out = *t;
  return Status::Ok();
}

}  // namespace engram::server
