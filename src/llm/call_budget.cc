#include "llm/call_budget.h"

#include <string>
#include <string_view>

namespace engram::llm {
namespace {

constexpr std::string_view kPrefix = "LLM call budget";

}  // namespace

Status CallBudget::Charge() {
  int used = used_.load(std::memory_order_acquire);
  // A CAS loop rather than fetch_add, so a refused call leaves the count unchanged and used()
  // never exceeds max_calls().
  while (used < max_calls_) {
    if (used_.compare_exchange_weak(used, used + 1, std::memory_order_acq_rel)) {
      return Status::Ok();
    }
  }
  return Status::FailedPrecondition(std::string(kPrefix) + " of " + std::to_string(max_calls_) +
                                    " calls per write is spent");
}

bool IsBudgetExhausted(const Status& status) {
  return status.code() == Status::Code::kFailedPrecondition &&
         std::string_view(status.message()).starts_with(kPrefix);
}

}  // namespace engram::llm
