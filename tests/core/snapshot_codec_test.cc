// The storage codec of history snapshots: format 1 round-trips every field, is the form history
// has always held, and a snapshot of an unknown format or shape is refused.
#include "core/snapshot_codec.h"

#include <gtest/gtest.h>

#include "core/json_codec.h"

namespace engram::core {
namespace {

MemoryRecord FullRecord() {
  MemoryRecord r;
  r.id = "0190a3c5-0000-7000-8000-000000000001";
  r.owner_id = "alice";
  r.scope = "project/alpha";
  r.agent_id = "agent-7";
  r.session_id = "s1";
  r.type = MemoryType::kPreference;
  r.key = "ui.theme";
  r.text = "Alice prefers the dark theme";
  r.data = R"({"theme":"dark"})";
  r.metadata = R"({"k":1})";
  r.source = "chat";
  r.confidence = 0.75;
  r.created_at = 1'700'000'000'000;
  r.updated_at = 1'700'000'000'500;
  r.valid_from = 1'600'000'000'000;
  r.valid_to = 1'800'000'000'000;
  r.last_verified_at = 1'700'000'001'000;
  r.last_accessed_at = 1'700'000'002'000;
  r.access_count = 3;
  r.expires_at = 1'900'000'000'000;
  r.superseded_by = "0190a3c5-0000-7000-8000-000000000009";
  r.deleted_at = 1'700'000'003'000;
  return r;
}

TEST(SnapshotCodecTest, RoundTripsEveryField) {
  const MemoryRecord r = FullRecord();
  Result<MemoryRecord> back = DecodeSnapshot(EncodeSnapshot(r));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->id, r.id);
  EXPECT_EQ(back->owner_id, r.owner_id);
  EXPECT_EQ(back->scope, r.scope);
  EXPECT_EQ(back->agent_id, r.agent_id);
  EXPECT_EQ(back->session_id, r.session_id);
  EXPECT_EQ(back->type, r.type);
  EXPECT_EQ(back->key, r.key);
  EXPECT_EQ(back->text, r.text);
  EXPECT_EQ(back->data, r.data);
  EXPECT_EQ(back->metadata, r.metadata);
  EXPECT_EQ(back->source, r.source);
  EXPECT_DOUBLE_EQ(back->confidence, r.confidence);
  EXPECT_EQ(back->created_at, r.created_at);
  EXPECT_EQ(back->updated_at, r.updated_at);
  EXPECT_EQ(back->valid_from, r.valid_from);
  EXPECT_EQ(back->valid_to, r.valid_to);
  EXPECT_EQ(back->last_verified_at, r.last_verified_at);
  EXPECT_EQ(back->last_accessed_at, r.last_accessed_at);
  EXPECT_EQ(back->access_count, r.access_count);
  EXPECT_EQ(back->expires_at, r.expires_at);
  EXPECT_EQ(back->superseded_by, r.superseded_by);
  EXPECT_EQ(back->deleted_at, r.deleted_at);
}

// Format 1 is what history rows have held since the first version (the record's JSON form), so
// rows written before the codec existed decode, and new rows match them.
TEST(SnapshotCodecTest, FormatOneIsTheFormHistoryHasAlwaysHeld) {
  MemoryRecord sparse;
  sparse.id = "0190a3c5-0000-7000-8000-000000000002";
  sparse.owner_id = "bob";
  sparse.scope = "global";
  sparse.text = "Bob lives in Lisbon";
  sparse.created_at = sparse.updated_at = 1'700'000'000'000;
  for (const MemoryRecord& r : {FullRecord(), sparse}) {
    EXPECT_EQ(EncodeSnapshot(r), DumpJson(MemoryToJson(r)));
  }
  EXPECT_EQ(kSnapshotFormat, 1);
}

TEST(SnapshotCodecTest, RefusesWhatIsNotASnapshot) {
  const std::string good = EncodeSnapshot(FullRecord());
  for (const std::string& bad :
       {std::string(""), std::string("[1]"), std::string("not json"), std::string("{}"),
        std::string(R"({"id":"x","type":"no-such-type","created_at":"2024-01-01T00:00:00Z",)"
                    R"("updated_at":"2024-01-01T00:00:00Z"})"),
        std::string(R"({"id":"x","type":"fact"})"),
        good.substr(0, good.size() - 1) + R"(,"format":2})"}) {
    Result<MemoryRecord> r = DecodeSnapshot(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), Status::Code::kCorruption) << bad;
  }
  EXPECT_TRUE(DecodeSnapshot(good.substr(0, good.size() - 1) + R"(,"format":1})").ok());
}

}  // namespace
}  // namespace engram::core
