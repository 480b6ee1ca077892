#include "embed/use_lite/use_lite_embedder.h"

#include <cstdlib>
#include <filesystem>

#include "embed/use_lite/encoder.h"
#include "embed/use_lite/tokenizer.h"
#include "embed/use_lite/weights.h"

namespace engram {
namespace {

// Token rows per Forward call: enough rows to reuse each weight block many times, few enough
// that the work buffers (about 6 KiB per row for USE-lite) stay in cache-friendly megabytes.
constexpr size_t kBatchTokens = 256;

std::string EnvOrEmpty(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

}  // namespace

std::string UseLiteEmbedder::DefaultModelDir() {
  const std::string suffix = "/engram/models/use-lite-v1";
  if (std::string dir = EnvOrEmpty("ENGRAM_MODEL_DIR"); !dir.empty()) return dir;
  if (std::string xdg = EnvOrEmpty("XDG_DATA_HOME"); !xdg.empty()) return xdg + suffix;
  if (std::string home = EnvOrEmpty("HOME"); !home.empty()) return home + "/.local/share" + suffix;
  return "";
}

Result<std::unique_ptr<UseLiteEmbedder>> UseLiteEmbedder::Open(const std::string& model_dir,
                                                               int threads) {
  if (model_dir.empty()) {
    return Status::InvalidArgument("USE-lite model directory is empty; set ENGRAM_MODEL_DIR");
  }
  for (const char* file : {"model.json", "vocab.json"}) {
    std::error_code ec;
    if (!std::filesystem::exists(model_dir + "/" + file, ec)) {
      return Status::FailedPrecondition("USE-lite model not installed: " + model_dir + "/" + file +
                                        " is missing (run scripts/install_model.sh)");
    }
  }
  ENGRAM_ASSIGN_OR_RETURN(use_lite::Tokenizer tokenizer,
                          use_lite::Tokenizer::FromFile(model_dir + "/vocab.json"));
  std::unique_ptr<use_lite::Encoder> encoder;
  {
    ENGRAM_ASSIGN_OR_RETURN(use_lite::WeightFile weights, use_lite::WeightFile::Load(model_dir));
    ENGRAM_ASSIGN_OR_RETURN(encoder, use_lite::Encoder::Build(weights));
  }  // the raw shards are released here; the encoder keeps its repacked copy
  if (tokenizer.vocab_size() > encoder->vocab_rows()) {
    return Status::Corruption(
        model_dir + ": vocab.json has " + std::to_string(tokenizer.vocab_size()) +
        " entries but the embedding table only " + std::to_string(encoder->vocab_rows()) + " rows");
  }
  return std::unique_ptr<UseLiteEmbedder>(
      new UseLiteEmbedder(std::make_unique<use_lite::Tokenizer>(std::move(tokenizer)),
                          std::move(encoder), std::make_unique<util::WorkerTeam>(threads)));
}

UseLiteEmbedder::UseLiteEmbedder(std::unique_ptr<use_lite::Tokenizer> tokenizer,
                                 std::unique_ptr<use_lite::Encoder> encoder,
                                 std::unique_ptr<util::WorkerTeam> team)
    : tokenizer_(std::move(tokenizer)), encoder_(std::move(encoder)), team_(std::move(team)) {}

UseLiteEmbedder::~UseLiteEmbedder() = default;

std::string UseLiteEmbedder::model_id() const {
  return kModelId;
}

int UseLiteEmbedder::dimension() const {
  return encoder_->dimension();
}

Result<std::vector<int32_t>> UseLiteEmbedder::Tokenize(std::string_view text) const {
  return tokenizer_->Encode(text);
}

std::unique_ptr<use_lite::Scratch> UseLiteEmbedder::AcquireScratch() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_scratch_.empty()) {
      std::unique_ptr<use_lite::Scratch> scratch = std::move(idle_scratch_.back());
      idle_scratch_.pop_back();
      return scratch;
    }
  }
  return std::make_unique<use_lite::Scratch>();
}

void UseLiteEmbedder::ReleaseScratch(std::unique_ptr<use_lite::Scratch> scratch) {
  std::lock_guard<std::mutex> lock(mu_);
  idle_scratch_.push_back(std::move(scratch));
}

Status UseLiteEmbedder::Embed(std::span<const std::string> texts,
                              std::vector<std::vector<float>>* out) {
  if (out == nullptr) return Status::InvalidArgument("Embed: out is null");
  // Tokenize everything first so that a bad text fails the call before any model work.
  std::vector<std::vector<int32_t>> ids(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    auto encoded = tokenizer_->Encode(texts[i]);
    if (!encoded.ok()) {
      const Status& st = encoded.status();
      return Status(st.code() == Status::Code::kInvalidArgument
                        ? Status::InvalidArgument("text " + std::to_string(i) + ": " + st.message())
                        : st);
    }
    ids[i] = std::move(encoded).value();
    if (ids[i].size() > use_lite::kMaxTokens) ids[i].resize(use_lite::kMaxTokens);
  }

  const size_t dim = static_cast<size_t>(encoder_->dimension());
  std::vector<float> flat(texts.size() * dim);
  // Batches of whole texts within kBatchTokens: [batches[b], batches[b + 1]).
  std::vector<size_t> batches = {0};
  for (size_t end = 0, tokens = 0; end < ids.size(); ++end) {
    if (end > batches.back() && tokens + ids[end].size() > kBatchTokens) {
      batches.push_back(end);
      tokens = 0;
    }
    tokens += ids[end].size();
  }
  if (batches.back() < ids.size()) batches.push_back(ids.size());
  auto forward = [&](size_t b, util::WorkerTeam* matmul_team) {
    std::unique_ptr<use_lite::Scratch> scratch = AcquireScratch();
    encoder_->Forward(std::span(ids).subspan(batches[b], batches[b + 1] - batches[b]),
                      scratch.get(), flat.data() + batches[b] * dim, matmul_team);
    ReleaseScratch(std::move(scratch));
  };
  const int n_batches = static_cast<int>(batches.size()) - 1;
  if (n_batches == 1) {
    forward(0, team_.get());  // one query: split its matmuls
  } else {
    team_->ParallelFor(n_batches, [&](int b) { forward(static_cast<size_t>(b), nullptr); });
  }

  out->assign(texts.size(), {});
  for (size_t i = 0; i < texts.size(); ++i) {
    (*out)[i].assign(flat.begin() + i * dim, flat.begin() + (i + 1) * dim);
  }
  return Status::Ok();
}

}  // namespace engram
