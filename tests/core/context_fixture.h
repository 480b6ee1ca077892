// The fixture of the context tests (context_test.cc, context_rules_test.cc): an engine on a
// temporary SQLite file with a manual clock and the hashing embedder.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <span>
#include <string>

#include "core/context.h"
#include "engram/engine.h"
#include "hashing_embedder.h"
#include "test_util.h"

namespace engram {

constexpr Timestamp kDay = 86'400'000;

class ContextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Options o;
    o.path = dir_.File("engram.db");
    o.clock = clock_;
    o.embedder = std::make_shared<testing::HashingEmbedder>();
    o.durable_commits = false;
    engine_ = std::move(*Engine::Open(o));
  }
  WriteResult Add(const std::string& text, MemoryType type = MemoryType::kFact,
                  const std::string& key = "", const std::string& scope = "global",
                  const std::string& owner = "u") {
    NewMemory m;
    m.owner_id = owner;
    m.text = text;
    m.type = type;
    m.key = key;
    m.scope = scope;
    auto r = engine_->WriteMemories(std::span(&m, 1));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    clock_->Advance(1000);
    return r.ok() ? r->front() : WriteResult{};
  }
  void Say(const std::string& session, Role role, const std::string& text) {
    SessionItem item;
    item.role = role;
    item.content = text;
    auto r = engine_->AddSessionItems("u", session, {item});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  Context Assemble(ContextOptions o, const std::string& owner = "u") {
    auto c = engine_->AssembleContext(owner, o);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? *c : Context{};
  }
  static bool Has(const Context& c, const std::string& needle) {
    return c.rendered.find(needle) != std::string::npos;
  }

  testing::TempDir dir_;
  std::shared_ptr<ManualClock> clock_ = std::make_shared<ManualClock>(1'790'000'000'000);
  std::unique_ptr<Engine> engine_;
};

}  // namespace engram
