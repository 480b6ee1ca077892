// /openapi.json: a structurally valid OpenAPI 3.1 document that describes exactly the routes the
// server serves.
#include "server/openapi.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "api_fixture.h"

namespace engram::server {
namespace {

using nlohmann::json;

// Every "$ref" anywhere under `node`.
void CollectRefs(const json& node, std::vector<std::string>* refs) {
  if (node.is_object()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (it.key() == "$ref" && it->is_string()) refs->push_back(it->get<std::string>());
      CollectRefs(*it, refs);
    }
  } else if (node.is_array()) {
    for (const json& child : node) CollectRefs(child, refs);
  }
}

TEST_F(ApiTest, OpenApiDescribesExactlyTheRoutesServed) {
  Reply2 r = Do("GET", "/openapi.json", "", nullptr);
  ASSERT_EQ(r.status, 200);
  const json& doc = r.body;
  ASSERT_TRUE(doc.is_object());
  EXPECT_EQ(doc["openapi"], "3.1.0");
  ASSERT_TRUE(doc["info"].is_object());
  EXPECT_TRUE(doc["info"]["title"].is_string());
  EXPECT_TRUE(doc["info"]["version"].is_string());
  ASSERT_TRUE(doc["paths"].is_object());
  const json& schemas = doc["components"]["schemas"];
  ASSERT_TRUE(schemas.is_object());

  // Router -> document.
  std::set<std::pair<std::string, std::string>> served;
  for (const Route& route : api_->router().routes()) {
    std::string method = route.method;
    for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    served.insert({route.path, method});
    ASSERT_TRUE(doc["paths"].contains(route.path)) << route.path;
    EXPECT_TRUE(doc["paths"][route.path].contains(method)) << route.method << " " << route.path;
  }
  // Document -> router, and the shape of every operation.
  const std::set<std::string> methods = {"get", "put", "post", "delete", "patch"};
  std::set<std::string> operation_ids;
  size_t operations = 0;
  const std::regex param("\\{([a-z_]+)\\}");
  for (auto p = doc["paths"].begin(); p != doc["paths"].end(); ++p) {
    ASSERT_EQ(p.key().front(), '/');
    std::set<std::string> template_params;
    for (std::sregex_iterator m(p.key().begin(), p.key().end(), param), end; m != end; ++m) {
      template_params.insert((*m)[1]);
    }
    for (auto op = p->begin(); op != p->end(); ++op) {
      ASSERT_TRUE(methods.count(op.key())) << op.key();
      EXPECT_TRUE(served.count({p.key(), op.key()})) << op.key() << " " << p.key();
      ++operations;
      const json& o = *op;
      ASSERT_TRUE(o["operationId"].is_string());
      EXPECT_TRUE(operation_ids.insert(o["operationId"]).second) << o["operationId"];
      EXPECT_TRUE(o["summary"].is_string());
      ASSERT_TRUE(o["responses"].is_object());
      bool has_success = false;
      for (auto resp = o["responses"].begin(); resp != o["responses"].end(); ++resp) {
        EXPECT_TRUE(std::regex_match(resp.key(), std::regex("[1-5][0-9][0-9]")));
        EXPECT_TRUE(resp->contains("description")) << p.key() << " " << resp.key();
        has_success = has_success || resp.key().front() == '2';
      }
      EXPECT_TRUE(has_success) << p.key();
      std::set<std::string> declared;
      if (o.contains("parameters")) {
        for (const json& prm : o["parameters"]) {
          ASSERT_TRUE(prm["name"].is_string());
          const std::string in = prm["in"];
          EXPECT_TRUE(in == "path" || in == "query") << in;
          EXPECT_TRUE(prm.contains("schema"));
          if (in == "path") {
            EXPECT_EQ(prm["required"], true);
            declared.insert(prm["name"]);
          }
        }
      }
      EXPECT_EQ(declared, template_params) << p.key();
      if (o.contains("requestBody")) {
        EXPECT_TRUE(o["requestBody"]["content"].contains("application/json"));
      }
    }
  }
  EXPECT_EQ(operations, api_->router().routes().size());

  // Every reference resolves, and every schema says what it is.
  std::vector<std::string> refs;
  CollectRefs(doc, &refs);
  EXPECT_FALSE(refs.empty());
  for (const std::string& ref : refs) {
    const std::string prefix = "#/components/schemas/";
    ASSERT_EQ(ref.rfind(prefix, 0), 0u) << ref;
    EXPECT_TRUE(schemas.contains(ref.substr(prefix.size()))) << ref;
  }
  for (auto s = schemas.begin(); s != schemas.end(); ++s) {
    EXPECT_TRUE(s->contains("type") || s->contains("oneOf") || s->contains("allOf")) << s.key();
  }
  // A schema extended through allOf must stay open, or no instance could satisfy the extension.
  for (auto s = schemas.begin(); s != schemas.end(); ++s) {
    if (!s->contains("allOf")) continue;
    for (const json& part : (*s)["allOf"]) {
      if (!part.contains("$ref")) continue;
      const std::string name = part["$ref"].get<std::string>().substr(21);
      EXPECT_NE(schemas[name].value("additionalProperties", true), false) << s.key() << " " << name;
    }
  }
  // Security: public routes opt out, the rest inherit the global bearer/X-API-Key schemes.
  EXPECT_TRUE(doc["components"]["securitySchemes"].contains("bearer"));
  EXPECT_EQ(doc["paths"]["/healthz"]["get"]["security"], json::array());
  EXPECT_FALSE(doc["paths"]["/v1/owners/{owner}/memories"]["get"].contains("security"));
}

}  // namespace
}  // namespace engram::server
