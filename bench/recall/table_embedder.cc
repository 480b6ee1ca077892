#include "table_embedder.h"

#include <charconv>

namespace engram::bench {

TableEmbedder::TableEmbedder(std::string model_id, int dimension, VectorOf vector_of)
    : model_id_(std::move(model_id)), dimension_(dimension), vector_of_(std::move(vector_of)) {}

Status TableEmbedder::Embed(std::span<const std::string> texts,
                            std::vector<std::vector<float>>* out) {
  out->resize(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    const int64_t n = TextNumber(texts[i]);
    if (n < 0) {
      return Status::InvalidArgument("text " + std::to_string(i) + " carries no \"#<n>\"");
    }
    (*out)[i].resize(static_cast<size_t>(dimension_));
    vector_of_(static_cast<uint64_t>(n), (*out)[i]);
  }
  return Status::Ok();
}

int64_t TextNumber(std::string_view text) {
  const size_t hash = text.rfind('#');
  if (hash == std::string_view::npos) return -1;
  int64_t n = -1;
  const auto parsed = std::from_chars(text.data() + hash + 1, text.data() + text.size(), n);
  return parsed.ec == std::errc() && n >= 0 ? n : -1;
}

}  // namespace engram::bench
