// The redaction scanner's internals, shared by the files of hygiene/redact*.cc: the kinds, the
// byte classes, the label tables, the value checks (redact_checks.cc) and the Scanner, whose
// shape rules live in redact_scanner.cc and whose labelled-value rules in redact_labels.cc.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "hygiene/redact.h"

namespace engram::hygiene::redact_internal {

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

inline constexpr std::array<std::string_view, 18> kKindNames = {
    "openai_api_key", "anthropic_api_key", "aws_access_key", "aws_secret_key", "github_token",
    "slack_token",    "slack_webhook",     "google_api_key", "stripe_key",     "jwt",
    "private_key",    "bearer_token",      "password",       "card_number",    "card_security_code",
    "iban",           "bank_account",      "generic_secret"};

inline std::string_view KindName(Kind kind) {
  return kKindNames[static_cast<size_t>(kind)];
}

inline constexpr std::string_view kMarkerOpen = "[REDACTED:";

inline std::string Marker(Kind kind) {
  std::string m(kMarkerOpen);
  m += KindName(kind);
  m += ']';
  return m;
}

// Byte classes, so the hot loop is one lookup per byte.
enum : uint8_t { kDig = 1, kUp = 2, kLo = 4, kUnd = 8, kWs = 16 };
inline constexpr std::array<uint8_t, 256> kClass = [] {
  std::array<uint8_t, 256> c{};
  for (int i = '0'; i <= '9'; ++i) c[i] = kDig;
  for (int i = 'A'; i <= 'Z'; ++i) c[i] = kUp;
  for (int i = 'a'; i <= 'z'; ++i) c[i] = kLo;
  c['_'] = kUnd;
  for (char w : {' ', '\t', '\n', '\r', '\f', '\v'}) c[static_cast<uint8_t>(w)] = kWs;
  return c;
}();
inline uint8_t Cls(char c) {
  return kClass[static_cast<uint8_t>(c)];
}
inline bool IsDigit(char c) {
  return Cls(c) & kDig;
}
inline bool IsUpper(char c) {
  return Cls(c) & kUp;
}
inline bool IsLower(char c) {
  return Cls(c) & kLo;
}
inline bool IsAlpha(char c) {
  return Cls(c) & (kUp | kLo);
}
inline bool IsAlnum(char c) {
  return Cls(c) & (kDig | kUp | kLo);
}
inline bool IsIdent(char c) {
  return Cls(c) & (kDig | kUp | kLo | kUnd);
}
inline bool IsSpace(char c) {
  return Cls(c) & kWs;
}
inline bool IsBlank(char c) {
  return c == ' ' || c == '\t';
}
inline char Lower(char c) {
  return IsUpper(c) ? static_cast<char>(c + ('a' - 'A')) : c;
}
inline char Upper(char c) {
  return IsLower(c) ? static_cast<char>(c - ('a' - 'A')) : c;
}
// base64url, the alphabet of most token bodies.
inline bool IsUrlSafe(char c) {
  return IsIdent(c) || c == '-';
}
inline bool IsBase64(char c) {
  return IsAlnum(c) || c == '/' || c == '+' || c == '=';
}
// Punctuation that ends a sentence or closes a quote rather than belonging to a value.
inline bool IsTrailing(char c) {
  return c == '.' || c == ',' || c == ';' || c == ':' || c == ')' || c == ']' || c == '}' ||
         c == '>' || c == '"' || c == '\'' || c == '`';
}
inline bool IsOpening(char c) {
  return c == '"' || c == '\'' || c == '`' || c == '(' || c == '[';
}

bool EqualsNoCase(std::string_view s, std::string_view lower);
bool OneOf(std::string_view word, std::initializer_list<std::string_view> options);
// Words that follow "password is" or "secret:" in ordinary prose, so they are not values.
bool IsStopword(std::string_view lower);
// Payment networks' number ranges and lengths, so that Luhn-valid numbers that no card could
// have (timestamps, phone numbers) stay.
bool PlausibleCard(std::string_view d);
bool LuhnValid(std::string_view d);
// IBAN length per country (SWIFT IBAN registry, with territories that use their country's form).
int IbanLength(char a, char b);
// ISO 7064 mod 97-10 over the IBAN with its first four characters moved to the end.
bool IbanChecksumValid(std::string_view iban);
// "2024-01-15" and "15-01-2024" after "account:" are dates, not account numbers.
bool LooksLikeDate(std::string_view v);

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
  kSymbol,    // ':' or '=' only
  kBare,      // ':' '=', or bare whitespace before a value that looks like a secret: "pass
              // Gr33nTea!x", but "a bus pass is valid" ("pass" is also an ordinary word)
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
inline constexpr Head kHeads[] = {
    {"password", Kind::kPassword, Shape::kPassword, Join::kAny},
    {"passwd", Kind::kPassword, Shape::kPassword, Join::kAny},
    {"passcode", Kind::kPassword, Shape::kPassword, Join::kAny},
    {"passphrase", Kind::kPassword, Shape::kPhrase, Join::kExplicit},
    {"mnemonic", Kind::kGenericSecret, Shape::kPhrase, Join::kExplicit},
    {"pwd", Kind::kPassword, Shape::kPassword, Join::kExplicit},  // also a shell command
    {"pass", Kind::kPassword, Shape::kPassword, Join::kBare},     // also a common word
    {"pw", Kind::kPassword, Shape::kPassword, Join::kAny},
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
inline constexpr std::string_view kQualifiedHeads[] = {"key", "code", "number", "no",
                                                       "num", "nr",   "phrase"};
// Words that form one word with a password head in config files and shell habits: "rootpw"
// (slapd.conf), "dbpass", "adminpwd". Scanner::HeadLabel reads <prefix><head> as the head.
inline constexpr std::string_view kCompoundPrefixes[] = {
    "root", "admin", "db",   "user",  "app",  "sudo", "master", "mysql", "redis",
    "smtp", "ftp",   "wifi", "login", "ldap", "vpn",  "bind",   "mail",  "sql"};
inline constexpr std::string_view kCompoundHeads[] = {"pw", "pwd", "pass", "passwd"};
inline constexpr size_t kMaxHead = 10;
// Bit (first letter - 'a') of kHeadFilter[length] is set when some head has that shape.
inline constexpr std::array<uint32_t, kMaxHead + 1> kHeadFilter = [] {
  std::array<uint32_t, kMaxHead + 1> f{};
  for (const Head& h : kHeads) f[h.word.size()] |= 1u << (h.word[0] - 'a');
  for (std::string_view w : kQualifiedHeads) f[w.size()] |= 1u << (w[0] - 'a');
  for (std::string_view p : kCompoundPrefixes) {
    for (std::string_view h : kCompoundHeads) {
      if (p.size() + h.size() <= kMaxHead) f[p.size() + h.size()] |= 1u << (p[0] - 'a');
    }
  }
  return f;
}();

class Scanner {
 public:
  Scanner(std::string_view text, uint32_t disabled) : t_(text), disabled_(disabled) {}

  // Scans the text once; a Scanner is good for one Run.
  RedactedText Run();

  // The credential label that `key` ends with, if any ("db_password", "x-api-key", "apiKey").
  std::optional<Label> LabelOfWholeKey() const;

  // Whether `value` (a whole JSON string or number) passes as the secret of `label`.
  std::optional<Kind> AcceptWhole(const Label& label) const;

 private:
  char at(size_t i) const { return i < t_.size() ? t_[i] : '\0'; }
  bool On(Kind k) const { return ((disabled_ >> static_cast<unsigned>(k)) & 1u) == 0; }
  bool StartsWith(size_t i, std::string_view p) const;
  // The end of the marker that starts at `i`, or 0.
  size_t MarkerEnd(size_t i) const;
  bool MarkerAt(size_t i) const { return MarkerEnd(i) != 0; }
  // Whether `i` falls inside a marker (past its '['), where a marker's ':' could pass for a
  // connector on a second pass.
  bool InsideMarker(size_t i) const;
  size_t RunEnd(size_t i) const;
  template <typename Pred>
  size_t Span(size_t i, Pred pred) const {
    while (i < t_.size() && pred(t_[i])) ++i;
    return i;
  }
  size_t SkipBlanks(size_t i) const { return Span(i, IsBlank); }
  bool HasDigit(size_t b, size_t e) const;

  // ---- Secrets recognizable by their own shape, at the start of an identifier-like run [s, e).

  std::optional<Match> TokenAt(size_t s, size_t e, bool allow_bearer) const;

  // Whether a secret of its own shape starts at `i`; a label's value that is one is left to
  // that rule, which names the kind more precisely.
  bool SpecificAt(size_t i) const;

  // header.payload[.signature...]: base64url segments, the first two JSON objects ("eyJ").
  std::optional<Match> JwtAt(size_t s) const;

  // "Bearer <token>"; `e` is the end of the word "Bearer".
  std::optional<Match> BearerAt(size_t e) const;

  // 13-19 digits, bare or in groups of 3-6 joined by one consistent ' ' or '-', Luhn-valid and
  // in a card network's range. A chain of groups may hold the card in any run of whole groups.
  std::optional<Match> CardAt(size_t s, size_t e) const;

  // Country code, check digits and BBAN of the country's length, compact or in groups of four.
  std::optional<Match> IbanAt(size_t s, size_t e) const;

  // "-----BEGIN <...>PRIVATE KEY<...>-----" through the matching END line, or to the end of the
  // text when the block was cut off.
  std::optional<Match> PemAt(size_t i) const;

  // At "://": the password of "scheme://user:password@host", and Slack webhook paths.
  std::optional<Match> UrlSecretAt(size_t i) const;

  // At " / ": the password of "jsmith / Tr0ub4dor&3", a user and a password side by side; the
  // password must mix letters, digits and a symbol, so "TCP / UDP" and "v1.2 / v1.3" stay.
  std::optional<Match> SlashPairAt(size_t i) const;

  // "Basic <base64>" right after "Authorization:".
  bool AfterAuthorization(size_t s) const;

  // At another ':': the password of a "user:password" pair written without a scheme, before a
  // host ("admin:Pa55! at grafana.lab", "ops:Hunter2!x@build01"); the password must look like
  // one (digits or symbols), and the host must have a dot, so "localhost:8080 at the moment"
  // and times stay.
  std::optional<Match> CredentialPairAt(size_t i) const;

  // ---- Labelled values: "password: x", "my PIN is 1234", "x is my password".

  // The lowercase word of letters ending at `end`, cut at a camelCase boundary ("dbPassword").
  Word WordBefore(size_t end) const;
  // The letters word starting at `b`; empty unless it ends at a non-identifier byte.
  Word WordAt(size_t b) const;
  void Fill(Word& w) const;
  // The word before `w` across one ' ', '_' or '-', or across a camelCase boundary.
  Word PreviousWord(const Word& w) const;

  // The label that the run [s, e) ends with: its last '_'-separated part or camelCase word
  // (the head), possibly qualified by the word before ("api key", "account number"). Only the
  // run's last few bytes matter, and the head's length and first letter dismiss almost every
  // ordinary word with one lookup.
  std::optional<Label> LabelOfRun(size_t s, size_t e) const;

  std::optional<Label> HeadLabel(const Word& head) const;

  std::optional<Match> LabelledValue(size_t s, size_t e) const;

  // ':' '=' ":=" "==" "=>" "->", and '#' before numbers ("acct #1234"). Returns where the value
  // starts; `pairs` is set after '=', where '&' and ';' end the value (query and connection
  // strings).
  std::optional<size_t> SymbolConnector(size_t r, const Label& label, bool* pairs) const;

  // "is", "was", "is now", "was changed to", "is set to:", "set to", "equals"... at `r`.
  std::optional<size_t> WordConnector(size_t r) const;

  // The value after the label at `p`; `linked` tells whether an explicit connector was found.
  std::optional<Match> Forward(const Label& label, size_t p, bool* linked) const;

  // A value after bare whitespace. One already redacted still belongs to this label, so that a
  // second pass does not look for a value before it.
  std::optional<Match> WeakValueAt(const Label& label, size_t v, bool* linked) const;

  // Up to four words, then an explicit connector; the words may not end a phrase.
  std::optional<size_t> ClauseThenConnector(size_t pos, const Label& label) const;

  // 1 for '"', '\'' and '`', 3 for the UTF-8 opening quotes U+201C and U+2018, else 0.
  size_t OpeningQuoteLength(size_t v) const;

  // The value starting at `v`: a quoted string, or the run up to whitespace without trailing
  // punctuation (bank numbers may continue in space-separated digit groups).
  std::optional<Match> ValueAt(const Label& label, size_t v, Tie tie, bool pairs) const;

  // Whether [b, e) looks like the secret `label` announces; the kind to report it as.
  std::optional<Kind> Accept(const Label& label, size_t b, size_t e, Tie tie) const;

  // "hunter2! is my password", "use S3cret! as the wifi password": the value comes first and
  // must look like a secret on its own.
  std::optional<Match> Backward(const Label& label) const;

  std::string_view t_;
  uint32_t disabled_;
  size_t emitted_ = 0;  // the end of the last redaction written out
};

}  // namespace engram::hygiene::redact_internal
