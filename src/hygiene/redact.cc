// One left-to-right pass over the bytes. Only three kinds of position do any work: the start of
// an identifier-like run (provider tokens, card numbers, IBANs, and labels such as "password"
// recognized at the run's end), and the bytes '-', ':' and '[' (PEM blocks, URL credentials,
// existing markers). Everything else is one table lookup per byte, which keeps ordinary prose
// fast; std::regex is not used.
#include "hygiene/redact.h"

#include <algorithm>
#include <array>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "util/json.h"

namespace engram::hygiene {
namespace {

enum class Kind : uint8_t {
  kOpenAiApiKey,
  kAnthropicApiKey,
  kAwsAccessKey,
  kAwsSecretKey,
  kGithubToken,
  kSlackToken,
  kSlackWebhook,
  kGoogleApiKey,
  kStripeKey,
  kJwt,
  kPrivateKey,
  kBearerToken,
  kPassword,
  kCardNumber,
  kCardSecurityCode,
  kIban,
  kBankAccount,
  kGenericSecret,
};

constexpr std::array<std::string_view, 18> kKindNames = {
    "openai_api_key", "anthropic_api_key", "aws_access_key", "aws_secret_key", "github_token",
    "slack_token",    "slack_webhook",     "google_api_key", "stripe_key",     "jwt",
    "private_key",    "bearer_token",      "password",       "card_number",    "card_security_code",
    "iban",           "bank_account",      "generic_secret"};

std::string_view KindName(Kind kind) {
  return kKindNames[static_cast<size_t>(kind)];
}

constexpr std::string_view kMarkerOpen = "[REDACTED:";

std::string Marker(Kind kind) {
  std::string m(kMarkerOpen);
  m += KindName(kind);
  m += ']';
  return m;
}

// Byte classes, so the hot loop is one lookup per byte.
enum : uint8_t { kDig = 1, kUp = 2, kLo = 4, kUnd = 8, kWs = 16 };
constexpr std::array<uint8_t, 256> kClass = [] {
  std::array<uint8_t, 256> c{};
  for (int i = '0'; i <= '9'; ++i) c[i] = kDig;
  for (int i = 'A'; i <= 'Z'; ++i) c[i] = kUp;
  for (int i = 'a'; i <= 'z'; ++i) c[i] = kLo;
  c['_'] = kUnd;
  for (char w : {' ', '\t', '\n', '\r', '\f', '\v'}) c[static_cast<uint8_t>(w)] = kWs;
  return c;
}();
uint8_t Cls(char c) {
  return kClass[static_cast<uint8_t>(c)];
}
bool IsDigit(char c) {
  return Cls(c) & kDig;
}
bool IsUpper(char c) {
  return Cls(c) & kUp;
}
bool IsLower(char c) {
  return Cls(c) & kLo;
}
bool IsAlpha(char c) {
  return Cls(c) & (kUp | kLo);
}
bool IsAlnum(char c) {
  return Cls(c) & (kDig | kUp | kLo);
}
bool IsIdent(char c) {
  return Cls(c) & (kDig | kUp | kLo | kUnd);
}
bool IsSpace(char c) {
  return Cls(c) & kWs;
}
bool IsBlank(char c) {
  return c == ' ' || c == '\t';
}
char Lower(char c) {
  return IsUpper(c) ? static_cast<char>(c + ('a' - 'A')) : c;
}
char Upper(char c) {
  return IsLower(c) ? static_cast<char>(c - ('a' - 'A')) : c;
}
// base64url, the alphabet of most token bodies.
bool IsUrlSafe(char c) {
  return IsIdent(c) || c == '-';
}
bool IsBase64(char c) {
  return IsAlnum(c) || c == '/' || c == '+' || c == '=';
}
// Punctuation that ends a sentence or closes a quote rather than belonging to a value.
bool IsTrailing(char c) {
  return c == '.' || c == ',' || c == ';' || c == ':' || c == ')' || c == ']' || c == '}' ||
         c == '>' || c == '"' || c == '\'' || c == '`';
}
bool IsOpening(char c) {
  return c == '"' || c == '\'' || c == '`' || c == '(' || c == '[';
}

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

struct Match {
  size_t begin = 0;
  size_t end = 0;
  Kind kind = Kind::kGenericSecret;
};

// How a label's value must look to be taken as a secret.
enum class Shape : uint8_t {
  kPassword,  // anything a person might choose
  kMachine,   // a generated token: long, with digits or mixed case
  kPin,       // 4-12 digits
  kCvc,       // 3-4 digits
  kBank,      // 4-34 digits, optionally grouped
  kPhrase,    // words up to the end of the sentence: passphrases, wallet seed phrases
};

// Which connectors may join a label to its value.
enum class Join : uint8_t {
  kAny,       // also bare whitespace: "PIN 1234", "password hunter2!"
  kExplicit,  // ':' '=' "is" "was"... ("pwd" is also a shell command)
  kSymbol,    // ':' or '=' only ("pass" is also an ordinary word)
};

// How firmly the text ties the value to the label; weak ties demand a more secret-like value.
enum class Tie : uint8_t { kWeak, kStrong };

struct Label {
  Kind kind;
  Shape shape;
  Join join;
  size_t begin;  // first byte of the label phrase, for "<value> is my <label>"
};

// A lowercase ASCII word copied out of the text; longer words compare unequal to everything.
struct Word {
  size_t begin = 0;
  size_t end = 0;
  std::array<char, 16> buf{};
  size_t len = 0;
  std::string_view view() const { return {buf.data(), len}; }
};

// Words a credential label ends with.
struct Head {
  std::string_view word;
  Kind kind;
  Shape shape;
  Join join;
};
constexpr Head kHeads[] = {
    {"password", Kind::kPassword, Shape::kPassword, Join::kAny},
    {"passwd", Kind::kPassword, Shape::kPassword, Join::kAny},
    {"passcode", Kind::kPassword, Shape::kPassword, Join::kAny},
    {"passphrase", Kind::kPassword, Shape::kPhrase, Join::kExplicit},
    {"mnemonic", Kind::kGenericSecret, Shape::kPhrase, Join::kExplicit},
    {"pwd", Kind::kPassword, Shape::kPassword, Join::kExplicit},  // also a shell command
    {"pass", Kind::kPassword, Shape::kPassword, Join::kSymbol},   // also a common word
    {"pw", Kind::kPassword, Shape::kPassword, Join::kSymbol},
    {"pin", Kind::kPassword, Shape::kPin, Join::kAny},
    {"secret", Kind::kGenericSecret, Shape::kMachine, Join::kAny},
    {"token", Kind::kGenericSecret, Shape::kMachine, Join::kAny},
    {"apikey", Kind::kGenericSecret, Shape::kMachine, Join::kAny},
    {"account", Kind::kBankAccount, Shape::kBank, Join::kAny},
    {"acct", Kind::kBankAccount, Shape::kBank, Join::kAny},
    {"routing", Kind::kBankAccount, Shape::kBank, Join::kAny},
    {"cvv", Kind::kCardSecurityCode, Shape::kCvc, Join::kAny},
    {"cvc", Kind::kCardSecurityCode, Shape::kCvc, Join::kAny},
    {"cvv2", Kind::kCardSecurityCode, Shape::kCvc, Join::kAny},
    {"cvc2", Kind::kCardSecurityCode, Shape::kCvc, Join::kAny},
    {"csc", Kind::kCardSecurityCode, Shape::kCvc, Join::kAny},
};
// Heads that name a credential only after certain words ("api key", "account number"), which
// Scanner::HeadLabel decides.
constexpr std::string_view kQualifiedHeads[] = {"key", "code", "number", "no",
                                                "num", "nr",   "phrase"};
constexpr size_t kMaxHead = 10;
// Bit (first letter - 'a') of kHeadFilter[length] is set when some head has that shape.
constexpr std::array<uint32_t, kMaxHead + 1> kHeadFilter = [] {
  std::array<uint32_t, kMaxHead + 1> f{};
  for (const Head& h : kHeads) f[h.word.size()] |= 1u << (h.word[0] - 'a');
  for (std::string_view w : kQualifiedHeads) f[w.size()] |= 1u << (w[0] - 'a');
  return f;
}();

class Scanner {
 public:
  Scanner(std::string_view text, uint32_t disabled) : t_(text), disabled_(disabled) {}

  // Scans the text once; a Scanner is good for one Run.
  RedactedText Run() {
    RedactedText out;
    auto emit = [&](const Match& m) {
      out.text.append(t_, emitted_, m.begin - emitted_);
      const std::string marker = Marker(m.kind);
      out.redactions.push_back(
          {std::string(KindName(m.kind)), out.text.size(), marker.size(), "", false});
      out.text += marker;
      emitted_ = m.end;
    };
    // Matches that start past the cursor (a label's value, a URL's password) wait here while
    // the bytes before them are scanned too, since those may hold secrets of their own. Sorted,
    // disjoint; of two overlapping matches the one that starts first wins.
    std::vector<Match> ahead;
    auto add_ahead = [&ahead](const Match& m) {
      for (auto it = ahead.begin(); it != ahead.end();) {
        if (it->begin < m.end && m.begin < it->end) {
          if (it->begin <= m.begin) return;
          it = ahead.erase(it);
        } else {
          ++it;
        }
      }
      ahead.insert(std::find_if(ahead.begin(), ahead.end(),
                                [&m](const Match& a) { return a.begin > m.begin; }),
                   m);
    };
    const size_t n = t_.size();
    size_t i = 0;
    while (i < n || !ahead.empty()) {
      if (!ahead.empty() && i >= ahead.front().begin) {
        emit(ahead.front());
        i = std::max(i, ahead.front().end);
        ahead.erase(ahead.begin());
        continue;
      }
      const char c = t_[i];
      std::optional<Match> m;
      size_t next = i + 1;
      if (IsIdent(c)) {
        next = RunEnd(i);
        m = TokenAt(i, next, /*allow_bearer=*/true);
        if (!m) m = LabelledValue(i, next);
      } else if (c == '[' && MarkerAt(i)) {
        next = MarkerEnd(i);
      } else if (c == '-') {
        m = PemAt(i);
      } else if (c == ':') {
        m = UrlSecretAt(i);
      }
      if (m && m->begin < i) {
        emit(*m);  // "<value> is my password": before the cursor and every waiting match
      } else if (m) {
        add_ahead(*m);
        if (m->begin == i) continue;  // now first in line: emitted at the top of the loop
      }
      i = next;
    }
    if (out.redactions.empty()) return {std::string(t_), {}};
    out.text.append(t_, emitted_);
    return out;
  }

  // The credential label that `key` ends with, if any ("db_password", "x-api-key", "apiKey").
  std::optional<Label> LabelOfWholeKey() const {
    size_t s = t_.size();
    while (s > 0 && IsIdent(t_[s - 1])) --s;
    if (s == t_.size()) return std::nullopt;
    return LabelOfRun(s, t_.size());
  }

  // Whether `value` (a whole JSON string or number) passes as the secret of `label`.
  std::optional<Kind> AcceptWhole(const Label& label) const {
    if (t_.empty()) return std::nullopt;
    const std::optional<Kind> kind = Accept(label, 0, t_.size(), Tie::kStrong);
    if (!kind || !On(*kind)) return std::nullopt;
    return kind;
  }

 private:
  char at(size_t i) const { return i < t_.size() ? t_[i] : '\0'; }
  bool On(Kind k) const { return ((disabled_ >> static_cast<unsigned>(k)) & 1u) == 0; }
  bool StartsWith(size_t i, std::string_view p) const {
    return i <= t_.size() && t_.substr(i).starts_with(p);
  }
  // The end of the marker that starts at `i`, or 0.
  size_t MarkerEnd(size_t i) const {
    if (!StartsWith(i, kMarkerOpen)) return 0;
    size_t j = i + kMarkerOpen.size();
    const size_t name = j;
    while (IsLower(at(j)) || at(j) == '_') ++j;
    return j > name && at(j) == ']' ? j + 1 : 0;
  }
  bool MarkerAt(size_t i) const { return MarkerEnd(i) != 0; }
  // Whether `i` falls inside a marker (past its '['), where a marker's ':' could pass for a
  // connector on a second pass.
  bool InsideMarker(size_t i) const {
    constexpr size_t kLongestMarker = 40;
    for (size_t j = i; j-- > 0 && i - j < kLongestMarker;) {
      if (t_[j] == '[') return MarkerEnd(j) > i;
    }
    return false;
  }
  size_t RunEnd(size_t i) const {
    while (i < t_.size() && IsIdent(t_[i])) ++i;
    return i;
  }
  template <typename Pred>
  size_t Span(size_t i, Pred pred) const {
    while (i < t_.size() && pred(t_[i])) ++i;
    return i;
  }
  size_t SkipBlanks(size_t i) const { return Span(i, IsBlank); }
  bool HasDigit(size_t b, size_t e) const {
    return std::any_of(t_.begin() + b, t_.begin() + e, IsDigit);
  }

  // ---- Secrets recognizable by their own shape, at the start of an identifier-like run [s, e).

  std::optional<Match> TokenAt(size_t s, size_t e, bool allow_bearer) const {
    const std::string_view run = t_.substr(s, e - s);
    auto match = [&](size_t end, Kind kind) -> std::optional<Match> {
      if (!On(kind)) return std::nullopt;
      return Match{s, end, kind};
    };
    switch (run[0]) {
      case 's':
        if (run == "sk" && at(e) == '-') {
          const size_t end = Span(e + 1, IsUrlSafe);
          if (StartsWith(e + 1, "ant-")) {
            if (end - (e + 5) >= 20 && HasDigit(e + 5, end)) {
              return match(end, Kind::kAnthropicApiKey);
            }
          } else if (end - (e + 1) >= 20 && HasDigit(e + 1, end) &&
                     std::any_of(t_.begin() + e + 1, t_.begin() + end, IsAlpha)) {
            return match(end, Kind::kOpenAiApiKey);
          }
          return std::nullopt;
        }
        [[fallthrough]];
      case 'r':
        if ((run.starts_with("sk_live_") || run.starts_with("sk_test_") ||
             run.starts_with("rk_live_") || run.starts_with("rk_test_")) &&
            run.size() >= 8 + 16) {
          return match(e, Kind::kStripeKey);
        }
        break;
      case 'w':
        if (run.starts_with("whsec_") && run.size() >= 6 + 24) return match(e, Kind::kStripeKey);
        break;
      case 'A':
        if (run.size() == 20 && (run.starts_with("AKIA") || run.starts_with("ASIA")) &&
            std::all_of(run.begin(), run.end(), [](char c) { return IsUpper(c) || IsDigit(c); })) {
          return match(e, Kind::kAwsAccessKey);
        }
        if (run.starts_with("AIza")) {
          const size_t end = Span(s, IsUrlSafe);
          if (end - s >= 39) return match(end, Kind::kGoogleApiKey);
        }
        break;
      case 'G':
        if (run == "GOCSPX" && at(e) == '-') {
          const size_t end = Span(e + 1, IsUrlSafe);
          if (end - (e + 1) >= 20) return match(end, Kind::kGoogleApiKey);
        }
        break;
      case 'y':
        if (run == "ya29" && at(e) == '.') {
          size_t end = Span(e + 1, [](char c) { return IsUrlSafe(c) || c == '.'; });
          while (end > e + 1 && at(end - 1) == '.') --end;
          if (end - (e + 1) >= 20) return match(end, Kind::kGoogleApiKey);
        }
        break;
      case 'g':
        if (run.size() >= 4 + 30 && run[1] == 'h' && run[3] == '_' &&
            std::string_view("pousr").find(run[2]) != std::string_view::npos &&
            std::all_of(run.begin() + 4, run.end(), IsAlnum)) {
          return match(e, Kind::kGithubToken);
        }
        if (run.starts_with("github_pat_") && run.size() >= 11 + 22) {
          return match(e, Kind::kGithubToken);
        }
        break;
      case 'x':
        if (at(e) == '-' && ((run.size() == 4 && run.starts_with("xox") &&
                              std::string_view("abeoprs").find(run[3]) != std::string_view::npos) ||
                             run == "xapp")) {
          const size_t end = Span(e + 1, [](char c) { return IsAlnum(c) || c == '-'; });
          if (end - (e + 1) >= 10 && HasDigit(e + 1, end)) return match(end, Kind::kSlackToken);
        }
        break;
      case 'e':
        if (run.starts_with("eyJ")) return JwtAt(s);
        break;
      case 'B':
      case 'b':
        if (allow_bearer && EqualsNoCase(run, "bearer")) return BearerAt(e);
        break;
      default:
        break;
    }
    if (IsDigit(run[0])) return CardAt(s, e);
    if (run.size() >= 4 && IsAlpha(run[0]) && IsAlpha(run[1]) && IsDigit(run[2]) &&
        IsDigit(run[3])) {
      return IbanAt(s, e);
    }
    return std::nullopt;
  }

  // Whether a secret of its own shape starts at `i`; a label's value that is one is left to
  // that rule, which names the kind more precisely.
  bool SpecificAt(size_t i) const {
    std::optional<Match> m;
    if (IsIdent(at(i))) m = TokenAt(i, RunEnd(i), /*allow_bearer=*/false);
    if (at(i) == '-') m = PemAt(i);
    return m && m->begin == i;  // a card found further along a digit chain does not count
  }

  // header.payload[.signature...]: base64url segments, the first two JSON objects ("eyJ").
  std::optional<Match> JwtAt(size_t s) const {
    if (!On(Kind::kJwt)) return std::nullopt;
    const size_t h = Span(s, IsUrlSafe);
    if (h - s < 10 || at(h) != '.' || !StartsWith(h + 1, "eyJ")) return std::nullopt;
    size_t end = Span(h + 1, IsUrlSafe);
    if (end - (h + 1) < 10) return std::nullopt;
    while (at(end) == '.' && IsUrlSafe(at(end + 1))) end = Span(end + 1, IsUrlSafe);
    return Match{s, end, Kind::kJwt};
  }

  // "Bearer <token>"; `e` is the end of the word "Bearer".
  std::optional<Match> BearerAt(size_t e) const {
    if (!On(Kind::kBearerToken) || !IsBlank(at(e))) return std::nullopt;
    const size_t v = SkipBlanks(e);
    const size_t span = Span(v, [](char c) {
      return IsUrlSafe(c) || c == '.' || c == '~' || c == '+' || c == '/' || c == '=';
    });
    size_t end = span;
    while (end > v && at(end - 1) == '.') --end;
    const std::string_view token = t_.substr(v, end - v);
    const bool digit = HasDigit(v, end);
    const bool upper = std::any_of(token.begin(), token.end(), IsUpper);
    const bool lower = std::any_of(token.begin(), token.end(), IsLower);
    // Generated tokens mix digits and letters, or cases. "Bearer key: ..." starts a pair, and a
    // token glued to a marker was longer before that part was redacted.
    if (token.size() < 8 || !(upper || lower) ||
        !(digit || (token.size() >= 16 && upper && lower)) || at(span) == ':' || MarkerAt(span) ||
        SpecificAt(v)) {
      return std::nullopt;
    }
    return Match{v, end, Kind::kBearerToken};
  }

  // 13-19 digits, bare or in groups of 3-6 joined by one consistent ' ' or '-', Luhn-valid and
  // in a card network's range. A chain of groups may hold the card in any run of whole groups.
  std::optional<Match> CardAt(size_t s, size_t e) const {
    if (!On(Kind::kCardNumber)) return std::nullopt;
    // Decimals and phone numbers, unless that byte ended a secret (a second pass sees ']').
    if (s > 0 && s != emitted_) {
      const char p = t_[s - 1];
      if (p == '.' || p == ',' || p == '-' || p == '+') return std::nullopt;
    }
    struct Group {
      size_t begin, end;
    };
    std::array<Group, 8> groups;
    size_t count = 0;
    groups[count++] = {s, e};
    if (!std::all_of(t_.begin() + s, t_.begin() + e, IsDigit)) return std::nullopt;
    const char sep = at(e);
    if ((sep == ' ' || sep == '-') && e - s >= 3 && e - s <= 6) {
      size_t g = e;
      while (count < groups.size() && at(g) == sep && IsDigit(at(g + 1))) {
        const size_t ge = Span(g + 1, IsDigit);
        if (ge - (g + 1) < 3 || ge - (g + 1) > 6 || IsIdent(at(ge))) break;
        groups[count++] = {g + 1, ge};
        g = ge;
      }
    }
    if (count == 1 && (e - s < 13 || e - s > 19)) return std::nullopt;
    for (size_t i = 0; i < count; ++i) {
      for (size_t j = count; j-- > i;) {
        std::array<char, 40> digits;
        size_t nd = 0;
        for (size_t g = i; g <= j && nd <= 19; ++g) {
          for (size_t k = groups[g].begin; k < groups[g].end && nd < digits.size(); ++k) {
            digits[nd++] = t_[k];
          }
        }
        const std::string_view d(digits.data(), nd);
        if (nd >= 13 && nd <= 19 && PlausibleCard(d) && LuhnValid(d)) {
          return Match{groups[i].begin, groups[j].end, Kind::kCardNumber};
        }
      }
    }
    return std::nullopt;
  }

  // Country code, check digits and BBAN of the country's length, compact or in groups of four.
  std::optional<Match> IbanAt(size_t s, size_t e) const {
    if (!On(Kind::kIban)) return std::nullopt;
    const size_t length = static_cast<size_t>(IbanLength(Upper(t_[s]), Upper(t_[s + 1])));
    if (length == 0) return std::nullopt;
    std::array<char, 34> chars;
    size_t count = 0;
    size_t end = s;
    if (e - s == 4 && at(e) == ' ') {
      while (count < length) {
        if (count > 0) {
          if (at(end) != ' ') return std::nullopt;
          ++end;
        }
        const size_t ge = Span(end, IsAlnum);
        const size_t len = ge - end;
        if (len == 0 || len > 4 || (len < 4 && count + len != length)) return std::nullopt;
        if (count + len > length) return std::nullopt;
        std::copy(t_.begin() + end, t_.begin() + ge, chars.begin() + count);
        count += len;
        end = ge;
      }
    } else {
      if (e - s != length || !std::all_of(t_.begin() + s, t_.begin() + e, IsAlnum)) {
        return std::nullopt;
      }
      std::copy(t_.begin() + s, t_.begin() + e, chars.begin());
      end = e;
    }
    if (IsIdent(at(end)) || !IbanChecksumValid({chars.data(), length})) return std::nullopt;
    return Match{s, end, Kind::kIban};
  }

  // "-----BEGIN <...>PRIVATE KEY<...>-----" through the matching END line, or to the end of the
  // text when the block was cut off.
  std::optional<Match> PemAt(size_t i) const {
    constexpr std::string_view kBegin = "-----BEGIN ";
    if (!On(Kind::kPrivateKey) || !StartsWith(i, kBegin)) return std::nullopt;
    const size_t label = i + kBegin.size();
    const size_t close = Span(label, [](char c) { return IsUpper(c) || IsDigit(c) || c == ' '; });
    if (close - label > 64 || !StartsWith(close, "-----") ||
        t_.substr(label, close - label).find("PRIVATE KEY") == std::string_view::npos) {
      return std::nullopt;
    }
    size_t end = t_.find("-----END ", close + 5);
    if (end != std::string_view::npos) end = t_.find("-----", end + 9);
    end = end == std::string_view::npos ? t_.size() : end + 5;
    return Match{i, end, Kind::kPrivateKey};
  }

  // At "://": the password of "scheme://user:password@host", and Slack webhook paths.
  std::optional<Match> UrlSecretAt(size_t i) const {
    if (!StartsWith(i, "://")) return std::nullopt;
    const size_t h = i + 3;
    constexpr std::string_view kSlackHook = "hooks.slack.com/services/";
    if (StartsWith(h, kSlackHook)) {
      const size_t p = h + kSlackHook.size();
      const size_t end = Span(p, [](char c) { return IsUrlSafe(c) || c == '/'; });
      if (!On(Kind::kSlackWebhook) || !IsAlnum(at(p)) || end - p < 20) return std::nullopt;
      return Match{p, end, Kind::kSlackWebhook};
    }
    if (!On(Kind::kPassword)) return std::nullopt;
    size_t end = h;
    while (end < t_.size() && end - h < 512) {
      const char c = t_[end];
      if (IsSpace(c) || c == '/' || c == '?' || c == '#' || c == '"' || c == '\'' || c == '<' ||
          c == '>') {
        break;
      }
      ++end;
    }
    const std::string_view authority = t_.substr(h, end - h);
    const size_t at_sign = authority.rfind('@');
    if (at_sign == std::string_view::npos) return std::nullopt;
    const std::string_view userinfo = authority.substr(0, at_sign);
    const size_t colon = userinfo.find(':');
    // A marker's own ':' is no separator, and a redacted password stays as it is.
    if (colon == std::string_view::npos || colon + 1 == at_sign ||
        userinfo.find(kMarkerOpen) != std::string_view::npos || InsideMarker(h)) {
      return std::nullopt;
    }
    return Match{h + colon + 1, h + at_sign, Kind::kPassword};
  }

  // ---- Labelled values: "password: x", "my PIN is 1234", "x is my password".

  // The lowercase word of letters ending at `end`, cut at a camelCase boundary ("dbPassword").
  Word WordBefore(size_t end) const {
    Word w;
    w.end = end;
    size_t b = end;
    while (b > 0 && IsAlpha(t_[b - 1])) {
      --b;
      if (b > 0 && IsUpper(t_[b]) && IsLower(t_[b - 1])) break;
    }
    w.begin = b;
    Fill(w);
    return w;
  }
  // The letters word starting at `b`; empty unless it ends at a non-identifier byte.
  Word WordAt(size_t b) const {
    Word w;
    w.begin = b;
    w.end = Span(b, IsAlpha);
    if (IsIdent(at(w.end))) w.end = b;
    Fill(w);
    return w;
  }
  void Fill(Word& w) const {
    if (w.end - w.begin > w.buf.size()) return;  // len 0: matches nothing
    for (size_t k = w.begin; k < w.end; ++k) w.buf[w.len++] = Lower(t_[k]);
  }
  // The word before `w` across one ' ', '_' or '-', or across a camelCase boundary.
  Word PreviousWord(const Word& w) const {
    size_t end = w.begin;
    if (end > 0 && !IsAlpha(t_[end - 1])) {
      const char sep = t_[end - 1];
      if (sep != ' ' && sep != '_' && sep != '-') return {};
      --end;
    }
    if (end == 0 || !IsAlpha(t_[end - 1])) return {};
    return WordBefore(end);
  }

  // The label that the run [s, e) ends with: its last '_'-separated part or camelCase word
  // (the head), possibly qualified by the word before ("api key", "account number"). Only the
  // run's last few bytes matter, and the head's length and first letter dismiss almost every
  // ordinary word with one lookup.
  std::optional<Label> LabelOfRun(size_t s, size_t e) const {
    size_t b = e;
    while (b > s && e - b <= kMaxHead && t_[b - 1] != '_' &&
           !(b < e && IsUpper(t_[b]) && IsLower(t_[b - 1]))) {
      --b;
    }
    const size_t len = e - b;
    if (len == 0 || len > kMaxHead || !IsAlpha(t_[b]) ||
        ((kHeadFilter[len] >> (Lower(t_[b]) - 'a')) & 1u) == 0) {
      return std::nullopt;
    }
    if (b > s && t_[b - 1] != '_' && !(IsUpper(t_[b]) && IsLower(t_[b - 1]))) {
      return std::nullopt;  // longer than any head
    }
    Word head;
    head.begin = b;
    head.end = e;
    Fill(head);
    std::optional<Label> label = HeadLabel(head);
    if (label && !On(label->kind)) return std::nullopt;
    return label;
  }

  std::optional<Label> HeadLabel(const Word& head) const {
    const std::string_view w = head.view();
    for (const Head& h : kHeads) {
      if (h.word != w) continue;
      Join join = h.join;
      // "pin" is also a verb; only the acronym stands alone before a bare number.
      if (w == "pin" && t_.substr(head.begin, 3) != "PIN") join = Join::kExplicit;
      return Label{h.kind, h.shape, join, head.begin};
    }
    if (std::find(std::begin(kQualifiedHeads), std::end(kQualifiedHeads), w) ==
        std::end(kQualifiedHeads)) {
      return std::nullopt;
    }
    const Word prev = PreviousWord(head);
    const std::string_view p = prev.view();
    auto qualified = [&prev](Kind k, Shape shape, Join join = Join::kAny) {
      return std::optional<Label>(Label{k, shape, join, prev.begin});
    };
    if (w == "phrase") {
      if (p == "pass") return qualified(Kind::kPassword, Shape::kPhrase, Join::kExplicit);
      if (OneOf(p, {"seed", "recovery", "secret", "backup", "wallet"})) {
        return qualified(Kind::kGenericSecret, Shape::kPhrase, Join::kExplicit);
      }
      return std::nullopt;
    }
    if (w == "key") {
      const Word prev2 = PreviousWord(prev);
      if ((p == "access" && prev2.view() == "secret") || (p == "secret" && prev2.view() == "aws")) {
        return Label{Kind::kAwsSecretKey, Shape::kMachine, Join::kAny, prev2.begin};
      }
      if (OneOf(p, {"api", "secret", "private", "license", "licence", "encryption", "signing",
                    "master", "access", "client", "app", "auth"})) {
        return qualified(Kind::kGenericSecret, Shape::kMachine);
      }
      return std::nullopt;
    }
    if (w == "code") {
      if (OneOf(p, {"pin", "pass", "access", "door", "gate", "alarm", "entry", "lock", "unlock",
                    "garage", "safe"})) {
        return qualified(Kind::kPassword, Shape::kPin);
      }
      if (p == "security") return qualified(Kind::kCardSecurityCode, Shape::kCvc);
      if (p == "sort") return qualified(Kind::kBankAccount, Shape::kBank);
      return std::nullopt;
    }
    if (OneOf(p, {"account", "acct", "routing"})) {
      return qualified(Kind::kBankAccount, Shape::kBank);
    }
    if (p == "pin") return qualified(Kind::kPassword, Shape::kPin);
    return std::nullopt;
  }

  std::optional<Match> LabelledValue(size_t s, size_t e) const {
    const std::optional<Label> label = LabelOfRun(s, e);
    if (!label) return std::nullopt;
    // A label with its own connector ("password: [REDACTED:password]") owns no earlier value.
    bool linked = false;
    if (std::optional<Match> m = Forward(*label, e, &linked)) return m;
    if (linked) return std::nullopt;
    return Backward(*label);
  }

  // ':' '=' ":=" "==" "=>" "->", and '#' before numbers ("acct #1234"). Returns where the value
  // starts; `pairs` is set after '=', where '&' and ';' end the value (query and connection
  // strings).
  std::optional<size_t> SymbolConnector(size_t r, const Label& label, bool* pairs) const {
    const char c = at(r);
    if (c == ':') return SkipBlanks(at(r + 1) == '=' ? r + 2 : r + 1);
    if (c == '=') {
      *pairs = true;
      return SkipBlanks(at(r + 1) == '=' || at(r + 1) == '>' ? r + 2 : r + 1);
    }
    if (c == '-' && at(r + 1) == '>') return SkipBlanks(r + 2);
    if (c == '#' &&
        (label.shape == Shape::kPin || label.shape == Shape::kCvc || label.shape == Shape::kBank)) {
      return SkipBlanks(at(r + 1) == ':' ? r + 2 : r + 1);  // "acct #1234", "Account #: 1234"
    }
    return std::nullopt;
  }

  // "is", "was", "is now", "was changed to", "is set to:", "set to", "equals"... at `r`.
  std::optional<size_t> WordConnector(size_t r) const {
    Word w = WordAt(r);
    auto verb_to = [this](const Word& verb) -> std::optional<size_t> {
      if (!OneOf(verb.view(), {"set", "changed", "updated", "reset"})) return std::nullopt;
      const Word to = WordAt(SkipBlanks(verb.end));
      if (to.view() != "to") return std::nullopt;
      return SkipBlanks(to.end);
    };
    if (OneOf(w.view(), {"is", "was", "are", "were"})) {
      size_t q = SkipBlanks(w.end);
      const Word adverb = WordAt(q);
      if (OneOf(adverb.view(), {"now", "still", "currently", "actually", "just", "also"})) {
        q = SkipBlanks(adverb.end);
      }
      if (std::optional<size_t> v = verb_to(WordAt(q))) q = *v;
      return at(q) == ':' ? SkipBlanks(q + 1) : q;
    }
    if (std::optional<size_t> v = verb_to(w)) return v;
    if (w.view() == "equals") return SkipBlanks(w.end);
    return std::nullopt;
  }

  // The value after the label at `p`; `linked` tells whether an explicit connector was found.
  std::optional<Match> Forward(const Label& label, size_t p, bool* linked) const {
    size_t q = p;
    if (p >= 2 && at(q) == '.' && EqualsNoCase(t_.substr(p - 2, 2), "no")) ++q;  // "acct no. 1234"
    if (at(q) == '\'' && Lower(at(q + 1)) == 's' && IsBlank(at(q + 2)) &&
        label.join != Join::kSymbol) {
      *linked = true;
      return ValueAt(label, SkipBlanks(q + 2), Tie::kStrong, false);  // "password's hunter2"
    }
    const bool quoted_label = at(q) == '"' || at(q) == '\'';  // "password": "x"
    if (quoted_label) ++q;
    const size_t r = SkipBlanks(q);
    bool pairs = false;
    if (std::optional<size_t> v = SymbolConnector(r, label, &pairs)) {
      *linked = true;
      return ValueAt(label, *v, Tie::kStrong, pairs);
    }
    if (quoted_label || r == q || label.join == Join::kSymbol) return std::nullopt;
    if (std::optional<size_t> v = WordConnector(r)) {
      *linked = true;
      return ValueAt(label, *v, Tie::kStrong, false);
    }
    const Word w = WordAt(r);
    if (OneOf(w.view(), {"for", "to", "of", "on", "at"})) {
      // "password for gmail is x", "PIN to the safe: 1234", else "changed password to x".
      if (std::optional<size_t> v = ClauseThenConnector(SkipBlanks(w.end), label)) {
        *linked = true;
        return ValueAt(label, *v, Tie::kStrong, false);
      }
      if (label.join == Join::kAny && (w.view() == "to" || w.view() == "of")) {
        return WeakValueAt(label, SkipBlanks(w.end), linked);
      }
      return std::nullopt;
    }
    if (label.join != Join::kAny) return std::nullopt;
    return WeakValueAt(label, r, linked);
  }

  // A value after bare whitespace. One already redacted still belongs to this label, so that a
  // second pass does not look for a value before it.
  std::optional<Match> WeakValueAt(const Label& label, size_t v, bool* linked) const {
    if (MarkerAt(v + OpeningQuoteLength(v))) {
      *linked = true;
      return std::nullopt;
    }
    return ValueAt(label, v, Tie::kWeak, false);
  }

  // Up to four words, then an explicit connector; the words may not end a phrase.
  std::optional<size_t> ClauseThenConnector(size_t pos, const Label& label) const {
    for (int k = 0; k < 4; ++k) {
      if (MarkerAt(pos)) return std::nullopt;  // its ':' is no connector
      size_t end = pos;
      while (end < t_.size() && !IsSpace(t_[end]) && t_[end] != ':' && t_[end] != '=') ++end;
      if (end == pos) return std::nullopt;
      const char last = t_[end - 1];
      if (last == '.' || last == ',' || last == ';' || last == '!' || last == '?') {
        return std::nullopt;
      }
      const size_t r = SkipBlanks(end);
      bool pairs = false;
      if (std::optional<size_t> v = SymbolConnector(r, label, &pairs)) return v;
      if (r == end) return std::nullopt;
      if (std::optional<size_t> v = WordConnector(r)) return v;
      pos = r;
    }
    return std::nullopt;
  }

  // 1 for '"', '\'' and '`', 3 for the UTF-8 opening quotes U+201C and U+2018, else 0.
  size_t OpeningQuoteLength(size_t v) const {
    if (at(v) == '"' || at(v) == '\'' || at(v) == '`') return 1;
    return StartsWith(v, "\u201c") || StartsWith(v, "\u2018") ? 3 : 0;
  }

  // The value starting at `v`: a quoted string, or the run up to whitespace without trailing
  // punctuation (bank numbers may continue in space-separated digit groups).
  std::optional<Match> ValueAt(const Label& label, size_t v, Tie tie, bool pairs) const {
    if (v >= t_.size() || MarkerAt(v) || InsideMarker(v)) return std::nullopt;
    const size_t open = OpeningQuoteLength(v);
    const size_t begin = v + open;
    if (SpecificAt(begin)) return std::nullopt;
    auto accept = [&](size_t end, Tie t) -> std::optional<Match> {
      if (end == begin) return std::nullopt;
      const std::optional<Kind> kind = Accept(label, begin, end, t);
      if (!kind || !On(*kind)) return std::nullopt;
      return Match{begin, end, *kind};
    };
    if (open > 0) {
      const char quote = at(v);
      const std::string_view closing = open == 1             ? std::string_view(&quote, 1)
                                       : at(v + 2) == '\x9c' ? "\u201d"
                                                             : "\u2019";
      const size_t limit = std::min(t_.size(), begin + 256);
      size_t c = begin;
      while (c < limit && t_[c] != '\n' && !StartsWith(c, closing)) ++c;
      if (c < limit && StartsWith(c, closing)) {
        if (std::optional<Match> m = accept(c, Tie::kStrong)) return m;
      }
      // Unclosed, or not a secret as a whole: the first word may still be one.
    }
    if (MarkerAt(begin)) return std::nullopt;
    size_t end =
        Span(begin, [pairs](char c) { return !IsSpace(c) && !(pairs && (c == '&' || c == ';')); });
    // After bare whitespace, "key:" or "key=value" is the next pair, not this label's value.
    if (tie == Tie::kWeak && end > begin &&
        (t_[end - 1] == ':' || t_.substr(begin, end - begin).find('=') != std::string_view::npos)) {
      return std::nullopt;
    }
    if (label.shape == Shape::kPhrase) {
      // "my passphrase is correct horse battery staple."
      end = begin;
      while (end < t_.size() && end - begin < 256 && t_[end] != '\n' &&
             std::string_view(".,;!?").find(t_[end]) == std::string_view::npos) {
        ++end;
      }
      while (end > begin && IsSpace(t_[end - 1])) --end;
    }
    while (end > begin && IsTrailing(t_[end - 1])) --end;
    if (label.shape == Shape::kBank) {
      // "account number 1234 5678 9012"
      while (at(end) == ' ' && IsDigit(at(end + 1))) {
        const size_t g = Span(end + 1, IsDigit);
        if (IsIdent(at(g))) break;
        end = g;
      }
    }
    return accept(end, tie);
  }

  // Whether [b, e) looks like the secret `label` announces; the kind to report it as.
  std::optional<Kind> Accept(const Label& label, size_t b, size_t e, Tie tie) const {
    const std::string_view v = t_.substr(b, e - b);
    if (v.find(kMarkerOpen) != std::string_view::npos) return std::nullopt;
    const bool all_digits = std::all_of(v.begin(), v.end(), IsDigit);
    switch (label.shape) {
      case Shape::kPin:
        if (!all_digits || v.size() < 4 || v.size() > 12) return std::nullopt;
        return label.kind;
      case Shape::kCvc:
        if (!all_digits || v.size() < 3 || v.size() > 4) return std::nullopt;
        return label.kind;
      case Shape::kBank: {
        size_t digits = 0;
        for (size_t k = 0; k < v.size(); ++k) {
          if (IsDigit(v[k])) {
            ++digits;
          } else if ((v[k] != ' ' && v[k] != '-') || k == 0 || !IsDigit(v[k - 1]) ||
                     k + 1 == v.size()) {
            return std::nullopt;
          }
        }
        if (digits < 4 || digits > 34 || LooksLikeDate(v)) return std::nullopt;
        return label.kind;
      }
      case Shape::kPhrase:
        if (const size_t blank = v.find(' '); blank != std::string_view::npos) {
          // Several words, unless they read as a sentence ("is stored in the vault").
          std::array<char, 16> first{};
          const std::string_view w = v.substr(0, std::min(blank, first.size()));
          std::transform(w.begin(), w.end(), first.begin(), Lower);
          if (OneOf({first.data(), w.size()},
                    {"a",    "an",    "the",    "in",       "on",     "at",      "to",
                     "for",  "of",    "with",   "from",     "by",     "and",     "or",
                     "but",  "not",   "too",    "very",     "also",   "still",   "now",
                     "just", "only",  "this",   "that",     "it",     "what",    "which",
                     "how",  "where", "when",   "stored",   "saved",  "kept",    "written",
                     "set",  "being", "been",   "required", "needed", "missing", "empty",
                     "used", "shown", "hidden", "something"})) {
            return std::nullopt;
          }
          return label.kind;
        }
        break;  // one word: as a password
      case Shape::kPassword:
      case Shape::kMachine:
        break;
    }
    bool digit = false, upper = false, inner_upper = false, lower = false, symbol = false,
         alnum = false;
    for (size_t k = 0; k < v.size(); ++k) {
      const char c = v[k];
      digit |= IsDigit(c);
      upper |= IsUpper(c);
      inner_upper |= k > 0 && IsUpper(c);
      lower |= IsLower(c);
      const bool wordy = IsAlnum(c) || static_cast<unsigned char>(c) >= 0x80;
      alnum |= wordy;
      symbol |= !wordy && !IsSpace(c);
    }
    // "${DB_PASSWORD}", "$(cat key)", "{{ secret }}", "$API_KEY" name a secret kept elsewhere.
    if (!alnum || v.starts_with("${") || v.starts_with("$(") || v.starts_with("{{") ||
        (v.size() > 1 && v[0] == '$' &&
         std::all_of(v.begin() + 1, v.end(), [](char c) { return IsUpper(c) || c == '_'; }))) {
      return std::nullopt;
    }
    if (v.size() <= 16) {
      std::array<char, 16> buf;
      std::transform(v.begin(), v.end(), buf.begin(), Lower);
      if (IsStopword({buf.data(), v.size()})) return std::nullopt;
    }
    const size_t n = v.size();
    if (label.shape != Shape::kMachine) {
      if (tie == Tie::kWeak && (n < 4 || !(digit || symbol))) return std::nullopt;
      return label.kind;
    }
    // A generated token has no spaces, and a key file's path is not the key.
    if (std::any_of(v.begin(), v.end(), IsSpace) || v.starts_with("~/") || v.starts_with("./") ||
        v.starts_with("../")) {
      return std::nullopt;
    }
    const bool ok = tie == Tie::kStrong
                        ? n >= 6 && (digit || symbol || inner_upper)
                        : (n >= 8 && digit && (upper || lower)) || (n >= 16 && upper && lower);
    if (!ok) return std::nullopt;
    if (label.kind == Kind::kAwsSecretKey &&
        (n != 40 || !std::all_of(v.begin(), v.end(), IsBase64))) {
      return Kind::kGenericSecret;
    }
    return label.kind;
  }

  // "hunter2! is my password", "use S3cret! as the wifi password": the value comes first and
  // must look like a secret on its own.
  std::optional<Match> Backward(const Label& label) const {
    if (label.shape != Shape::kPassword && label.shape != Shape::kMachine &&
        label.shape != Shape::kPhrase) {
      return std::nullopt;
    }
    size_t q = label.begin;
    bool linked = false;
    for (int k = 0; k < 4 && !linked; ++k) {
      const size_t b = q;
      while (q > 0 && IsBlank(t_[q - 1])) --q;
      if (q == b || q == 0 || !IsAlpha(t_[q - 1])) return std::nullopt;
      size_t ws = q;
      while (ws > 0 && IsAlpha(t_[ws - 1])) --ws;
      if (ws > 0 && IsIdent(t_[ws - 1])) return std::nullopt;
      const Word w = WordAt(ws);
      linked = OneOf(w.view(), {"is", "was", "as"});
      q = ws;
    }
    if (!linked) return std::nullopt;
    size_t end = q;
    while (end > emitted_ && IsBlank(t_[end - 1])) --end;
    if (end == q) return std::nullopt;
    size_t begin = end;
    while (begin > emitted_ && end - begin < 256 && !IsSpace(t_[begin - 1])) --begin;
    // The token must start after whitespace: not inside a redaction, nor past the length cap
    // that keeps long runs of labels linear.
    if (begin > 0 && !IsSpace(t_[begin - 1])) return std::nullopt;
    while (begin < end && IsOpening(t_[begin]) && !MarkerAt(begin)) ++begin;
    while (end > begin && IsTrailing(t_[end - 1])) --end;
    if (begin == end) return std::nullopt;
    const std::optional<Kind> kind = Accept(label, begin, end, Tie::kWeak);
    if (!kind || !On(*kind)) return std::nullopt;
    return Match{begin, end, *kind};
  }

  std::string_view t_;
  uint32_t disabled_;
  size_t emitted_ = 0;  // the end of the last redaction written out
};

// ---- JSON

using Json = nlohmann::ordered_json;
constexpr int kMaxJsonDepth = 256;

void AppendPointerToken(std::string& pointer, std::string_view token) {
  pointer += '/';
  for (char c : token) {
    if (c == '~') {
      pointer += "~0";
    } else if (c == '/') {
      pointer += "~1";
    } else {
      pointer += c;
    }
  }
}

class JsonRedactor {
 public:
  JsonRedactor(const Redactor& redactor, uint32_t disabled)
      : redactor_(redactor), disabled_(disabled) {}

  Status Walk(Json& value, std::string& where, const std::optional<Label>& label, int depth) {
    if (depth > kMaxJsonDepth) {
      return Status::InvalidArgument("json is nested deeper than " + std::to_string(kMaxJsonDepth) +
                                     " levels");
    }
    if (value.is_string()) {
      RedactString(value, where, label);
    } else if (value.is_number_integer()) {
      RedactNumber(value, where, label);
    } else if (value.is_array()) {
      for (size_t i = 0; i < value.size(); ++i) {
        const size_t mark = where.size();
        AppendPointerToken(where, std::to_string(i));
        ENGRAM_RETURN_IF_ERROR(Walk(value[i], where, std::nullopt, depth + 1));
        where.resize(mark);
      }
    } else if (value.is_object()) {
      return WalkObject(value, where, depth);
    }
    return Status::Ok();
  }

  std::vector<Redaction>& redactions() { return redactions_; }

 private:
  std::optional<Label> KeyLabel(std::string_view key) const {
    return Scanner(key, disabled_).LabelOfWholeKey();
  }

  Status WalkObject(Json& object, std::string& where, int depth) {
    // {"name": "DB_PASSWORD", "value": "..."} labels its "value" like a member name would.
    std::optional<Label> sibling;
    for (const char* name_key : {"name", "key"}) {
      auto it = object.find(name_key);
      if (it != object.end() && it->is_string()) {
        sibling = KeyLabel(it->get_ref<const std::string&>());
        if (sibling) break;
      }
    }
    Json rebuilt = Json::object();
    for (auto& [key, child] : object.items()) {
      RedactedText k = redactor_.Redact(key);
      std::string name = k.text;
      for (int suffix = 2; rebuilt.contains(name); ++suffix) {
        name = k.text + "#" + std::to_string(suffix);
      }
      const size_t mark = where.size();
      AppendPointerToken(where, name);
      for (Redaction& r : k.redactions) {
        r.where = where;
        r.in_key = true;
        redactions_.push_back(std::move(r));
      }
      std::optional<Label> label = KeyLabel(key);
      if (!label && sibling && key == "value") label = sibling;
      Json& slot = rebuilt[name] = std::move(child);
      ENGRAM_RETURN_IF_ERROR(Walk(slot, where, label, depth + 1));
      where.resize(mark);
    }
    object = std::move(rebuilt);
    return Status::Ok();
  }

  void Replace(Json& value, const std::string& where, Kind kind) {
    std::string marker = Marker(kind);
    redactions_.push_back({std::string(KindName(kind)), 0, marker.size(), where, false});
    value = std::move(marker);
  }

  void RedactString(Json& value, const std::string& where, const std::optional<Label>& label) {
    const std::string& s = value.get_ref<const std::string&>();
    RedactedText r = redactor_.Redact(s);
    // A labelled value is replaced whole, unless it is a single secret of a more precise kind.
    const bool one_secret = r.redactions.size() == 1 && r.redactions[0].length == r.text.size();
    if (label && !one_secret) {
      if (std::optional<Kind> kind = Scanner(s, disabled_).AcceptWhole(*label)) {
        return Replace(value, where, *kind);
      }
    }
    if (!r.changed()) return;
    for (Redaction& x : r.redactions) {
      x.where = where;
      redactions_.push_back(std::move(x));
    }
    value = std::move(r.text);
  }

  void RedactNumber(Json& value, const std::string& where, const std::optional<Label>& label) {
    const std::string digits = value.is_number_unsigned() ? std::to_string(value.get<uint64_t>())
                                                          : std::to_string(value.get<int64_t>());
    if (label) {
      if (std::optional<Kind> kind = Scanner(digits, disabled_).AcceptWhole(*label)) {
        return Replace(value, where, *kind);
      }
    }
    // Only a card number can be all digits.
    const RedactedText r = redactor_.Redact(digits);
    if (r.redactions.size() == 1 && r.redactions[0].length == r.text.size()) {
      Replace(value, where, Kind::kCardNumber);
    }
  }

  const Redactor& redactor_;
  uint32_t disabled_;
  std::vector<Redaction> redactions_;
};

}  // namespace

std::span<const std::string_view> RedactionKinds() {
  return kKindNames;
}

Redactor::Redactor(RedactorOptions options) : enabled_(options.enabled), disabled_(0) {
  for (const std::string& name : options.disabled_kinds) {
    auto it = std::find(kKindNames.begin(), kKindNames.end(), name);
    if (it != kKindNames.end()) disabled_ |= 1u << (it - kKindNames.begin());
  }
}

RedactedText Redactor::Redact(std::string_view text) const {
  if (!enabled_) return {std::string(text), {}};
  return Scanner(text, disabled_).Run();
}

Result<RedactedText> Redactor::RedactJson(std::string_view json) const {
  if (!enabled_) return RedactedText{std::string(json), {}};
  Result<Json> parsed = util::ParseOrderedJson(json);
  if (!parsed.ok()) {
    return Status::InvalidArgument("json is not a valid JSON document: " +
                                   parsed.status().message());
  }
  Json& doc = *parsed;
  JsonRedactor walker(*this, disabled_);
  std::string where;
  ENGRAM_RETURN_IF_ERROR(walker.Walk(doc, where, std::nullopt, 0));
  if (walker.redactions().empty()) return RedactedText{std::string(json), {}};
  return RedactedText{doc.dump(-1, ' ', false, Json::error_handler_t::replace),
                      std::move(walker.redactions())};
}

}  // namespace engram::hygiene
