// ScriptedClient: an LlmClient that replays scripted answers in order and records every request,
// for tests of code built on LlmClient (no HTTP). Complete() still checks requests and charges
// budgets, as every client does.
#pragma once

#include <deque>
#include <string>
#include <vector>

#include "llm/llm_client.h"

namespace engram::llm::testing {

class ScriptedClient : public LlmClient {
 public:
  void Answer(std::string text, StopReason stop = StopReason::kEndTurn) {
    Completion c;
    c.text = std::move(text);
    c.stop = stop;
    c.stop_reason = stop == StopReason::kMaxTokens ? "max_tokens" : "end_turn";
    script_.push_back(std::move(c));
  }
  void Fail(Status status) { script_.push_back(std::move(status)); }

  std::string model_id() const override { return "scripted:model"; }
  std::string provider() const override { return "scripted"; }

  const std::vector<CompletionRequest>& requests() const { return requests_; }
  size_t pending() const { return script_.size(); }

 protected:
  Result<Completion> DoComplete(const CompletionRequest& request) override {
    requests_.push_back(request);
    if (script_.empty()) return Status::Internal("ScriptedClient: no answer scripted");
    Result<Completion> next = std::move(script_.front());
    script_.pop_front();
    return next;
  }

 private:
  std::deque<Result<Completion>> script_;
  std::vector<CompletionRequest> requests_;
};

}  // namespace engram::llm::testing
