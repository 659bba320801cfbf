// Private helpers for the hand-written codecs of the MLS wire structs.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "ztm/base/error.h"
#include "ztm/base/tls_codec.h"

namespace ztm::mls::internal {

// read_bounded_vector reads a T<V> vector of at most max_count elements; more is
// limit_exceeded naming `what`.
template <class T>
Result<void> read_bounded_vector(tls::Reader& r, std::vector<T>& out, std::size_t max_count,
                                 std::string_view what) {
  ZTM_TRY_ASSIGN(tls::Reader items, r.sub());
  out.clear();
  while (!items.empty()) {
    if (out.size() >= max_count) {
      return fail(Errc::limit_exceeded,
                  std::string(what) + ": more than " + std::to_string(max_count) + " entries");
    }
    const std::size_t before = items.remaining();
    ZTM_TRY(tls::read(items, out.emplace_back()));
    if (items.remaining() == before) {
      return fail(Errc::invalid_encoding, std::string(what) + ": element of zero size");
    }
  }
  return ok();
}

// vector_size is the encoded size of a T<V> vector.
template <class T>
std::size_t vector_size(const std::vector<T>& v) {
  std::size_t content = 0;
  for (const auto& item : v) content += tls::size_of(item);
  return tls::varint_size(content) + content;
}

// opaque_size is the encoded size of an opaque<V> of n bytes.
inline std::size_t opaque_size(std::size_t n) {
  return tls::varint_size(n) + n;
}

}  // namespace ztm::mls::internal
