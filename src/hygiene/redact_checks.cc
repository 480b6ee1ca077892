#include "hygiene/redact_scanner.h"

namespace engram::hygiene::redact_internal {

bool EqualsNoCase(std::string_view s, std::string_view lower) {
  if (s.size() != lower.size()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (Lower(s[i]) != lower[i]) return false;
  }
  return true;
}

bool OneOf(std::string_view word, std::initializer_list<std::string_view> options) {
  return std::find(options.begin(), options.end(), word) != options.end();
}

// Words that follow "password is" or "secret:" in ordinary prose, so they are not values.
bool IsStopword(std::string_view lower) {
  static constexpr std::string_view kWords[] = {
      "a",         "about",     "above",       "actually",  "all",       "also",
      "always",    "an",        "and",         "any",       "are",       "as",
      "at",        "attached",  "available",   "bad",       "being",     "below",
      "blank",     "broken",    "but",         "by",        "case",      "case-sensitive",
      "changed",   "complex",   "compromised", "correct",   "current",   "default",
      "different", "disabled",  "easy",        "empty",     "enabled",   "encrypted",
      "enough",    "expired",   "expiring",    "fine",      "following", "for",
      "forgotten", "from",      "going",       "good",      "great",     "hard",
      "hashed",    "he",        "her",         "here",      "hidden",    "his",
      "how",       "i",         "if",          "in",        "incorrect", "invalid",
      "is",        "it",        "its",         "just",      "known",     "leaked",
      "less",      "listed",    "locked",      "long",      "lost",      "masked",
      "me",        "mine",      "missing",     "more",      "much",      "my",
      "n/a",       "needed",    "new",         "nil",       "no",        "none",
      "not",       "nothing",   "now",         "null",      "of",        "off",
      "ok",        "okay",      "old",         "on",        "one",       "only",
      "optional",  "or",        "our",         "out",       "over",      "please",
      "private",   "protected", "public",      "ready",     "really",    "redacted",
      "required",  "reset",     "same",        "saved",     "secret",    "secure",
      "sensitive", "sent",      "set",         "shared",    "she",       "short",
      "shown",     "simple",    "so",          "something", "stale",     "still",
      "stolen",    "stored",    "strong",      "temporary", "that",      "the",
      "their",     "them",      "there",       "these",     "they",      "this",
      "those",     "to",        "too",         "typed",     "undefined", "unknown",
      "unset",     "updated",   "us",          "used",      "valid",     "very",
      "visible",   "was",       "we",          "weak",      "what",      "when",
      "where",     "which",     "who",         "why",       "with",      "working",
      "written",   "wrong",     "you",         "your",      "yours"};
  return std::find(std::begin(kWords), std::end(kWords), lower) != std::end(kWords);
}

// Payment networks' number ranges and lengths, so that Luhn-valid numbers that no card could
// have (timestamps, phone numbers) stay.
bool PlausibleCard(std::string_view d) {
  const size_t n = d.size();
  const int p2 = (d[0] - '0') * 10 + (d[1] - '0');
  const int p4 = p2 * 100 + (d[2] - '0') * 10 + (d[3] - '0');
  if (d[0] == '4') return n == 13 || n == 16 || n == 19;                     // Visa
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return n == 16;  // Mastercard
  if (p2 == 34 || p2 == 37) return n == 15;                                  // Amex
  if (p4 >= 2200 && p4 <= 2204) return n >= 16;                              // Mir
  if (p2 == 30 || p2 == 36 || p2 == 38 || p2 == 39) return n >= 14;          // Diners
  if (p2 == 35) return n >= 16;                                              // JCB
  return p2 == 50 || (p2 >= 56 && p2 <= 69);  // Maestro, Discover, UnionPay, RuPay
}

bool LuhnValid(std::string_view d) {
  int sum = 0;
  bool twice = false;
  for (size_t i = d.size(); i-- > 0;) {
    int v = d[i] - '0';
    if (twice && (v *= 2) > 9) v -= 9;
    sum += v;
    twice = !twice;
  }
  return sum % 10 == 0;
}

// IBAN length per country (SWIFT IBAN registry, with territories that use their country's form).
int IbanLength(char a, char b) {
  struct Entry {
    char code[3];
    int length;
  };
  static constexpr Entry kEntries[] = {
      {"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AX", 18}, {"AZ", 28}, {"BA", 20},
      {"BE", 16}, {"BG", 22}, {"BH", 22}, {"BI", 27}, {"BL", 27}, {"BR", 29}, {"BY", 28},
      {"CH", 21}, {"CR", 22}, {"CY", 28}, {"CZ", 24}, {"DE", 22}, {"DJ", 27}, {"DK", 18},
      {"DO", 28}, {"EE", 20}, {"EG", 29}, {"ES", 24}, {"FI", 18}, {"FK", 18}, {"FO", 18},
      {"FR", 27}, {"GB", 22}, {"GE", 22}, {"GF", 27}, {"GG", 22}, {"GI", 23}, {"GL", 18},
      {"GP", 27}, {"GR", 27}, {"GT", 28}, {"HN", 28}, {"HR", 21}, {"HU", 28}, {"IE", 22},
      {"IL", 23}, {"IM", 22}, {"IQ", 23}, {"IS", 26}, {"IT", 27}, {"JE", 22}, {"JO", 30},
      {"KW", 30}, {"KZ", 20}, {"LB", 28}, {"LC", 32}, {"LI", 21}, {"LT", 20}, {"LU", 20},
      {"LV", 21}, {"LY", 25}, {"MC", 27}, {"MD", 24}, {"ME", 22}, {"MF", 27}, {"MK", 19},
      {"MN", 20}, {"MQ", 27}, {"MR", 27}, {"MT", 31}, {"MU", 30}, {"NC", 27}, {"NI", 28},
      {"NL", 18}, {"NO", 15}, {"OM", 23}, {"PF", 27}, {"PK", 24}, {"PL", 28}, {"PM", 27},
      {"PS", 29}, {"PT", 25}, {"QA", 29}, {"RE", 27}, {"RO", 24}, {"RS", 22}, {"RU", 33},
      {"SA", 24}, {"SC", 31}, {"SD", 18}, {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27},
      {"SO", 23}, {"ST", 25}, {"SV", 28}, {"TF", 27}, {"TL", 23}, {"TN", 24}, {"TR", 26},
      {"UA", 29}, {"VA", 22}, {"VG", 24}, {"WF", 27}, {"XK", 20}, {"YE", 30}, {"YT", 27}};
  for (const Entry& e : kEntries) {
    if (e.code[0] == a && e.code[1] == b) return e.length;
  }
  return 0;
}

// ISO 7064 mod 97-10 over the IBAN with its first four characters moved to the end.
bool IbanChecksumValid(std::string_view iban) {
  int r = 0;
  auto feed = [&r](char c) {
    if (IsDigit(c)) {
      r = (r * 10 + (c - '0')) % 97;
    } else {
      r = (r * 100 + (Lower(c) - 'a' + 10)) % 97;
    }
  };
  for (char c : iban.substr(4)) feed(c);
  for (char c : iban.substr(0, 4)) feed(c);
  return r == 1;
}

// "2024-01-15" and "15-01-2024" after "account:" are dates, not account numbers.
bool LooksLikeDate(std::string_view v) {
  auto shaped = [v](std::string_view pattern) {
    for (size_t k = 0; k < pattern.size(); ++k) {
      if (pattern[k] == 'd' ? !IsDigit(v[k]) : v[k] != '-') return false;
    }
    return true;
  };
  return v.size() == 10 && (shaped("dddd-dd-dd") || shaped("dd-dd-dddd"));
}

}  // namespace engram::hygiene::redact_internal
