#include "llm/json_schema.h"

#include <cmath>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "llm/llm_text.h"

namespace engram::llm {
namespace {

using nlohmann::json;

const std::set<std::string_view> kTypes = {"object",  "array",   "string", "number",
                                           "integer", "boolean", "null"};
const std::set<std::string_view> kKeywords = {
    "type", "properties", "required", "additionalProperties", "items",
    "enum", "minimum",    "maximum",  "description",          "title"};

std::string MemberPath(const std::string& path, const std::string& name) {
  bool plain = !name.empty();
  for (const char c : name) {
    plain = plain && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_');
  }
  return plain ? path + "." + name : path + "[" + json(TruncateUtf8(name, 40)).dump() + "]";
}

std::string ItemPath(const std::string& path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

Status SchemaError(const std::string& path, const std::string& what) {
  return Status::InvalidArgument("invalid schema at " + path + ": " + what);
}

Status CheckSchemaAt(const json& schema, const std::string& path) {
  if (!schema.is_object()) return SchemaError(path, "a schema must be an object");
  for (const auto& member : schema.items()) {
    if (!kKeywords.contains(member.key())) {
      return SchemaError(path, "unsupported keyword '" + TruncateUtf8(member.key(), 40) + "'");
    }
  }
  if (const auto type = schema.find("type"); type != schema.end()) {
    const std::vector<json> names =
        type->is_array() ? type->get<std::vector<json>>() : std::vector<json>{*type};
    if (names.empty()) return SchemaError(path, "'type' is an empty array");
    for (const json& name : names) {
      if (!name.is_string() || !kTypes.contains(name.get<std::string>())) {
        return SchemaError(path, "'type' must name JSON types");
      }
    }
  }
  if (const auto props = schema.find("properties"); props != schema.end()) {
    if (!props->is_object()) return SchemaError(path, "'properties' must be an object");
    for (const auto& prop : props->items()) {
      ENGRAM_RETURN_IF_ERROR(CheckSchemaAt(prop.value(), MemberPath(path, prop.key())));
    }
  }
  if (const auto required = schema.find("required"); required != schema.end()) {
    if (!required->is_array()) return SchemaError(path, "'required' must be an array");
    for (const json& name : *required) {
      if (!name.is_string()) return SchemaError(path, "'required' must list strings");
    }
  }
  if (const auto extra = schema.find("additionalProperties");
      extra != schema.end() && !extra->is_boolean()) {
    return SchemaError(path, "'additionalProperties' must be true or false");
  }
  if (const auto items = schema.find("items"); items != schema.end()) {
    ENGRAM_RETURN_IF_ERROR(CheckSchemaAt(*items, path + "[]"));
  }
  if (const auto values = schema.find("enum");
      values != schema.end() && (!values->is_array() || values->empty())) {
    return SchemaError(path, "'enum' must be a non-empty array");
  }
  for (const char* bound : {"minimum", "maximum"}) {
    if (const auto b = schema.find(bound); b != schema.end() && !b->is_number()) {
      return SchemaError(path, std::string("'") + bound + "' must be a number");
    }
  }
  return Status::Ok();
}

bool HasType(const json& value, std::string_view type) {
  if (type == "object") return value.is_object();
  if (type == "array") return value.is_array();
  if (type == "string") return value.is_string();
  if (type == "boolean") return value.is_boolean();
  if (type == "null") return value.is_null();
  if (type == "number") return value.is_number();
  if (type == "integer") {
    if (value.is_number_integer()) return true;
    if (!value.is_number_float()) return false;
    const double d = value.get<double>();
    return std::isfinite(d) && d == std::floor(d);
  }
  return false;
}

const char* TypeOf(const json& value) {
  switch (value.type()) {
    case json::value_t::object:
      return "object";
    case json::value_t::array:
      return "array";
    case json::value_t::string:
      return "string";
    case json::value_t::boolean:
      return "boolean";
    case json::value_t::null:
      return "null";
    default:
      return value.is_number_integer() ? "integer" : "number";
  }
}

// A number as JSON writes it ("1", "0.5"), for messages.
std::string NumberText(const json& value) {
  return value.dump();
}

class Validator {
 public:
  explicit Validator(size_t max_errors) : max_errors_(max_errors) {}

  void Validate(const json& value, const json& schema, const std::string& path) {
    if (full()) return;
    if (const auto type = schema.find("type"); type != schema.end()) {
      const std::vector<json> names =
          type->is_array() ? type->get<std::vector<json>>() : std::vector<json>{*type};
      bool ok = false;
      std::string expected;
      for (const json& name : names) {
        ok = ok || HasType(value, name.get<std::string>());
        expected += (expected.empty() ? "" : " or ") + name.get<std::string>();
      }
      if (!ok) {
        return Add(path + ": expected " + expected + ", got " + TypeOf(value));
      }
    }
    if (const auto values = schema.find("enum"); values != schema.end()) {
      bool found = false;
      for (const json& allowed : *values) found = found || allowed == value;
      if (!found) Add(path + ": not one of " + values->dump());
    }
    if (value.is_number()) {
      const double d = value.get<double>();
      if (const auto min = schema.find("minimum"); min != schema.end() && d < min->get<double>()) {
        Add(path + ": " + NumberText(value) + " is below the minimum " + NumberText(*min));
      }
      if (const auto max = schema.find("maximum"); max != schema.end() && d > max->get<double>()) {
        Add(path + ": " + NumberText(value) + " is above the maximum " + NumberText(*max));
      }
    }
    if (value.is_object()) ValidateObject(value, schema, path);
    if (value.is_array()) {
      if (const auto items = schema.find("items"); items != schema.end()) {
        for (size_t i = 0; i < value.size() && !full(); ++i) {
          Validate(value[i], *items, ItemPath(path, i));
        }
      }
    }
  }

  Status Result() const {
    if (errors_.empty()) return Status::Ok();
    std::string message;
    for (const std::string& e : errors_) message += (message.empty() ? "" : "; ") + e;
    return Status::InvalidArgument(message);
  }

 private:
  void ValidateObject(const json& value, const json& schema, const std::string& path) {
    const auto props = schema.find("properties");
    if (const auto required = schema.find("required"); required != schema.end()) {
      for (const json& name : *required) {
        if (!value.contains(name.get<std::string>())) {
          Add(MemberPath(path, name.get<std::string>()) + ": required but missing");
        }
      }
    }
    const auto extra = schema.find("additionalProperties");
    const bool closed = extra != schema.end() && extra->is_boolean() && !extra->get<bool>();
    for (const auto& member : value.items()) {
      if (full()) return;
      const bool known = props != schema.end() && props->contains(member.key());
      if (known) {
        Validate(member.value(), (*props)[member.key()], MemberPath(path, member.key()));
      } else if (closed) {
        Add(MemberPath(path, member.key()) + ": not allowed (no additional properties)");
      }
    }
  }

  bool full() const { return errors_.size() >= max_errors_; }
  void Add(std::string error) {
    if (!full()) errors_.push_back(std::move(error));
  }

  const size_t max_errors_;
  std::vector<std::string> errors_;
};

}  // namespace

Status CheckSchema(const json& schema) {
  return CheckSchemaAt(schema, "$");
}

Status ValidateJson(const json& value, const json& schema, size_t max_errors) {
  Validator validator(max_errors == 0 ? 1 : max_errors);
  validator.Validate(value, schema, "$");
  return validator.Result();
}

}  // namespace engram::llm
