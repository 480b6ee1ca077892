// The file operations of the files engram keeps itself beside a store (the saved vector indexes
// of large owners; the store's own files belong to its backend), as LevelDB's Env: an embedder
// may route them elsewhere, and a test can make one fail and check that nothing is lost.
//
// Contract of every implementation: errors are Status values naming the file (IOError, or
// NotFound where stated), never exceptions; the objects may be used from several threads at once
// as long as one WritableFile or ReadableFile is not.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engram/status.h"

namespace engram {

// A new file being written. Closed by Close() or, if never closed, by the destructor.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // Appends all of data[0, n).
  virtual Status Append(const void* data, size_t n) = 0;
  // Makes what was appended durable (fsync).
  virtual Status Sync() = 0;
  virtual Status Close() = 0;
};

// A file opened for reading. Files engram reads never change while open (they are written aside
// and renamed into place), so reads at any offset see the same bytes.
class ReadableFile {
 public:
  virtual ~ReadableFile() = default;
  // Size in bytes when opened.
  virtual uint64_t Size() const = 0;
  // Reads exactly data[0, n) from `offset`; Corruption if the file ends first.
  virtual Status ReadAt(uint64_t offset, void* data, size_t n) const = 0;
  // Maps [offset, offset + n) copy-on-write at `at`, a page-aligned range of n bytes (rounded up
  // to whole pages) that the caller reserved with mmap; `offset` is a multiple of the page size.
  // An error when it cannot be mapped (a file system without mappings may always refuse): the
  // caller then reads the range instead.
  virtual Status MapAt(void* at, uint64_t offset, size_t n) const = 0;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  // Creates `path` for writing, truncating any file there; the POSIX one creates it readable and
  // writable by its owner only (0600): the files hold copies of the store's records.
  virtual Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) const = 0;
  // Opens `path` for reading: NotFound when there is no such file.
  virtual Result<std::unique_ptr<ReadableFile>> NewReadableFile(const std::string& path) const = 0;
  // Renames `from` over `to` atomically and makes the rename durable (syncs the directory).
  virtual Status RenameDurably(const std::string& from, const std::string& to) const = 0;
  // Removes a file or an empty directory; a missing one is not an error.
  virtual Status Remove(const std::string& path) const = 0;
  // Creates the directory and any missing parents (the POSIX one with mode 0700); an existing one
  // is not an error.
  virtual Status CreateDirectories(const std::string& path) const = 0;
  // The names (not paths) of the entries of a directory; NotFound when it does not exist.
  virtual Result<std::vector<std::string>> ListDirectory(const std::string& path) const = 0;
};

// The POSIX file system; lives for the whole program.
const FileSystem& DefaultFileSystem();

}  // namespace engram
