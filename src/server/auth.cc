#include "server/auth.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "util/json.h"
#include "util/text.h"

namespace engram::server {

using nlohmann::json;

bool Principal::CanActFor(std::string_view owner) const {
  if (admin) return true;
  return std::find(owners.begin(), owners.end(), owner) != owners.end();
}

std::string Principal::SoleOwner() const {
  return !admin && owners.size() == 1 ? owners.front() : std::string();
}

Principal AnonymousPrincipal() {
  Principal p;
  p.name = "anonymous";
  p.admin = true;
  return p;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  const size_t n = std::max(a.size(), b.size());
  // Start with the length difference so strings that differ only in length still differ, and
  // read every position of the longer one (the shorter contributes zeros past its end).
  unsigned diff = a.size() == b.size() ? 0u : 1u;
  for (size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned>(x ^ y);
  }
  return diff == 0;
}

Result<KeySet> KeySet::Parse(std::string_view text, std::string_view origin) {
  const std::string where(origin);
  // ordered_json keeps the file's order, so "key#N" names the N-th entry as written (a sorted
  // map would number keys by their value, which says something about the keys).
  Result<nlohmann::ordered_json> parsed = util::ParseOrderedJson(text, /*unique_keys=*/true);
  if (!parsed.ok()) {
    // A key listed twice would otherwise keep only its last binding, silently.
    return Status::InvalidArgument(where + ": " + parsed.status().message() +
                                   " (a key may be listed once)");
  }
  const nlohmann::ordered_json& j = *parsed;
  if (!j.is_object()) {
    return Status::InvalidArgument(where +
                                   ": expected a JSON object mapping each key to "
                                   "{\"owners\": [...]} or {\"admin\": true}");
  }
  KeySet set;
  size_t position = 0;
  for (auto it = j.begin(); it != j.end(); ++it) {
    ++position;
    // Entries are named by position: the key itself is a secret and must not reach a log.
    const std::string entry = where + ": entry " + std::to_string(position);
    const std::string& key = it.key();
    if (key.size() < 16) {
      return Status::InvalidArgument(entry + ": key is shorter than 16 characters");
    }
    for (char c : key) {
      if (c <= 0x20 || c >= 0x7f) {
        return Status::InvalidArgument(entry + ": key has a character outside printable ASCII");
      }
    }
    const nlohmann::ordered_json& binding = it.value();
    if (!binding.is_object()) {
      return Status::InvalidArgument(entry + ": binding must be a JSON object");
    }
    Principal p;
    p.name = "key#" + std::to_string(position);
    for (auto f = binding.begin(); f != binding.end(); ++f) {
      if (f.key() == "admin") {
        if (!f->is_boolean()) return Status::InvalidArgument(entry + ": admin must be a boolean");
        p.admin = f->get<bool>();
      } else if (f.key() == "owners") {
        if (!f->is_array()) return Status::InvalidArgument(entry + ": owners must be an array");
        for (const auto& o : *f) {
          if (!o.is_string() || o.get<std::string>().empty()) {
            return Status::InvalidArgument(entry + ": owners must be non-empty strings");
          }
          p.owners.push_back(o.get<std::string>());
        }
      } else {
        return Status::InvalidArgument(entry + ": unknown field '" + f.key() + "'");
      }
    }
    if (!p.admin && p.owners.empty()) {
      return Status::InvalidArgument(entry +
                                     ": a key needs {\"owners\": [...]} or {\"admin\": true}");
    }
    set.keys_.push_back({key, std::move(p)});
  }
  return set;
}

Result<KeySet> KeySet::LoadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read keys file '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  return Parse(ss.str(), "keys file '" + path + "'");
}

Status KeySet::Merge(KeySet other) {
  for (Entry& e : other.keys_) {
    for (const Entry& mine : keys_) {
      if (mine.key == e.key) {
        return Status::InvalidArgument("a key is configured twice (" + mine.principal.name +
                                       " and " + e.principal.name + " of the other source)");
      }
    }
  }
  const size_t offset = keys_.size();
  for (Entry& e : other.keys_) {
    // Renumber so that names stay unique across the merged set.
    e.principal.name = "key#" + std::to_string(offset + std::stoul(e.principal.name.substr(4)));
    keys_.push_back(std::move(e));
  }
  return Status::Ok();
}

std::optional<Principal> KeySet::Authenticate(std::string_view key) const {
  if (key.empty()) return std::nullopt;
  const Entry* found = nullptr;
  // No early exit: every key is compared, so timing does not tell which one matched.
  for (const Entry& e : keys_) {
    if (ConstantTimeEquals(e.key, key) && found == nullptr) found = &e;
  }
  if (found == nullptr) return std::nullopt;
  return found->principal;
}

namespace {
bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return true;
}
}  // namespace

std::string PresentedKey(std::string_view authorization, std::string_view x_api_key) {
  authorization = util::TrimWhitespace(authorization);
  for (std::string_view scheme : {"bearer ", "token "}) {
    if (StartsWithNoCase(authorization, scheme)) {
      return std::string(util::TrimWhitespace(authorization.substr(scheme.size())));
    }
  }
  return std::string(util::TrimWhitespace(x_api_key));
}

}  // namespace engram::server
