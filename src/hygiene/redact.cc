// The redaction API and its JSON walk; the scanner that finds secrets in text is in
// redact_scanner.{h,cc} and redact_labels.cc.
#include "hygiene/redact.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hygiene/redact_scanner.h"
#include "util/json.h"

namespace engram::hygiene {
namespace {

using redact_internal::Kind;
using redact_internal::KindName;
using redact_internal::kKindNames;
using redact_internal::Label;
using redact_internal::Marker;
using redact_internal::Scanner;

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
