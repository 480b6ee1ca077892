// UseLiteEmbedder: the built-in sentence encoder, a C++ port of Google's Universal Sentence
// Encoder lite v1 (512-d). Install its files with scripts/install_model.sh.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engram/embedder.h"
#include "engram/status.h"

namespace engram {

namespace use_lite {
class Encoder;
class Tokenizer;
struct Scratch;
}  // namespace use_lite
namespace util {
class WorkerTeam;
}  // namespace util

class UseLiteEmbedder final : public Embedder {
 public:
  // The value of model_id(); it changes whenever the model or its preprocessing does.
  static constexpr const char* kModelId = "use-lite-v1";

  // Where scripts/install_model.sh puts the model: $ENGRAM_MODEL_DIR if set, else
  // $XDG_DATA_HOME/engram/models/use-lite-v1, else $HOME/.local/share/engram/models/use-lite-v1;
  // "" when none of these variables is set.
  static std::string DefaultModelDir();

  // Loads model.json, vocab.json and the weight shards from model_dir (about 40 ms; 30 MB
  // resident after, 60 MB at peak while loading). Embed uses up to `threads` threads, the
  // caller's included (0: one per hardware thread): a batch's texts are shared out, and a short
  // batch (one query) has its matmuls split.
  // FailedPrecondition naming the directory and scripts/install_model.sh if model.json or
  // vocab.json is missing; NotFound, Corruption or IOError naming the file or tensor when the
  // files are incomplete or malformed.
  static Result<std::unique_ptr<UseLiteEmbedder>> Open(const std::string& model_dir,
                                                       int threads = 0);

  ~UseLiteEmbedder() override;

  // "use-lite-v1".
  std::string model_id() const override;
  // 512 for the USE-lite model (the width of its output layer).
  int dimension() const override;

  // Embeds texts as the reference TF.js model does (within 1e-6 per dimension); only the first
  // 128 tokens of a text count, and a text's vector does not depend on the other texts of the
  // call. "" yields a fixed unit vector, the model's output for zero tokens
  // (l2normalize(tanh(bt))). InvalidArgument naming the index if a text is not valid UTF-8.
  // Thread-safe; concurrent calls run in parallel, each on its own work buffers (one of them
  // with the helper threads, the others on their calling thread alone).
  Status Embed(std::span<const std::string> texts, std::vector<std::vector<float>>* out) override;

  // The token ids the model sees for text, before the 128-token clip. InvalidArgument if text
  // is not valid UTF-8.
  Result<std::vector<int32_t>> Tokenize(std::string_view text) const;

 private:
  UseLiteEmbedder(std::unique_ptr<use_lite::Tokenizer> tokenizer,
                  std::unique_ptr<use_lite::Encoder> encoder,
                  std::unique_ptr<util::WorkerTeam> team);

  std::unique_ptr<use_lite::Scratch> AcquireScratch();
  void ReleaseScratch(std::unique_ptr<use_lite::Scratch> scratch);

  std::unique_ptr<use_lite::Tokenizer> tokenizer_;
  std::unique_ptr<use_lite::Encoder> encoder_;
  std::unique_ptr<util::WorkerTeam> team_;
  std::mutex mu_;                                                 // guards idle_scratch_
  std::vector<std::unique_ptr<use_lite::Scratch>> idle_scratch_;  // one per past concurrent call
};

}  // namespace engram
