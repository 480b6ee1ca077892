// Checksummed binary files for saved indexes.
//
// A file is: bytes written through FileWriter, then a 4-byte CRC32C of all of them. Writing goes
// to "<path>.tmp", which Commit() fsyncs and renames over `path`, so a crash mid-save leaves the
// previous file intact. FileReader checks the CRC incrementally as sections are read straight
// into their final buffers, so a multi-gigabyte index is read once, in large blocks, with no
// extra copy. Multi-byte values are stored little-endian (the only byte order supported).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "engram/status.h"

namespace engram::index::internal {

// Extends `crc` (0 to start) with the CRC32C (Castagnoli) of data[0, n). Uses the SSE4.2 crc32
// instruction when the CPU has it, slicing-by-8 tables otherwise.
uint32_t Crc32c(uint32_t crc, const void* data, size_t n);

class FileWriter {
 public:
  FileWriter() = default;
  FileWriter(const FileWriter&) = delete;
  FileWriter& operator=(const FileWriter&) = delete;
  // Removes the temporary file unless Commit() succeeded.
  ~FileWriter();

  // Creates "<path>.tmp". IOError if it cannot.
  Status Open(const std::string& path);
  // Appends data[0, n). Small writes are buffered; large ones go straight to the file.
  Status Write(const void* data, size_t n);
  template <typename T>
  Status WritePod(const T& value) {
    return Write(&value, sizeof(value));
  }
  // Appends the CRC32C, fsyncs and renames the temporary file to the final path.
  Status Commit();

 private:
  Status Flush();
  Status WriteAll(const void* data, size_t n);

  std::string path_;
  std::string tmp_path_;
  int fd_ = -1;
  uint32_t crc_ = 0;
  std::vector<char> buffer_;
};

class FileReader {
 public:
  FileReader() = default;
  FileReader(const FileReader&) = delete;
  FileReader& operator=(const FileReader&) = delete;
  ~FileReader();

  // Opens `path`. NotFound if it does not exist, IOError on other failures.
  Status Open(const std::string& path);
  // Total size of the file in bytes, checksum included.
  uint64_t file_size() const { return file_size_; }
  // Reads exactly n bytes into dst. Corruption if the file ends first.
  Status Read(void* dst, size_t n);
  template <typename T>
  Status ReadPod(T* value) {
    return Read(value, sizeof(*value));
  }
  // Reads the trailing CRC32C and checks it against everything read so far, and that nothing
  // follows it. Corruption on mismatch.
  Status VerifyChecksum();

 private:
  std::string path_;
  int fd_ = -1;
  uint64_t file_size_ = 0;
  uint64_t offset_ = 0;
  uint32_t crc_ = 0;
};

}  // namespace engram::index::internal
