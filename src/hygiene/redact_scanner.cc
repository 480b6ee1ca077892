// One left-to-right pass over the bytes. Only three kinds of position do any work: the start of
// an identifier-like run (provider tokens, card numbers, IBANs, and labels such as "password"
// recognized at the run's end), and the bytes '-', ':' and '[' (PEM blocks, URL credentials,
// existing markers). Everything else is one table lookup per byte, which keeps ordinary prose
// fast; std::regex is not used.
#include "hygiene/redact_scanner.h"

#include <vector>

namespace engram::hygiene::redact_internal {

RedactedText Scanner::Run() {
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
      if (!m) m = CredentialPairAt(i);
    } else if (c == '/') {
      m = SlashPairAt(i);
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

std::optional<Label> Scanner::LabelOfWholeKey() const {
  size_t s = t_.size();
  while (s > 0 && IsIdent(t_[s - 1])) --s;
  if (s == t_.size()) return std::nullopt;
  return LabelOfRun(s, t_.size());
}

std::optional<Kind> Scanner::AcceptWhole(const Label& label) const {
  if (t_.empty()) return std::nullopt;
  const std::optional<Kind> kind = Accept(label, 0, t_.size(), Tie::kStrong);
  if (!kind || !On(*kind)) return std::nullopt;
  return kind;
}

bool Scanner::StartsWith(size_t i, std::string_view p) const {
  return i <= t_.size() && t_.substr(i).starts_with(p);
}

size_t Scanner::MarkerEnd(size_t i) const {
  if (!StartsWith(i, kMarkerOpen)) return 0;
  size_t j = i + kMarkerOpen.size();
  const size_t name = j;
  while (IsLower(at(j)) || at(j) == '_') ++j;
  return j > name && at(j) == ']' ? j + 1 : 0;
}

bool Scanner::InsideMarker(size_t i) const {
  constexpr size_t kLongestMarker = 40;
  for (size_t j = i; j-- > 0 && i - j < kLongestMarker;) {
    if (t_[j] == '[') return MarkerEnd(j) > i;
  }
  return false;
}

size_t Scanner::RunEnd(size_t i) const {
  while (i < t_.size() && IsIdent(t_[i])) ++i;
  return i;
}

bool Scanner::HasDigit(size_t b, size_t e) const {
  return std::any_of(t_.begin() + b, t_.begin() + e, IsDigit);
}

std::optional<Match> Scanner::TokenAt(size_t s, size_t e, bool allow_bearer) const {
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
      if (allow_bearer &&
          (EqualsNoCase(run, "bearer") || (EqualsNoCase(run, "basic") && AfterAuthorization(s))))
        return BearerAt(e);
      break;
    default:
      break;
  }
  if (IsDigit(run[0])) return CardAt(s, e);
  if (run.size() >= 4 && IsAlpha(run[0]) && IsAlpha(run[1]) && IsDigit(run[2]) && IsDigit(run[3])) {
    return IbanAt(s, e);
  }
  return std::nullopt;
}

bool Scanner::SpecificAt(size_t i) const {
  std::optional<Match> m;
  if (IsIdent(at(i))) m = TokenAt(i, RunEnd(i), /*allow_bearer=*/false);
  if (at(i) == '-') m = PemAt(i);
  return m && m->begin == i;  // a card found further along a digit chain does not count
}

std::optional<Match> Scanner::JwtAt(size_t s) const {
  if (!On(Kind::kJwt)) return std::nullopt;
  const size_t h = Span(s, IsUrlSafe);
  if (h - s < 10 || at(h) != '.' || !StartsWith(h + 1, "eyJ")) return std::nullopt;
  size_t end = Span(h + 1, IsUrlSafe);
  if (end - (h + 1) < 10) return std::nullopt;
  while (at(end) == '.' && IsUrlSafe(at(end + 1))) end = Span(end + 1, IsUrlSafe);
  return Match{s, end, Kind::kJwt};
}

std::optional<Match> Scanner::BearerAt(size_t e) const {
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
  if (token.size() < 8 || !(upper || lower) || !(digit || (token.size() >= 16 && upper && lower)) ||
      at(span) == ':' || MarkerAt(span) || SpecificAt(v)) {
    return std::nullopt;
  }
  return Match{v, end, Kind::kBearerToken};
}

std::optional<Match> Scanner::CardAt(size_t s, size_t e) const {
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

std::optional<Match> Scanner::IbanAt(size_t s, size_t e) const {
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

std::optional<Match> Scanner::PemAt(size_t i) const {
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

std::optional<Match> Scanner::UrlSecretAt(size_t i) const {
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

bool Scanner::AfterAuthorization(size_t s) const {
  size_t q = s;
  while (q > 0 && IsBlank(t_[q - 1])) --q;
  if (q == 0 || t_[q - 1] != ':') return false;
  const Word w = WordBefore(q - 1);
  return w.view() == "authorization";
}

std::optional<Match> Scanner::SlashPairAt(size_t i) const {
  if (!On(Kind::kPassword) || i < 2 || t_[i - 1] != ' ' || at(i + 1) != ' ') return std::nullopt;
  size_t u = i - 1;
  while (u > 0 && !IsSpace(t_[u - 1]) && i - u < 64) --u;
  if (i - 1 - u < 2 || !std::any_of(t_.begin() + u, t_.begin() + i - 1, IsAlpha)) {
    return std::nullopt;
  }
  const size_t v = i + 2;
  size_t end = Span(v, [](char c) { return !IsSpace(c); });
  while (end > v && (t_[end - 1] == '.' || t_[end - 1] == ',' || t_[end - 1] == ';')) --end;
  const std::string_view value = t_.substr(v, end - v);
  if (value.size() < 6 || value.size() > 128 || MarkerAt(v)) return std::nullopt;
  const bool letter = std::any_of(value.begin(), value.end(), IsAlpha);
  const bool digit = std::any_of(value.begin(), value.end(), IsDigit);
  const bool symbol = value.find_first_of("!@#$%^&*+=?~_") != std::string_view::npos;
  if (!letter || !digit || !symbol) return std::nullopt;
  return Match{v, end, Kind::kPassword};
}

std::optional<Match> Scanner::CredentialPairAt(size_t i) const {
  if (!On(Kind::kPassword) || i == 0 || StartsWith(i, "://") || InsideMarker(i)) {
    return std::nullopt;
  }
  // The user: letters, digits, '.', '_' or '-' after whitespace or the start, with a letter.
  auto user_byte = [](char c) { return IsIdent(c) || c == '.' || c == '-'; };
  size_t u = i;
  while (u > 0 && i - u < 64 && user_byte(t_[u - 1])) --u;
  if (u == i || (u > 0 && !IsSpace(t_[u - 1])) ||
      !std::any_of(t_.begin() + u, t_.begin() + i, IsAlpha)) {
    return std::nullopt;
  }
  const size_t v = i + 1;
  size_t end = Span(v, [](char c) { return !IsSpace(c); });
  if (end - v > 256) return std::nullopt;
  // A host is a dotted name: "grafana.lab.local", "10.0.0.4".
  auto host_at = [this](size_t h) {
    const size_t e = Span(h, [](char c) { return IsUrlSafe(c) || c == '.'; });
    const std::string_view host = t_.substr(h, e - h);
    const size_t dot = host.find('.');
    return dot != std::string_view::npos && dot > 0 && dot + 1 < host.size() &&
           IsAlnum(host[dot + 1]);
  };
  size_t value_end = end;
  const std::string_view run = t_.substr(v, end - v);
  if (const size_t at_sign = run.rfind('@'); at_sign != std::string_view::npos) {
    if (!host_at(v + at_sign + 1)) return std::nullopt;
    value_end = v + at_sign;
  } else {
    while (value_end > v && IsTrailing(t_[value_end - 1])) --value_end;
    if (value_end != end) return std::nullopt;  // "note: ..." ends a phrase, holds no host
    const Word w = WordAt(SkipBlanks(end));
    if (w.begin == end || !OneOf(w.view(), {"at", "on", "for", "to"}) ||
        !host_at(SkipBlanks(w.end))) {
      return std::nullopt;
    }
  }
  if (value_end <= v || MarkerAt(v) ||
      std::all_of(t_.begin() + v, t_.begin() + value_end, IsDigit)) {
    return std::nullopt;  // a port
  }
  const Label label{Kind::kPassword, Shape::kPassword, Join::kSymbol, u};
  if (!Accept(label, v, value_end, Tie::kWeak)) return std::nullopt;
  return Match{v, value_end, Kind::kPassword};
}

}  // namespace engram::hygiene::redact_internal
