#include "hygiene/vocabulary.h"

#include <map>
#include <stdexcept>
#include <string>

#include "util/embedded_file.h"

namespace engram::hygiene {

// Defined in the generated rule_files.cc (cmake/embed_text_files.cmake).
extern const EmbeddedFile kRuleFiles[];
extern const size_t kRuleFiles_count;

namespace {

struct RuleFile {
  WordSet words;    // every entry (for a table, its words)
  WordTable table;  // "word = canonical" entries
};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

RuleFile Parse(std::string_view text) {
  RuleFile out;
  while (!text.empty()) {
    const size_t eol = text.find('\n');
    std::string_view line = Trim(text.substr(0, eol));
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    if (line.empty() || line.front() == '#') continue;
    if (const size_t eq = line.find(" = "); eq != std::string_view::npos) {
      const std::string_view word = Trim(line.substr(0, eq));
      out.words.insert(word);
      out.table.emplace(word, Trim(line.substr(eq + 3)));
    } else {
      out.words.insert(line);
    }
  }
  return out;
}

const RuleFile& File(std::string_view name) {
  static const std::map<std::string_view, RuleFile, std::less<>> kFiles = [] {
    std::map<std::string_view, RuleFile, std::less<>> files;
    for (size_t i = 0; i < kRuleFiles_count; ++i)
      files.emplace(kRuleFiles[i].name, Parse(kRuleFiles[i].text));
    return files;
  }();
  const auto it = kFiles.find(name);
  if (it == kFiles.end())
    throw std::logic_error("no rule file src/hygiene/rules/" + std::string(name) + ".txt");
  return it->second;
}

}  // namespace

const WordSet& WordList(std::string_view name) {
  return File(name).words;
}

const WordTable& WordMap(std::string_view name) {
  return File(name).table;
}

std::string_view CanonicalIn(const WordTable& table, std::string_view word) {
  const auto it = table.find(word);
  return it == table.end() ? std::string_view() : it->second;
}

}  // namespace engram::hygiene
