// SecretBytes: key material. Zeroized (OPENSSL_cleanse) when destroyed and whenever
// its storage is reallocated, compared in constant time, never printable and never
// implicitly converted to plain bytes: reading it is the visible call expose().
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <ostream>
#include <vector>

#include "ztm/base/bytes.h"

namespace ztm {

// secure_zero overwrites memory in a way the compiler cannot elide.
void secure_zero(void* data, std::size_t size);

// ZeroizingAllocator wipes every block before handing it back, so reallocation of
// a growing secret leaves no copy behind.
template <class T>
struct ZeroizingAllocator {
  using value_type = T;
  ZeroizingAllocator() noexcept = default;
  template <class U>
  ZeroizingAllocator(const ZeroizingAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) { return std::allocator<T>{}.allocate(n); }
  void deallocate(T* p, std::size_t n) noexcept {
    secure_zero(p, n * sizeof(T));
    std::allocator<T>{}.deallocate(p, n);
  }
  template <class U>
  bool operator==(const ZeroizingAllocator<U>&) const noexcept {
    return true;
  }
};

class SecretBytes {
 public:
  SecretBytes() = default;
  // SecretBytes(size) holds size zero bytes, to be filled through mutable_data().
  explicit SecretBytes(std::size_t size) : data_(size) {}
  // SecretBytes(view) copies the view; the caller remains responsible for the source.
  explicit SecretBytes(ByteView v) : data_(v.begin(), v.end()) {}
  // from_bytes takes plain bytes as a secret and wipes the source vector.
  static SecretBytes from_bytes(Bytes&& b) {
    SecretBytes s{ByteView(b)};
    secure_zero(b.data(), b.size());
    b.clear();
    return s;
  }

  SecretBytes(const SecretBytes&) = default;
  SecretBytes& operator=(const SecretBytes&) = default;
  SecretBytes(SecretBytes&& other) noexcept : data_(std::move(other.data_)) { other.data_.clear(); }
  SecretBytes& operator=(SecretBytes&& other) noexcept {
    if (this != &other) {
      wipe();
      data_ = std::move(other.data_);
      other.data_.clear();
    }
    return *this;
  }
  ~SecretBytes() { wipe(); }

  // expose gives read access to the key bytes. Every use is a place where a secret
  // leaves this type: keep it greppable and short-lived.
  ByteView expose() const { return {data_.data(), data_.size()}; }
  // mutable_data lets a key-derivation function write the secret in place.
  MutableByteView mutable_data() { return {data_.data(), data_.size()}; }

  std::size_t size() const { return data_.size(); }
  bool empty() const { return data_.empty(); }

  // wipe zeroizes and empties the secret now.
  void wipe() {
    secure_zero(data_.data(), data_.size());
    data_.clear();
  }

  // Constant-time comparison (the sizes are not secret).
  friend bool operator==(const SecretBytes& a, const SecretBytes& b);

 private:
  std::vector<std::uint8_t, ZeroizingAllocator<std::uint8_t>> data_;
};

// constant_time_equal compares two views without data-dependent timing.
bool constant_time_equal(ByteView a, ByteView b);

// Secrets are never printed; this overload exists to make an attempt a compile error.
std::ostream& operator<<(std::ostream&, const SecretBytes&) = delete;

}  // namespace ztm
