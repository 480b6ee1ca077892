// Reader of TF.js weight files: model.json's weightsManifest plus its binary shards.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engram/status.h"

namespace engram::use_lite {

// A float32 tensor inside a loaded WeightFile (which owns the data).
struct Tensor {
  std::string name;
  std::vector<int64_t> shape;
  std::span<const float> data;
};

class WeightFile {
 public:
  // Reads dir/model.json and, for each weightsManifest group, its shards concatenated in
  // order; each listed tensor takes prod(shape)·4 bytes of little-endian float32 or int32.
  // NotFound if a file is missing; Corruption if model.json is not valid JSON or lacks the
  // manifest, a dtype or quantization is unsupported, or the shards' total size differs from
  // what the manifest needs.
  static Result<WeightFile> Load(const std::string& model_dir);

  // The float32 tensor whose name ends with "/" + suffix (or is suffix) and whose shape equals
  // `shape`, where -1 matches any extent. NotFound if none matches, Corruption if several
  // match or the match has another dtype or shape. Messages name the tensor and model.json.
  Result<Tensor> Find(std::string_view suffix, const std::vector<int64_t>& shape) const;

 private:
  struct Entry {
    std::string name;
    std::string dtype;
    std::vector<int64_t> shape;
    size_t group = 0;
    size_t offset = 0;  // in 4-byte words
    size_t words = 0;
  };

  std::string manifest_path_;
  std::vector<Entry> entries_;
  std::vector<std::vector<float>> groups_;  // concatenated shards; int32 words left as bits
};

}  // namespace engram::use_lite
