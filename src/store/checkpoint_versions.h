// How backends keep a checkpoint's channel_versions: a JSON object of strings, so their SQL can
// join the values a checkpoint names (SQLite's json_each, PostgreSQL's jsonb_each_text).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "engram/status.h"

namespace engram::store {

std::string EncodeChannelVersions(const std::map<std::string, std::string>& versions);
// Corruption when the text is not a JSON object of strings.
Result<std::map<std::string, std::string>> DecodeChannelVersions(std::string_view text);

}  // namespace engram::store
