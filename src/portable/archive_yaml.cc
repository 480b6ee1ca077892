// YAML through yaml-cpp's event parser rather than YAML::LoadAll: Debian 12's yaml-cpp 0.7 loops
// forever in LoadAll on some malformed inputs (a lone "," gives endless empty documents, fixed
// upstream in 0.8), allocating until the process dies. Reading events ourselves stops at the
// documents an archive may have and builds the JSON values directly, within a budget.
#include "portable/archive_yaml.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <map>
#include <optional>
#include <sstream>

#include "util/json.h"

namespace engram::portable {

void EmitYaml(YAML::Emitter& out, const ArchiveJson& j) {
  switch (j.type()) {
    case ArchiveJson::value_t::object:
      out << YAML::BeginMap;
      for (const auto& [k, v] : j.items()) {
        out << YAML::Key << k << YAML::Value;
        EmitYaml(out, v);
      }
      out << YAML::EndMap;
      break;
    case ArchiveJson::value_t::array:
      out << YAML::BeginSeq;
      for (const ArchiveJson& v : j) EmitYaml(out, v);
      out << YAML::EndSeq;
      break;
    case ArchiveJson::value_t::string:
      out << YAML::DoubleQuoted << j.get<std::string>();
      break;
    case ArchiveJson::value_t::null:
      out << YAML::Null;
      break;
    case ArchiveJson::value_t::boolean:
      out << j.get<bool>();
      break;
    default:
      // Numbers: the shortest text that reads back as the same value, as the JSON form writes it.
      out << j.dump();
      break;
  }
}

namespace {

// Why the events cannot become an archive; thrown out of the parser's callbacks.
struct YamlRefused {
  std::string message;
};

// Builds JSON values from parser events. Each node produced costs 1 and each scalar its length
// too, from a budget of twice the input's size: an archive without aliases needs less than its
// size, and aliases, which repeat a node anywhere, cannot make a few bytes into billions of nodes.
class JsonBuilder : public YAML::EventHandler {
 public:
  explicit JsonBuilder(size_t budget) : budget_(budget) {}

  std::vector<ArchiveJson>& documents() { return documents_; }

  void OnDocumentStart(const YAML::Mark&) override { root_.reset(); }
  void OnDocumentEnd() override { documents_.push_back(root_ ? std::move(*root_) : nullptr); }

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    Add(mark, nullptr, anchor, 1, nullptr);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto it = anchors_.find(anchor);
    if (it == anchors_.end()) Refuse(mark, "an alias names no anchor");
    Add(mark, it->second.value, 0, it->second.cost, nullptr);
  }
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    Add(mark, Scalar(tag, value), anchor, 1 + value.size(), &value);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    Open(mark, ArchiveJson::array(), anchor);
  }
  void OnSequenceEnd() override { Close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    Open(mark, ArchiveJson::object(), anchor);
  }
  void OnMapEnd() override { Close(); }

 private:
  struct Open_ {
    ArchiveJson value;
    YAML::anchor_t anchor;
    size_t cost_before;              // budget left when it opened: its cost for aliases
    std::optional<std::string> key;  // a map's key waiting for its value
  };
  struct Anchored {
    ArchiveJson value;
    size_t cost;
  };

  [[noreturn]] static void Refuse(const YAML::Mark& mark, const std::string& why) {
    throw YamlRefused{"line " + std::to_string(mark.line + 1) + ", column " +
                      std::to_string(mark.column + 1) + ": " + why};
  }

  // Plain scalars are typed as JSON would type them; quoted ones (tag "!") are strings.
  static ArchiveJson Scalar(const std::string& tag, const std::string& s) {
    if (tag == "!") return s;
    if (s == "true" || s == "false") return s == "true";
    ArchiveJson number = ArchiveJson::parse(s, nullptr, false);
    if (number.is_number()) return number;
    return s;
  }

  void Spend(const YAML::Mark& mark, size_t cost) {
    if (cost > budget_) Refuse(mark, "the YAML expands to far more than its size (aliases)");
    budget_ -= cost;
  }

  void Open(const YAML::Mark& mark, ArchiveJson empty, YAML::anchor_t anchor) {
    if (!stack_.empty() && stack_.back().value.is_object() && !stack_.back().key) {
      Refuse(mark, "a YAML key is not a scalar");
    }
    if (stack_.size() >= util::kMaxJsonDepth) {
      Refuse(mark, "YAML nested more than " + std::to_string(util::kMaxJsonDepth) + " levels deep");
    }
    Spend(mark, 1);
    mark_ = mark;
    stack_.push_back(Open_{std::move(empty), anchor, budget_ + 1, std::nullopt});
  }

  void Close() {
    Open_ done = std::move(stack_.back());
    stack_.pop_back();
    Place(mark_, std::move(done.value), done.anchor, done.cost_before - budget_);
  }

  // A finished scalar, null or alias of `cost`; `key` is the scalar's text (it may be a map key).
  void Add(const YAML::Mark& mark, ArchiveJson value, YAML::anchor_t anchor, size_t cost,
           const std::string* key) {
    Spend(mark, cost);
    mark_ = mark;
    if (!stack_.empty() && stack_.back().value.is_object() && !stack_.back().key) {
      if (key == nullptr) Refuse(mark, "a YAML key is not a scalar");
      stack_.back().key = *key;
      return;
    }
    Place(mark, std::move(value), anchor, cost);
  }

  // Puts a finished value into its container (or makes it the document), remembering its anchor.
  void Place(const YAML::Mark& mark, ArchiveJson value, YAML::anchor_t anchor, size_t cost) {
    if (anchor != 0) anchors_[anchor] = Anchored{value, cost};
    if (stack_.empty()) {
      if (root_) Refuse(mark, "more than one value in a document");
      root_ = std::move(value);
    } else if (stack_.back().value.is_array()) {
      stack_.back().value.push_back(std::move(value));
    } else {
      stack_.back().value[*stack_.back().key] = std::move(value);
      stack_.back().key.reset();
    }
  }

  size_t budget_;
  YAML::Mark mark_ = YAML::Mark::null_mark();
  std::vector<Open_> stack_;
  std::optional<ArchiveJson> root_;
  std::map<YAML::anchor_t, Anchored> anchors_;
  std::vector<ArchiveJson> documents_;
};

}  // namespace

Result<std::vector<ArchiveJson>> ReadYamlDocuments(const std::string& text, size_t max_documents) {
  std::istringstream in(text);
  JsonBuilder builder(2 * text.size());
  try {
    YAML::Parser parser(in);
    while (parser.HandleNextDocument(builder)) {
      if (builder.documents().size() > max_documents) {
        return Status::InvalidArgument("not valid YAML: more than " +
                                       std::to_string(max_documents) + " documents");
      }
    }
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(std::string("not valid YAML: ") + e.what());
  } catch (const YamlRefused& e) {
    return Status::InvalidArgument("YAML " + e.message);
  }
  return std::move(builder.documents());
}

}  // namespace engram::portable
