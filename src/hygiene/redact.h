// Secret redaction: finds credentials, payment card numbers and bank details in text on its way to
// storage and replaces each by a marker "[REDACTED:<kind>]", so a memory still says that a secret
// was there without keeping it. docs/redaction.md lists what each kind matches and what is
// deliberately left alone.
//
// Contracts of every call:
//   - The raw secret never appears in the output, in a Redaction or in a Status message.
//   - Idempotent: redacting redacted text changes nothing (markers are never matched).
//   - Offsets and lengths are bytes. Spans are cut only at ASCII bytes and around whole UTF-8
//     quotation marks, so valid UTF-8 in gives valid UTF-8 out and offsets fall on character
//     boundaries. Invalid UTF-8 is not rejected; it is scanned as bytes.
//   - Labelled values keep their label: "my password is hunter2" becomes
//     "my password is [REDACTED:password]".
//   - A Redactor is immutable after construction: one instance may be shared across threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engram/status.h"

namespace engram::hygiene {

// Every kind a Redactor reports, as stable snake_case names in a fixed order.
std::span<const std::string_view> RedactionKinds();

// One replaced secret.
struct Redaction {
  std::string kind;   // one of RedactionKinds()
  size_t offset = 0;  // byte offset of the marker in the redacted string
  size_t length = 0;  // byte length of the marker
  // RedactJson only (empty for Redact): RFC 6901 pointer to the string that holds the marker, ""
  // for a root string. It is built from redacted member names, so it never carries a secret.
  std::string where;
  // RedactJson only: the marker is in the name of the member `where` points to, not in its value.
  bool in_key = false;
};

struct RedactedText {
  std::string text;
  std::vector<Redaction> redactions;  // in the order the markers appear
  bool changed() const { return !redactions.empty(); }
};

struct RedactorOptions {
  // When false, Redact and RedactJson return their input unchanged.
  bool enabled = true;
  // Kinds (names from RedactionKinds()) to leave in place; unknown names are ignored. A labelled
  // value ("api key: ...") whose own kind is disabled may still be redacted under the label's
  // kind (here generic_secret) unless that kind is disabled too.
  std::vector<std::string> disabled_kinds;
};

class Redactor {
 public:
  explicit Redactor(RedactorOptions options = {});

  // Replaces every secret in `text` by "[REDACTED:<kind>]".
  RedactedText Redact(std::string_view text) const;

  // Redacts a serialized JSON document. Every string value and member name is redacted as text;
  // in addition, a whole value is replaced when its member name labels a credential
  // ({"password": "x"}, {"pin": 1234}, {"api_key": "..."}) or when it is the "value" of an
  // object whose "name" or "key" labels one ({"name": "DB_PASSWORD", "value": "x"}). Replaced
  // numbers become marker strings. Offsets are within the decoded string at `where`.
  // Returns `json` unchanged when nothing is redacted, else compact JSON with member order kept;
  // member names that collide after redaction get a "#2", "#3"... suffix so none is lost.
  // InvalidArgument, naming no part of the input, when `json` does not parse or nests deeper
  // than 256 levels.
  Result<RedactedText> RedactJson(std::string_view json) const;

 private:
  bool enabled_;
  uint32_t disabled_;  // bit i set: RedactionKinds()[i] is disabled
};

}  // namespace engram::hygiene
