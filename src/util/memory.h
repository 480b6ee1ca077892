// What the machine offers in memory, for defaults sized from it.
#pragma once

#include <cstdint>

namespace engram::util {

// Bytes of memory this process may use: the machine's physical memory, or the limit of its
// control group (a container's memory limit) when that is lower. 0 when neither can be read.
uint64_t AvailableMemoryBytes();

}  // namespace engram::util
