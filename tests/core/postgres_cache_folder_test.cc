// The index cache folders of engines on PostgreSQL (Options::index_cache): private (created 0700),
// refused at open when another user could write or redirect them, and pruned at open
// of the folders that can no longer serve.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>

#include "engram/engine.h"
#include "hashing_embedder.h"
#include "pg/postgres_server.h"
#include "store/factory.h"
#include "test_util.h"

namespace engram {
namespace {

class PostgresCacheFolderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ENGRAM_REQUIRE_POSTGRES(server);
    server_ = server;
    url_ = server_->NewDatabase();
    ASSERT_FALSE(url_.empty());
  }

  Result<std::unique_ptr<Engine>> Open(const std::string& cache, const std::string& url = "") {
    Options o;
    o.store = url.empty() ? url_ : url;
    o.embedder = std::make_shared<testing::HashingEmbedder>();
    o.approximate_above = 50;
    o.index_cache = cache;
    return Engine::Open(o);
  }

  // The database folders in `root`, by name.
  static std::vector<std::string> Folders(const std::string& root) {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(root)) {
      if (e.is_directory()) out.push_back(e.path().filename().string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  testing::PostgresServer* server_ = nullptr;
  std::string url_;
  testing::TempDir dir_;
};

// Each refusal fails the open with one line that names the folder and the fix; nothing is
// silently run without a cache.
TEST_F(PostgresCacheFolderTest, UnsafeOrUncreatableFoldersAreRefusedAtOpen) {
  const std::string root = dir_.File("cache/index");
  ASSERT_TRUE(Open(root).ok());
  // Made private (the files in them too: postgres_index_cache_test.cc).
  EXPECT_EQ(testing::FileMode(dir_.File("cache")), 0700u);
  EXPECT_EQ(testing::FileMode(root), 0700u);
  const std::string folder = root + "/" + Folders(root).at(0);
  EXPECT_EQ(testing::FileMode(folder), 0700u);

  ASSERT_EQ(::chmod(root.c_str(), 0770), 0);
  auto refused = Open(root);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("writable by other users: run `chmod 700 " + root +
                                            "`, or use another with --index-cache DIR, or none"),
            std::string::npos)
      << refused.status().message();
  EXPECT_EQ(refused.status().message().find('\n'), std::string::npos);
  ASSERT_EQ(::chmod(root.c_str(), 0700), 0);
  ASSERT_TRUE(Open(root).ok());

  // The database's folder inside is checked too.
  ASSERT_EQ(::chmod(folder.c_str(), 0777), 0);
  refused = Open(root);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("chmod 700 " + folder), std::string::npos)
      << refused.status().message();
  ASSERT_EQ(::chmod(folder.c_str(), 0700), 0);

  // A symbolic link (to a private folder even) could be redirected.
  const std::string link = dir_.File("link");
  ASSERT_EQ(::symlink(root.c_str(), link.c_str()), 0);
  refused = Open(link);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("index cache folder " + link + " is a symbolic link"),
            std::string::npos)
      << refused.status().message();
  EXPECT_NE(refused.status().message().find("--index-cache DIR"), std::string::npos);

  // A folder that cannot be made (under a file).
  std::ofstream(dir_.File("file")) << "x";
  refused = Open(dir_.File("file") + "/index");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Status::Code::kIOError);
  EXPECT_NE(refused.status().message().find("--index-cache DIR, or none"), std::string::npos)
      << refused.status().message();

  // "none" (an empty Options::index_cache) keeps nothing and checks nothing.
  ASSERT_EQ(::chmod(root.c_str(), 0777), 0);
  EXPECT_TRUE(Open("").ok());
  ASSERT_EQ(::chmod(root.c_str(), 0700), 0);

  // Another user's folder: only root can make one here.
  if (::geteuid() != 0) GTEST_SKIP() << "a folder of another user needs root to make";
  const std::string theirs = dir_.File("theirs");
  ASSERT_EQ(::mkdir(theirs.c_str(), 0700), 0);
  ASSERT_EQ(::chown(theirs.c_str(), 65534, 65534), 0);
  refused = Open(theirs);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("belongs to another user (uid 65534)"),
            std::string::npos)
      << refused.status().message();
}

// At open, the folders of a dropped database, of a dropped schema and of an earlier timeline of
// this database are removed, and every engram folder unused for 30 days; nothing else is.
TEST_F(PostgresCacheFolderTest, FoldersThatCanNoLongerServeArePrunedAtOpen) {
  const std::string root = dir_.File("index");
  // The folder each store would have, without making it (or pruning).
  auto folder_of = [&](const std::string& url) {
    store::OpenSettings settings;
    settings.cache_dir = root;
    auto opened = store::OpenBackend(url, settings);
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    return opened.ok() ? opened->local_dir.substr(root.size() + 1) : "";
  };
  const std::string name = "engram_pruned";
  ASSERT_TRUE(server_->Exec("CREATE DATABASE " + name));
  const std::string dropped_database = folder_of(server_->Uri(name));
  ASSERT_TRUE(server_->Exec("DROP DATABASE " + name + " WITH (FORCE)"));
  // This database, in a schema of its own that is then dropped.
  const std::string database = url_.substr(url_.rfind('/') + 1);
  ASSERT_TRUE(server_->Exec("CREATE SCHEMA side", database));
  const std::string dropped_schema = folder_of(url_ + "?options=-c%20search_path%3Dside");
  ASSERT_TRUE(server_->Exec("DROP SCHEMA side CASCADE", database));
  const std::string current = folder_of(url_);
  ASSERT_FALSE(dropped_database.empty() || dropped_schema.empty() || current.empty());
  ASSERT_NE(dropped_schema, current);
  // postgres-<system>-<database>-<timeline>-<schema>
  const size_t timeline_at = current.size() - 17;
  const std::string earlier_timeline =
      current.substr(0, timeline_at) + "00000000" + current.substr(timeline_at + 8);
  const std::string recent_other_cluster = "postgres-1-16384-00000001-0123abcd";
  const std::string idle_other_cluster = "postgres-2-16384-00000001-0123abcd";
  const std::string theirs = "postgres-3-16384-00000001-0123abcd";
  const std::string not_engrams = "postgres-notes";
  for (const std::string& f : {dropped_database, dropped_schema, current, earlier_timeline,
                               recent_other_cluster, idle_other_cluster, theirs, not_engrams}) {
    ASSERT_TRUE(std::filesystem::create_directories(root + "/" + f)) << f;
    std::filesystem::permissions(root + "/" + f, std::filesystem::perms::owner_all);
    std::ofstream(root + "/" + f + "/abc-1.records") << "x";
  }
  const auto long_ago = std::filesystem::file_time_type::clock::now() - std::chrono::hours(24 * 31);
  for (const std::string& f : {idle_other_cluster, not_engrams, theirs, current}) {
    std::filesystem::last_write_time(root + "/" + f, long_ago);  // current: touched at open
  }
  std::filesystem::permissions(root, std::filesystem::perms::owner_all);  // whatever the umask
  const bool as_root = ::geteuid() == 0;
  if (as_root) {
    ASSERT_EQ(::chown((root + "/" + theirs).c_str(), 65534, 65534), 0);
  }

  auto engine = Open(root);
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  std::vector<std::string> kept = {current, recent_other_cluster, not_engrams};
  if (as_root) kept.push_back(theirs);  // only this user's folders are pruned
  std::sort(kept.begin(), kept.end());
  EXPECT_EQ(Folders(root), kept);
  EXPECT_TRUE(std::filesystem::exists(root + "/" + current + "/abc-1.records"));
}

}  // namespace
}  // namespace engram
