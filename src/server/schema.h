// Small builders for the JSON Schema fragments of route descriptions (openapi.h).
#pragma once

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

namespace engram::server::schema {

// {"$ref": "#/components/schemas/<name>"}
nlohmann::json Ref(const std::string& name);
nlohmann::json ArrayOf(nlohmann::json items);
// An object with these properties; `required` names the mandatory ones. No other properties.
nlohmann::json Object(std::initializer_list<std::pair<const char*, nlohmann::json>> properties,
                      std::initializer_list<const char*> required = {});
nlohmann::json Type(const char* type, const char* description = nullptr);
// A string or null.
nlohmann::json Nullable(const char* type);

}  // namespace engram::server::schema
