// The YAML form of archives (archive_file.h): the same JSON objects written as YAML, and YAML read
// back into them with every cost bounded by the input's size.
#pragma once

#include <yaml-cpp/emitter.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engram/status.h"

namespace engram::portable {

using ArchiveJson = nlohmann::ordered_json;

// Writes the JSON value as YAML: strings double-quoted so that YAML never retypes them, numbers
// as the JSON form writes them.
void EmitYaml(YAML::Emitter& out, const ArchiveJson& j);

// The documents of a YAML text (at most `max_documents`; more is InvalidArgument) as JSON values:
// double-quoted scalars are strings, plain ones true/false, numbers, null or strings. Anchors and
// aliases are allowed, but the whole result may cost at most twice the text's size (a node costs
// 1, a scalar its length too) and nest at most util::kMaxJsonDepth levels: InvalidArgument
// otherwise, as for malformed YAML.
Result<std::vector<ArchiveJson>> ReadYamlDocuments(const std::string& text, size_t max_documents);

}  // namespace engram::portable
