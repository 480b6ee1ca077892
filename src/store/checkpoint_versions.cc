#include "store/checkpoint_versions.h"

#include <nlohmann/json.hpp>

namespace engram::store {

std::string EncodeChannelVersions(const std::map<std::string, std::string>& versions) {
  return nlohmann::json(versions).dump();
}

Result<std::map<std::string, std::string>> DecodeChannelVersions(std::string_view text) {
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return Status::Corruption("checkpoint channel_versions is not an object");
  std::map<std::string, std::string> out;
  for (const auto& [channel, version] : j.items()) {
    if (!version.is_string()) return Status::Corruption("checkpoint channel version not a string");
    out.emplace(channel, version.get<std::string>());
  }
  return out;
}

}  // namespace engram::store
