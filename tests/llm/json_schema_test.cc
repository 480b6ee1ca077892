// The JSON Schema subset validator: each keyword, error paths, and that messages never quote
// strings from the validated value.
#include "llm/json_schema.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace engram::llm {
namespace {

using nlohmann::json;

const json kSchema = json::parse(R"({
  "type": "object", "additionalProperties": false, "required": ["name", "score", "tags"],
  "properties": {
    "name": {"type": "string", "description": "who"},
    "score": {"type": "number", "minimum": 0, "maximum": 1},
    "count": {"type": "integer"},
    "kind": {"type": "string", "enum": ["fact", "preference"]},
    "note": {"type": ["string", "null"]},
    "ok": {"type": "boolean"},
    "tags": {"type": "array", "items": {"type": "object", "required": ["k"],
             "properties": {"k": {"type": "string"}}}}
  }})");

std::string Errors(const json& value) {
  return ValidateJson(value, kSchema).message();
}

TEST(JsonSchemaTest, AcceptsAValidValue) {
  const json value = json::parse(R"({"name": "x", "score": 0.5, "count": 3, "kind": "fact",
      "note": null, "ok": true, "tags": [{"k": "a"}, {"k": "b", "extra": 1}]})");
  EXPECT_TRUE(ValidateJson(value, kSchema).ok()) << Errors(value);
}

TEST(JsonSchemaTest, IntegerAcceptsWholeFloatsOnly) {
  EXPECT_TRUE(ValidateJson(json::parse("3.0"), {{"type", "integer"}}).ok());
  EXPECT_EQ(ValidateJson(json::parse("3.5"), {{"type", "integer"}}).message(),
            "$: expected integer, got number");
  EXPECT_TRUE(ValidateJson(json::parse("3"), {{"type", "number"}}).ok());
}

TEST(JsonSchemaTest, NamesEveryViolationWithItsPath) {
  const json value = json::parse(
      R"({"name": 5, "score": 1.5, "kind": "secret-ish text", "tags": [{"k": 1}, {}]})");
  const Status status = ValidateJson(value, kSchema, 10);
  EXPECT_TRUE(status.IsInvalidArgument());
  const std::string& m = status.message();
  EXPECT_NE(m.find("$.name: expected string, got integer"), std::string::npos) << m;
  EXPECT_NE(m.find("$.score: 1.5 is above the maximum 1"), std::string::npos) << m;
  EXPECT_NE(m.find(R"($.kind: not one of ["fact","preference"])"), std::string::npos) << m;
  EXPECT_NE(m.find("$.tags[0].k: expected string, got integer"), std::string::npos) << m;
  EXPECT_NE(m.find("$.tags[1].k: required but missing"), std::string::npos) << m;
  // The value's own strings are user data: never quoted.
  EXPECT_EQ(m.find("secret-ish"), std::string::npos) << m;
}

TEST(JsonSchemaTest, MissingRequiredBelowMinimumAndAdditionalProperties) {
  const json value = json::parse(R"({"score": -0.25, "tags": [], "surprise": true})");
  const std::string m = ValidateJson(value, kSchema, 10).message();
  EXPECT_NE(m.find("$.name: required but missing"), std::string::npos) << m;
  EXPECT_NE(m.find("$.score: -0.25 is below the minimum 0"), std::string::npos) << m;
  EXPECT_NE(m.find("$.surprise: not allowed (no additional properties)"), std::string::npos) << m;
}

TEST(JsonSchemaTest, NullableUnionAndTopLevelType) {
  EXPECT_TRUE(ValidateJson(json(nullptr), {{"type", {"string", "null"}}}).ok());
  EXPECT_EQ(ValidateJson(json(true), {{"type", {"string", "null"}}}).message(),
            "$: expected string or null, got boolean");
  EXPECT_EQ(ValidateJson(json::array(), kSchema).message(), "$: expected object, got array");
}

TEST(JsonSchemaTest, StopsAtMaxErrors) {
  const json value = json::parse(R"({"tags": [1, 2, 3, 4, 5, 6, 7, 8]})");
  const std::string m = ValidateJson(value, kSchema, 3).message();
  EXPECT_EQ(std::count(m.begin(), m.end(), ';'), 2) << m;
}

TEST(JsonSchemaTest, OddMemberNamesAreQuotedAndCut) {
  const json value = {
      {"name", "x"}, {"score", 0}, {"tags", json::array()}, {std::string(100, 'z') + " y", 1}};
  const std::string m = ValidateJson(value, kSchema).message();
  EXPECT_NE(m.find("$[\"" + std::string(40, 'z') + "...\"]: not allowed"), std::string::npos) << m;
}

TEST(JsonSchemaTest, CheckSchemaAcceptsTheSubsetAndRejectsTheRest) {
  EXPECT_TRUE(CheckSchema(kSchema).ok());
  EXPECT_EQ(CheckSchema({{"type", "string"}, {"pattern", "^a"}}).message(),
            "invalid schema at $: unsupported keyword 'pattern'");
  EXPECT_EQ(CheckSchema({{"properties", {{"a", {{"type", "float"}}}}}}).message(),
            "invalid schema at $.a: 'type' must name JSON types");
  EXPECT_TRUE(CheckSchema({{"items", {{"oneOf", json::array()}}}}).IsInvalidArgument());
  EXPECT_TRUE(CheckSchema({{"enum", json::array()}}).IsInvalidArgument());
  EXPECT_TRUE(CheckSchema({{"required", {1}}}).IsInvalidArgument());
  EXPECT_TRUE(CheckSchema({{"additionalProperties", {{"type", "string"}}}}).IsInvalidArgument());
  EXPECT_TRUE(CheckSchema({{"minimum", "0"}}).IsInvalidArgument());
  EXPECT_TRUE(CheckSchema(json::array()).IsInvalidArgument());
}

}  // namespace
}  // namespace engram::llm
