#include "graph/relation_types.h"

#include "hygiene/vocabulary.h"

namespace engram::graph {

bool IsSingleValued(std::string_view type) {
  return hygiene::WordList("graph_single_valued").contains(type);
}

}  // namespace engram::graph
