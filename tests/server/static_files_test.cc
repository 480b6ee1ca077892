// The web page's files under /ui (server/static_files.h): content types, caching, ETags, the
// Content-Security-Policy, and that nothing outside the built folder can be named.
#include "server/static_files.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "test_util.h"

namespace engram::server {
namespace {

std::string Header(const HttpResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_.File("ui/assets"));
    Write("ui/index.html", "<!doctype html><script type=module src=/ui/assets/app-1a2b.js>");
    Write("ui/assets/app-1a2b.js", "console.log(1)");
    Write("ui/assets/app-1a2b.css", "body{}");
    Write("ui/favicon.svg", "<svg/>");
    Write("secret.txt", "outside the page");
    auto files = StaticFiles::Load(dir_.File("ui"));
    ASSERT_TRUE(files.ok()) << files.status().ToString();
    files_ = std::make_unique<StaticFiles>(std::move(*files));
  }

  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_.File(name)) << text;
  }

  HttpResponse Get(const std::string& target, const std::string& etag = "") {
    return files_->Serve("GET", target, etag);
  }

  testing::TempDir dir_;
  std::unique_ptr<StaticFiles> files_;
};

TEST_F(StaticFilesTest, ServesTheIndexRevalidatedAndAssetsImmutable) {
  EXPECT_EQ(files_->size(), 4u);
  HttpResponse index = Get("/ui/");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(index.body, "<!doctype html><script type=module src=/ui/assets/app-1a2b.js>");
  EXPECT_EQ(Header(index, "Cache-Control"), "no-cache");
  EXPECT_EQ(index.route, "/ui");
  EXPECT_EQ(Get("/ui/index.html?x=1").body, index.body);

  HttpResponse js = Get("/ui/assets/app-1a2b.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(Header(js, "Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(Get("/ui/assets/app-1a2b.css").content_type, "text/css; charset=utf-8");
  EXPECT_EQ(Get("/ui/favicon.svg").content_type, "image/svg+xml");
  EXPECT_EQ(files_->Serve("HEAD", "/ui/", "").status, 200);
}

TEST_F(StaticFilesTest, EveryAnswerCarriesAStrictPolicy) {
  for (const char* target : {"/ui/", "/ui/assets/app-1a2b.js", "/ui/missing", "/ui"}) {
    HttpResponse r = Get(target);
    const std::string csp = Header(r, "Content-Security-Policy");
    EXPECT_NE(csp.find("default-src 'none'"), std::string::npos) << target;
    EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << target;
    EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << target;
    EXPECT_EQ(csp.find("unsafe"), std::string::npos) << target;
    EXPECT_EQ(Header(r, "X-Content-Type-Options"), "nosniff") << target;
    EXPECT_EQ(Header(r, "Referrer-Policy"), "no-referrer") << target;
  }
}

TEST_F(StaticFilesTest, EtagsAnswer304) {
  HttpResponse first = Get("/ui/");
  const std::string etag = Header(first, "ETag");
  ASSERT_FALSE(etag.empty());
  HttpResponse again = Get("/ui/", etag);
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(Get("/ui/", "\"other\", W/" + etag).status, 304);
  EXPECT_EQ(Get("/ui/", "\"other\"").status, 200);
  EXPECT_NE(Header(Get("/ui/assets/app-1a2b.js"), "ETag"), etag);
}

TEST_F(StaticFilesTest, RedirectsThePrefixAndRefusesEverythingElse) {
  HttpResponse bare = Get("/ui?x=1");
  EXPECT_EQ(bare.status, 308);
  EXPECT_EQ(Header(bare, "Location"), "/ui/");
  EXPECT_EQ(Get("/ui/nope.js").status, 404);
  EXPECT_EQ(Get("/ui/assets").status, 404);
  // Only loaded files can be named: no path reaches the file system.
  EXPECT_EQ(Get("/ui/../secret.txt").status, 404);
  EXPECT_EQ(Get("/ui/%2e%2e/secret.txt").status, 404);
  EXPECT_EQ(Get("/ui//etc/passwd").status, 404);
  HttpResponse post = files_->Serve("POST", "/ui/", "");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(Header(post, "Allow"), "GET, HEAD");
}

TEST(StaticFilesLoad, NeedsABuiltPage) {
  testing::TempDir dir;
  auto none = StaticFiles::Load(dir.File("absent"));
  EXPECT_EQ(none.status().code(), Status::Code::kNotFound);
  auto empty = StaticFiles::Load(dir.path());
  EXPECT_EQ(empty.status().code(), Status::Code::kNotFound);

  StaticFiles missing = StaticFiles::Missing("the web page is not built");
  HttpResponse r = missing.Serve("GET", "/ui/", "");
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("the web page is not built"), std::string::npos);
  EXPECT_EQ(missing.Serve("GET", "/ui", "").status, 308);
}

TEST(StaticFilesLoad, ContentTypes) {
  EXPECT_EQ(ContentTypeFor("a/b.mjs"), "text/javascript; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("x.woff2"), "font/woff2");
  EXPECT_EQ(ContentTypeFor("x.unknown"), "application/octet-stream");
  EXPECT_EQ(ContentTypeFor("README"), "application/octet-stream");
  EXPECT_EQ(ContentTypeFor("dir.d/file"), "application/octet-stream");
}

}  // namespace
}  // namespace engram::server
