#include "testing/test_util.h"

#include <filesystem>
#include <unistd.h>

namespace embodb::testing {

std::string RandomBytes(Random* rnd, size_t n) {
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rnd->Uniform(256));
  return s;
}

std::string TempDir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("embodb_test_" + std::to_string(::getpid()) + "_" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

}  // namespace embodb::testing
