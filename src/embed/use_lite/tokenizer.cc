#include "embed/use_lite/tokenizer.h"

#include <unicode/normalizer2.h>
#include <unicode/unistr.h>
#include <unicode/ustring.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>

#include "embed/use_lite/io.h"

namespace engram::use_lite {
namespace {

constexpr char32_t kSpace = U' ';
constexpr char32_t kWordBoundary = U'\u2581';  // "▁"

// Code points of UTF-8 `s`; false if `s` is not well-formed UTF-8.
bool DecodeUtf8(std::string_view s, std::u32string* out) {
  out->clear();
  const auto* bytes = reinterpret_cast<const uint8_t*>(s.data());
  const int32_t length = static_cast<int32_t>(s.size());
  for (int32_t i = 0; i < length;) {
    UChar32 c;
    U8_NEXT(bytes, i, length, c);
    if (c < 0) return false;
    out->push_back(static_cast<char32_t>(c));
  }
  return true;
}

}  // namespace

Result<Tokenizer> Tokenizer::FromVocab(const std::vector<std::pair<std::string, double>>& vocab) {
  Tokenizer t;
  t.vocab_size_ = static_cast<int>(vocab.size());
  t.nodes_.emplace_back();
  std::u32string piece;
  for (size_t id = kReservedIds; id < vocab.size(); ++id) {
    if (!DecodeUtf8(vocab[id].first, &piece)) {
      return Status::InvalidArgument("vocabulary entry " + std::to_string(id) +
                                     " is not valid UTF-8");
    }
    if (piece.empty()) continue;  // can never match anything
    int32_t node = 0;
    for (char32_t cp : piece) {
      const uint64_t key = (static_cast<uint64_t>(node) << 21) | cp;
      auto [it, inserted] = t.edges_.try_emplace(key, static_cast<int32_t>(t.nodes_.size()));
      if (inserted) t.nodes_.emplace_back();
      node = it->second;
    }
    t.nodes_[node] = Node{static_cast<int32_t>(id), vocab[id].second};
  }
  return t;
}

Result<Tokenizer> Tokenizer::FromFile(const std::string& path) {
  ENGRAM_ASSIGN_OR_RETURN(std::string content, ReadFile(path));
  const nlohmann::json doc = nlohmann::json::parse(content, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Status::Corruption(path + ": not valid JSON");
  if (!doc.is_array()) return Status::Corruption(path + ": expected a JSON array");
  std::vector<std::pair<std::string, double>> vocab;
  vocab.reserve(doc.size());
  for (const auto& entry : doc) {
    const std::string where = path + ": entry " + std::to_string(vocab.size());
    if (!entry.is_array() || entry.size() != 2 || !entry[0].is_string()) {
      return Status::Corruption(where + " is not a [piece, score] pair");
    }
    double score = 0;  // the reference adds a null score as 0
    if (entry[1].is_number()) {
      score = entry[1].get<double>();
    } else if (!entry[1].is_null()) {
      return Status::Corruption(where + " has a score that is neither a number nor null");
    }
    vocab.emplace_back(entry[0].get<std::string>(), score);
  }
  if (vocab.size() <= static_cast<size_t>(kReservedIds)) {
    return Status::Corruption(path + ": vocabulary has no entries beyond the reserved ids");
  }
  auto tokenizer = FromVocab(vocab);
  if (!tokenizer.ok()) return Status::Corruption(path + ": " + tokenizer.status().message());
  return tokenizer;
}

int32_t Tokenizer::Child(int32_t node, char32_t cp) const {
  const auto it = edges_.find((static_cast<uint64_t>(node) << 21) | cp);
  return it == edges_.end() ? -1 : it->second;
}

Result<std::vector<int32_t>> Tokenizer::Encode(std::string_view text) const {
  if (text.size() >= static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    return Status::TooLarge("text of " + std::to_string(text.size()) + " bytes");
  }
  // UTF-8 -> UTF-16 with ill-formed input rejected (ICU's fromUTF8 would substitute U+FFFD).
  // UTF-16 never needs more code units than UTF-8 has bytes.
  UErrorCode err = U_ZERO_ERROR;
  icu::UnicodeString utf16;
  const int32_t capacity = static_cast<int32_t>(text.size()) + 1;
  UChar* buffer = utf16.getBuffer(capacity);
  if (buffer == nullptr) return Status::Internal("out of memory converting text to UTF-16");
  int32_t length = 0;
  u_strFromUTF8(buffer, capacity, &length, text.data(), static_cast<int32_t>(text.size()), &err);
  utf16.releaseBuffer(U_SUCCESS(err) ? length : 0);
  if (U_FAILURE(err)) return Status::InvalidArgument("text is not valid UTF-8");

  const icu::Normalizer2* nfkc = icu::Normalizer2::getNFKCInstance(err);
  if (U_FAILURE(err)) return Status::Internal(std::string("ICU NFKC: ") + u_errorName(err));
  const icu::UnicodeString normalized = nfkc->normalize(utf16, err);
  if (U_FAILURE(err)) return Status::Internal(std::string("ICU NFKC: ") + u_errorName(err));

  std::u32string sym;
  if (normalized.length() > 0) {
    sym.reserve(static_cast<size_t>(normalized.length()) + 1);
    sym.push_back(kWordBoundary);
    for (int32_t i = 0; i < normalized.length();) {
      const UChar32 c = normalized.char32At(i);
      i += U16_LENGTH(c);
      sym.push_back(c == static_cast<UChar32>(kSpace) ? kWordBoundary : static_cast<char32_t>(c));
    }
  }

  // Viterbi, visiting starts in ascending order and relaxing every piece that begins there.
  // For a given end this sees candidates in ascending start order, exactly like the
  // reference's loop over ends then starts, and every best[start] is final when read.
  const size_t n = sym.size();
  std::vector<double> best(n + 1, 0.0);
  std::vector<int32_t> word(n + 1, kUnknownId);
  std::vector<uint32_t> word_len(n + 1, 0);
  auto relax = [&](size_t start, size_t end, int32_t id, double score) {
    const double s = score + best[start];
    if (best[end] == 0 || s >= best[end]) {  // the reference's quirk: 0 means "unset"
      best[end] = s;
      word[end] = id;
      word_len[end] = static_cast<uint32_t>(end - start);
    }
  };
  for (size_t start = 0; start < n; ++start) {
    bool matched = false;
    int32_t node = 0;
    for (size_t end = start + 1; end <= n; ++end) {
      node = Child(node, sym[end - 1]);
      if (node < 0) break;
      if (nodes_[node].id >= 0) {
        relax(start, end, nodes_[node].id, nodes_[node].score);
        matched = true;
      }
    }
    if (!matched) relax(start, start + 1, kUnknownId, 0.0);
  }

  std::vector<int32_t> ids;
  bool previous_unknown = false;
  for (size_t end = n; end > 0; end -= word_len[end]) {
    const int32_t id = word[end];
    if (!(previous_unknown && id == kUnknownId)) ids.push_back(id);
    previous_unknown = id == kUnknownId;
  }
  std::reverse(ids.begin(), ids.end());
  return ids;
}

}  // namespace engram::use_lite
