// A deterministic bag-of-words embedder for tests: each lower-cased word adds a pseudo-random
// unit vector seeded by its hash. Texts sharing words have high cosine; no model files needed.
#pragma once

#include <cctype>
#include <cmath>
#include <functional>
#include <random>

#include "engram/embedder.h"

namespace engram::testing {

class HashingEmbedder final : public Embedder {
 public:
  explicit HashingEmbedder(int dim = 64, std::string id = "hashing-test") : dim_(dim), id_(id) {}
  std::string model_id() const override { return id_; }
  int dimension() const override { return dim_; }
  Status Embed(std::span<const std::string> texts, std::vector<std::vector<float>>* out) override {
    out->clear();
    for (const auto& text : texts) {
      std::vector<float> v(static_cast<size_t>(dim_), 0.f);
      std::string word;
      auto add = [&] {
        if (word.empty()) return;
        std::mt19937 rng(static_cast<uint32_t>(std::hash<std::string>{}(word)));
        std::normal_distribution<float> n;
        for (auto& x : v) x += n(rng);
        word.clear();
      };
      for (char c : text) {
        if (std::isalnum(static_cast<unsigned char>(c))) {
          word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        } else {
          add();
        }
      }
      add();
      double norm = 0;
      for (float x : v) norm += double(x) * x;
      if (norm == 0) v[0] = 1, norm = 1;
      for (auto& x : v) x = static_cast<float>(x / std::sqrt(norm));
      out->push_back(std::move(v));
    }
    return Status::Ok();
  }

 private:
  int dim_;
  std::string id_;
};

}  // namespace engram::testing
