#include "eval/embedding_cache.h"

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>

namespace engram::eval {

namespace {
constexpr const char* kMagic = "ENGRAM-EMBED-CACHE 1";
}

CachingEmbedder::CachingEmbedder(std::shared_ptr<Embedder> inner, std::string path)
    : inner_(std::move(inner)), path_(std::move(path)) {
  std::ifstream in(path_, std::ios::binary);
  std::string magic, model;
  if (!in || !std::getline(in, magic) || magic != kMagic || !std::getline(in, model)) return;
  if (model != inner_->model_id() + " " + std::to_string(inner_->dimension())) return;
  const size_t dim = static_cast<size_t>(inner_->dimension());
  while (true) {
    uint32_t length = 0;
    if (!in.read(reinterpret_cast<char*>(&length), sizeof length)) break;
    std::string text(length, '\0');
    std::vector<float> v(dim);
    if (!in.read(text.data(), length) ||
        !in.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(dim * 4))) {
      break;
    }
    vectors_.emplace(std::move(text), std::move(v));
  }
}

Status CachingEmbedder::Embed(std::span<const std::string> texts,
                              std::vector<std::vector<float>>* out) {
  out->assign(texts.size(), {});
  std::vector<std::string> missing;
  std::vector<size_t> where;
  {
    std::lock_guard lock(mu_);
    for (size_t i = 0; i < texts.size(); ++i) {
      auto it = vectors_.find(texts[i]);
      if (it != vectors_.end()) {
        (*out)[i] = it->second;
      } else {
        missing.push_back(texts[i]);
        where.push_back(i);
      }
    }
  }
  if (missing.empty()) return Status::Ok();
  std::vector<std::vector<float>> computed;
  ENGRAM_RETURN_IF_ERROR(inner_->Embed(missing, &computed));
  std::lock_guard lock(mu_);
  for (size_t j = 0; j < missing.size(); ++j) {
    (*out)[where[j]] = computed[j];
    vectors_.emplace(std::move(missing[j]), std::move(computed[j]));
  }
  return Status::Ok();
}

Status CachingEmbedder::Save() const {
  const std::string tmp = path_ + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) return Status::IOError("cannot write embedding cache '" + tmp + "'");
    f << kMagic << '\n' << inner_->model_id() << ' ' << inner_->dimension() << '\n';
    std::lock_guard lock(mu_);
    for (const auto& [text, v] : vectors_) {
      const uint32_t length = static_cast<uint32_t>(text.size());
      f.write(reinterpret_cast<const char*>(&length), sizeof length);
      f.write(text.data(), static_cast<std::streamsize>(text.size()));
      f.write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(v.size() * 4));
    }
    if (!f.flush()) return Status::IOError("cannot write embedding cache '" + tmp + "'");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path_, ec);
  if (ec) return Status::IOError("cannot rename '" + tmp + "': " + ec.message());
  return Status::Ok();
}

}  // namespace engram::eval
