#include "env/env.h"

#include <gtest/gtest.h>

#include <sys/resource.h>
#include <sys/utsname.h>

#include <cstdio>
#include <filesystem>

#include "env/fault_injection_env.h"
#include "testing/test_util.h"

namespace embodb {

// The same contract checks run against the POSIX and in-memory Envs.
class EnvContractTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    if (GetParam()) {
      env_ = Env::Posix();
      dir_ = testing::TempDir("env");
    } else {
      mem_ = NewMemEnv();
      env_ = mem_.get();
      dir_ = "/mem";
      ASSERT_OK(env_->CreateDir(dir_));
    }
  }
  void TearDown() override {
    if (GetParam()) std::filesystem::remove_all(dir_);
  }
  std::unique_ptr<Env> mem_;
  Env* env_ = nullptr;
  std::string dir_;
};

TEST_P(EnvContractTest, WriteReadRenameRemove) {
  const std::string f = dir_ + "/a";
  ASSERT_OK(WriteStringToFile(env_, "hello world", f, true));
  EXPECT_TRUE(env_->FileExists(f));
  EXPECT_EQ(11u, env_->GetFileSize(f).value());
  std::string data;
  ASSERT_OK(ReadFileToString(env_, f, &data));
  EXPECT_EQ("hello world", data);

  auto ra = env_->NewRandomAccessFile(f);
  ASSERT_OK(ra.status());
  char scratch[16];
  std::string_view piece;
  ASSERT_OK((*ra)->Read(6, 100, &piece, scratch));
  EXPECT_EQ("world", piece);

  ASSERT_OK(env_->RenameFile(f, dir_ + "/b"));
  EXPECT_FALSE(env_->FileExists(f));
  std::vector<std::string> children;
  ASSERT_OK(env_->GetChildren(dir_, &children));
  EXPECT_EQ(std::vector<std::string>{"b"}, children);
  ASSERT_OK(env_->TruncateFile(dir_ + "/b", 5));
  ASSERT_OK(ReadFileToString(env_, dir_ + "/b", &data));
  EXPECT_EQ("hello", data);
  ASSERT_OK(env_->RemoveFile(dir_ + "/b"));
  EXPECT_TRUE(env_->RemoveFile(dir_ + "/b").IsNotFound());
  EXPECT_TRUE(env_->NewSequentialFile(dir_ + "/b").status().IsNotFound());
}

TEST_P(EnvContractTest, LargeAppendsBypassBuffer) {
  const std::string f = dir_ + "/big";
  auto w = env_->NewWritableFile(f);
  ASSERT_OK(w.status());
  std::string expected;
  for (int i = 0; i < 50; i++) {
    std::string chunk(static_cast<size_t>(i) * 7919, static_cast<char>('a' + i % 26));
    ASSERT_OK((*w)->Append(chunk));
    expected += chunk;
  }
  ASSERT_OK((*w)->Close());
  std::string data;
  ASSERT_OK(ReadFileToString(env_, f, &data));
  EXPECT_EQ(expected, data);
}

TEST_P(EnvContractTest, LockIsExclusive) {
  const std::string f = dir_ + "/LOCK";
  auto first = env_->LockFile(f);
  ASSERT_OK(first.status());
  auto second = env_->LockFile(f);
  EXPECT_TRUE(second.status().IsLocked()) << second.status().ToString();
  first.value().reset();
  auto third = env_->LockFile(f);
  EXPECT_OK(third.status());
}

INSTANTIATE_TEST_SUITE_P(Envs, EnvContractTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Posix" : "Mem"; });

class FaultInjectionEnvTest : public ::testing::Test {
 protected:
  std::unique_ptr<Env> mem_ = NewMemEnv();
  FaultInjectionEnv env_{mem_.get()};
};

// Reads a byte of each page. Not instrumented: under ASan, each check would
// fault in the shadow memory of the pages and count as page faults too.
__attribute__((no_sanitize("address"))) static uint64_t TouchPages(std::string_view view) {
  uint64_t sum = 0;
  for (size_t i = 0; i < view.size(); i += 4096) sum += static_cast<uint8_t>(view[i]);
  return sum;
}

TEST(PosixEnvTest, MappedCachedPagesAreReadWithoutPageFaults) {
  const std::string dir = testing::TempDir("mapped");
  Env* env = Env::Posix();
  const std::string fname = dir + "/f";
  std::string contents(8 << 20, '\0');
  for (size_t i = 0; i < contents.size(); i++) contents[i] = static_cast<char>(i * 31 + 7);
  {
    auto f = env->NewWritableFile(fname);
    ASSERT_OK(f.status());
    ASSERT_OK((*f)->Append(contents));
    ASSERT_OK((*f)->Close());  // just written: the OS caches every page
  }
  auto file = env->NewMappedFile(fname);
  ASSERT_OK(file.status());
  ASSERT_TRUE((*file)->ReturnsStableViews());
  (*file)->MapCachedPages();
  std::string_view view;
  ASSERT_OK((*file)->Read(0, contents.size(), &view, nullptr));
  ASSERT_EQ(contents.size(), view.size());
  struct rusage before, after;
  ::getrusage(RUSAGE_THREAD, &before);
  const uint64_t sum = TouchPages(view);
  ::getrusage(RUSAGE_THREAD, &after);
  EXPECT_GT(sum, 0u);
  EXPECT_TRUE(view == contents);
  // Kernels before 5.14 lack MADV_POPULATE_READ: the hint then does nothing.
  struct utsname u;
  int major = 0, minor = 0;
  if (::uname(&u) == 0 && std::sscanf(u.release, "%d.%d", &major, &minor) == 2 &&
      (major > 5 || (major == 5 && minor >= 14))) {
    EXPECT_EQ(before.ru_minflt, after.ru_minflt);
  }
  std::filesystem::remove_all(dir);
}

TEST_F(FaultInjectionEnvTest, DropUnsyncedDataKeepsSyncedPrefix) {
  ASSERT_OK(env_.CreateDir("/d"));
  auto w = env_.NewWritableFile("/d/f");
  ASSERT_OK(w.status());
  ASSERT_OK(env_.SyncDir("/d"));
  ASSERT_OK((*w)->Append("synced"));
  ASSERT_OK((*w)->Sync());
  ASSERT_OK((*w)->Append("-lost"));
  env_.DropUnsyncedData();
  std::string data;
  ASSERT_OK(ReadFileToString(&env_, "/d/f", &data));
  EXPECT_EQ("synced", data);
}

TEST_F(FaultInjectionEnvTest, NewFileWithoutDirSyncDisappears) {
  auto w = env_.NewWritableFile("/d/g");
  ASSERT_OK(w.status());
  ASSERT_OK((*w)->Append("x"));
  ASSERT_OK((*w)->Sync());
  env_.DropUnsyncedData();
  EXPECT_FALSE(env_.FileExists("/d/g"));
}

TEST_F(FaultInjectionEnvTest, InjectedFailures) {
  auto w = env_.NewWritableFile("/d/h");
  ASSERT_OK(w.status());
  env_.FailNthWrite(2);
  EXPECT_OK((*w)->Append("a"));
  EXPECT_TRUE((*w)->Append("b").IsIOError());
  EXPECT_OK((*w)->Append("c"));
  env_.FailNthSync(1);
  EXPECT_TRUE((*w)->Sync().IsIOError());
  EXPECT_OK((*w)->Sync());
  env_.SetDiskFull(true);
  Status s = (*w)->Append("d");
  EXPECT_TRUE(s.IsIOError());
  EXPECT_EQ(ENOSPC, s.sys_errno());
  env_.SetDiskFull(false);
  env_.SetActive(false);
  EXPECT_TRUE((*w)->Append("e").IsIOError());
  EXPECT_TRUE(env_.RemoveFile("/d/h").IsIOError());
}

}  // namespace embodb
