// The POSIX file system with one kind of operation failing, as on a full disk or a failing
// device, switchable while in use; for tests of what a failed save or load leaves behind.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "engram/file_system.h"

namespace engram::testing {

enum class FileFault { kNone, kAppend, kSync, kRename, kRead, kMap };

class FaultyFileSystem : public FileSystem {
 public:
  explicit FaultyFileSystem(FileFault fault = FileFault::kNone) : fault_(fault) {}
  void set_fault(FileFault fault) { fault_ = fault; }
  // How many operations failed because of the fault.
  int injected() const { return injected_; }

  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) const override {
    ENGRAM_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file,
                            DefaultFileSystem().NewWritableFile(path));
    return std::unique_ptr<WritableFile>(new Writable(std::move(file), *this));
  }
  Result<std::unique_ptr<ReadableFile>> NewReadableFile(const std::string& path) const override {
    ENGRAM_ASSIGN_OR_RETURN(std::unique_ptr<ReadableFile> file,
                            DefaultFileSystem().NewReadableFile(path));
    return std::unique_ptr<ReadableFile>(new Readable(std::move(file), *this));
  }
  Status RenameDurably(const std::string& from, const std::string& to) const override {
    if (Fails(FileFault::kRename)) return Status::IOError("injected rename failure");
    return DefaultFileSystem().RenameDurably(from, to);
  }
  Status Remove(const std::string& path) const override { return DefaultFileSystem().Remove(path); }
  Status CreateDirectories(const std::string& path) const override {
    return DefaultFileSystem().CreateDirectories(path);
  }
  Result<std::vector<std::string>> ListDirectory(const std::string& path) const override {
    return DefaultFileSystem().ListDirectory(path);
  }

 private:
  bool Fails(FileFault fault) const {
    if (fault_ != fault) return false;
    ++injected_;
    return true;
  }

  class Writable : public WritableFile {
   public:
    Writable(std::unique_ptr<WritableFile> file, const FaultyFileSystem& fs)
        : file_(std::move(file)), fs_(fs) {}
    Status Append(const void* data, size_t n) override {
      if (fs_.Fails(FileFault::kAppend)) return Status::IOError("injected write failure");
      return file_->Append(data, n);
    }
    Status Sync() override {
      if (fs_.Fails(FileFault::kSync)) return Status::IOError("injected sync failure");
      return file_->Sync();
    }
    Status Close() override { return file_->Close(); }

   private:
    std::unique_ptr<WritableFile> file_;
    const FaultyFileSystem& fs_;
  };

  class Readable : public ReadableFile {
   public:
    Readable(std::unique_ptr<ReadableFile> file, const FaultyFileSystem& fs)
        : file_(std::move(file)), fs_(fs) {}
    uint64_t Size() const override { return file_->Size(); }
    Status ReadAt(uint64_t offset, void* data, size_t n) const override {
      if (fs_.Fails(FileFault::kRead)) return Status::IOError("injected read failure");
      return file_->ReadAt(offset, data, n);
    }
    Status MapAt(void* at, uint64_t offset, size_t n) const override {
      if (fs_.Fails(FileFault::kMap)) return Status::FailedPrecondition("injected: no mapping");
      return file_->MapAt(at, offset, n);
    }

   private:
    std::unique_ptr<ReadableFile> file_;
    const FaultyFileSystem& fs_;
  };

  std::atomic<FileFault> fault_;
  mutable std::atomic<int> injected_{0};
};

}  // namespace engram::testing
