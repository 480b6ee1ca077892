// A validator for the small JSON Schema subset engram's prompts use, so a model's answer is
// checked before anything is stored (providers' own schema enforcement is optional, partial or
// absent, and local models often ignore it).
//
// Supported keywords:
//   type                  "object", "array", "string", "number", "integer", "boolean", "null",
//                         or an array of them (["string", "null"] for an optional value)
//   properties, required  object members and the names that must be present
//   additionalProperties  false: no members beyond "properties" (true or absent: any)
//   items                 the schema of every array element
//   enum                  the value must equal one of these JSON values
//   minimum, maximum      inclusive bounds for numbers and integers
//   description, title    annotations, ignored
// "integer" accepts any number with no fractional part (3 and 3.0), as JSON Schema does.
//
// Messages name the JSON path of each violation ("$.memories[2].confidence: 1.7 is above the
// maximum 1"), the rule and the expected values from the schema, but never a string from the
// validated value (it is model output about user data); unexpected member names are cut to 40
// bytes.
#pragma once

#include <nlohmann/json.hpp>

#include "engram/status.h"

namespace engram::llm {

// OK when `schema` uses only the subset above, correctly typed; InvalidArgument naming the path
// and keyword otherwise, so that a schema relying on an unsupported keyword fails loudly instead
// of passing everything.
Status CheckSchema(const nlohmann::json& schema);

// OK when `value` matches `schema` (which must pass CheckSchema). Otherwise InvalidArgument
// listing up to `max_errors` violations, separated by "; ".
Status ValidateJson(const nlohmann::json& value, const nlohmann::json& schema,
                    size_t max_errors = 5);

}  // namespace engram::llm
