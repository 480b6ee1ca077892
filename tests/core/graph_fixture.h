// The fixture of the engine's graph tests (graph_test.cc, graph_import_test.cc,
// memory_graph_test.cc): an engine with a manual clock on each backend that keeps a graph, the
// parameter naming it ("sqlite": a file in a temporary folder; "postgres": a fresh database of
// the shared test server).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "engram/engine.h"
#include "pg/postgres_server.h"
#include "test_util.h"

namespace engram {

class GraphEngineTest : public ::testing::TestWithParam<std::string> {
 protected:
  explicit GraphEngineTest(Timestamp start) : clock_(std::make_shared<ManualClock>(start)) {}

  void SetUp() override {
    if (GetParam() == "postgres") {
      ENGRAM_REQUIRE_POSTGRES(server);
      url_ = server->NewDatabase();
    }
    Open();
  }

  // What a fixture adds to the options of every engine it opens.
  virtual void Configure(Options& /*options*/) {}

  // Opens an engine on the test's store (again: the same data).
  void Open() {
    Options o;
    if (url_.empty()) {
      o.path = dir_.File("engram.db");
    } else {
      o.store = url_;
    }
    o.clock = clock_;
    o.durable_commits = false;
    Configure(o);
    engine_.reset();
    auto engine = Engine::Open(o);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(*engine);
  }

  testing::TempDir dir_;
  std::string url_;  // the store's URL; empty: the SQLite file in dir_
  std::shared_ptr<ManualClock> clock_;
  std::unique_ptr<Engine> engine_;
};

}  // namespace engram
