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

std::string RelationTypeKey(std::string_view type) {
  std::string key = NameKey(type);
  for (char& c : key) {
    if (c == ' ') c = '_';
  }
  return key;
}

}  // namespace engram::graph
