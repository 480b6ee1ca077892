// A language model's answer is outside input: whatever text a model returns, extraction and
// conflict resolution (structured.h: parse, schema validation, the meaning checks, one repair
// attempt) yield candidates or an error, never a crash. The client below stands for the
// provider: it answers every call with the fuzzed text.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "llm/conflicts.h"
#include "llm/extraction.h"

namespace {

class FixedAnswer final : public engram::llm::LlmClient {
 public:
  explicit FixedAnswer(std::string text) : text_(std::move(text)) {}
  std::string model_id() const override { return "fuzz:fixed"; }
  std::string provider() const override { return "openai"; }

 protected:
  engram::Result<engram::llm::Completion> DoComplete(
      const engram::llm::CompletionRequest&) override {
    engram::llm::Completion c;
    c.text = text_;
    c.stop = engram::llm::StopReason::kEndTurn;
    return c;
  }

 private:
  std::string text_;
};

constexpr engram::Timestamp kNow = 1'760'000'000'000;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FixedAnswer client(std::string(reinterpret_cast<const char*>(data), size));
  {
    engram::llm::CallBudget budget;
    const std::vector<engram::llm::Turn> turns = {
        {engram::Role::kUser, "I moved to Lisbon last year and I'm allergic to peanuts.", kNow}};
    auto candidates = engram::llm::ExtractCandidates(client, budget, turns, kNow);
    if (candidates.ok()) {
      for (const auto& c : *candidates) {
        if (c.text.empty() || c.key.empty() || !(c.confidence >= 0 && c.confidence <= 1)) {
          __builtin_trap();
        }
      }
    }
  }
  {
    engram::llm::CallBudget budget;
    engram::hygiene::Candidate candidate;
    candidate.key = "user.city";
    candidate.text = "The user lives in Lisbon.";
    candidate.confidence = 0.9;
    const std::vector<engram::hygiene::Candidate> candidates = {candidate};
    const std::vector<std::vector<engram::llm::LiveMemory>> similar = {
        {{"0192f0c1-7a2b-7c3d-8e4f-a1b2c3d4e5f6", "user.city", "The user lives in Porto.",
          engram::MemoryType::kFact}}};
    (void)engram::llm::ResolveConflicts(client, budget, candidates, similar);
  }
  return 0;
}
