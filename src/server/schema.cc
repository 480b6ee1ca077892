#include "server/schema.h"

namespace engram::server::schema {

using nlohmann::json;

json Ref(const std::string& name) {
  return json{{"$ref", "#/components/schemas/" + name}};
}

json ArrayOf(json items) {
  return json{{"type", "array"}, {"items", std::move(items)}};
}

json Object(std::initializer_list<std::pair<const char*, json>> properties,
            std::initializer_list<const char*> required) {
  json props = json::object();
  for (const auto& [name, s] : properties) props[name] = s;
  json out{{"type", "object"}, {"properties", std::move(props)}, {"additionalProperties", false}};
  if (required.size() > 0) {
    json req = json::array();
    for (const char* r : required) req.push_back(r);
    out["required"] = std::move(req);
  }
  return out;
}

json Type(const char* type, const char* description) {
  json out{{"type", type}};
  if (description != nullptr) out["description"] = description;
  return out;
}

json Nullable(const char* type) {
  return json{{"type", json::array({type, "null"})}};
}

}  // namespace engram::server::schema
