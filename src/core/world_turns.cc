// Statements about the user's world that say "it" ("Globex's reports run on it"): "it" stands for
// the one entity the latest earlier text that names any names (hygiene::ResolvePronoun): the
// turn's earlier sentences first, then the session's last items. When that text names several,
// "it" is ambiguous and the statement writes no triple (the turn is still kept as said).
#include <algorithm>
#include <string>
#include <vector>

#include "core/engine_impl.h"
#include "hygiene/world_triples.h"

namespace engram {
namespace {

constexpr size_t kItemsBack = 6;  // how far back in the session "it" may point

}  // namespace

Result<std::vector<std::pair<std::string_view, hygiene::Candidate>>>
Engine::Impl::ResolvedWorldCandidates(std::string_view owner_id, std::string_view session_id,
                                      std::string_view text) {
  std::vector<std::pair<std::string_view, hygiene::Candidate>> out;
  std::vector<hygiene::WorldStatement> statements = hygiene::WorldStatements(text);
  std::erase_if(statements, [](const hygiene::WorldStatement& s) {
    return std::none_of(s.triples.begin(), s.triples.end(), hygiene::HasPronoun);
  });
  if (statements.empty()) return out;
  std::vector<SessionItem> items;
  if (!session_id.empty()) {
    ENGRAM_ASSIGN_OR_RETURN(items, GetSessionItems(owner_id, session_id, kItemsBack + 1));
    // The current turn, when it was appended already, is no earlier text.
    const std::string current = redactor_.Redact(text).text;
    if (!items.empty() && items.back().role == Role::kUser && items.back().content == current)
      items.pop_back();
  }
  for (hygiene::WorldStatement& statement : statements) {
    // Latest first: the turn's sentences before this one, then the session's items.
    std::vector<std::string_view> earlier;
    const std::string_view before = text.substr(0, statement.sentence.data() - text.data());
    if (!before.empty()) earlier.push_back(before);
    for (size_t k = items.size(); k-- > 0;) {
      if (items[k].role == Role::kUser || items[k].role == Role::kAssistant)
        earlier.push_back(items[k].content);
    }
    bool resolved = true;
    for (hygiene::SlotTriple& t : statement.triples) {
      if (!hygiene::HasPronoun(t)) continue;
      const bool subject = t.subject == hygiene::kWorldPronoun;
      std::optional<std::string> it =
          hygiene::ResolvePronoun(earlier, subject ? t.object : t.subject);
      if (!it) {
        resolved = false;
        break;
      }
      (subject ? t.subject : t.object) = std::move(*it);
    }
    if (!resolved) continue;
    if (std::optional<hygiene::Candidate> c = hygiene::WorldCandidate(statement)) {
      out.emplace_back(statement.sentence, std::move(*c));
    }
  }
  return out;
}

}  // namespace engram
