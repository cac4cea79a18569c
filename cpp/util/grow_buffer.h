// GrowBuffer: a growable array of trivially copyable values, for buffers that
// can grow large, such as the columns of a query result. Past
// kMappedGrowBytes it lives in its own anonymous mapping, and growing it
// remaps the pages (mremap) instead of copying them: a full scan of a large
// table fills hundreds of megabytes, and a vector's doubling would copy all of
// it again and fault in as much fresh memory once more.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>

namespace embodb {

namespace grow_buffer_detail {
inline constexpr size_t kMappedGrowBytes = size_t{1} << 20;
// Moves [p, p + used) of a block of `old_bytes` (0: none) to one of at least
// `new_bytes`; returns it and sets *mapped. `populate`: the caller will fill
// the new block, so a new mapping's pages are faulted in by one call instead
// of one fault each. Throws std::bad_alloc.
void* Regrow(void* p, size_t used, size_t old_bytes, bool old_mapped, size_t new_bytes, bool populate,
             bool* mapped);
void Release(void* p, size_t bytes, bool mapped);
}  // namespace grow_buffer_detail

template <typename T>
class GrowBuffer {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  GrowBuffer() = default;
  ~GrowBuffer() { grow_buffer_detail::Release(data_, capacity_ * sizeof(T), mapped_); }
  GrowBuffer(const GrowBuffer& other) { append(other.data(), other.size()); }
  GrowBuffer& operator=(const GrowBuffer& other) {
    if (this != &other) {
      clear();
      append(other.data(), other.size());
    }
    return *this;
  }
  GrowBuffer(GrowBuffer&& other) noexcept { swap(other); }
  GrowBuffer& operator=(GrowBuffer&& other) noexcept {
    swap(other);
    return *this;
  }

  T* data() { return data_; }
  const T* data() const { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }
  T* begin() { return data_; }
  T* end() { return data_ + size_; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }

  // Room for n values, which the caller means to fill.
  void reserve(size_t n) {
    if (n > capacity_) Grow(n, /*populate=*/true);
  }
  void clear() { size_ = 0; }
  void push_back(T v) {
    if (size_ == capacity_) Grow(size_ + 1);
    data_[size_++] = v;
  }
  void append(const T* p, size_t n) {
    if (n == 0) return;
    if (size_ + n > capacity_) Grow(size_ + n);
    std::memcpy(data_ + size_, p, n * sizeof(T));
    size_ += n;
  }
  // n more values, which the caller fills through the pointer returned.
  T* extend(size_t n) {
    // A large extension is filled next: fault its pages in by one call.
    if (size_ + n > capacity_) Grow(size_ + n, /*populate=*/n * sizeof(T) >= grow_buffer_detail::kMappedGrowBytes);
    T* at = data_ + size_;
    size_ += n;
    return at;
  }
  void resize(size_t n, T fill = T()) {
    if (n > capacity_) Grow(n);
    for (size_t i = size_; i < n; i++) data_[i] = fill;
    size_ = n;
  }
  void assign(size_t n, T fill) {
    clear();
    resize(n, fill);
  }

 private:
  void Grow(size_t at_least, bool populate = false) {
    const size_t doubled = capacity_ * 2;
    // A first reserve is taken as the final size; growth after it doubles
    // (a caller reserving batch after batch must not regrow every time).
    const bool exact = at_least > doubled || (populate && capacity_ == 0);
    const size_t capacity = exact ? at_least : (doubled > 16 ? doubled : 16);
    data_ = static_cast<T*>(grow_buffer_detail::Regrow(data_, size_ * sizeof(T), capacity_ * sizeof(T), mapped_,
                                                       capacity * sizeof(T), populate, &mapped_));
    capacity_ = capacity;
  }
  void swap(GrowBuffer& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    std::swap(capacity_, other.capacity_);
    std::swap(mapped_, other.mapped_);
  }

  T* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
  bool mapped_ = false;
};

}  // namespace embodb
