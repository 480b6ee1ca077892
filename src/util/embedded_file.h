#pragma once

#include <string_view>

namespace engram {

// A text file compiled into the binary by cmake/embed_text_files.cmake: its name (the file name
// without its extension) and its whole text.
struct EmbeddedFile {
  std::string_view name, text;
};

}  // namespace engram
