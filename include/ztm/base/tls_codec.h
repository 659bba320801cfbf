// The TLS presentation-language codec used by MLS (RFC 8446 §3, extended by
// RFC 9420 §2.1): big-endian fixed-width integers, enums, optional<T>, structs, and
// vectors with the variable-size length header of RFC 9420 §2.1.2 ("<V>").
//
// A wire struct is described once, by listing its fields in order:
//
//   // struct { opaque group_id<V>; uint64 epoch; } Example;   (RFC section)
//   struct Example {
//     Bytes group_id;
//     std::uint64_t epoch = 0;
//     ZTM_TLS_FIELDS(group_id, epoch)
//   };
//
// and that list drives encode, decode and size. Types with a `select` (variants)
// write the three members tls_encode/tls_decode/tls_size by hand.
//
// Decoding is strict: truncation, trailing bytes, non-minimal or "11"-prefixed
// varints, lengths of 2^30 or more, optional flags other than 0/1 and enum values a
// type declares invalid are all typed errors. Lengths are checked against the bytes
// actually present before anything is allocated.
#pragma once

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <tuple>
#include <type_traits>
#include <vector>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/base/secret.h"

// ZTM_TLS_FIELDS(f1, f2, ...) lists a struct's wire fields in wire order.
#define ZTM_TLS_FIELDS(...)       \
  auto tls_fields() {             \
    return std::tie(__VA_ARGS__); \
  }                               \
  auto tls_fields() const {       \
    return std::tie(__VA_ARGS__); \
  }

namespace ztm::tls {

// kMaxVarint is the largest length a <V> header can carry (2^30 - 1).
inline constexpr std::uint64_t kMaxVarint = (std::uint64_t{1} << 30) - 1;

// varint_size is the number of bytes the minimal header for value takes (1, 2 or 4).
constexpr std::size_t varint_size(std::uint64_t value) {
  return value < 64 ? 1 : value < 16384 ? 2 : 4;
}

// Writer appends encoded values to a byte vector it does not own.
class Writer {
 public:
  explicit Writer(Bytes& out) : out_(out) {}

  void u8(std::uint8_t v) { out_.push_back(v); }
  void u16(std::uint16_t v) { put_be(v, 2); }
  void u32(std::uint32_t v) { put_be(v, 4); }
  void u64(std::uint64_t v) { put_be(v, 8); }
  void raw(ByteView v) { out_.insert(out_.end(), v.begin(), v.end()); }
  // varint writes a <V> length header. Lengths above kMaxVarint cannot be encoded;
  // ztmeet's own size limits keep every message far below it, so reaching it is a
  // programming error and aborts rather than emit a corrupt message.
  void varint(std::uint64_t v);
  // opaque writes a <V> length header followed by the bytes.
  void opaque(ByteView v) {
    varint(v.size());
    raw(v);
  }

  Bytes& bytes() { return out_; }

 private:
  void put_be(std::uint64_t v, int width) {
    for (int i = width - 1; i >= 0; --i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  Bytes& out_;
};

// Reader is a cursor over borrowed bytes. Every read checks the bytes remaining.
class Reader {
 public:
  explicit Reader(ByteView data) : data_(data) {}

  Result<std::uint8_t> u8();
  Result<std::uint16_t> u16();
  Result<std::uint32_t> u32();
  Result<std::uint64_t> u64();
  // raw returns the next n bytes, borrowed from the input.
  Result<ByteView> raw(std::size_t n);
  // varint reads a <V> length header (RFC 9420 §2.1.2), rejecting the "11" prefix
  // and non-minimal encodings.
  Result<std::uint64_t> varint();
  // opaque reads a <V> length header and returns the bytes it covers, borrowed.
  Result<ByteView> opaque();
  // sub reads a <V> header and returns a Reader over exactly the bytes it covers.
  Result<Reader> sub();

  bool empty() const { return data_.empty(); }
  std::size_t remaining() const { return data_.size(); }
  // rest is what has not been read yet.
  ByteView rest() const { return data_; }
  // expect_end fails with trailing_data unless everything was read.
  Result<void> expect_end() const;

 private:
  Result<std::uint64_t> be(std::size_t width);
  ByteView data_;
};

// ---------------------------------------------------------------------------------
// Customization. A type T is encodable if it is an unsigned integer, an enum, Bytes,
// SecretBytes, std::array<uint8_t, N> (a fixed opaque[N]), std::optional<U>,
// std::vector<U> (a U<V> vector), has tls_fields(), or has the three members
//   void tls_encode(Writer&) const;  Result<void> tls_decode(Reader&);
//   std::size_t tls_size() const;
// An enum may declare its valid values with a free function found by ADL:
//   bool tls_enum_valid(E value);

template <class T>
struct is_std_array_u8 : std::false_type {};
template <std::size_t N>
struct is_std_array_u8<std::array<std::uint8_t, N>> : std::true_type {};

template <class T>
struct is_optional : std::false_type {};
template <class U>
struct is_optional<std::optional<U>> : std::true_type {};

template <class T>
struct is_vector : std::false_type {};
template <class U, class A>
struct is_vector<std::vector<U, A>> : std::true_type {};

template <class T>
concept HasFields = requires(T& t) {
  t.tls_fields();
};

template <class T>
concept CustomCodec = requires(const T& c, T& m, Writer& w, Reader& r) {
  c.tls_encode(w);
  { m.tls_decode(r) } -> std::same_as<Result<void>>;
  { c.tls_size() } -> std::convertible_to<std::size_t>;
};

template <class E>
concept EnumWithValidity = std::is_enum_v<E> && requires(E e) {
  { tls_enum_valid(e) } -> std::convertible_to<bool>;
};

template <class T>
std::size_t size_of(const T& value);
template <class T>
void write(Writer& w, const T& value);
template <class T>
Result<void> read(Reader& r, T& value);

template <class T>
std::size_t size_of(const T& value) {
  if constexpr (CustomCodec<T>) {
    return value.tls_size();
  } else if constexpr (std::is_same_v<T, bool>) {
    static_assert(!std::is_same_v<T, bool>, "encode booleans as uint8 explicitly");
    return 0;
  } else if constexpr (std::is_unsigned_v<T>) {
    return sizeof(T);
  } else if constexpr (std::is_enum_v<T>) {
    return sizeof(std::underlying_type_t<T>);
  } else if constexpr (std::is_same_v<T, Bytes>) {
    return varint_size(value.size()) + value.size();
  } else if constexpr (std::is_same_v<T, SecretBytes>) {
    return varint_size(value.size()) + value.size();
  } else if constexpr (is_std_array_u8<T>::value) {
    return value.size();
  } else if constexpr (is_optional<T>::value) {
    return 1 + (value ? size_of(*value) : 0);
  } else if constexpr (is_vector<T>::value) {
    std::size_t content = 0;
    for (const auto& item : value) content += size_of(item);
    return varint_size(content) + content;
  } else if constexpr (HasFields<T>) {
    return std::apply([](const auto&... f) { return (std::size_t{0} + ... + size_of(f)); },
                      value.tls_fields());
  } else {
    static_assert(sizeof(T) == 0, "type has no TLS encoding");
  }
}

template <class T>
void write(Writer& w, const T& value) {
  if constexpr (CustomCodec<T>) {
    value.tls_encode(w);
  } else if constexpr (std::is_unsigned_v<T> && sizeof(T) == 1) {
    w.u8(value);
  } else if constexpr (std::is_unsigned_v<T> && sizeof(T) == 2) {
    w.u16(value);
  } else if constexpr (std::is_unsigned_v<T> && sizeof(T) == 4) {
    w.u32(value);
  } else if constexpr (std::is_unsigned_v<T> && sizeof(T) == 8) {
    w.u64(value);
  } else if constexpr (std::is_enum_v<T>) {
    write(w, static_cast<std::underlying_type_t<T>>(value));
  } else if constexpr (std::is_same_v<T, Bytes>) {
    w.opaque(value);
  } else if constexpr (std::is_same_v<T, SecretBytes>) {
    w.opaque(value.expose());
  } else if constexpr (is_std_array_u8<T>::value) {
    w.raw(value);
  } else if constexpr (is_optional<T>::value) {
    w.u8(value ? 1 : 0);
    if (value) write(w, *value);
  } else if constexpr (is_vector<T>::value) {
    std::size_t content = 0;
    for (const auto& item : value) content += size_of(item);
    w.varint(content);
    for (const auto& item : value) write(w, item);
  } else if constexpr (HasFields<T>) {
    std::apply([&w](const auto&... f) { (write(w, f), ...); }, value.tls_fields());
  } else {
    static_assert(sizeof(T) == 0, "type has no TLS encoding");
  }
}

template <class T>
Result<void> read(Reader& r, T& value) {
  if constexpr (CustomCodec<T>) {
    return value.tls_decode(r);
  } else if constexpr (std::is_unsigned_v<T> && sizeof(T) == 1) {
    ZTM_TRY_ASSIGN(value, r.u8());
    return ok();
  } else if constexpr (std::is_unsigned_v<T> && sizeof(T) == 2) {
    ZTM_TRY_ASSIGN(value, r.u16());
    return ok();
  } else if constexpr (std::is_unsigned_v<T> && sizeof(T) == 4) {
    ZTM_TRY_ASSIGN(value, r.u32());
    return ok();
  } else if constexpr (std::is_unsigned_v<T> && sizeof(T) == 8) {
    ZTM_TRY_ASSIGN(value, r.u64());
    return ok();
  } else if constexpr (std::is_enum_v<T>) {
    std::underlying_type_t<T> raw{};
    ZTM_TRY(read(r, raw));
    value = static_cast<T>(raw);
    if constexpr (EnumWithValidity<T>) {
      if (!tls_enum_valid(value)) {
        return fail(Errc::invalid_encoding,
                    "enum value " + std::to_string(raw) + " is not defined");
      }
    }
    return ok();
  } else if constexpr (std::is_same_v<T, Bytes>) {
    ZTM_TRY_ASSIGN(ByteView v, r.opaque());
    value.assign(v.begin(), v.end());
    return ok();
  } else if constexpr (std::is_same_v<T, SecretBytes>) {
    ZTM_TRY_ASSIGN(ByteView v, r.opaque());
    value = SecretBytes(v);
    return ok();
  } else if constexpr (is_std_array_u8<T>::value) {
    ZTM_TRY_ASSIGN(ByteView v, r.raw(value.size()));
    std::copy(v.begin(), v.end(), value.begin());
    return ok();
  } else if constexpr (is_optional<T>::value) {
    ZTM_TRY_ASSIGN(std::uint8_t present, r.u8());
    if (present > 1) return fail(Errc::invalid_encoding, "optional presence octet is not 0 or 1");
    if (present == 0) {
      value.reset();
      return ok();
    }
    value.emplace();
    return read(r, *value);
  } else if constexpr (is_vector<T>::value) {
    ZTM_TRY_ASSIGN(Reader items, r.sub());
    value.clear();
    while (!items.empty()) {
      const std::size_t before = items.remaining();
      auto& item = value.emplace_back();
      ZTM_TRY(read(items, item));
      // An element that encodes to nothing would let a length claim any count.
      if (items.remaining() == before) {
        return fail(Errc::invalid_encoding, "vector element of zero size");
      }
    }
    return ok();
  } else if constexpr (HasFields<T>) {
    return std::apply(
        [&r](auto&... f) -> Result<void> {
          Result<void> status;
          ((status = read(r, f), status.has_value()) && ...);
          return status;
        },
        value.tls_fields());
  } else {
    static_assert(sizeof(T) == 0, "type has no TLS encoding");
  }
}

// encode serializes a value into a new byte vector of exactly its size.
template <class T>
Bytes encode(const T& value) {
  Bytes out;
  out.reserve(size_of(value));
  Writer w(out);
  write(w, value);
  return out;
}

// encode_into appends a value's encoding to out.
template <class T>
void encode_into(Bytes& out, const T& value) {
  Writer w(out);
  write(w, value);
}

// decode parses exactly one value from data; trailing bytes are an error.
template <class T>
Result<T> decode(ByteView data) {
  Reader r(data);
  T value{};
  ZTM_TRY(read(r, value));
  ZTM_TRY(r.expect_end());
  return value;
}

// decode_varint reads one <V> header that must span all of data (test vectors).
Result<std::uint64_t> decode_varint(ByteView data);

}  // namespace ztm::tls
