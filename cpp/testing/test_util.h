// Helpers shared by the C++ tests.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "util/random.h"
#include "util/status.h"

#define ASSERT_OK(expr)                                   \
  do {                                                    \
    ::embodb::Status _s = (expr);                         \
    ASSERT_TRUE(_s.ok()) << _s.ToString();                \
  } while (0)
#define EXPECT_OK(expr)                                   \
  do {                                                    \
    ::embodb::Status _s = (expr);                         \
    EXPECT_TRUE(_s.ok()) << _s.ToString();                \
  } while (0)

namespace embodb::testing {

std::string RandomBytes(Random* rnd, size_t n);
// A fresh directory under the system temp dir, removed by the caller's choice.
std::string TempDir(const std::string& name);

}  // namespace embodb::testing
