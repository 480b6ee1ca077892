#include "embed/use_lite/weights.h"

#include <bit>
#include <cstring>
#include <nlohmann/json.hpp>

#include "embed/use_lite/io.h"

namespace engram::use_lite {
namespace {

static_assert(std::endian::native == std::endian::little, "weight shards are little-endian");

std::string ShapeString(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) s += ",";
    s += shape[i] < 0 ? std::string("*") : std::to_string(shape[i]);
  }
  return s + "]";
}

bool EndsWithComponent(std::string_view name, std::string_view suffix) {
  if (name.size() < suffix.size() || name.substr(name.size() - suffix.size()) != suffix) {
    return false;
  }
  return name.size() == suffix.size() || name[name.size() - suffix.size() - 1] == '/';
}

}  // namespace

Result<WeightFile> WeightFile::Load(const std::string& model_dir) {
  WeightFile wf;
  wf.manifest_path_ = model_dir + "/model.json";
  const std::string& path = wf.manifest_path_;
  ENGRAM_ASSIGN_OR_RETURN(std::string content, ReadFile(path));
  const nlohmann::json doc = nlohmann::json::parse(content, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Status::Corruption(path + ": not valid JSON");
  if (!doc.is_object() || !doc.contains("weightsManifest") || !doc["weightsManifest"].is_array()) {
    return Status::Corruption(path + ": no weightsManifest array");
  }
  const nlohmann::json& manifest = doc["weightsManifest"];
  for (size_t g = 0; g < manifest.size(); ++g) {
    const nlohmann::json& group = manifest[g];
    const std::string where = path + ": weightsManifest[" + std::to_string(g) + "]";
    if (!group.is_object() || !group.contains("paths") || !group["paths"].is_array() ||
        !group.contains("weights") || !group["weights"].is_array()) {
      return Status::Corruption(where + " lacks a paths or weights array");
    }
    size_t words = 0;
    for (const nlohmann::json& w : group["weights"]) {
      const bool well_formed = w.is_object() && w.contains("name") && w["name"].is_string() &&
                               w.contains("shape") && w["shape"].is_array() &&
                               w.contains("dtype") && w["dtype"].is_string();
      if (!well_formed) {
        return Status::Corruption(where + ": weight entry " + std::to_string(wf.entries_.size()) +
                                  " lacks a name, shape or dtype");
      }
      Entry e;
      e.name = w["name"].get<std::string>();
      e.dtype = w["dtype"].get<std::string>();
      e.group = g;
      e.offset = words;
      e.words = 1;
      for (const nlohmann::json& d : w["shape"]) {
        if (!d.is_number_integer() || d.get<int64_t>() < 0 || d.get<int64_t>() > (1 << 30)) {
          return Status::Corruption(where + ": tensor " + e.name + " has a bad shape");
        }
        e.shape.push_back(d.get<int64_t>());
        e.words *= static_cast<size_t>(e.shape.back());
      }
      if (e.dtype != "float32" && e.dtype != "int32") {
        return Status::Corruption(where + ": tensor " + e.name + " has unsupported dtype " +
                                  e.dtype);
      }
      if (w.contains("quantization")) {
        return Status::Corruption(where + ": tensor " + e.name + " is quantized (unsupported)");
      }
      words += e.words;
      wf.entries_.push_back(std::move(e));
    }

    std::vector<float>& blob = wf.groups_.emplace_back(words);
    size_t filled = 0;  // bytes
    for (const nlohmann::json& p : group["paths"]) {
      if (!p.is_string()) return Status::Corruption(where + ": a shard path is not a string");
      const std::string shard = model_dir + "/" + p.get<std::string>();
      ENGRAM_ASSIGN_OR_RETURN(std::string bytes, ReadFile(shard));
      if (filled + bytes.size() > words * 4) {
        return Status::Corruption(shard + ": shards hold more than the " +
                                  std::to_string(words * 4) + " bytes " + path + " lists");
      }
      std::memcpy(reinterpret_cast<char*>(blob.data()) + filled, bytes.data(), bytes.size());
      filled += bytes.size();
    }
    if (filled != words * 4) {
      return Status::Corruption(where + ": shards hold " + std::to_string(filled) +
                                " bytes but the tensors need " + std::to_string(words * 4) +
                                " (truncated or missing shard data)");
    }
  }
  return wf;
}

Result<Tensor> WeightFile::Find(std::string_view suffix, const std::vector<int64_t>& shape) const {
  const Entry* found = nullptr;
  for (const Entry& e : entries_) {
    if (!EndsWithComponent(e.name, suffix)) continue;
    if (found != nullptr) {
      return Status::Corruption(manifest_path_ + ": several tensors end with " +
                                std::string(suffix) + ": " + found->name + ", " + e.name);
    }
    found = &e;
  }
  if (found == nullptr) {
    return Status::NotFound(manifest_path_ + ": no tensor named *" + std::string(suffix));
  }
  if (found->dtype != "float32") {
    return Status::Corruption(manifest_path_ + ": tensor " + found->name + " is " + found->dtype +
                              ", expected float32");
  }
  bool shape_ok = found->shape.size() == shape.size();
  for (size_t i = 0; shape_ok && i < shape.size(); ++i) {
    shape_ok = shape[i] < 0 || shape[i] == found->shape[i];
  }
  if (!shape_ok) {
    return Status::Corruption(manifest_path_ + ": tensor " + found->name + " has shape " +
                              ShapeString(found->shape) + ", expected " + ShapeString(shape));
  }
  const std::vector<float>& blob = groups_[found->group];
  return Tensor{found->name, found->shape,
                std::span<const float>(blob.data() + found->offset, found->words)};
}

}  // namespace engram::use_lite
