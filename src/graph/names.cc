#include "graph/names.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

namespace engram::graph {

std::string NameKey(std::string_view name) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc_cf = icu::Normalizer2::getNFKCCasefoldInstance(status);
  icu::UnicodeString folded;
  const icu::UnicodeString input = icu::UnicodeString::fromUTF8(
      icu::StringPiece(name.data(), static_cast<int32_t>(name.size())));
  if (U_SUCCESS(status)) folded = nfkc_cf->normalize(input, status);
  if (U_FAILURE(status)) folded = icu::UnicodeString(input).foldCase();
  icu::UnicodeString out;
  bool pending_space = false;
  for (int32_t i = 0; i < folded.length();) {
    const UChar32 c = folded.char32At(i);
    i += U16_LENGTH(c);
    if (c == U'\'' || c == U'\u2019' || c == U'\u02BC') continue;  // O'Brien, O’Brien
    if (u_isalnum(c) || u_hasBinaryProperty(c, UCHAR_DIACRITIC)) {
      if (pending_space && !out.isEmpty()) out.append(UChar32(U' '));
      pending_space = false;
      out.append(c);
    } else {
      pending_space = true;
    }
  }
  std::string key;
  out.toUTF8String(key);
  return key;
}

std::vector<std::string> NameWords(std::string_view text) {
  std::string plain;
  plain.reserve(text.size());
  auto is_letter = [&](size_t i) {
    const unsigned char c = i < text.size() ? static_cast<unsigned char>(text[i]) : 0;
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
  };
  for (size_t i = 0; i < text.size();) {
    const size_t mark = text.compare(i, 1, "'") == 0        ? 1
                        : text.compare(i, 3, "\u2019") == 0 ? 3
                                                            : 0;
    if (mark && i > 0 && is_letter(i - 1) && i + mark < text.size() &&
        (text[i + mark] == 's' || text[i + mark] == 'S') && !is_letter(i + mark + 1)) {
      plain += ' ';
      i += mark + 1;
      continue;
    }
    plain += text[i++];
  }
  std::vector<std::string> words;
  const std::string key = NameKey(plain);
  for (size_t start = 0; start < key.size();) {
    size_t end = key.find(' ', start);
    if (end == std::string::npos) end = key.size();
    words.push_back(key.substr(start, end - start));
    start = end + 1;
  }
  return words;
}

std::string RelationTypeKey(std::string_view type) {
  std::string key = NameKey(type);
  for (char& c : key) {
    if (c == ' ') c = '_';
  }
  return key;
}

}  // namespace engram::graph
