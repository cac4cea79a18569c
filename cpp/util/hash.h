// A fast non-cryptographic 32-bit hash for bloom filters and cache sharding.
// Its values are stored on disk inside bloom filters: never change the function.
#pragma once

#include <cstddef>
#include <cstdint>

namespace embodb {

uint32_t Hash32(const char* data, size_t n, uint32_t seed);

}  // namespace embodb
