// Search filters: a small JSON language over record fields and metadata.
//
//   {"type": "preference"}                        equality
//   {"metadata.speaker": {"in": ["Caroline"]}}    operators: eq ne gt gte lt lte in nin contains
//   {"AND": [f, ...]}  {"OR": [f, ...]}  {"NOT": f}
//   Several keys in one object are ANDed.
//
// Fields: id-free record fields "type", "scope", "key", "created_at", "valid_from",
// "valid_to", "confidence", and "metadata.<path>" (dots walk nested objects); a bare name that is
// not a record field means "metadata.<name>". Times compare as ISO-8601 strings or epoch ms.
// "contains" matches a substring of a string or an element of an array.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "engram/status.h"
#include "engram/types.h"

namespace engram::core {

// The fields of a record a filter can see.
struct FilterSubject {
  MemoryType type = MemoryType::kFact;
  std::string_view scope;
  std::string_view key;
  Timestamp created_at = 0;
  std::optional<Timestamp> valid_from;
  std::optional<Timestamp> valid_to;
  double confidence = 1;
  const nlohmann::json* metadata = nullptr;  // a JSON object, or null when empty
};

class Filter {
 public:
  // Parses and validates a filter; InvalidArgument names the offending part.
  static Result<Filter> Parse(std::string_view json_text);
  static Result<Filter> FromJson(const nlohmann::json& j);

  bool Matches(const FilterSubject& subject) const;
  // True when the filter reads metadata (so metadata must be available).
  bool UsesMetadata() const;

  Filter();
  ~Filter();
  Filter(Filter&&) noexcept;
  Filter& operator=(Filter&&) noexcept;

  struct Node;

 private:
  explicit Filter(std::unique_ptr<Node> root);
  std::unique_ptr<Node> root_;
};

}  // namespace engram::core
