// The engine's side of turns that edit memory (core/turn_edits.h for the texts): forget requests
// and corrections said in chat, and turns announcing a new value of what a memory says.
#include <algorithm>
#include <map>

#include "core/engine_impl.h"
#include "core/turn_edits.h"
#include "hygiene/slot_values.h"
#include "hygiene/turn_intent.h"
#include "util/claim.h"

namespace engram {

// The live memories that a turn gives a new value of: those holding a value it retires by name
// (core::RetiresValueOf) or an older version of what it names (core::ChangesVersionOf); and when it
// announces a change (hygiene::AnnouncesChange), the one closest to it in meaning, if close enough
// (kChangedSimilarity, or kChangedLeadingSimilarity with a lead of kLead over the next) and not
// saying the same thing, a close one sharing a slot word (core::SharedSlotWords), and those holding
// a single-valued slot that a word of the turn names (rules/slot_cues.txt: "we moved" names
// user.location.city); without a word of change, those of a named slot whose value the turn
// replaces by another (core::NamesAnotherValue). Never one whose value the turn says still holds
// (core::StillHolds). The thresholds were set on
// tests/data/scenarios/dev.jsonl, where none of them superseded a memory it should have kept. Empty
// without an embedder.
Result<std::vector<std::string>> Engine::Impl::ChangedMemory(std::string_view owner_id,
                                                             std::string_view scope,
                                                             std::string_view text) {
  constexpr double kChangedSimilarity = 0.5;
  constexpr double kChangedSlotSimilarity = 0.35;
  constexpr double kChangedLeadingSimilarity = 0.4, kLead = 0.05;
  std::vector<std::string> ids;
  if (!options_.embedder) return ids;
  SearchOptions so;
  so.scope = std::string(scope);
  so.top_k = 10;
  so.mode = SearchMode::kVector;
  so.use_recency = false;
  so.record_access = false;
  // "The GCP projects are shut down": what held the retired value, however far in meaning; a
  // retired value is a change even without a word of rules/change_markers.txt.
  // "Payments is on Java 21 since the upgrade": a new version of what a memory names ("The
  // payments service runs on Java 11"), also without a word of change.
  const bool announced = hygiene::AnnouncesChange(text);
  ENGRAM_ASSIGN_OR_RETURN(std::vector<SearchHit> named, Search(owner_id, text, so));
  for (const SearchHit& hit : named) {
    if (hit.record.type != MemoryType::kBlock &&
        (core::RetiresValueOf(text, hit.record.text) ||
         core::ChangesVersionOf(text, hit.record.text, announced)) &&
        !util::SameClaim(hit.record.text, text) && !core::StillHolds(text, hit.record.text))
      ids.push_back(hit.record.id);
  }
  // "We finally moved, Porto is home now", "Our apartment in Malmö gets the morning sun": the
  // memories of a single-valued slot that a phrase of the turn names (rules/slot_cues.txt); said
  // without a word of change, only when the turn names another value than the memory holds.
  auto add_named_slots = [&]() -> Status {
    std::vector<std::string> keys = hygiene::NamedSlots(text);
    // "I'm at Stripe now", "Life in Bristol suits us": a well-known value of the slot, named.
    for (std::string& key : hygiene::NamedSlotValues(text)) {
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(std::move(key));
    }
    for (const std::string& key : keys) {
      ListOptions lo;
      lo.scope = std::string(scope);
      lo.key = key;
      lo.limit = 10;
      ENGRAM_ASSIGN_OR_RETURN(MemoryPage page, ListMemories(owner_id, lo));
      for (const MemoryRecord& r : page.items) {
        if (r.type == MemoryType::kBlock || util::SameClaim(r.text, text) ||
            core::StillHolds(text, r.text) ||
            std::find(ids.begin(), ids.end(), r.id) != ids.end() ||
            (!announced && !core::NamesAnotherValue(text, r.text)))
          continue;
        ids.push_back(r.id);
      }
    }
    return Status::Ok();
  };
  if (!announced) {
    ENGRAM_RETURN_IF_ERROR(add_named_slots());
    return ids;
  }
  so.top_k = 3;
  ENGRAM_ASSIGN_OR_RETURN(std::vector<SearchHit> hits, Search(owner_id, text, so));
  for (size_t k = 0; k < hits.size(); ++k) {
    const SearchHit& hit = hits[k];
    if (std::find(ids.begin(), ids.end(), hit.record.id) != ids.end()) continue;
    // "Still at Monzo, though I'm a product manager there now": Monzo is no value it replaces.
    if (hit.record.type == MemoryType::kBlock || util::SameClaim(hit.record.text, text) ||
        core::StillHolds(text, hit.record.text))
      continue;
    // The closest memory if close enough; another close one only when the turn names what
    // it is about ("I've switched my usual to a cortado": "My usual order is a flat white").
    const double sim = hit.explanation.vector_similarity;
    // Or, a little less close, when it leads the rest clearly ("I go by they/them these days":
    // "My pronouns are she/her").
    const bool leads = k == 0 && sim >= kChangedLeadingSimilarity &&
                       (hits.size() == 1 || sim - hits[1].explanation.vector_similarity >= kLead);
    if ((k == 0 && sim >= kChangedSimilarity) || leads ||
        (sim >= kChangedSlotSimilarity && core::SharedSlotWords(hit.record.text, text) > 0))
      ids.push_back(hit.record.id);
  }
  ENGRAM_RETURN_IF_ERROR(add_named_slots());
  return ids;
}

// The words of a forget request's topic (core::TopicSubjectWords) that each memory near it says in
// other words: "my pay" in "My salary is 62,000", "the cancer stuff" in "I'm having chemo". A
// topic word and a word of the memory are one in meaning when their vectors, each word embedded
// alone, have cosine >= kWordMeaning; only memories whose text is near the topic (cosine >=
// kNear) are read, so a word of the same field in an unrelated memory names nothing. Measured on
// single words with the built-in encoder: words of one meaning or one matter ("pay", "salary";
// "cancer", "chemo"; "pregnancy", "miscarriage") 0.6 to 0.85; words of neighbouring matters
// ("wedding", "funeral"; "bereavement", "arrears") up to 0.6; words of three or four letters and
// names are near anything ("owe", "lives" 0.63; "Seville", "Monzo" 0.65), so neither is read.
namespace {

Result<std::map<std::string, std::vector<std::string>>> MeantTopicWords(
    Embedder* embedder, std::string_view topic, const std::vector<SearchHit>& near) {
  constexpr double kWordMeaning = 0.6, kNear = 0.3;
  constexpr size_t kLetters = 5;  // shorter words alone have vectors of little meaning
  std::map<std::string, std::vector<std::string>> meant;
  // A word of a family names what its family holds, nothing more by meaning.
  std::vector<std::string> wanted = core::TopicSubjectWords(topic);
  std::erase_if(wanted, core::HasTopicFamily);
  if (wanted.empty() || embedder == nullptr) return meant;
  std::vector<std::string> words = wanted;
  std::map<std::string, std::vector<std::string>> candidates;  // memory id -> its words
  for (const SearchHit& hit : near) {
    if (hit.explanation.vector_similarity < kNear || hit.record.type == MemoryType::kBlock)
      continue;
    std::vector<std::string>& own = candidates[hit.record.id];
    own = core::TopicCandidateWords(hit.record.text);
    words.insert(words.end(), own.begin(), own.end());
  }
  if (candidates.empty()) return meant;
  std::sort(words.begin(), words.end());
  words.erase(std::unique(words.begin(), words.end()), words.end());
  std::vector<std::vector<float>> vectors;
  ENGRAM_RETURN_IF_ERROR(embedder->Embed(words, &vectors));
  auto vector_of = [&](const std::string& w) -> const std::vector<float>& {
    return vectors[static_cast<size_t>(std::lower_bound(words.begin(), words.end(), w) -
                                       words.begin())];
  };
  for (const auto& [id, own] : candidates) {
    for (const std::string& w : wanted) {
      const std::vector<float>& a = vector_of(w);
      for (const std::string& m : own) {
        const std::vector<float>& b = vector_of(m);
        double dot = 0;
        for (size_t d = 0; d < a.size() && d < b.size(); ++d) dot += a[d] * b[d];
        if (m != w && w.size() >= kLetters && m.size() >= kLetters && dot >= kWordMeaning) {
          meant[id].push_back(w);
          break;
        }
      }
    }
  }
  return meant;
}

}  // namespace

// Deletes the owner's memories visible at `scope` that a forget request's topic names
// (core::NamedByForget: its words, said as written or in other words (MeantTopicWords), or a
// vector close to the topic's); returns them.
Result<std::vector<MemoryRecord>> Engine::Impl::ForgetTopic(std::string_view owner_id,
                                                            std::string_view scope,
                                                            const std::string& topic,
                                                            std::string_view request) {
  // The memory a request names in other words is the closest to it, by a clear lead. Measured on
  // the forget-in-chat scenarios of tests/data/scenarios/dev.jsonl: what a request names was the
  // closest memory in 23 of 24, at cosine 0.24 to 0.77; what it must keep reached 0.62 (beside a
  // target as close, which the words decide) and otherwise trailed the target by 0.1 or more.
  // When the topic names someone or something ("the rumour about Globex"), its words decide.
  constexpr double kClosest = 0.4, kLead = 0.1;
  const bool names = core::HasAnchors(topic);
  std::map<std::string, double> similarity;
  std::map<std::string, std::vector<std::string>> meant;  // memory id -> topic words it says
  std::string closest;
  if (options_.embedder) {
    SearchOptions so;
    so.scope = std::string(scope);
    so.top_k = 50;
    so.mode = SearchMode::kVector;
    so.use_recency = false;
    so.record_access = false;
    ENGRAM_ASSIGN_OR_RETURN(std::vector<SearchHit> hits, Search(owner_id, topic, so));
    for (const SearchHit& hit : hits) similarity[hit.record.id] = hit.explanation.vector_similarity;
    ENGRAM_ASSIGN_OR_RETURN(meant, MeantTopicWords(options_.embedder.get(), topic, hits));
    // The closest to the topic alone ("the anxiety stuff" without "wipe what I said about"), else
    // to the request as said, by a clear lead.
    so.top_k = 2;
    for (std::string_view query : {std::string_view(topic), request}) {
      ENGRAM_ASSIGN_OR_RETURN(std::vector<SearchHit> near, Search(owner_id, query, so));
      if (closest.empty() && !names && !near.empty() &&
          near[0].explanation.vector_similarity >= kClosest &&
          (near.size() == 1 ||
           near[0].explanation.vector_similarity - near[1].explanation.vector_similarity >= kLead))
        closest = near[0].record.id;
    }
  }
  std::vector<MemoryRecord> named;
  std::vector<std::string> ids;
  ListOptions lo;
  lo.scope = std::string(scope);
  lo.limit = 1000;
  do {
    ENGRAM_ASSIGN_OR_RETURN(MemoryPage page, ListMemories(owner_id, lo));
    for (MemoryRecord& r : page.items) {
      if (r.type == MemoryType::kBlock) continue;
      const auto it = similarity.find(r.id);
      const auto said = meant.find(r.id);
      if (r.id != closest &&
          !core::NamedByForget(topic, r.text, it == similarity.end() ? 0 : it->second,
                               said == meant.end() ? std::vector<std::string>() : said->second))
        continue;
      ids.push_back(r.id);
      named.push_back(std::move(r));
    }
    lo.cursor = page.next_cursor;
  } while (!lo.cursor.empty());
  const ChangeInfo change{"user", "forgotten on request in chat"};
  for (size_t b = 0; b < ids.size(); b += options_.max_items_per_append) {
    const size_t n = std::min(ids.size() - b, options_.max_items_per_append);
    ENGRAM_RETURN_IF_ERROR(
        DeleteMemories(owner_id, std::span<const std::string>(ids).subspan(b, n), change).status());
  }
  return named;
}

// Applies a correction said in chat to what it corrects: the owner's memories that hold the
// wrong value (when the turn names it, the latest few; when not, the latest memory of this
// session if it is recent), each superseded by its corrected text; and the assistant's turn
// just before, whose corrected guess the user thereby states. Returns the writes; none when
// nothing held the value.
Result<std::vector<WriteResult>> Engine::Impl::CorrectInChat(
    std::string_view owner_id, std::string_view scope, std::string_view session_id,
    const hygiene::Correction& fix, std::string_view said, Timestamp when) {
  constexpr Timestamp kRecent = 30 * 60 * 1000;  // a correction follows what it corrects
  constexpr size_t kMaxCorrected = 3;
  std::vector<NewMemory> writes;
  ListOptions lo;
  lo.scope = std::string(scope);
  lo.limit = 200;
  ENGRAM_ASSIGN_OR_RETURN(MemoryPage page, ListMemories(owner_id, lo));
  // "I got the clinic hours wrong yesterday, it opens at 9": a correction that names its slot
  // finds the memories most about it, however old and from whichever session.
  const std::string about = fix.wrong.empty() ? core::CorrectedSlot(said) : std::string();
  const bool by_slot = !about.empty();
  double most_about = 0;
  for (const MemoryRecord& r : page.items) {
    if (by_slot && r.type != MemoryType::kBlock)
      most_about = std::max(most_about, core::TopicOverlap(about, r.text));
  }
  for (const MemoryRecord& r : page.items) {
    if (writes.size() >= kMaxCorrected || r.type == MemoryType::kBlock) continue;
    if (by_slot) {
      if (most_about == 0 || core::TopicOverlap(about, r.text) < most_about) continue;
    } else if (fix.wrong.empty() && (r.session_id != session_id || when - r.created_at > kRecent)) {
      continue;
    }
    const std::optional<std::string> corrected = core::ApplyCorrection(r.text, fix);
    if (corrected) {
      NewMemory m;
      m.owner_id = r.owner_id;
      m.scope = r.scope;
      m.session_id = std::string(session_id);
      m.type = r.type;
      m.key = r.key;
      m.text = *corrected;
      m.confidence = r.confidence;
      m.source = "turn";
      m.observed_at = when;
      m.supersedes = {r.id};
      m.change = {"user", "corrected in chat"};
      writes.push_back(std::move(m));
    }
    // Only the latest memory may hold an unnamed value (of those about the slot, when named).
    if (fix.wrong.empty() && (!by_slot || corrected)) break;
  }
  if (writes.empty() && !session_id.empty()) {
    // What was said just before holds the value when no memory does: "No, Valencia." answering
    // "She lives in Madrid, right?" states the corrected guess; "oops, Tuesday, not Thursday"
    // after "We're meeting the Acme folks on Thursday" (kept only in the session) states the
    // corrected sentence. A value the turn does not name is looked for in the turn of each role
    // just before only.
    constexpr size_t kLookBack = 6;
    ENGRAM_ASSIGN_OR_RETURN(std::vector<SessionItem> items,
                            GetSessionItems(owner_id, session_id, kLookBack));
    const std::string current = redactor_.Redact(said).text;
    bool skipped_current = false, seen_user = false, seen_assistant = false;
    for (size_t k = items.size(); k-- > 0 && writes.empty();) {
      const SessionItem& item = items[k];
      if (!skipped_current && item.role == Role::kUser && item.content == current) {
        skipped_current = true;
        continue;
      }
      if (when - item.created_at > kRecent) break;
      std::optional<std::string> stated;
      if (item.role == Role::kAssistant && (!seen_assistant || !fix.wrong.empty())) {
        seen_assistant = true;
        stated = core::CorrectedStatement(item.content, fix);
      } else if (item.role == Role::kUser && (!seen_user || !fix.wrong.empty())) {
        seen_user = true;
        stated = core::ApplyCorrection(item.content, fix);
      }
      if (!stated) continue;
      NewMemory m;
      m.owner_id = std::string(owner_id);
      m.scope = std::string(scope);
      m.session_id = std::string(session_id);
      m.type = MemoryType::kFact;
      m.text = std::move(*stated);
      m.confidence = kUntypedDisclosureConfidence;
      m.source = "turn";
      m.observed_at = when;
      m.change = {"user", item.role == Role::kAssistant
                              ? "the user corrected the assistant's guess"
                              : "the user corrected what they had just said"};
      writes.push_back(std::move(m));
    }
  }
  if (writes.empty()) return std::vector<WriteResult>();
  return WriteMemories(writes);
}

Result<std::optional<hygiene::Correction>> Engine::Impl::BareCorrection(std::string_view owner_id,
                                                                        std::string_view session_id,
                                                                        std::string_view said,
                                                                        Timestamp when) {
  constexpr Timestamp kMoments = 3 * 60 * 1000;  // a bare value answers only what was just said
  std::optional<std::string> value = hygiene::ParseValueFragment(said);
  if (!value || session_id.empty()) return std::optional<hygiene::Correction>();
  ENGRAM_ASSIGN_OR_RETURN(std::vector<SessionItem> items, GetSessionItems(owner_id, session_id, 2));
  // The item before the current turn (the last one, when the turn is already appended).
  const std::string current = redactor_.Redact(said).text;
  const SessionItem* before = nullptr;
  for (size_t k = items.size(); k-- > 0;) {
    if (items[k].role == Role::kUser && items[k].content == current && k + 1 == items.size())
      continue;
    before = &items[k];
    break;
  }
  hygiene::Correction fix{std::move(*value), ""};
  if (before == nullptr || when - before->created_at > kMoments ||
      (before->role != Role::kUser && before->role != Role::kAssistant) ||
      !core::ApplyCorrection(before->content, fix))
    return std::optional<hygiene::Correction>();
  return std::optional(std::move(fix));
}

Result<std::optional<MemoryRecord>> Engine::Impl::RestatedMemory(std::string_view owner_id,
                                                                 std::string_view scope,
                                                                 const NewMemory& m,
                                                                 std::string_view said) {
  // Measured on the duplicate scenarios of tests/data/scenarios/dev.jsonl (docs/scenarios.md):
  // restatements of one claim have cosine >= 0.5 97% of the time, different claims of one
  // conversation never did. Without a name or number to agree on ("I play the cello"), nothing
  // but the vectors tells claims apart: those need more.
  constexpr double kRestatedSimilarity = 0.5;
  constexpr double kRestatedUnanchored = 0.6;
  // Below this, no rule of other wording (abbreviations, relations) is tried.
  constexpr double kRelatedSimilarity = 0.3;
  const double least = core::HasAnchors(m.text) ? kRestatedSimilarity : kRestatedUnanchored;
  if (!options_.embedder || !m.supersedes.empty()) return std::optional<MemoryRecord>();
  SearchOptions so;
  so.scope = std::string(scope);
  so.top_k = 3;
  so.mode = SearchMode::kVector;
  so.use_recency = false;
  so.record_access = false;
  std::vector<SearchHit> hits;
  // Abbreviations written out ("PM", "product manager"), so spelling does not split one claim.
  const std::string expanded = core::ExpandAbbreviations(m.text);
  const std::string_view queries[] = {m.text, said == m.text ? std::string_view() : said,
                                      expanded == m.text ? std::string_view() : expanded};
  for (std::string_view query : queries) {
    if (query.empty()) continue;
    ENGRAM_ASSIGN_OR_RETURN(std::vector<SearchHit> found, Search(owner_id, query, so));
    for (SearchHit& hit : found) hits.push_back(std::move(hit));
  }
  std::stable_sort(hits.begin(), hits.end(), [](const SearchHit& x, const SearchHit& y) {
    return x.explanation.vector_similarity > y.explanation.vector_similarity;
  });
  for (SearchHit& hit : hits) {
    if (hit.explanation.vector_similarity < kRelatedSimilarity) break;
    // The same key is the write rules' business: dedup or supersede.
    if (hit.record.type == MemoryType::kBlock || (!m.key.empty() && hit.record.key == m.key))
      continue;
    const std::string other = core::ExpandAbbreviations(hit.record.text);
    if (!core::SameAnchors(other, expanded)) continue;
    if (hit.explanation.vector_similarity >= least) return std::optional(std::move(hit.record));
    // "I live with Ilse, my partner" restates "The user's partner is named Ilse".
    if (core::NamesRelationOf(m.text, hit.record.key)) return std::optional(std::move(hit.record));
    if (other == hit.record.text) continue;
    // The stored text abbreviates what the new one writes out: compare them written out.
    const std::string pair[] = {other, expanded};
    std::vector<std::vector<float>> vectors;
    ENGRAM_RETURN_IF_ERROR(options_.embedder->Embed(pair, &vectors));
    double dot = 0;
    for (size_t d = 0; d < vectors[0].size(); ++d) dot += vectors[0][d] * vectors[1][d];
    if (dot >= least) return std::optional(std::move(hit.record));
  }
  return std::optional<MemoryRecord>();
}

}  // namespace engram
