#include "hygiene/sentences.h"

#include "hygiene/vocabulary.h"
#include "util/tokenize.h"

namespace engram::hygiene {

std::vector<std::string_view> SplitSentences(std::string_view text) {
  // Abbreviations whose dot ends no sentence.
  const WordSet& abbreviations = WordList("dot_abbreviations");
  std::vector<std::string_view> out;
  const util::Tokens tokens = util::Tokenize(text);
  const char* begin = nullptr;
  const char* end = nullptr;
  bool words = false;
  auto flush = [&] {
    if (words) out.emplace_back(begin, static_cast<size_t>(end - begin));
    begin = end = nullptr;
    words = false;
  };
  for (size_t i = 0; i < tokens.size(); ++i) {
    const util::Token& t = tokens[i];
    if (begin == nullptr) begin = t.raw.data();
    end = t.raw.data() + t.raw.size();
    words = words || t.word;
    const bool mark = !t.word && (t.norm == "." || t.norm == "!" || t.norm == "?" || t.norm == ";");
    if (mark &&
        !(t.norm == "." && i > 0 && tokens[i - 1].word && abbreviations.count(tokens[i - 1].norm)))
      flush();
  }
  flush();
  return out;
}

}  // namespace engram::hygiene
