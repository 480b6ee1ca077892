#include "hygiene/redact_scanner.h"

namespace engram::hygiene::redact_internal {

Word Scanner::WordBefore(size_t end) const {
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

Word Scanner::WordAt(size_t b) const {
  Word w;
  w.begin = b;
  w.end = Span(b, IsAlpha);
  if (IsIdent(at(w.end))) w.end = b;
  Fill(w);
  return w;
}

void Scanner::Fill(Word& w) const {
  if (w.end - w.begin > w.buf.size()) return;  // len 0: matches nothing
  for (size_t k = w.begin; k < w.end; ++k) w.buf[w.len++] = Lower(t_[k]);
}

Word Scanner::PreviousWord(const Word& w) const {
  size_t end = w.begin;
  if (end > 0 && !IsAlpha(t_[end - 1])) {
    const char sep = t_[end - 1];
    if (sep != ' ' && sep != '_' && sep != '-') return {};
    --end;
  }
  if (end == 0 || !IsAlpha(t_[end - 1])) return {};
  return WordBefore(end);
}

std::optional<Label> Scanner::LabelOfRun(size_t s, size_t e) const {
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

std::optional<Label> Scanner::HeadLabel(const Word& head) const {
  const std::string_view w = head.view();
  for (const Head& h : kHeads) {
    if (h.word != w) continue;
    Join join = h.join;
    // "pin" is also a verb; only the acronym stands alone before a bare number.
    if (w == "pin" && t_.substr(head.begin, 3) != "PIN") join = Join::kExplicit;
    return Label{h.kind, h.shape, join, head.begin};
  }
  for (std::string_view p : kCompoundPrefixes) {
    if (!w.starts_with(p)) continue;
    const std::string_view rest = w.substr(p.size());
    if (std::find(std::begin(kCompoundHeads), std::end(kCompoundHeads), rest) !=
        std::end(kCompoundHeads)) {
      return Label{Kind::kPassword, Shape::kPassword, Join::kAny, head.begin};
    }
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

std::optional<Match> Scanner::LabelledValue(size_t s, size_t e) const {
  const std::optional<Label> label = LabelOfRun(s, e);
  if (!label) return std::nullopt;
  // A label with its own connector ("password: [REDACTED:password]") owns no earlier value.
  bool linked = false;
  if (std::optional<Match> m = Forward(*label, e, &linked)) return m;
  if (linked) return std::nullopt;
  return Backward(*label);
}

std::optional<size_t> Scanner::SymbolConnector(size_t r, const Label& label, bool* pairs) const {
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

std::optional<size_t> Scanner::WordConnector(size_t r) const {
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

std::optional<Match> Scanner::Forward(const Label& label, size_t p, bool* linked) const {
  size_t q = p;
  if (p >= 2 && at(q) == '.' && EqualsNoCase(t_.substr(p - 2, 2), "no")) ++q;  // "acct no. 1234"
  if (at(q) == '\'' && Lower(at(q + 1)) == 's' && IsBlank(at(q + 2)) &&
      label.join != Join::kSymbol && label.join != Join::kBare) {
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
  if (label.join == Join::kBare) return WeakValueAt(label, r, linked);
  if (std::optional<size_t> v = WordConnector(r)) {
    *linked = true;
    return ValueAt(label, *v, Tie::kStrong, false);
  }
  const Word w = WordAt(r);
  if (OneOf(w.view(), {"for", "to", "of", "on", "at", "in"})) {
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

std::optional<Match> Scanner::WeakValueAt(const Label& label, size_t v, bool* linked) const {
  if (MarkerAt(v + OpeningQuoteLength(v))) {
    *linked = true;
    return std::nullopt;
  }
  return ValueAt(label, v, Tie::kWeak, false);
}

std::optional<size_t> Scanner::ClauseThenConnector(size_t pos, const Label& label) const {
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

size_t Scanner::OpeningQuoteLength(size_t v) const {
  if (at(v) == '"' || at(v) == '\'' || at(v) == '`') return 1;
  return StartsWith(v, "\u201c") || StartsWith(v, "\u2018") ? 3 : 0;
}

std::optional<Match> Scanner::ValueAt(const Label& label, size_t v, Tie tie, bool pairs) const {
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

std::optional<Kind> Scanner::Accept(const Label& label, size_t b, size_t e, Tie tie) const {
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
        if (OneOf(
                {first.data(), w.size()},
                {"a",       "an",    "the",     "in",    "on",     "at",       "to",       "for",
                 "of",      "with",  "from",    "by",    "and",    "or",       "but",      "not",
                 "too",     "very",  "also",    "still", "now",    "just",     "only",     "this",
                 "that",    "it",    "what",    "which", "how",    "where",    "when",     "stored",
                 "saved",   "kept",  "written", "set",   "being",  "been",     "required", "needed",
                 "missing", "empty", "used",    "shown", "hidden", "something"})) {
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

std::optional<Match> Scanner::Backward(const Label& label) const {
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

}  // namespace engram::hygiene::redact_internal
