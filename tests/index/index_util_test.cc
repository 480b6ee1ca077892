// Tests for the building blocks of the vector indexes: SIMD inner products, CRC32C, index files
// (failures injected through a FileSystem), LabelMap.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "faulty_file_system.h"
#include "index/distance.h"
#include "index/index_file.h"
#include "index/label_map.h"

namespace engram::index {
namespace {

double NaiveDot(const float* a, const float* b, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; ++i) s += double{a[i]} * b[i];
  return s;
}

std::vector<float> RandomFloats(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = u(rng);
  return v;
}

TEST(DistanceTest, InnerProductMatchesNaiveForAllLengths) {
  // Every tail length of the 32-, 8- and 1-wide loops, plus typical embedding sizes.
  std::vector<size_t> lengths;
  for (size_t n = 0; n <= 70; ++n) lengths.push_back(n);
  for (size_t n : {128, 255, 384, 512, 768, 1536}) lengths.push_back(n);
  for (size_t n : lengths) {
    // Offset by one float so the loads are unaligned.
    const std::vector<float> a = RandomFloats(n + 1, n);
    const std::vector<float> b = RandomFloats(n + 1, n + 1000);
    const double want = NaiveDot(a.data() + 1, b.data() + 1, n);
    const double tol = 1e-5 * (1.0 + std::sqrt(static_cast<double>(n)));
    EXPECT_NEAR(InnerProduct(a.data() + 1, b.data() + 1, n), want, tol) << "n=" << n;
    EXPECT_NEAR(internal::InnerProductPortable(a.data() + 1, b.data() + 1, n), want, tol)
        << "n=" << n;
  }
}

TEST(DistanceTest, BatchMatchesSingle) {
  for (size_t dim : {1, 7, 8, 15, 16, 24, 64, 100, 512}) {
    for (size_t count : {0, 1, 3, 4, 5, 9}) {
      const std::vector<float> q = RandomFloats(dim, dim);
      const std::vector<float> rows = RandomFloats(dim * count, dim * 31 + count);
      std::vector<float> got(count + 1, -7.0f), portable(count + 1, -7.0f);
      InnerProductBatch(q.data(), rows.data(), count, dim, got.data());
      internal::InnerProductBatchPortable(q.data(), rows.data(), count, dim, portable.data());
      for (size_t r = 0; r < count; ++r) {
        const double want = NaiveDot(q.data(), rows.data() + r * dim, dim);
        EXPECT_NEAR(got[r], want, 1e-4) << "dim=" << dim << " row=" << r;
        EXPECT_NEAR(portable[r], want, 1e-4) << "dim=" << dim << " row=" << r;
      }
      EXPECT_EQ(got[count], -7.0f) << "wrote past the last row";
    }
  }
}

TEST(DistanceTest, KernelNameIsKnown) {
  const std::string name = InnerProductKernelName();
  EXPECT_TRUE(name == "avx2_fma" || name == "portable") << name;
}

TEST(Crc32cTest, KnownValuesAndChaining) {
  const std::string check = "123456789";
  EXPECT_EQ(internal::Crc32c(0, check.data(), check.size()), 0xE3069283u);
  EXPECT_EQ(internal::Crc32c(0, "", 0), 0u);
  // 32 bytes of zeros: a standard CRC32C test vector (RFC 3720).
  const std::vector<char> zeros(32, 0);
  EXPECT_EQ(internal::Crc32c(0, zeros.data(), zeros.size()), 0x8A9136AAu);
  const std::vector<float> data = RandomFloats(1001, 5);
  const char* p = reinterpret_cast<const char*>(data.data());
  const size_t n = data.size() * sizeof(float);
  const uint32_t whole = internal::Crc32c(0, p, n);
  for (size_t split : {size_t{0}, size_t{1}, size_t{7}, size_t{8}, size_t{13}, n / 2, n}) {
    EXPECT_EQ(internal::Crc32c(internal::Crc32c(0, p, split), p + split, n - split), whole);
  }
}

TEST(FileTest, WriteThenReadVerifiesChecksum) {
  const std::string path = ::testing::TempDir() + "/index_file_test.bin";
  const std::vector<float> big = RandomFloats(600000, 9);  // larger than the I/O chunk
  {
    internal::FileWriter out;
    ASSERT_TRUE(out.Open(path).ok());
    ASSERT_TRUE(out.WritePod(uint32_t{42}).ok());
    ASSERT_TRUE(out.Write(big.data(), big.size() * sizeof(float)).ok());
    ASSERT_TRUE(out.Commit().ok());
  }
  internal::FileReader in;
  ASSERT_TRUE(in.Open(path).ok());
  EXPECT_EQ(in.file_size(), 4 + big.size() * sizeof(float) + 4);
  uint32_t head = 0;
  ASSERT_TRUE(in.ReadPod(&head).ok());
  EXPECT_EQ(head, 42u);
  std::vector<float> back(big.size());
  ASSERT_TRUE(in.Read(back.data(), back.size() * sizeof(float)).ok());
  EXPECT_EQ(back, big);
  EXPECT_TRUE(in.VerifyChecksum().ok());
  // Reading past the payload reports truncation instead of reading the checksum as data.
  internal::FileReader again;
  ASSERT_TRUE(again.Open(path).ok());
  std::vector<char> too_much(in.file_size());
  EXPECT_EQ(again.Read(too_much.data(), too_much.size()).code(), Status::Code::kCorruption);
  std::remove(path.c_str());

  internal::FileReader missing;
  EXPECT_TRUE(missing.Open(path + ".nope").IsNotFound());
}

TEST(FileTest, AbandonedWriterLeavesNoFile) {
  const std::string dir = ::testing::TempDir() + "/index_file_abandoned";
  std::filesystem::create_directories(dir);
  {
    internal::FileWriter out;
    ASSERT_TRUE(out.Open(dir + "/index.bin").ok());
    ASSERT_TRUE(out.WritePod(uint64_t{1}).ok());
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir));
  std::filesystem::remove_all(dir);
}

// A save that fails at any step reports the failure and leaves the previous file whole, with no
// temporary file beside it.
TEST(FileTest, FailedSaveKeepsThePreviousFile) {
  const std::string dir = ::testing::TempDir() + "/index_file_faults";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/index.bin";
  {
    internal::FileWriter out;
    ASSERT_TRUE(out.Open(path).ok());
    ASSERT_TRUE(out.WritePod(uint64_t{1}).ok());
    ASSERT_TRUE(out.Commit().ok());
  }
  const std::vector<float> big = RandomFloats(600000, 5);  // larger than the I/O chunk
  for (const auto& [fault, message] :
       {std::pair{testing::FileFault::kAppend, "injected write failure"},
        std::pair{testing::FileFault::kSync, "injected sync failure"},
        std::pair{testing::FileFault::kRename, "injected rename failure"}}) {
    const testing::FaultyFileSystem fs(fault);
    internal::FileWriter out(fs);
    ASSERT_TRUE(out.Open(path).ok());
    Status s = out.WritePod(uint64_t{2});
    if (s.ok()) s = out.Write(big.data(), big.size() * sizeof(float));
    if (s.ok()) s = out.Commit();
    EXPECT_EQ(s.code(), Status::Code::kIOError);
    EXPECT_EQ(s.message(), message);
  }
  // Each writer removed its temporary file, on failure or when abandoned.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir),
                          std::filesystem::directory_iterator()),
            1);
  internal::FileReader in;
  ASSERT_TRUE(in.Open(path).ok());
  uint64_t value = 0;
  ASSERT_TRUE(in.ReadPod(&value).ok());
  EXPECT_EQ(value, 1u);
  EXPECT_TRUE(in.VerifyChecksum().ok());
  std::filesystem::remove_all(dir);
}

// Sections padded to kMapAlignment are mapped by ReadArray; others are read. Either way the
// checksum covers them, and the arrays grow and change without touching the file.
TEST(FileTest, ReadArrayMapsAlignedSections) {
  const std::string path = ::testing::TempDir() + "/index_file_arrays.bin";
  const std::vector<float> big = RandomFloats(300000, 4);
  const std::vector<uint32_t> small = {1, 2, 3, 4, 5};
  {
    internal::FileWriter out;
    ASSERT_TRUE(out.Open(path).ok());
    ASSERT_TRUE(out.WritePod(uint16_t{7}).ok());
    ASSERT_TRUE(out.PadTo(internal::kMapAlignment).ok());
    ASSERT_TRUE(out.Write(big.data(), big.size() * sizeof(float)).ok());
    ASSERT_TRUE(out.Write(small.data(), small.size() * sizeof(uint32_t)).ok());  // unaligned
    ASSERT_TRUE(out.Commit().ok());
  }
  std::ifstream f(path, std::ios::binary);
  const std::string before(std::istreambuf_iterator<char>(f), {});
  internal::FileReader in;
  ASSERT_TRUE(in.Open(path).ok());
  uint16_t head = 0;
  ASSERT_TRUE(in.ReadPod(&head).ok());
  ASSERT_TRUE(in.SkipTo(internal::kMapAlignment).ok());
  internal::MappableArray<float> floats;
  internal::MappableArray<uint32_t> ints;
  ASSERT_TRUE(in.ReadArray(&floats, big.size(), 10).ok());
  ASSERT_TRUE(in.ReadArray(&ints, small.size(), 0).ok());
  EXPECT_TRUE(in.VerifyChecksum().ok());
  ASSERT_EQ(floats.size(), big.size());
  EXPECT_TRUE(std::equal(big.begin(), big.end(), floats.data()));
  EXPECT_TRUE(std::equal(small.begin(), small.end(), ints.data()));
  floats.data()[0] = 42;
  floats.append(big.data(), big.size());  // past the room: moves into memory of its own
  ints.resize(1000, 9);
  EXPECT_EQ(floats.data()[0], 42);
  EXPECT_TRUE(std::equal(big.begin() + 1, big.end(), floats.data() + 1));
  EXPECT_TRUE(std::equal(big.begin(), big.end(), floats.data() + big.size()));
  EXPECT_EQ(ints.data()[4], 5u);
  EXPECT_EQ(ints.data()[999], 9u);
  internal::MappableArray<float> moved = std::move(floats);
  EXPECT_EQ(moved.size(), 2 * big.size());
  EXPECT_EQ(floats.size(), 0u);
  std::ifstream g(path, std::ios::binary);
  EXPECT_TRUE(std::string(std::istreambuf_iterator<char>(g), {}) == before);
  // A flipped byte in a mapped section fails the checksum.
  std::string bad = before;
  bad[internal::kMapAlignment + 100] ^= 1;
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bad;
  internal::FileReader again;
  ASSERT_TRUE(again.Open(path).ok());
  ASSERT_TRUE(again.ReadPod(&head).ok());
  ASSERT_TRUE(again.SkipTo(internal::kMapAlignment).ok());
  ASSERT_TRUE(again.ReadArray(&floats, big.size(), 0).ok());
  ASSERT_TRUE(again.ReadArray(&ints, small.size(), 0).ok());
  EXPECT_EQ(again.VerifyChecksum().code(), Status::Code::kCorruption);
  std::remove(path.c_str());
}

// A file system that cannot map files gets its aligned sections read instead, with the same
// bytes and checksum; a failing read is reported, not taken for data.
TEST(FileTest, ReadsWhatCannotBeMappedAndReportsFailedReads) {
  const std::string path = ::testing::TempDir() + "/index_file_unmappable.bin";
  const std::vector<float> big = RandomFloats(100000, 6);
  {
    internal::FileWriter out;
    ASSERT_TRUE(out.Open(path).ok());
    ASSERT_TRUE(out.PadTo(internal::kMapAlignment).ok());
    ASSERT_TRUE(out.Write(big.data(), big.size() * sizeof(float)).ok());
    ASSERT_TRUE(out.Commit().ok());
  }
  testing::FaultyFileSystem fs(testing::FileFault::kMap);
  {
    internal::FileReader in(fs);
    ASSERT_TRUE(in.Open(path).ok());
    internal::MappableArray<float> floats;
    ASSERT_TRUE(in.ReadArray(&floats, big.size(), 0).ok());
    EXPECT_EQ(fs.injected(), 1);
    EXPECT_TRUE(std::equal(big.begin(), big.end(), floats.data()));
    EXPECT_TRUE(in.VerifyChecksum().ok());
  }
  fs.set_fault(testing::FileFault::kRead);
  internal::FileReader in(fs);
  ASSERT_TRUE(in.Open(path).ok());
  std::vector<char> bytes(16);
  const Status s = in.Read(bytes.data(), bytes.size());
  EXPECT_EQ(s.code(), Status::Code::kIOError);
  EXPECT_EQ(s.message(), "injected read failure");
  EXPECT_TRUE(internal::FileReader(fs).Open(path + ".missing").IsNotFound());
  std::remove(path.c_str());
}

TEST(LabelMapTest, MatchesUnorderedMapUnderChurn) {
  internal::LabelMap map;
  std::unordered_map<uint64_t, uint32_t> want;
  std::mt19937_64 rng(3);
  // Small key space so inserts, overwrites and erases collide constantly; sequential-ish keys
  // as well as random ones.
  for (int step = 0; step < 200000; ++step) {
    const uint64_t key = (step % 3 == 0) ? rng() : rng() % 5000;
    const uint32_t value = static_cast<uint32_t>(rng());
    switch (rng() % 3) {
      case 0:
      case 1:
        map.Set(key, value);
        want[key] = value;
        break;
      default:
        EXPECT_EQ(map.Erase(key), want.erase(key) == 1);
    }
    if (step % 1000 == 0) {
      ASSERT_EQ(map.size(), want.size());
      for (const auto& [k, v] : want) {
        const uint32_t* got = map.Find(k);
        ASSERT_NE(got, nullptr) << k;
        ASSERT_EQ(*got, v);
      }
    }
  }
  for (uint64_t k = 0; k < 5000; ++k) {
    const uint32_t* got = map.Find(k);
    const auto it = want.find(k);
    ASSERT_EQ(got != nullptr, it != want.end()) << k;
    if (got != nullptr) {
      ASSERT_EQ(*got, it->second);
    }
  }
  map.Clear();
  EXPECT_EQ(map.size(), 0u);
  EXPECT_EQ(map.Find(1), nullptr);
  EXPECT_FALSE(map.Erase(1));
}

}  // namespace
}  // namespace engram::index
