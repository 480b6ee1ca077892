// A tiny random model in USE-lite's exact file format (model.json + shards + vocab.json), and a
// naive double-precision forward pass over it, so the encoder can be tested without the real
// model.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace engram::use_lite::testing {

// A fresh directory under $TMPDIR (or /tmp), removed with its content on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct SyntheticDims {
  int vocab_rows = 24;
  int d0 = 8;      // embedding width
  int d1 = 20;     // model width: not a multiple of 16, so packed panels have a tail
  int ffn0 = 300;  // layer 0 FFN width: more than one 256-deep block in the second projection
  int ffn1 = 24;
  int out = 12;
};

// The 23-entry vocabulary written to vocab.json (6 reserved ids, then English-ish pieces).
std::vector<std::pair<std::string, double>> SyntheticVocab();

class SyntheticModel {
 public:
  // Random weights from `seed`; nothing is written yet.
  SyntheticModel(const SyntheticDims& dims, uint32_t seed);

  // Writes model.json, vocab.json and the shards group1-shard{1,2,3}of3 into dir. The shard
  // boundaries fall inside tensors.
  void Write(const std::string& dir) const;

  // The expected embedding of `ids` (already clipped), computed naively in double precision
  // from the formulas of shared/models/USE-lite.md.
  std::vector<double> Reference(const std::vector<int32_t>& ids) const;

  const SyntheticDims& dims() const { return dims_; }
  // The float tensor whose full name ends with suffix.
  const std::vector<float>& Get(const std::string& suffix) const;

 private:
  struct Entry {
    std::string name;
    std::vector<int64_t> shape;
    bool is_int = false;
    std::vector<float> values;  // int32 tensors hold small integers
  };
  void Add(std::string name, std::vector<int64_t> shape, float stddev, float mean = 0);
  void AddInt(std::string name, std::vector<int64_t> shape);

  SyntheticDims dims_;
  uint32_t state_;
  std::vector<Entry> entries_;
};

}  // namespace engram::use_lite::testing
