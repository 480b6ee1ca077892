// RememberTurn: what a turn is worth keeping, by the offline rules or the configured model.
#include <cstdio>
#include <set>
#include <string>

#include "core/engine_impl.h"
#include "core/turn_edits.h"
#include "core/validate.h"
#include "hygiene/classify.h"
#include "hygiene/sentences.h"
#include "hygiene/slot_values.h"
#include "hygiene/turn_intent.h"
#include "hygiene/world_triples.h"
#include "llm/extraction.h"

namespace engram {
namespace {

// Whether a candidate says the user no longer likes, uses or takes something.
bool EndsAValue(const hygiene::Candidate& c) {
  return c.key.starts_with("diet.avoid.") || c.data.find("\"likes\":false") != std::string::npos ||
         c.data.find("\"uses\":false") != std::string::npos;
}

}  // namespace

Result<TurnReport> Engine::Impl::RememberTurn(std::string_view owner_id, std::string_view scope,
                                              std::string_view session_id, Role role,
                                              std::string_view text,
                                              std::optional<Timestamp> observed_at) {
  ENGRAM_RETURN_IF_ERROR(core::ValidateId("owner_id", owner_id));
  ENGRAM_RETURN_IF_ERROR(core::ValidateScope(scope));
  ENGRAM_RETURN_IF_ERROR(core::ValidateOptionalId("session_id", session_id));
  ENGRAM_RETURN_IF_ERROR(core::ValidateText("text", text, options_.max_session_item_bytes));
  const Timestamp when = observed_at.value_or(Now());
  TurnReport report;
  // "My train home is the 17:45, sorry, the 17:54": a turn that corrects itself states its
  // corrected statement, and corrects nothing said before it.
  std::optional<std::string> own;
  if (role == Role::kUser) own = core::SelfCorrected(text);
  if (own) text = *own;
  if (role == Role::kUser && !own) {
    // A turn that edits memory: "forget what I told you about X", "sorry, I meant Y, not X".
    if (std::optional<hygiene::ForgetRequest> forget = hygiene::ParseForgetRequest(text)) {
      report.disposition = Disposition::kSessionOnly;
      report.reason = "forget request";
      ENGRAM_ASSIGN_OR_RETURN(report.forgotten, ForgetTopic(owner_id, scope, forget->topic, text));
      return report;
    }
    std::optional<hygiene::Correction> fix = hygiene::ParseCorrection(text);
    if (!fix) {
      ENGRAM_ASSIGN_OR_RETURN(fix, BareCorrection(owner_id, session_id, text, when));
    }
    if (fix) {
      ENGRAM_ASSIGN_OR_RETURN(report.writes,
                              CorrectInChat(owner_id, scope, session_id, *fix, text, when));
      if (!report.writes.empty()) {
        report.disposition = Disposition::kPromote;
        report.reason = "correction";
        return report;
      }
    }
  }
  hygiene::Classification c = hygiene::ClassifyTurn(role, text);
  // "Use token ghp_... for the CI bot on the build-tools repo": a credential the user hands over
  // comes with what it opens (a host, a repo, a network), worth keeping once the credential
  // itself is redacted by the write.
  if (role == Role::kUser && c.disposition == Disposition::kSessionOnly &&
      !redactor_.Redact(text).redactions.empty()) {
    c = {Disposition::kPromote, "shared access details"};
  }
  report.disposition = c.disposition;
  report.reason = std::string(c.reason);
  if (c.disposition != Disposition::kPromote) return report;

  auto base = [&](MemoryType type) {
    NewMemory m;
    m.owner_id = std::string(owner_id);
    m.scope = std::string(scope);
    m.session_id = std::string(session_id);
    m.type = type;
    m.source = "turn";
    m.observed_at = when;
    m.change = {"extractor", "extracted from a user turn"};
    return m;
  };
  std::vector<NewMemory> writes;
  auto admit = [&](NewMemory m, const std::string& label) {
    const double floor = options_.policy.For(m.type).min_confidence;
    if (m.confidence < floor) {
      report.skipped.push_back(label + ": confidence " + FormatScore(m.confidence) +
                               " is below the policy's minimum " + FormatScore(floor) + " for " +
                               MemoryTypeName(m.type));
      return;
    }
    writes.push_back(std::move(m));
  };
  // The model, when configured, extracts and says how each candidate relates to what is
  // already known; when it fails, the offline rules take over and the failure is reported.
  std::vector<hygiene::Candidate> candidates;
  std::vector<llm::Nomination> nominations;
  bool by_model = false;
  if (options_.llm) {
    Status st = ModelCandidates(owner_id, scope, role, text, when, &candidates, &nominations);
    if (st.ok()) {
      by_model = true;
    } else {
      report.llm_error = st.ToString();
      candidates.clear();
      nominations.clear();
    }
  }
  std::set<std::string_view> resolved;  // sentences whose "it" a world candidate resolved
  if (!by_model) {
    candidates = hygiene::ExtractCandidates(text, when);
    ENGRAM_ASSIGN_OR_RETURN(auto world, ResolvedWorldCandidates(owner_id, session_id, text));
    for (auto& [sentence, cand] : world) {
      resolved.insert(sentence);
      candidates.push_back(std::move(cand));
    }
  }
  std::vector<std::pair<std::string, MemoryUpdate>> updates;  // (target id, change)
  for (size_t i = 0; i < candidates.size(); ++i) {
    const hygiene::Candidate& cand = candidates[i];
    NewMemory m = base(cand.type);
    m.key = cand.key;
    m.text = cand.text;
    m.data = cand.data;
    m.confidence = cand.confidence;
    m.valid_from = cand.valid_from;
    // "I don't drink black tea anymore": a value said to end, as a change, ends what the closest
    // memory says of it ("I drink black tea in the mornings"), which no key ties to it.
    if (!by_model && EndsAValue(cand) && hygiene::AnnouncesChange(text)) {
      ENGRAM_ASSIGN_OR_RETURN(m.supersedes, ChangedMemory(owner_id, scope, text));
    }
    // "All the lists live in Buttondown since the spring, Mailchimp is cancelled": a world
    // statement may change what a memory keyed otherwise (or not at all) says, as a turn kept as
    // said does.
    if (!by_model && cand.key.starts_with(hygiene::kWorldKeyPrefix)) {
      ENGRAM_ASSIGN_OR_RETURN(m.supersedes, ChangedMemory(owner_id, scope, cand.text));
      // Another world statement is replaced only through its key ("Marco runs the mobile team
      // now" is no new value of "Dimitri's team owns the payments service").
      std::vector<std::string> changed;
      for (std::string& id : m.supersedes) {
        ENGRAM_ASSIGN_OR_RETURN(MemoryRecord old, GetMemory(owner_id, id));
        if (!old.key.starts_with(hygiene::kWorldKeyPrefix)) changed.push_back(std::move(id));
      }
      m.supersedes = std::move(changed);
      // "The deploy bot uses token ghp_...": the key and the triple are built from the words as
      // said, where a secret may survive in another case; the redacted text alone is kept.
      if (!redactor_.Redact(cand.text).redactions.empty()) {
        m.key.clear();
        m.data = "{}";
      }
    }
    if (by_model) {
      const llm::Nomination& nom = nominations[i];
      m.change = {"llm", std::string("extracted by ") + options_.llm->model_id() + "; nominated " +
                             llm::ConflictActionName(nom.action) +
                             (nom.flagged ? " (" + nom.flag + ")" : "")};
      if (!nom.text.empty()) m.text = nom.text;
      if (nom.action == llm::ConflictAction::kNone) {
        report.skipped.push_back((cand.key.empty() ? "candidate" : cand.key) +
                                 ": already known, according to the model");
        continue;
      }
      if (nom.action == llm::ConflictAction::kSupersede) m.supersedes = {nom.target_id};
      if (nom.action == llm::ConflictAction::kUpdate) {
        if (m.confidence < options_.policy.For(m.type).min_confidence) continue;
        MemoryUpdate u;
        u.text = m.text;
        u.change = m.change;
        updates.emplace_back(nom.target_id, std::move(u));
        continue;
      }
    }
    admit(std::move(m), cand.key);
  }
  // A disclosure no rule types ("I usually run before work") is kept as what was said: the whole
  // turn when no rule matched, else each of its other sentences that discloses something ("My
  // dog is Biscuit. Lena runs the mobile team." keeps both).
  auto keep_as_said = [&](std::string_view said) -> Status {
    NewMemory m = base(MemoryType::kEpisode);
    m.text = std::string(said);
    m.confidence = kUntypedDisclosureConfidence;
    // "We finally moved, Porto is home now": a new value of what the closest memory says.
    ENGRAM_ASSIGN_OR_RETURN(m.supersedes, ChangedMemory(owner_id, scope, said));
    // It takes the slot of the one value it replaces ("user.location.city"), so that the next
    // value of that slot, keyed or not, replaces it in turn and the two are never both current.
    std::set<std::string> keys;
    for (const std::string& id : m.supersedes) {
      ENGRAM_ASSIGN_OR_RETURN(MemoryRecord old, GetMemory(owner_id, id));
      if (!old.key.empty()) keys.insert(old.key);
    }
    if (keys.size() == 1) m.key = *keys.begin();
    // "Home is Ghent these days", first said: the slot it names by its value (rules/
    // slot_values.txt, slot_value_phrases.txt), so that the next value replaces it.
    if (keys.empty()) {
      const std::vector<std::string> named = hygiene::NamedSlotValues(said);
      if (named.size() == 1) m.key = named.front();
    }
    admit(std::move(m), "episode");
    return Status::Ok();
  };
  if (candidates.empty() && !by_model) {
    ENGRAM_RETURN_IF_ERROR(keep_as_said(text));
  } else if (!by_model) {
    const std::vector<std::string_view> sentences = hygiene::SplitSentences(text);
    for (size_t k = 0; sentences.size() > 1 && k < sentences.size(); ++k) {
      if (resolved.contains(sentences[k]) ||
          !hygiene::ExtractCandidates(sentences[k], when).empty() ||
          hygiene::Classify(Role::kUser, sentences[k]) != hygiene::Disposition::kPromote)
        continue;
      ENGRAM_RETURN_IF_ERROR(keep_as_said(sentences[k]));
    }
  }
  // The same fact said again in other words stays one memory ("Kowalski does my taxes" after
  // "My accountant is Ms. Kowalski").
  std::vector<NewMemory> fresh;
  for (NewMemory& m : writes) {
    ENGRAM_ASSIGN_OR_RETURN(std::optional<MemoryRecord> known,
                            RestatedMemory(owner_id, scope, m, text));
    if (known) {
      report.skipped.push_back((m.key.empty() ? "candidate" : m.key) + ": restates memory " +
                               known->id);
      continue;
    }
    fresh.push_back(std::move(m));
  }
  writes = std::move(fresh);
  if (!writes.empty()) {
    ENGRAM_ASSIGN_OR_RETURN(report.writes, WriteMemories(writes));
  }
  for (auto& [target, update] : updates) {
    ENGRAM_ASSIGN_OR_RETURN(MemoryRecord updated, UpdateMemory(owner_id, target, update));
    report.writes.push_back({std::move(updated), WriteEvent::kUpdated, {}});
  }
  return report;
}

Status Engine::Impl::ModelCandidates(std::string_view owner_id, std::string_view scope, Role role,
                                     std::string_view text, Timestamp when,
                                     std::vector<hygiene::Candidate>* candidates,
                                     std::vector<llm::Nomination>* nominations) {
  llm::CallBudget budget(options_.llm_max_calls_per_write);
  const std::vector<llm::Turn> turns{{role, std::string(text), when}};
  ENGRAM_ASSIGN_OR_RETURN(*candidates, llm::ExtractCandidates(*options_.llm, budget, turns, when));
  std::vector<std::vector<llm::LiveMemory>> similar;
  for (const hygiene::Candidate& cand : *candidates) {
    SearchOptions so;
    so.scope = std::string(scope);
    so.top_k = 3;
    so.use_recency = false;
    so.record_access = false;
    if (!options_.embedder) so.mode = SearchMode::kLexical;
    ENGRAM_ASSIGN_OR_RETURN(std::vector<SearchHit> hits, Search(owner_id, cand.text, so));
    std::vector<llm::LiveMemory> shown;
    for (const SearchHit& hit : hits) {
      if (hit.record.type == MemoryType::kBlock) continue;
      shown.push_back({hit.record.id, hit.record.key, hit.record.text, hit.record.type});
    }
    similar.push_back(std::move(shown));
  }
  ENGRAM_ASSIGN_OR_RETURN(*nominations,
                          llm::ResolveConflicts(*options_.llm, budget, *candidates, similar));
  if (nominations->size() != candidates->size()) {
    return Status::Internal("the model's nominations do not match its candidates");
  }
  return Status::Ok();
}

std::string Engine::Impl::FormatScore(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

}  // namespace engram
