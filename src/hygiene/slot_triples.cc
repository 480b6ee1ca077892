#include "hygiene/slot_triples.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "hygiene/vocabulary.h"
#include "util/tokenize.h"

namespace engram::hygiene {
namespace {

std::vector<std::string_view> Segments(std::string_view key) {
  std::vector<std::string_view> out;
  for (size_t start = 0;;) {
    const size_t dot = key.find('.', start);
    out.push_back(key.substr(start, dot - start));
    if (dot == std::string_view::npos) return out;
    start = dot + 1;
  }
}

// The number of `*` in the pattern when it matches the key; nullopt otherwise.
std::optional<size_t> Wildcards(std::string_view pattern,
                                const std::vector<std::string_view>& key) {
  const std::vector<std::string_view> parts = Segments(pattern);
  if (parts.size() != key.size()) return std::nullopt;
  size_t stars = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i] == "*") {
      if (key[i].empty()) return std::nullopt;
      ++stars;
    } else if (parts[i] != key[i]) {
      return std::nullopt;
    }
  }
  return stars;
}

// The table's value for the key: the exact entry, else the matching pattern with the fewest
// `*` (ties: the alphabetically first, so the choice never depends on hash order).
std::optional<std::string_view> RuleFor(std::string_view key) {
  const WordTable& table = WordMap("graph_slots");
  if (const auto it = table.find(key); it != table.end()) return it->second;
  const std::vector<std::string_view> segments = Segments(key);
  std::optional<std::pair<size_t, std::string_view>> best;  // (wildcards, pattern)
  for (const auto& [pattern, value] : table) {
    const std::optional<size_t> stars = Wildcards(pattern, segments);
    if (stars && (!best || std::pair(*stars, pattern) < *best)) best = std::pair(*stars, pattern);
  }
  if (!best) return std::nullopt;
  return table.at(best->second);
}

// `text` with each {field} replaced by the data's field; nullopt when one is missing or empty.
std::optional<std::string> Fill(std::string_view text, const nlohmann::json& data) {
  std::string out;
  while (!text.empty()) {
    const size_t open = text.find('{');
    out += text.substr(0, open);
    if (open == std::string_view::npos) break;
    const size_t close = text.find('}', open);
    if (close == std::string_view::npos) return std::nullopt;
    const auto it = data.find(std::string(text.substr(open + 1, close - open - 1)));
    if (it == data.end()) return std::nullopt;
    if (it->is_string()) {
      out += it->get<std::string>();
    } else if (it->is_number()) {
      out += it->dump();
    } else {
      return std::nullopt;
    }
    text.remove_prefix(close + 1);
  }
  if (out.empty()) return std::nullopt;
  return out;
}

}  // namespace

std::optional<SlotTriple> SlotTripleOf(std::string_view key, std::string_view data_json) {
  if (key.empty()) return std::nullopt;
  const std::optional<std::string_view> rule = RuleFor(key);
  if (!rule) return std::nullopt;
  const nlohmann::json data = nlohmann::json::parse(data_json, nullptr, /*allow_exceptions=*/false);
  if (!data.is_object()) return std::nullopt;
  for (const auto& [name, value] : data.items()) {
    if (value.is_boolean() && !value.get<bool>()) return std::nullopt;
  }
  std::string_view fields[3];
  std::string_view rest = *rule;
  for (std::string_view& f : fields) {
    while (rest.starts_with(' ')) rest.remove_prefix(1);
    const size_t space = rest.find(' ');
    f = rest.substr(0, space);
    rest = space == std::string_view::npos ? std::string_view() : rest.substr(space);
  }
  std::optional<std::string> relation = Fill(fields[0], data);
  std::optional<std::string> object = Fill(fields[1], data);
  std::optional<std::string> type = Fill(fields[2], data);
  if (!relation || !object || !type) return std::nullopt;
  return SlotTriple{std::move(*relation), std::move(*object), std::move(*type)};
}

std::optional<std::string> TripleProblem(const SlotTriple& t) {
  const std::pair<const char*, const std::string*> fields[] = {{"subject", &t.subject},
                                                               {"subject_type", &t.subject_type},
                                                               {"relation", &t.relation},
                                                               {"object", &t.object},
                                                               {"object_type", &t.object_type}};
  for (const auto& [name, value] : fields) {
    if (value->find_first_not_of(" \t\n") == std::string::npos) {
      return std::string("its ") + name + " is empty";
    }
    if (value->size() > kMaxTripleField) {
      return std::string("its ") + name + " is longer than " + std::to_string(kMaxTripleField) +
             " bytes";
    }
  }
  const bool snake = t.relation.front() >= 'a' && t.relation.front() <= 'z' &&
                     t.relation.back() != '_' &&
                     std::all_of(t.relation.begin(), t.relation.end(), [](char c) {
                       return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
                     });
  if (!snake) return "its relation '" + t.relation + "' is not lower_snake_case (e.g. depends_on)";
  auto lower = [](std::string s) {
    for (char& c : s) c = util::AsciiLower(c);
    return s;
  };
  if (lower(t.subject) == lower(t.object)) return "its subject and object are the same entity";
  return std::nullopt;
}

nlohmann::json TripleToJson(const SlotTriple& t) {
  return {{"subject", t.subject},
          {"subject_type", t.subject_type},
          {"relation", t.relation},
          {"object", t.object},
          {"object_type", t.object_type}};
}

std::optional<SlotTriple> TripleFromJson(const nlohmann::json& j, std::string* why) {
  if (!j.is_object()) {
    *why = "a triple must be an object";
    return std::nullopt;
  }
  SlotTriple t;
  std::pair<const char*, std::string*> fields[] = {{"subject", &t.subject},
                                                   {"subject_type", &t.subject_type},
                                                   {"relation", &t.relation},
                                                   {"object", &t.object},
                                                   {"object_type", &t.object_type}};
  for (auto& [name, value] : fields) {
    const auto it = j.find(name);
    if (it == j.end() || !it->is_string()) {
      *why = std::string("a triple needs a string '") + name + "'";
      return std::nullopt;
    }
    *value = it->get<std::string>();
  }
  if (std::optional<std::string> problem = TripleProblem(t)) {
    *why = "triple " + t.subject + " -" + t.relation + "-> " + t.object + ": " + *problem;
    return std::nullopt;
  }
  return t;
}

std::vector<SlotTriple> MemoryTriples(std::string_view key, std::string_view data_json) {
  std::vector<SlotTriple> out;
  const nlohmann::json data = nlohmann::json::parse(data_json, nullptr, /*allow_exceptions=*/false);
  if (data.is_object()) {
    if (const auto it = data.find("triples"); it != data.end() && it->is_array()) {
      for (const nlohmann::json& j : *it) {
        std::string why;
        if (std::optional<SlotTriple> t = TripleFromJson(j, &why)) out.push_back(std::move(*t));
      }
    }
  }
  if (std::optional<SlotTriple> t = SlotTripleOf(key, data_json)) out.push_back(std::move(*t));
  return out;
}

}  // namespace engram::hygiene
