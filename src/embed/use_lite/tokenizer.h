// Tokenizer of USE-lite: a port of the tfjs-models Universal Sentence Encoder tokenizer.
//
// It reproduces the reference exactly, quirks included (shared/models/USE-lite.md), because
// the network was trained on its ids: NFKC, "▁" for spaces and as a prefix, a Viterbi over
// vocabulary pieces that prefers the later of equal-score paths and treats a best score of
// exactly 0 as "unset", unknown code points as id 0 with runs of them merged into one.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engram/status.h"

namespace engram::use_lite {

// Most ids the encoder reads; longer token sequences are clipped to their first kMaxTokens.
inline constexpr size_t kMaxTokens = 128;

class Tokenizer {
 public:
  // Ids below kReservedIds are control tokens and never matched; id 0 is the unknown token.
  static constexpr int kReservedIds = 6;
  static constexpr int32_t kUnknownId = 0;

  // Builds from (piece, log-probability) pairs in id order. InvalidArgument if a piece is not
  // UTF-8. A piece listed twice resolves to its last id, as in the reference.
  static Result<Tokenizer> FromVocab(const std::vector<std::pair<std::string, double>>& vocab);
  // Loads vocab.json: a JSON array of [piece, score] pairs where a null score counts as 0.
  // NotFound if the file is missing, Corruption if it does not have that form.
  static Result<Tokenizer> FromFile(const std::string& path);

  // The ids of `text`, not clipped; none for "". InvalidArgument if text is not UTF-8.
  Result<std::vector<int32_t>> Encode(std::string_view text) const;

  // Number of vocabulary entries, reserved ones included; every id is below it.
  int vocab_size() const { return vocab_size_; }

 private:
  struct Node {
    int32_t id = -1;  // vocabulary id ending here, -1 if none
    double score = 0;
  };

  // Child of `node` along code point `cp`, or -1.
  int32_t Child(int32_t node, char32_t cp) const;

  int vocab_size_ = 0;
  std::vector<Node> nodes_;  // nodes_[0] is the root
  // (parent << 21 | code point) -> child; 21 bits hold any code point.
  std::unordered_map<uint64_t, int32_t> edges_;
};

}  // namespace engram::use_lite
