// The folder of a SQLite database's saved indexes ("<path>.index/") is refused at open when another
// user could write or redirect it (its modes: persisted_index_test.cc).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engram/engine.h"
#include "hashing_embedder.h"
#include "test_util.h"

namespace engram {
namespace {

class IndexFolderTest : public ::testing::Test {
 protected:
  Result<std::unique_ptr<Engine>> Open(bool embedder = true) {
    Options o;
    o.path = db_;
    if (embedder) o.embedder = std::make_shared<testing::HashingEmbedder>();
    o.durable_commits = false;
    o.approximate_above = 50;
    return Engine::Open(o);
  }

  testing::TempDir dir_;
  const std::string db_ = dir_.File("engram.db");
  const std::string folder_ = db_ + ".index";
};

TEST_F(IndexFolderTest, AFolderOthersCouldWriteOrRedirectIsRefusedAtOpen) {
  ASSERT_EQ(::mkdir(folder_.c_str(), 0700), 0);
  ASSERT_EQ(::chmod(folder_.c_str(), 0775), 0);
  auto refused = Open();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("index folder " + folder_ +
                                            " is writable by other users: run `chmod 700 " +
                                            folder_ + "`, or remove it"),
            std::string::npos)
      << refused.status().message();
  EXPECT_EQ(refused.status().message().find('\n'), std::string::npos);
  // Without an embedder no index is kept: the folder is not used, so not checked.
  EXPECT_TRUE(Open(/*embedder=*/false).ok());
  ASSERT_EQ(::chmod(folder_.c_str(), 0700), 0);
  EXPECT_TRUE(Open().ok());

  ASSERT_EQ(::rmdir(folder_.c_str()), 0);
  ASSERT_EQ(::mkdir(dir_.File("elsewhere").c_str(), 0700), 0);
  ASSERT_EQ(::symlink(dir_.File("elsewhere").c_str(), folder_.c_str()), 0);
  refused = Open();
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find(folder_ + " is a symbolic link"), std::string::npos)
      << refused.status().message();
  ASSERT_EQ(::unlink(folder_.c_str()), 0);

  if (::geteuid() != 0) GTEST_SKIP() << "a folder of another user needs root to make";
  ASSERT_EQ(::mkdir(folder_.c_str(), 0700), 0);
  ASSERT_EQ(::chown(folder_.c_str(), 65534, 65534), 0);
  refused = Open();
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("belongs to another user (uid 65534)"),
            std::string::npos)
      << refused.status().message();
}

}  // namespace
}  // namespace engram
