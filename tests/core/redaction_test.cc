// Secrets never reach storage: not the table, the FTS index, history, vectors or the WAL.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "engram/engine.h"
#include "hashing_embedder.h"
#include "test_util.h"

namespace engram {
namespace {

// Every byte the store left on disk: the database, its WAL, and the saved vector indexes.
std::string AllStoredBytes(const std::string& dir) {
  std::string all;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    all += ss.str();
  }
  return all;
}

class RedactionTest : public ::testing::Test {
 protected:
  void Open() {
    engine_.reset();
    Options o;
    o.path = dir_.File("engram.db");
    o.embedder = std::make_shared<testing::HashingEmbedder>();
    o.approximate_above = 5;  // also write a vector index file to scan
    engine_ = std::move(*Engine::Open(o));
  }
  testing::TempDir dir_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(RedactionTest, APasswordSaidInChatIsNowhereInTheDatabaseFile) {
  Open();
  const std::string password = "Tr0ub4dor-" + std::to_string(::getpid()) + "-zebra";
  const std::string card = "4111 1111 1111 1111";  // Luhn-valid test number
  ASSERT_TRUE(
      engine_
          ->AddSessionItems("u", "s1", {{0, Role::kUser, "my password is " + password, "", "", 0}})
          .ok());
  NewMemory m;
  m.owner_id = "u";
  m.text = "The user's bank password is " + password + " and card " + card;
  m.metadata = R"({"note": "password: )" + password + R"("})";
  auto added = engine_->AddMemory(m);
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  EXPECT_EQ(added->text.find(password), std::string::npos);
  EXPECT_NE(added->text.find("[REDACTED:password]"), std::string::npos);
  EXPECT_NE(added->text.find("[REDACTED:card_number]"), std::string::npos);
  for (int i = 0; i < 10; ++i) {
    NewMemory filler;
    filler.owner_id = "u";
    filler.text = "filler memory " + std::to_string(i);
    ASSERT_TRUE(engine_->AddMemory(filler).ok());
  }
  MemoryUpdate u;
  u.text = "Changed: the password is now " + password + "-2";
  ASSERT_TRUE(engine_->UpdateMemory("u", added->id, u).ok());
  ASSERT_TRUE(engine_->Search("u", "bank password", {}).ok());  // builds the saved index

  auto history = engine_->GetHistory("u", added->id);
  ASSERT_TRUE(history.ok());
  EXPECT_NE(history->front().reason.find("password in text"), std::string::npos)
      << history->front().reason;
  EXPECT_NE(history->front().reason.find("card_number in text"), std::string::npos);
  auto items = engine_->GetSessionItems("u", "s1");
  EXPECT_EQ(items->front().content, "my password is [REDACTED:password]");

  engine_.reset();
  const std::string bytes = AllStoredBytes(dir_.path());
  EXPECT_EQ(bytes.find(password), std::string::npos);
  EXPECT_EQ(bytes.find("Tr0ub4dor"), std::string::npos);
  EXPECT_EQ(bytes.find(card), std::string::npos);
  EXPECT_EQ(bytes.find("4111111111111111"), std::string::npos);
}

TEST_F(RedactionTest, CanBeTurnedOff) {
  Options o;
  o.path = dir_.File("plain.db");
  o.redact_secrets = false;
  auto engine = Engine::Open(o);
  ASSERT_TRUE(engine.ok());
  NewMemory m;
  m.owner_id = "u";
  m.text = "my password is opensesame";
  EXPECT_EQ((*engine)->AddMemory(m)->text, "my password is opensesame");
}

// data nested `depth` objects deep with a password at the bottom.
std::string NestedSecret(size_t depth, const std::string& secret) {
  std::string out;
  for (size_t i = 0; i < depth; ++i) out += "{\"a\":";
  out += "{\"password\":\"" + secret + "\"}";
  for (size_t i = 0; i < depth; ++i) out += "}";
  return out;
}

TEST_F(RedactionTest, ASecretAtAnyDepthIsRedactedOrTheRecordRefused) {
  Open();
  const std::string secret = "Deep-" + std::to_string(::getpid()) + "-s3cret";
  NewMemory shallow;
  shallow.owner_id = "u";
  shallow.text = "nested configuration";
  shallow.data = NestedSecret(100, secret);
  auto added = engine_->AddMemory(shallow);
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  EXPECT_EQ(added->data.find(secret), std::string::npos);
  // Deeper than every JSON parse accepts, and so deeper than the scan could be trusted with.
  for (size_t depth : {200u, 300u, 5'000u}) {  // 5,000 levels: 30 KB, within max_json_bytes
    NewMemory deep = shallow;
    deep.data = NestedSecret(depth, secret);
    Result<MemoryRecord> refused = engine_->AddMemory(deep);
    ASSERT_FALSE(refused.ok()) << depth;
    EXPECT_TRUE(refused.status().IsInvalidArgument()) << refused.status().ToString();
    EXPECT_EQ(refused.status().message().find(secret), std::string::npos);
    MemoryUpdate u;
    u.metadata = "{\"m\": " + NestedSecret(depth, secret) + "}";
    EXPECT_FALSE(engine_->UpdateMemory("u", added->id, u).ok()) << depth;
  }
  engine_.reset();
  EXPECT_EQ(AllStoredBytes(dir_.path()).find(secret), std::string::npos);
}

TEST_F(RedactionTest, ReasonKeyUpdatedDataAndToolCallsNeverStoreASecret) {
  Open();
  const std::string secret = "Hidden-" + std::to_string(::getpid()) + "-zebra";
  NewMemory m;
  m.owner_id = "u";
  m.text = "the deploy target is staging";
  m.key = "my password is " + secret;
  m.change.reason = "my password is " + secret;
  auto added = engine_->AddMemory(m);
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  EXPECT_EQ(added->key.find(secret), std::string::npos) << added->key;
  MemoryUpdate u;
  u.data = "{\"note\": \"password: " + secret + "\"}";
  u.change.reason = "the password is " + secret;
  auto updated = engine_->UpdateMemory("u", added->id, u);
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_EQ(updated->data.find(secret), std::string::npos) << updated->data;
  SessionItem call{0, Role::kAssistant, "calling a tool", "", "", 0};
  call.tool_calls = "[{\"id\": \"c1\", \"arguments\": {\"password\": \"" + secret + "\"}}]";
  ASSERT_TRUE(engine_->AddSessionItems("u", "s1", {call}).ok());
  ASSERT_TRUE(engine_->DeleteMemory("u", added->id, {"test", "my password is " + secret}).ok());
  auto history = engine_->GetHistory("u", added->id);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 3u);
  for (const HistoryEvent& e : *history) {
    EXPECT_EQ(e.reason.find(secret), std::string::npos) << e.reason;
  }
  engine_.reset();
  EXPECT_EQ(AllStoredBytes(dir_.path()).find(secret), std::string::npos);
}

}  // namespace
}  // namespace engram
