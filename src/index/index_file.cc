#include "index/index_file.h"

#include <unistd.h>

#include <array>
#include <atomic>
#include <bit>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#define ENGRAM_HAVE_SSE42_CRC 1
#endif

static_assert(std::endian::native == std::endian::little,
              "saved index files are little-endian and are read without byte swapping");

namespace engram::index::internal {
namespace {

constexpr size_t kIoChunk = 1 << 20;  // fits in L2, so the CRC pass reads what read() just wrote

using CrcTables = std::array<std::array<uint32_t, 256>, 8>;

constexpr CrcTables MakeCrcTables() {
  CrcTables t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int bit = 0; bit < 8; ++bit) c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1u)));
    t[0][i] = c;
  }
  for (size_t k = 1; k < 8; ++k) {
    for (size_t i = 0; i < 256; ++i) t[k][i] = (t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xff];
  }
  return t;
}

constexpr CrcTables kCrcTables = MakeCrcTables();

uint32_t Crc32cPortable(uint32_t c, const unsigned char* p, size_t n) {
  for (; n >= 8; n -= 8, p += 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    w ^= c;
    c = kCrcTables[7][w & 0xff] ^ kCrcTables[6][(w >> 8) & 0xff] ^ kCrcTables[5][(w >> 16) & 0xff] ^
        kCrcTables[4][(w >> 24) & 0xff] ^ kCrcTables[3][(w >> 32) & 0xff] ^
        kCrcTables[2][(w >> 40) & 0xff] ^ kCrcTables[1][(w >> 48) & 0xff] ^ kCrcTables[0][w >> 56];
  }
  for (; n > 0; --n, ++p) c = (c >> 8) ^ kCrcTables[0][(c ^ *p) & 0xff];
  return c;
}

#ifdef ENGRAM_HAVE_SSE42_CRC
__attribute__((target("sse4.2"))) uint32_t Crc32cSse42(uint32_t c, const unsigned char* p,
                                                       size_t n) {
  uint64_t c64 = c;
  for (; n >= 8; n -= 8, p += 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    c64 = _mm_crc32_u64(c64, w);
  }
  c = static_cast<uint32_t>(c64);
  for (; n > 0; --n, ++p) c = _mm_crc32_u8(c, *p);
  return c;
}
#endif

using CrcFn = uint32_t (*)(uint32_t, const unsigned char*, size_t);

CrcFn ChooseCrc() {
#ifdef ENGRAM_HAVE_SSE42_CRC
  __builtin_cpu_init();
  if (__builtin_cpu_supports("sse4.2")) return &Crc32cSse42;
#endif
  return &Crc32cPortable;
}

}  // namespace

uint32_t Crc32c(uint32_t crc, const void* data, size_t n) {
  static const CrcFn fn = ChooseCrc();
  return ~fn(~crc, static_cast<const unsigned char*>(data), n);
}

FileWriter::~FileWriter() {
  if (file_ != nullptr) {
    file_.reset();
    // Nothing to report to: the failed save already returned its error.
    static_cast<void>(fs_.Remove(tmp_path_));
  }
}

Status FileWriter::Open(const std::string& path) {
  // A name of this writer alone: two writers of one path (threads or processes) never share a
  // file, so none can write into the file another renamed into place.
  static std::atomic<uint64_t> writers{0};
  path_ = path;
  tmp_path_ = path + ".tmp." + std::to_string(getpid()) + "." + std::to_string(++writers);
  ENGRAM_ASSIGN_OR_RETURN(file_, fs_.NewWritableFile(tmp_path_));
  buffer_.reserve(kIoChunk);
  return Status::Ok();
}

Status FileWriter::Flush() {
  if (buffer_.empty()) return Status::Ok();
  Status s = file_->Append(buffer_.data(), buffer_.size());
  buffer_.clear();
  return s;
}

Status FileWriter::Write(const void* data, size_t n) {
  if (file_ == nullptr) return Status::FailedPrecondition("index file writer is not open");
  crc_ = Crc32c(crc_, data, n);
  written_ += n;
  if (buffer_.size() + n <= kIoChunk) {
    const char* p = static_cast<const char*>(data);
    buffer_.insert(buffer_.end(), p, p + n);
    return Status::Ok();
  }
  ENGRAM_RETURN_IF_ERROR(Flush());
  return file_->Append(data, n);
}

Status FileWriter::PadTo(uint64_t alignment) {
  const std::vector<char> zeros((alignment - written_ % alignment) % alignment, 0);
  return Write(zeros.data(), zeros.size());
}

Status FileWriter::Commit() {
  if (file_ == nullptr) return Status::FailedPrecondition("index file writer is not open");
  ENGRAM_RETURN_IF_ERROR(Flush());
  const uint32_t crc = crc_;
  ENGRAM_RETURN_IF_ERROR(file_->Append(&crc, sizeof(crc)));
  ENGRAM_RETURN_IF_ERROR(file_->Sync());
  std::unique_ptr<WritableFile> file = std::move(file_);
  Status s = file->Close();
  if (s.ok()) s = fs_.RenameDurably(tmp_path_, path_);
  if (!s.ok()) static_cast<void>(fs_.Remove(tmp_path_));  // the error to report is s
  return s;
}

Status FileReader::Open(const std::string& path) {
  path_ = path;
  ENGRAM_ASSIGN_OR_RETURN(file_, fs_.NewReadableFile(path));
  file_size_ = file_->Size();
  return Status::Ok();
}

Status FileReader::CheckRemaining(uint64_t n) const {
  const uint64_t payload = file_size_ >= sizeof(uint32_t) ? file_size_ - sizeof(uint32_t) : 0;
  if (offset_ > payload || n > payload - offset_) {
    return Status::Corruption("index file is truncated: " + path_);
  }
  return Status::Ok();
}

Status FileReader::SkipTo(uint64_t alignment) {
  std::vector<char> padding((alignment - offset_ % alignment) % alignment);
  return Read(padding.data(), padding.size());
}

Status FileReader::Read(void* dst, size_t n) {
  ENGRAM_RETURN_IF_ERROR(CheckRemaining(n));
  char* p = static_cast<char*>(dst);
  while (n > 0) {
    const size_t want = n < kIoChunk ? n : kIoChunk;
    ENGRAM_RETURN_IF_ERROR(file_->ReadAt(offset_, p, want));
    crc_ = Crc32c(crc_, p, want);
    p += want;
    n -= want;
    offset_ += want;
  }
  return Status::Ok();
}

Status FileReader::VerifyChecksum() {
  if (file_size_ < sizeof(uint32_t) || offset_ != file_size_ - sizeof(uint32_t)) {
    return Status::Corruption("index file has unexpected length: " + path_);
  }
  uint32_t stored = 0;
  ENGRAM_RETURN_IF_ERROR(file_->ReadAt(offset_, &stored, sizeof(stored)));
  if (stored != crc_) return Status::Corruption("index file checksum mismatch: " + path_);
  return Status::Ok();
}

}  // namespace engram::index::internal
