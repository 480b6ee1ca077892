#include "core/context.h"

#include <algorithm>
#include <array>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "core/validate.h"
#include "util/json.h"
#include "util/time.h"
#include "util/utf8.h"

namespace engram::core {

namespace {

constexpr size_t kMaxBudget = 1'000'000;
constexpr size_t kMaxItems = 200;  // per kind: relevant, standing, recent turns
// A search hit scoring below this share of the best hit's score is not put in the context.
constexpr double kRelevantFloor = 0.5;

// The header of each section, indexed by ContextSection (whose order is the rendering order).
constexpr std::array<const char*, 7> kSectionHeaders = {
    "## Core memory",
    "## The previous conversation",
    "## Summary of this conversation so far",
    "## Standing facts and preferences",
    "## Memories relevant to the current request",
    "## Related facts",
    "## Recent conversation",
};
// How far from an entity the query names its related facts reach.
constexpr size_t kRelatedDepth = 2;

size_t SectionIndex(ContextSection section) {
  return static_cast<size_t>(section);
}

bool IsAsciiLetter(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// The longest prefix of `text` (on a code point boundary) whose estimate, with an ellipsis, is
// within max_tokens.
std::string TruncateToTokens(const std::string& text, size_t max_tokens) {
  size_t lo = 0, hi = text.size();
  while (lo < hi) {
    size_t mid = (lo + hi + 1) / 2;
    while (mid > 0 && (static_cast<unsigned char>(text[mid]) & 0xC0) == 0x80) --mid;
    if (mid <= lo) {
      hi = lo;
      break;
    }
    if (EstimateTokens(text.substr(0, mid)) + 1 <= max_tokens) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  while (lo > 0 && lo < text.size() && (static_cast<unsigned char>(text[lo]) & 0xC0) == 0x80) {
    --lo;
  }
  return text.substr(0, lo) + "…";
}

std::string Day(Timestamp t) {
  return util::FormatTimestamp(t).substr(0, 10);
}

// "weather_lookup, send_email" from an assistant item's tool_calls.
std::string ToolNames(const std::string& tool_calls) {
  const nlohmann::json calls = util::ParseJsonOr(nlohmann::json::value_t::discarded, tool_calls);
  std::string out;
  if (!calls.is_array()) return out;
  for (const auto& call : calls) {
    std::string name = "tool";
    if (call.contains("function") && call["function"].is_object() &&
        call["function"].contains("name") && call["function"]["name"].is_string()) {
      name = call["function"]["name"].get<std::string>();
    } else if (call.contains("name") && call["name"].is_string()) {
      name = call["name"].get<std::string>();
    }
    out += (out.empty() ? "" : ", ") + name;
  }
  return out;
}

std::string RenderTurnItem(const SessionItem& item) {
  std::string line = std::string(RoleName(item.role)) + ": " + item.content;
  if (!item.tool_calls.empty()) line += " [calls " + ToolNames(item.tool_calls) + "]";
  return line;
}

std::string RenderMemory(const MemoryRecord& r) {
  const bool dated = r.type == MemoryType::kEpisode || r.type == MemoryType::kSummary;
  return "- " + (dated ? "[" + Day(r.created_at) + "] " : std::string()) + r.text;
}

std::string RankReason(size_t rank, const ScoreExplanation& e) {
  std::string why = "search rank " + std::to_string(rank);
  std::string parts;
  if (e.lexical_rank) parts += "lexical #" + std::to_string(e.lexical_rank);
  if (e.vector_rank)
    parts += std::string(parts.empty() ? "" : ", ") + "vector #" + std::to_string(e.vector_rank);
  return parts.empty() ? why : why + " (" + parts + ")";
}

// Admission of items by priority within the budget, keeping the header of each section that
// has an item in the count.
class Packer {
 public:
  explicit Packer(size_t budget) : budget_(budget), item_cap_(std::max<size_t>(budget / 4, 32)) {}

  // Admits the item if it fits (cutting a text longer than a quarter of the budget); otherwise
  // records it as omitted. Returns whether it was admitted.
  bool Offer(ContextItem item) {
    if (item.tokens > item_cap_) {
      item.text = TruncateToTokens(item.text, item_cap_);
      item.tokens = EstimateTokens(item.text);
      item.reason += "; cut to " + std::to_string(item.tokens) + " tokens";
    }
    const size_t s = SectionIndex(item.section);
    const size_t header = open_[s] ? 0 : EstimateTokens(kSectionHeaders[s]);
    if (used_ + header + item.tokens > budget_) {
      item.reason += "; left out: needs " + std::to_string(item.tokens + header) + " tokens, " +
                     std::to_string(budget_ - used_) + " left";
      omitted_.push_back(std::move(item));
      return false;
    }
    used_ += header + item.tokens;
    open_[s] = true;
    included_.push_back(std::move(item));
    return true;
  }

  void Omit(ContextItem item, const std::string& why) {
    item.reason += "; left out: " + why;
    omitted_.push_back(std::move(item));
  }

  Context Finish() && {
    Context c;
    c.token_budget = budget_;
    std::stable_sort(included_.begin(), included_.end(),
                     [](const ContextItem& a, const ContextItem& b) {
                       // Turns were admitted newest first; they read oldest first.
                       return SectionIndex(a.section) != SectionIndex(b.section)
                                  ? SectionIndex(a.section) < SectionIndex(b.section)
                                  : a.session_seq < b.session_seq;
                     });
    size_t current = kSectionHeaders.size();
    for (const ContextItem& item : included_) {
      const size_t s = SectionIndex(item.section);
      if (s != current) {
        if (!c.rendered.empty()) c.rendered += "\n";
        c.rendered += std::string(kSectionHeaders[s]) + "\n";
        current = s;
      }
      c.rendered += item.text + "\n";
    }
    c.token_count = EstimateTokens(c.rendered);
    c.items = std::move(included_);
    c.omitted = std::move(omitted_);
    return c;
  }

 private:
  size_t budget_;
  size_t item_cap_;
  size_t used_ = 0;
  std::array<bool, kSectionHeaders.size()> open_{};
  std::vector<ContextItem> included_;
  std::vector<ContextItem> omitted_;
};

ContextItem Item(ContextSection section, std::string reason, double score, std::string text) {
  ContextItem item;
  item.section = section;
  item.reason = std::move(reason);
  item.score = score;
  item.tokens = EstimateTokens(text);
  item.text = std::move(text);
  return item;
}

// Offers the turns of `window` newest first, whole turns only: a turn that does not fit ends the
// window, since a gap in the conversation misleads more than a shorter window.
void OfferTurns(Packer& packer, const std::vector<SessionItem>& window, ContextSection section,
                const std::string& reason) {
  std::vector<std::vector<ContextItem>> turns;
  for (const SessionItem& si : window) {
    if (turns.empty() || si.role == Role::kUser) turns.emplace_back();
    ContextItem item = Item(section, reason, 1, RenderTurnItem(si));
    item.session_seq = si.seq;
    turns.back().push_back(std::move(item));
  }
  bool full = false, first_miss = true;
  for (auto turn = turns.rbegin(); turn != turns.rend(); ++turn) {
    if (!full) {
      Packer trial = packer;
      bool fits = true;
      for (const ContextItem& item : *turn) fits = fits && trial.Offer(item);
      if (fits) {
        packer = std::move(trial);
        continue;
      }
      full = true;
    }
    for (ContextItem& item : *turn) {
      packer.Omit(std::move(item), first_miss ? "its turn does not fit in the budget"
                                              : "older than a turn that did not fit");
    }
    first_miss = false;
  }
}

// "Alice manages Project Alpha".
std::string RenderRelation(const Relation& r) {
  std::string type = r.type;
  std::replace(type.begin(), type.end(), '_', ' ');
  return "- " + r.from_name + " " + type + " " + r.to_name;
}

// Offers, for each entity the query names (in the order it names them), its observations and
// the edges true now within kRelatedDepth hops, nearest first; o.max_related items in all. A
// store without a graph offers nothing.
Status OfferRelatedFacts(Engine& engine, std::string_view owner_id, const ContextOptions& o,
                         Packer& packer) {
  GraphReadOptions read;
  read.scope = o.scope;
  Result<std::vector<Entity>> named = engine.MentionedEntities(owner_id, o.query, read);
  if (!named.ok() && named.status().code() == Status::Code::kFailedPrecondition) {
    return Status::Ok();
  }
  if (!named.ok()) return named.status();
  size_t offered = 0;
  std::set<std::string> seen;  // relation ids
  for (const Entity& e : *named) {
    const std::string reason = "graph: " + e.name + " is named in the request";
    for (const Observation& obs : e.observations) {
      if (offered == o.max_related) return Status::Ok();
      ++offered;
      packer.Offer(Item(ContextSection::kRelated, reason, 1, "- " + e.name + ": " + obs.text));
    }
    NeighborOptions no;
    no.read = read;
    no.depth = kRelatedDepth;
    ENGRAM_ASSIGN_OR_RETURN(Neighborhood hood, engine.Neighbors(owner_id, e.name, no));
    std::map<std::string, size_t> depth{{hood.start.id, 0}};
    for (const Neighbor& n : hood.neighbors) depth[n.entity.id] = n.depth;
    auto hops = [&](const Relation& r) {
      return std::min(depth.count(r.from_id) ? depth[r.from_id] : kRelatedDepth,
                      depth.count(r.to_id) ? depth[r.to_id] : kRelatedDepth) +
             1;
    };
    std::stable_sort(hood.relations.begin(), hood.relations.end(),
                     [&](const Relation& a, const Relation& b) { return hops(a) < hops(b); });
    for (const Relation& r : hood.relations) {
      if (!seen.insert(r.id).second) continue;
      if (offered == o.max_related) return Status::Ok();
      ++offered;
      const size_t h = hops(r);
      packer.Offer(Item(ContextSection::kRelated,
                        h == 1 ? reason : "graph: " + std::to_string(h) + " hops from " + e.name, 1,
                        RenderRelation(r)));
    }
  }
  return Status::Ok();
}

}  // namespace

size_t EstimateTokens(std::string_view text) {
  size_t tokens = 0;
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
    } else if (IsAsciiLetter(c)) {
      size_t j = i;
      while (j < text.size() && IsAsciiLetter(static_cast<unsigned char>(text[j]))) ++j;
      tokens += (j - i + 7) / 8;
      i = j;
    } else if (c >= '0' && c <= '9') {
      size_t j = i;
      while (j < text.size() && text[j] >= '0' && text[j] <= '9') ++j;
      tokens += (j - i + 2) / 3;
      i = j;
    } else {
      char32_t cp;
      i += util::DecodeUtf8(text, i, cp);
      ++tokens;
    }
  }
  return tokens;
}

Result<Context> AssembleContext(Engine& engine, std::string_view owner_id,
                                const ContextOptions& o) {
  ENGRAM_RETURN_IF_ERROR(ValidateId("owner_id", owner_id));
  ENGRAM_RETURN_IF_ERROR(ValidateScope(o.scope));
  ENGRAM_RETURN_IF_ERROR(ValidateOptionalId("session_id", o.session_id));
  if (o.token_budget == 0 || o.token_budget > kMaxBudget) {
    return Status::InvalidArgument("token_budget must be between 1 and " +
                                   std::to_string(kMaxBudget));
  }
  if (o.max_relevant > kMaxItems || o.max_standing > kMaxItems || o.max_related > kMaxItems ||
      o.recent_turns > kMaxItems || o.previous_turns > kMaxItems) {
    return Status::InvalidArgument(
        "max_relevant, max_standing, max_related, recent_turns and previous_turns are at most " +
        std::to_string(kMaxItems));
  }
  Packer packer(o.token_budget);

  // 1. Core blocks: always first, whatever the query.
  ENGRAM_ASSIGN_OR_RETURN(std::vector<CoreBlock> blocks, engine.ListBlocks(owner_id, o.scope));
  // Who the agent is, then who it talks to, then the caller's own blocks by label.
  auto block_order = [](const CoreBlock& b) {
    return b.label == "persona" ? 0 : b.label == "human" ? 1 : 2;
  };
  std::stable_sort(blocks.begin(), blocks.end(), [&](const CoreBlock& x, const CoreBlock& y) {
    return block_order(x) < block_order(y);
  });
  for (const CoreBlock& b : blocks) {
    if (b.value.empty()) continue;
    ContextItem item =
        Item(ContextSection::kBlock, "core block", 1, "[" + b.label + "]\n" + b.value);
    item.memory_id = b.id;
    packer.Offer(std::move(item));
  }

  // 2. The most recent turns of the session.
  if (!o.session_id.empty() && o.recent_turns > 0) {
    ENGRAM_ASSIGN_OR_RETURN(std::vector<SessionItem> window,
                            engine.GetSessionWindow(owner_id, o.session_id, o.recent_turns));
    OfferTurns(packer, window, ContextSection::kTurn, "recent turn");
  }

  // 3. The session's rolling summary.
  if (!o.session_id.empty()) {
    ENGRAM_ASSIGN_OR_RETURN(std::optional<SessionSummary> summary,
                            engine.GetSessionSummary(owner_id, o.session_id));
    if (summary)
      packer.Offer(
          Item(ContextSection::kSummary, "rolling summary of the session", 1, summary->text));
  }

  // 3b. Where the owner's previous session left off, so that a new session is not amnesic: its
  // summary here, its last turns (budget permitting) after everything else.
  std::optional<SessionInfo> previous;
  if (!o.session_id.empty() && o.previous_session) {
    ENGRAM_ASSIGN_OR_RETURN(previous, engine.GetPreviousSession(owner_id, o.session_id));
  }
  const std::string previous_name = previous ? "the previous session '" + previous->session_id +
                                                   "' (last active " +
                                                   Day(previous->last_active_at) + ")"
                                             : "";
  if (previous && previous->summary) {
    packer.Offer(Item(ContextSection::kPrevious, "summary of " + previous_name, 1,
                      "Summary: " + previous->summary->text));
  }

  // 4. What the query needs, by hybrid search (lexical when no embedder is configured).
  std::set<std::string> shown;
  if (!o.query.empty() && o.max_relevant > 0) {
    SearchOptions so;
    so.scope = o.scope;
    so.top_k = o.max_relevant + blocks.size();
    Result<std::vector<SearchHit>> hits = engine.Search(owner_id, o.query, so);
    if (!hits.ok() && hits.status().code() == Status::Code::kFailedPrecondition) {
      so.mode = SearchMode::kLexical;
      hits = engine.Search(owner_id, o.query, so);
    }
    if (!hits.ok()) return hits.status();
    size_t rank = 0;
    // Fused ranks give every hit a score, however weak its match: the tail of the vector ranking
    // (a name, an employer, for a question about a migration) is not relevant, just nearest.
    const double floor = hits->empty() ? 0 : kRelevantFloor * hits->front().score;
    for (const SearchHit& hit : *hits) {
      if (hit.record.type == MemoryType::kBlock) continue;  // already in full
      if (hit.score < floor) break;
      if (++rank > o.max_relevant) break;
      ContextItem item = Item(ContextSection::kRelevant, RankReason(rank, hit.explanation),
                              hit.score, RenderMemory(hit.record));
      item.memory_id = hit.record.id;
      shown.insert(hit.record.id);
      packer.Offer(std::move(item));
    }
  }

  // 4b. What the knowledge graph holds about the entities the query names.
  if (!o.query.empty() && o.max_related > 0) {
    ENGRAM_RETURN_IF_ERROR(OfferRelatedFacts(engine, owner_id, o, packer));
  }

  // 5. Standing facts and preferences of the scope: the newest of each type (by when they were
  // said), most recently confirmed first.
  if (o.max_standing > 0) {
    std::vector<MemoryRecord> standing;
    for (MemoryType type : {MemoryType::kPreference, MemoryType::kFact}) {
      ListOptions lo;
      lo.scope = o.scope;
      lo.type = type;
      // Those already relevant do not count against max_standing.
      lo.limit = o.max_standing + shown.size();
      ENGRAM_ASSIGN_OR_RETURN(MemoryPage page, engine.ListMemories(owner_id, lo));
      for (MemoryRecord& r : page.items) standing.push_back(std::move(r));
    }
    auto confirmed = [](const MemoryRecord& r) {
      return std::max(r.created_at, r.last_verified_at.value_or(0));
    };
    std::stable_sort(
        standing.begin(), standing.end(),
        [&](const MemoryRecord& a, const MemoryRecord& b) { return confirmed(a) > confirmed(b); });
    size_t taken = 0;
    for (const MemoryRecord& r : standing) {
      if (shown.count(r.id)) continue;
      if (++taken > o.max_standing) break;
      ContextItem item =
          Item(ContextSection::kStanding, std::string("standing ") + MemoryTypeName(r.type), 1,
               RenderMemory(r));
      item.memory_id = r.id;
      packer.Offer(std::move(item));
    }
  }

  // 6. The last turns of the previous session, with what budget is left.
  if (previous && previous->items > 0 && o.previous_turns > 0) {
    ENGRAM_ASSIGN_OR_RETURN(
        std::vector<SessionItem> window,
        engine.GetSessionWindow(owner_id, previous->session_id, o.previous_turns));
    OfferTurns(packer, window, ContextSection::kPrevious, "last turn of " + previous_name);
  }
  return std::move(packer).Finish();
}

}  // namespace engram::core
