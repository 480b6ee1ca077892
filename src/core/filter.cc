#include "core/filter.h"

#include <algorithm>

#include "util/json.h"
#include "util/time.h"

namespace engram::core {

using nlohmann::json;

namespace {

enum class Op { kEq, kNe, kGt, kGte, kLt, kLte, kIn, kNin, kContains };

enum class Field { kType, kScope, kKey, kCreatedAt, kValidFrom, kValidTo, kConfidence, kMetadata };

bool IsTimeField(Field f) {
  return f == Field::kCreatedAt || f == Field::kValidFrom || f == Field::kValidTo;
}

Result<Op> ParseOp(const std::string& name) {
  static const std::pair<const char*, Op> kOps[] = {
      {"eq", Op::kEq},   {"ne", Op::kNe},   {"gt", Op::kGt},
      {"gte", Op::kGte}, {"lt", Op::kLt},   {"lte", Op::kLte},
      {"in", Op::kIn},   {"nin", Op::kNin}, {"contains", Op::kContains}};
  for (const auto& [n, op] : kOps) {
    if (name == n) return op;
  }
  return Status::InvalidArgument("filter: unknown operator '" + name.substr(0, 32) +
                                 "' (expected eq, ne, gt, gte, lt, lte, in, nin, contains)");
}

// Compares JSON scalars of the same kind: <0, 0, >0; nullopt when not comparable.
std::optional<int> Compare(const json& a, const json& b) {
  if (a.is_number() && b.is_number()) {
    const double x = a.get<double>(), y = b.get<double>();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (a.is_string() && b.is_string()) {
    const int c = a.get_ref<const std::string&>().compare(b.get_ref<const std::string&>());
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (a.is_boolean() && b.is_boolean()) return int(a.get<bool>()) - int(b.get<bool>());
  if (a.is_null() && b.is_null()) return 0;
  return std::nullopt;
}

bool ApplyOp(Op op, const json& value, const json& operand) {
  switch (op) {
    case Op::kEq:
      return Compare(value, operand) == 0;
    case Op::kNe:
      return Compare(value, operand) != 0;
    case Op::kGt: {
      auto c = Compare(value, operand);
      return c && *c > 0;
    }
    case Op::kGte: {
      auto c = Compare(value, operand);
      return c && *c >= 0;
    }
    case Op::kLt: {
      auto c = Compare(value, operand);
      return c && *c < 0;
    }
    case Op::kLte: {
      auto c = Compare(value, operand);
      return c && *c <= 0;
    }
    case Op::kIn:
    case Op::kNin: {
      const bool found = std::any_of(operand.begin(), operand.end(),
                                     [&](const json& x) { return Compare(value, x) == 0; });
      return op == Op::kIn ? found : !found;
    }
    case Op::kContains:
      if (value.is_string() && operand.is_string()) {
        return value.get_ref<const std::string&>().find(operand.get_ref<const std::string&>()) !=
               std::string::npos;
      }
      if (value.is_array()) {
        return std::any_of(value.begin(), value.end(),
                           [&](const json& x) { return Compare(x, operand) == 0; });
      }
      return false;
  }
  return false;
}

}  // namespace

struct Filter::Node {
  enum class Kind { kAll, kAnd, kOr, kNot, kCompare } kind = Kind::kAll;
  std::vector<std::unique_ptr<Node>> children;
  Field field = Field::kMetadata;
  std::vector<std::string> path;  // metadata path
  Op op = Op::kEq;
  json operand;

  bool Matches(const FilterSubject& s) const {
    switch (kind) {
      case Kind::kAll:
        return true;
      case Kind::kAnd:
        return std::all_of(children.begin(), children.end(),
                           [&](const auto& c) { return c->Matches(s); });
      case Kind::kOr:
        return std::any_of(children.begin(), children.end(),
                           [&](const auto& c) { return c->Matches(s); });
      case Kind::kNot:
        return !children.front()->Matches(s);
      case Kind::kCompare:
        return ApplyOp(op, Value(s), operand);
    }
    return false;
  }

  json Value(const FilterSubject& s) const {
    auto time = [](const std::optional<Timestamp>& t) { return t ? json(*t) : json(nullptr); };
    switch (field) {
      case Field::kType:
        return MemoryTypeName(s.type);
      case Field::kScope:
        return std::string(s.scope);
      case Field::kKey:
        return s.key.empty() ? json(nullptr) : json(std::string(s.key));
      case Field::kCreatedAt:
        return s.created_at;
      case Field::kValidFrom:
        return time(s.valid_from);
      case Field::kValidTo:
        return time(s.valid_to);
      case Field::kConfidence:
        return s.confidence;
      case Field::kMetadata: {
        if (s.metadata == nullptr) return nullptr;
        const json* cur = s.metadata;
        for (const auto& part : path) {
          if (!cur->is_object()) return nullptr;
          auto it = cur->find(part);
          if (it == cur->end()) return nullptr;
          cur = &*it;
        }
        return *cur;
      }
    }
    return nullptr;
  }

  bool UsesMetadata() const {
    if (kind == Kind::kCompare) return field == Field::kMetadata;
    return std::any_of(children.begin(), children.end(),
                       [](const auto& c) { return c->UsesMetadata(); });
  }
};

namespace {

using Node = Filter::Node;

Result<std::unique_ptr<Node>> ParseNode(const json& j, int depth);

// A time operand may be ISO-8601 text or epoch milliseconds.
Result<json> NormalizeTime(const json& v) {
  if (v.is_number_integer()) {
    const bool huge = v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(util::kMaxTimestamp);
    ENGRAM_RETURN_IF_ERROR(util::CheckTimestampRange(
        "filter: a time", huge ? util::kMaxTimestamp + 1 : v.get<int64_t>()));
    return v;
  }
  if (v.is_string()) {
    ENGRAM_ASSIGN_OR_RETURN(Timestamp t, util::ParseTimestamp(v.get<std::string>()));
    return json(t);
  }
  if (v.is_array()) {
    json out = json::array();
    for (const auto& x : v) {
      ENGRAM_ASSIGN_OR_RETURN(json t, NormalizeTime(x));
      out.push_back(std::move(t));
    }
    return out;
  }
  return Status::InvalidArgument("filter: a time must be ISO-8601 text or epoch milliseconds");
}

Result<std::unique_ptr<Node>> ParseComparison(const std::string& name, const json& spec) {
  auto node = std::make_unique<Node>();
  node->kind = Node::Kind::kCompare;
  static const std::pair<const char*, Field> kFields[] = {{"type", Field::kType},
                                                          {"scope", Field::kScope},
                                                          {"key", Field::kKey},
                                                          {"created_at", Field::kCreatedAt},
                                                          {"valid_from", Field::kValidFrom},
                                                          {"valid_to", Field::kValidTo},
                                                          {"confidence", Field::kConfidence}};
  std::string path = name;
  bool is_field = false;
  for (const auto& [n, f] : kFields) {
    if (name == n) node->field = f, is_field = true;
  }
  if (!is_field) {
    if (path.rfind("metadata.", 0) == 0) path = path.substr(9);
    if (path.empty()) return Status::InvalidArgument("filter: empty metadata path");
    size_t start = 0;
    while (true) {
      const size_t dot = path.find('.', start);
      node->path.push_back(path.substr(start, dot == std::string::npos ? dot : dot - start));
      if (node->path.back().empty()) {
        return Status::InvalidArgument("filter: malformed field name '" + name.substr(0, 64) + "'");
      }
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
  }
  if (spec.is_object()) {
    if (spec.size() != 1) {
      return Status::InvalidArgument("filter: '" + name.substr(0, 64) +
                                     "' needs exactly one operator, e.g. {\"gte\": 3}");
    }
    ENGRAM_ASSIGN_OR_RETURN(node->op, ParseOp(spec.begin().key()));
    node->operand = spec.begin().value();
  } else {
    node->op = Op::kEq;
    node->operand = spec;
  }
  if ((node->op == Op::kIn || node->op == Op::kNin) && !node->operand.is_array()) {
    return Status::InvalidArgument("filter: 'in' and 'nin' take an array");
  }
  if (node->operand.is_object()) {
    return Status::InvalidArgument("filter: operand of '" + name.substr(0, 64) +
                                   "' must be a scalar or an array");
  }
  if (IsTimeField(node->field) && !node->operand.is_null()) {
    ENGRAM_ASSIGN_OR_RETURN(node->operand, NormalizeTime(node->operand));
  }
  return node;
}

Result<std::unique_ptr<Node>> ParseList(Node::Kind kind, const json& list, int depth) {
  if (!list.is_array() || list.empty()) {
    return Status::InvalidArgument("filter: AND and OR take a non-empty array of filters");
  }
  auto node = std::make_unique<Node>();
  node->kind = kind;
  for (const auto& child : list) {
    ENGRAM_ASSIGN_OR_RETURN(auto c, ParseNode(child, depth + 1));
    node->children.push_back(std::move(c));
  }
  return node;
}

Result<std::unique_ptr<Node>> ParseNode(const json& j, int depth) {
  if (depth > 32) return Status::InvalidArgument("filter: nested deeper than 32 levels");
  if (!j.is_object()) return Status::InvalidArgument("filter: each filter must be a JSON object");
  auto all = std::make_unique<Node>();
  all->kind = Node::Kind::kAnd;
  for (const auto& [name, value] : j.items()) {
    std::unique_ptr<Node> child;
    if (name == "AND" || name == "and") {
      ENGRAM_ASSIGN_OR_RETURN(child, ParseList(Node::Kind::kAnd, value, depth));
    } else if (name == "OR" || name == "or") {
      ENGRAM_ASSIGN_OR_RETURN(child, ParseList(Node::Kind::kOr, value, depth));
    } else if (name == "NOT" || name == "not") {
      child = std::make_unique<Node>();
      child->kind = Node::Kind::kNot;
      ENGRAM_ASSIGN_OR_RETURN(auto inner, ParseNode(value, depth + 1));
      child->children.push_back(std::move(inner));
    } else {
      ENGRAM_ASSIGN_OR_RETURN(child, ParseComparison(name, value));
    }
    all->children.push_back(std::move(child));
  }
  if (all->children.empty()) all->kind = Node::Kind::kAll;
  if (all->children.size() == 1) return std::move(all->children.front());
  return all;
}

}  // namespace

Filter::Filter() : root_(std::make_unique<Node>()) {}
Filter::Filter(std::unique_ptr<Node> root) : root_(std::move(root)) {}
Filter::~Filter() = default;
Filter::Filter(Filter&&) noexcept = default;
Filter& Filter::operator=(Filter&&) noexcept = default;

Result<Filter> Filter::FromJson(const json& j) {
  ENGRAM_ASSIGN_OR_RETURN(auto root, ParseNode(j, 0));
  return Filter(std::move(root));
}

Result<Filter> Filter::Parse(std::string_view text) {
  if (text.empty()) return Filter();
  Result<json> j = util::ParseJson(text);
  if (!j.ok()) return Status::InvalidArgument("filter is not valid JSON: " + j.status().message());
  return FromJson(*j);
}

bool Filter::Matches(const FilterSubject& subject) const {
  return root_->Matches(subject);
}
bool Filter::UsesMetadata() const {
  return root_->UsesMetadata();
}

}  // namespace engram::core
