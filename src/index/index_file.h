// Checksummed binary files for saved indexes.
//
// A file is: bytes written through FileWriter, then a 4-byte CRC32C of all of them. Writing goes
// (through a FileSystem) to a temporary file of this writer alone ("<path>.tmp.<pid>.<n>"), which
// Commit() fsyncs and renames over `path`, so a crash or a failed write mid-save leaves the
// previous file intact and a saved file is
// never written again: readers may map it. FileReader checks the CRC incrementally as sections
// are read straight into their final buffers, so a multi-gigabyte index is read once, in large
// blocks, with no extra copy; sections that start at a multiple of kMapAlignment can be mapped
// instead of read (ReadArray). Multi-byte values are stored little-endian (the only byte order
// supported).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engram/file_system.h"
#include "engram/status.h"
#include "index/index_util.h"

namespace engram::index::internal {

// Sections meant to be mapped start at a multiple of this, a multiple of every page size Linux
// uses (4, 16 or 64 KiB).
inline constexpr uint64_t kMapAlignment = uint64_t{1} << 16;

// Extends `crc` (0 to start) with the CRC32C (Castagnoli) of data[0, n). Uses the SSE4.2 crc32
// instruction when the CPU has it, slicing-by-8 tables otherwise.
uint32_t Crc32c(uint32_t crc, const void* data, size_t n);

class FileWriter {
 public:
  explicit FileWriter(const FileSystem& fs = DefaultFileSystem()) : fs_(fs) {}
  FileWriter(const FileWriter&) = delete;
  FileWriter& operator=(const FileWriter&) = delete;
  // Removes the temporary file unless Commit() succeeded.
  ~FileWriter();

  // Creates the temporary file. IOError if it cannot.
  Status Open(const std::string& path);
  // Appends data[0, n). Small writes are buffered; large ones go straight to the file.
  Status Write(const void* data, size_t n);
  template <typename T>
  Status WritePod(const T& value) {
    return Write(&value, sizeof(value));
  }
  // Appends zeros up to the next multiple of `alignment` bytes written.
  Status PadTo(uint64_t alignment);
  // Appends the CRC32C, fsyncs and renames the temporary file to the final path. On failure the
  // temporary file is removed and `path` is as it was.
  Status Commit();

 private:
  Status Flush();
  Status WriteAll(const void* data, size_t n);

  const FileSystem& fs_;
  std::string path_;
  std::string tmp_path_;
  std::unique_ptr<WritableFile> file_;  // null until Open() and after Commit()
  uint64_t written_ = 0;
  uint32_t crc_ = 0;
  std::vector<char> buffer_;
};

class FileReader {
 public:
  explicit FileReader(const FileSystem& fs = DefaultFileSystem()) : fs_(fs) {}
  FileReader(const FileReader&) = delete;
  FileReader& operator=(const FileReader&) = delete;

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
  // Skips (reading and checking) what FileWriter::PadTo(alignment) wrote.
  Status SkipTo(uint64_t alignment);
  // Reads the next `count` elements into *out, with room for `room` more: mapped from the file
  // when they start at a multiple of the page size (see MappableArray), else read. Either way
  // their bytes are checksummed.
  template <typename T>
  Status ReadArray(MappableArray<T>* out, size_t count, size_t room) {
    const size_t n = count * sizeof(T);
    ENGRAM_RETURN_IF_ERROR(CheckRemaining(n));
    if (offset_ % MappableArray<T>::PageSize() == 0 &&
        out->MapFile(*file_, offset_, count, room).ok()) {
      crc_ = Crc32c(crc_, out->data(), n);
      offset_ += n;
      return Status::Ok();
    }
    out->reserve(count + room);
    out->resize(count);
    return Read(out->data(), n);
  }
  // Reads the trailing CRC32C and checks it against everything read so far, and that nothing
  // follows it. Corruption on mismatch.
  Status VerifyChecksum();

 private:
  // Corruption unless n more bytes precede the checksum.
  Status CheckRemaining(uint64_t n) const;

  const FileSystem& fs_;
  std::string path_;
  std::unique_ptr<ReadableFile> file_;
  uint64_t file_size_ = 0;
  uint64_t offset_ = 0;
  uint32_t crc_ = 0;
};

}  // namespace engram::index::internal
