// The file operations saved index files go through (as LevelDB's Env), so a test can make one
// fail and check that a save reports it and leaves the previous file intact.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "engram/status.h"

namespace engram::index {

// A new file being written. Closed by Close() or, if never closed, by the destructor.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // Appends all of data[0, n). IOError naming the file on failure.
  virtual Status Append(const void* data, size_t n) = 0;
  // Makes what was appended durable (fsync).
  virtual Status Sync() = 0;
  virtual Status Close() = 0;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  // Creates `path` for writing, truncating any file there.
  virtual Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) const = 0;
  // Renames `from` over `to` atomically and makes the rename durable (syncs the directory).
  virtual Status RenameDurably(const std::string& from, const std::string& to) const = 0;
  // Removes `path`; a missing file is not an error.
  virtual Status Remove(const std::string& path) const = 0;
};

// The POSIX file system; lives for the whole program.
const FileSystem& DefaultFileSystem();

}  // namespace engram::index
