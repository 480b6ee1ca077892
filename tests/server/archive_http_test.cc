// Archives over HTTP with a real server (HttpServer on an ephemeral port, cpp-httplib's client):
// GET .../export streams the archive (chunked), an admin's POST .../import writes it into an empty
// store, and exporting that store gives the same bytes; a damaged archive and a non-admin import
// are refused with clear errors and write nothing.
#include <gtest/gtest.h>
#include <httplib.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "api_fixture.h"
#include "server/http_server.h"

namespace engram::server {
namespace {

using nlohmann::json;

// An engine on its own database, served over HTTP until destroyed.
class Served {
 public:
  explicit Served(const std::string& db) {
    Options o;
    o.path = db;
    auto engine = Engine::Open(o);
    EXPECT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(*engine);
    ApiOptions options;
    options.default_search_mode = SearchMode::kLexical;
    auto keys = KeySet::Parse(KeysJson(), "test keys");
    EXPECT_TRUE(keys.ok()) << keys.status().ToString();
    options.keys = std::move(*keys);
    api_ = std::make_unique<Api>(*engine_, std::move(options));
    ServerOptions s;
    s.log = nullptr;
    s.max_body_bytes = size_t{8} << 20;
    server_ = std::make_unique<HttpServer>(*api_, s);
    EXPECT_TRUE(server_->Bind().ok());
    thread_ = std::thread([this] { EXPECT_TRUE(server_->Run().ok()); });
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
  }
  ~Served() {
    server_->Stop();
    thread_.join();
  }

  httplib::Result Get(const std::string& path, const char* key) {
    return client_->Get(path, {{"Authorization", std::string("Bearer ") + key}});
  }
  httplib::Result Post(const std::string& path, const json& body, const char* key) {
    return client_->Post(path, {{"Authorization", std::string("Bearer ") + key}}, body.dump(),
                         "application/json");
  }
  httplib::Result Patch(const std::string& path, const json& body, const char* key) {
    return client_->Patch(path, {{"Authorization", std::string("Bearer ") + key}}, body.dump(),
                          "application/json");
  }

 private:
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<Api> api_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  std::unique_ptr<httplib::Client> client_;
};

class ArchiveHttpTest : public ::testing::Test {
 protected:
  // Alice's memories (one updated, one deleted), a session and a graph, written over HTTP.
  static void Fill(Served& s) {
    std::string ids[3];
    const char* texts[] = {"Alice drinks green tea", "Alice lives in Lyon", "Alice has a cat"};
    for (int i = 0; i < 3; ++i) {
      auto r = s.Post("/v1/owners/alice/memories", json{{"text", texts[i]}}, kAliceKey);
      ASSERT_TRUE(r);
      ASSERT_EQ(r->status, 201) << r->body;
      ids[i] = json::parse(r->body)["memory"]["id"].get<std::string>();
    }
    auto r = s.Patch("/v1/owners/alice/memories/" + ids[1], json{{"text", "Alice lives in Paris"}},
                     kAliceKey);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << r->body;
    r = s.Post("/v1/owners/alice/sessions/s1/items",
               json{{"items",
                     {{{"role", "user"}, {"content", "hello"}},
                      {{"role", "assistant"}, {"content", "hi Alice"}}}}},
               kAliceKey);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status / 100, 2) << r->body;
    r = s.Post("/v1/owners/alice/graph/entities",
               json{{"entities",
                     {{{"name", "Acme"},
                       {"entityType", "company"},
                       {"observations", {"Alice works there"}}}}}},
               kAliceKey);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status / 100, 2) << r->body;
  }

  testing::TempDir dir_;
};

TEST_F(ArchiveHttpTest, ExportImportExportOverHttpGivesTheSameBytes) {
  Served source(dir_.File("source.db"));
  Fill(source);
  for (const char* format : {"jsonl", "yaml"}) {
    SCOPED_TRACE(format);
    const std::string path = std::string("/v1/owners/alice/export?format=") + format;
    auto exported = source.Get(path, kAliceKey);
    ASSERT_TRUE(exported);
    ASSERT_EQ(exported->status, 200) << exported->body;
    // Streamed, not sent with a length computed from a body held whole.
    EXPECT_EQ(exported->get_header_value("Transfer-Encoding"), "chunked");
    EXPECT_NE(exported->body.find("Alice lives in Paris"), std::string::npos);
    EXPECT_NE(exported->body.find("hi Alice"), std::string::npos);
    EXPECT_NE(exported->body.find("Alice works there"), std::string::npos);

    Served target(dir_.File(std::string("target-") + format + ".db"));
    auto imported =
        target.Post("/v1/owners/alice/import", json{{"archive", exported->body}}, kAdminKey);
    ASSERT_TRUE(imported);
    ASSERT_EQ(imported->status, 200) << imported->body;
    const json report = json::parse(imported->body);
    EXPECT_EQ(report["memories"], 3);
    EXPECT_EQ(report["session_items"], 2);
    EXPECT_EQ(report["entities"], 1);

    auto again = target.Get(path, kAliceKey);
    ASSERT_TRUE(again);
    ASSERT_EQ(again->status, 200) << again->body;
    EXPECT_EQ(again->body, exported->body);
  }
}

TEST_F(ArchiveHttpTest, AnExportOfSomePartsReadsOnlyThoseAndAnUnknownPartIsRefused) {
  Served source(dir_.File("source.db"));
  Fill(source);
  auto some = source.Get("/v1/owners/alice/export?include=memories,graph", kAliceKey);
  ASSERT_TRUE(some);
  ASSERT_EQ(some->status, 200) << some->body;
  EXPECT_NE(some->body.find("Alice lives in Paris"), std::string::npos);
  EXPECT_NE(some->body.find("Alice works there"), std::string::npos);
  EXPECT_EQ(some->body.find("hi Alice"), std::string::npos) << "sessions were not asked for";
  auto unknown = source.Get("/v1/owners/alice/export?include=memories,notes", kAliceKey);
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 422) << unknown->body;
  EXPECT_NE(unknown->body.find("include: unknown part 'notes' (memories, history, sessions, "
                               "blocks, graph, vectors, checkpoints)"),
            std::string::npos)
      << unknown->body;
}

TEST_F(ArchiveHttpTest, DamagedArchivesAndNonAdminImportsAreRefusedAndWriteNothing) {
  Served source(dir_.File("source.db"));
  Fill(source);
  auto exported = source.Get("/v1/owners/alice/export", kAliceKey);
  ASSERT_TRUE(exported);
  ASSERT_EQ(exported->status, 200);
  Served target(dir_.File("target.db"));

  std::string damaged = exported->body;
  damaged.replace(damaged.find("green tea"), 9, "black tea");
  auto r = target.Post("/v1/owners/alice/import", json{{"archive", damaged}}, kAdminKey);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 422) << r->body;
  EXPECT_NE(r->body.find("checksum mismatch"), std::string::npos) << r->body;

  // The owner's own key may export but not import: an import writes past the write rules.
  r = target.Post("/v1/owners/alice/import", json{{"archive", exported->body}}, kAliceKey);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403) << r->body;

  auto empty = target.Get("/v1/owners/alice/export", kAliceKey);
  ASSERT_TRUE(empty);
  ASSERT_EQ(empty->status, 200);
  EXPECT_EQ(empty->body.find("\"kind\""), std::string::npos) << empty->body;

  // The untouched archive still imports: nothing the refusals did stands in its way.
  r = target.Post("/v1/owners/alice/import", json{{"archive", exported->body}}, kAdminKey);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
}

}  // namespace
}  // namespace engram::server
