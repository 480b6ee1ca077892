// Engine: the checkpoint calls' rules above the store (validation, LangGraph's write indexes,
// listing pages with a metadata filter, thread copy/prune guards, forgetting an owner).
#include <gtest/gtest.h>

#include "engram/engine.h"
#include "test_util.h"

namespace engram {
namespace {

class CheckpointEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Options options;
    options.path = dir_.File("engram.db");
    options.durable_commits = false;
    auto engine = Engine::Open(options);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(*engine);
  }

  static NewCheckpoint Make(const std::string& thread, const std::string& id,
                            const std::string& metadata = "{}") {
    NewCheckpoint in;
    in.checkpoint.owner_id = "alice";
    in.checkpoint.thread_id = thread;
    in.checkpoint.checkpoint_id = id;
    in.checkpoint.checkpoint = {"json", "{}"};
    in.checkpoint.metadata = metadata;
    return in;
  }

  std::vector<std::string> Ids(const CheckpointListOptions& o) {
    auto listed = engine_->ListCheckpoints("alice", o);
    EXPECT_TRUE(listed.ok()) << listed.status().ToString();
    std::vector<std::string> ids;
    for (const CheckpointTuple& t : listed.ok() ? *listed : std::vector<CheckpointTuple>{}) {
      ids.push_back(t.checkpoint.checkpoint_id);
    }
    return ids;
  }

  testing::TempDir dir_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(CheckpointEngineTest, InvalidInputIsRefusedAndWritesNothing) {
  auto code = [&](NewCheckpoint in) { return engine_->PutCheckpoint(in).status().code(); };
  NewCheckpoint in = Make("", "01");
  EXPECT_EQ(code(in), Status::Code::kInvalidArgument);
  in = Make("t", "");
  EXPECT_EQ(code(in), Status::Code::kInvalidArgument);
  in = Make("t", "01");
  in.checkpoint.checkpoint_ns = "bad\nns";
  EXPECT_EQ(code(in), Status::Code::kInvalidArgument);
  in = Make("t", "01", "[1]");
  EXPECT_EQ(code(in), Status::Code::kInvalidArgument);
  in = Make("t", "01");
  in.checkpoint.checkpoint.type = "";
  EXPECT_EQ(code(in), Status::Code::kInvalidArgument);
  in = Make("t", "01");
  in.channel_values.push_back({"c", "1", {"json", std::string(kMaxCheckpointBytes, 'x')}});
  EXPECT_EQ(code(in), Status::Code::kTooLarge);
  in = Make("t", "01");
  in.checkpoint.owner_id = "";
  EXPECT_EQ(code(in), Status::Code::kInvalidArgument);
  EXPECT_FALSE(engine_->GetCheckpoint("alice", "t", "")->has_value());

  std::vector<NewWrite> writes(kMaxWritesPerCall + 1, NewWrite{"a", {"json", "1"}});
  EXPECT_EQ(
      engine_->PutCheckpointWrites("alice", "t", "", "01", "task", "", writes).status().code(),
      Status::Code::kInvalidArgument);
  writes = {NewWrite{"a", {"", "1"}}};
  EXPECT_EQ(
      engine_->PutCheckpointWrites("alice", "t", "", "01", "task", "", writes).status().code(),
      Status::Code::kInvalidArgument);
  EXPECT_EQ(engine_->PutCheckpointWrites("alice", "t", "", "", "task", "", {}).status().code(),
            Status::Code::kInvalidArgument);
  CheckpointListOptions bad_filter;
  bad_filter.metadata_filter = "[]";
  EXPECT_EQ(engine_->ListCheckpoints("alice", bad_filter).status().code(),
            Status::Code::kInvalidArgument);
}

TEST_F(CheckpointEngineTest, SpecialChannelsTakeLangGraphsIndexes) {
  EXPECT_EQ(SpecialWriteIndex("__error__"), -1);
  EXPECT_EQ(SpecialWriteIndex("__scheduled__"), -2);
  EXPECT_EQ(SpecialWriteIndex("__interrupt__"), -3);
  EXPECT_EQ(SpecialWriteIndex("__resume__"), -4);
  EXPECT_EQ(SpecialWriteIndex("messages"), std::nullopt);
  ASSERT_TRUE(engine_->PutCheckpoint(Make("t", "01")).ok());
  const std::vector<NewWrite> writes = {
      {"a", {"json", "0"}}, {"__interrupt__", {"json", "i"}}, {"b", {"json", "2"}}};
  EXPECT_EQ(engine_->PutCheckpointWrites("alice", "t", "", "01", "task", "", writes).value(), 3);
  auto t = engine_->GetCheckpoint("alice", "t", "", std::string_view("01"));
  ASSERT_TRUE(t.ok() && t->has_value());
  std::vector<int64_t> idx;
  for (const PendingWrite& w : (*t)->pending_writes) idx.push_back(w.idx);
  EXPECT_EQ(idx, (std::vector<int64_t>{-3, 0, 2}));
}

// A filter the store cannot apply: the engine reads pages until the limit is met.
TEST_F(CheckpointEngineTest, ListPagesPastTheStoresPageWithAFilter) {
  for (int i = 0; i < 600; ++i) {
    char id[8];
    std::snprintf(id, sizeof id, "%04d", i);
    const std::string meta = i % 3 == 0 ? R"({"source":"loop","step":)" + std::to_string(i) + "}"
                                        : R"({"source":"input"})";
    ASSERT_TRUE(engine_->PutCheckpoint(Make(i % 2 ? "odd" : "even", id, meta)).ok());
  }
  CheckpointListOptions o;
  EXPECT_EQ(Ids(o).size(), 600u);
  o.metadata_filter = R"({"source":"loop"})";
  std::vector<std::string> loops = Ids(o);
  ASSERT_EQ(loops.size(), 200u);
  EXPECT_EQ(loops.front(), "0597");
  EXPECT_EQ(loops.back(), "0000");
  o.limit = 150;
  std::vector<std::string> limited = Ids(o);
  EXPECT_EQ(limited, std::vector<std::string>(loops.begin(), loops.begin() + 150));
  o.thread_id = "even";
  o.before = "0300";
  o.limit.reset();
  std::vector<std::string> even = Ids(o);
  ASSERT_EQ(even.size(), 50u);  // multiples of 6 below 300
  EXPECT_EQ(even.front(), "0294");
  o.metadata_filter = R"({"source":"loop","step":294})";
  EXPECT_EQ(Ids(o), (std::vector<std::string>{"0294"}));
}

TEST_F(CheckpointEngineTest, CopyPruneGuardsAndForget) {
  ASSERT_TRUE(engine_->PutCheckpoint(Make("t", "01")).ok());
  ASSERT_TRUE(engine_->PutCheckpoint(Make("t", "02")).ok());
  EXPECT_EQ(engine_->CopyThread("alice", "t", "t").status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(engine_->CopyThread("alice", "none", "u").status().code(), Status::Code::kNotFound);
  EXPECT_EQ(engine_->CopyThread("alice", "t", "u").value(), 2);
  EXPECT_EQ(engine_->CopyThread("alice", "t", "u").status().code(), Status::Code::kAlreadyExists);
  EXPECT_EQ(engine_->PruneThread("alice", "t", 0).status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(engine_->PruneThread("alice", "t", 1).value(), 1);
  auto report = engine_->ForgetOwner("alice");
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->checkpoints, 3);
  EXPECT_FALSE(engine_->GetCheckpoint("alice", "u", "")->has_value());
}

}  // namespace
}  // namespace engram
