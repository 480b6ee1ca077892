// File reading shared by the USE-lite loaders.
#pragma once

#include <string>

#include "engram/status.h"

namespace engram::use_lite {

// The whole content of `path`. NotFound if it does not exist, IOError if it cannot be read.
Result<std::string> ReadFile(const std::string& path);

}  // namespace engram::use_lite
