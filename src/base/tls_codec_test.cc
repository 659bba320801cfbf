#include "ztm/base/tls_codec.h"

#include <gtest/gtest.h>

namespace ztm {
namespace {

enum class Color : std::uint8_t { red = 1, green = 2 };
bool tls_enum_valid(Color c) {
  return c == Color::red || c == Color::green;
}

// struct { uint16 id; opaque data<V>; optional<uint32> extra; Color color; } Inner;
struct Inner {
  std::uint16_t id = 0;
  Bytes data;
  std::optional<std::uint32_t> extra;
  Color color = Color::red;
  ZTM_TLS_FIELDS(id, data, extra, color)
  bool operator==(const Inner&) const = default;
};

struct Outer {
  std::uint64_t epoch = 0;
  std::vector<Inner> items;
  std::array<std::uint8_t, 3> tag{};
  ZTM_TLS_FIELDS(epoch, items, tag)
  bool operator==(const Outer&) const = default;
};

// A hand-written select: uint8 kind; kind 1 carries a uint16, kind 2 an opaque<V>.
struct Choice {
  std::uint8_t kind = 1;
  std::uint16_t number = 0;
  Bytes blob;
  void tls_encode(tls::Writer& w) const {
    w.u8(kind);
    if (kind == 1)
      w.u16(number);
    else
      w.opaque(blob);
  }
  Result<void> tls_decode(tls::Reader& r) {
    ZTM_TRY_ASSIGN(kind, r.u8());
    if (kind == 1) {
      ZTM_TRY_ASSIGN(number, r.u16());
      return ok();
    }
    if (kind == 2) {
      ZTM_TRY_ASSIGN(ByteView v, r.opaque());
      blob = to_bytes(v);
      return ok();
    }
    return fail(Errc::invalid_encoding, "unknown kind");
  }
  std::size_t tls_size() const {
    return 1 + (kind == 1 ? 2 : tls::varint_size(blob.size()) + blob.size());
  }
};

TEST(TlsCodec, StructRoundTrip) {
  Outer o;
  o.epoch = 0x0102030405060708;
  o.items.push_back({7, {1, 2, 3}, std::nullopt, Color::green});
  o.items.push_back({8, Bytes(100, 0xcc), 42u, Color::red});
  o.tag = {9, 8, 7};
  const Bytes wire = tls::encode(o);
  EXPECT_EQ(wire.size(), tls::size_of(o));
  EXPECT_EQ(wire[0], 0x01);
  auto back = tls::decode<Outer>(wire);
  ASSERT_TRUE(back) << back.error().what();
  EXPECT_EQ(*back, o);
}

TEST(TlsCodec, KnownEncoding) {
  Inner i{0x0a0b, {0xde, 0xad}, 5u, Color::green};
  EXPECT_EQ(to_hex(tls::encode(i)), "0a0b02dead010000000502");
}

TEST(TlsCodec, CustomSelect) {
  Choice c;
  c.kind = 2;
  c.blob = {1, 2, 3};
  auto wire = tls::encode(c);
  EXPECT_EQ(to_hex(wire), "0203010203");
  auto back = tls::decode<Choice>(wire);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->blob, c.blob);
  EXPECT_EQ(tls::decode<Choice>(from_hex("03").value()).error().code, Errc::invalid_encoding);
}

TEST(TlsCodec, VarintForms) {
  // RFC 9420 §2.1.2 examples.
  EXPECT_EQ(tls::decode_varint(from_hex("9d7f3e7d").value()).value(), 494878333u);
  EXPECT_EQ(tls::decode_varint(from_hex("7bbd").value()).value(), 15293u);
  EXPECT_EQ(tls::decode_varint(from_hex("25").value()).value(), 37u);
  for (std::uint64_t v : {std::uint64_t{0}, std::uint64_t{63}, std::uint64_t{64},
                          std::uint64_t{16383}, std::uint64_t{16384}, tls::kMaxVarint}) {
    Bytes out;
    tls::Writer(out).varint(v);
    EXPECT_EQ(out.size(), tls::varint_size(v));
    EXPECT_EQ(tls::decode_varint(out).value(), v);
  }
}

TEST(TlsCodec, RejectsNonMinimalVarint) {
  EXPECT_EQ(tls::decode_varint(from_hex("4025").value()).error().code, Errc::non_minimal_varint);
  EXPECT_EQ(tls::decode_varint(from_hex("80000025").value()).error().code,
            Errc::non_minimal_varint);
  EXPECT_EQ(tls::decode_varint(from_hex("c0000000").value()).error().code, Errc::length_too_large);
}

TEST(TlsCodec, RejectsTruncationAndTrailingData) {
  Inner i{1, {1, 2, 3}, 7u, Color::red};
  Bytes wire = tls::encode(i);
  for (std::size_t n = 0; n < wire.size(); ++n) {
    auto r = tls::decode<Inner>(ByteView(wire).first(n));
    ASSERT_FALSE(r) << n;
    EXPECT_EQ(r.error().code, Errc::truncated) << n;
  }
  wire.push_back(0);
  EXPECT_EQ(tls::decode<Inner>(wire).error().code, Errc::trailing_data);
}

TEST(TlsCodec, RejectsBadOptionalAndEnum) {
  EXPECT_EQ(tls::decode<Inner>(from_hex("0001000201").value()).error().code,
            Errc::invalid_encoding);  // optional flag 2
  EXPECT_EQ(tls::decode<Inner>(from_hex("0001000003").value()).error().code,
            Errc::invalid_encoding);  // Color 3
}

TEST(TlsCodec, LengthBeyondInputIsTruncationNotAllocation) {
  // A vector that claims 2^30-1 bytes with nothing behind it.
  EXPECT_EQ(tls::decode<Bytes>(from_hex("bfffffff").value()).error().code, Errc::truncated);
}

TEST(TlsCodec, ZeroSizeElementsCannotInflateAVector) {
  struct Empty {
    void tls_encode(tls::Writer&) const {}
    Result<void> tls_decode(tls::Reader&) { return ok(); }
    std::size_t tls_size() const { return 0; }
  };
  EXPECT_EQ(tls::decode<std::vector<Empty>>(from_hex("0100").value()).error().code,
            Errc::invalid_encoding);
}

TEST(TlsCodec, VectorLengthCountsBytesNotItems) {
  std::vector<std::uint16_t> v{1, 2, 3};
  EXPECT_EQ(to_hex(tls::encode(v)), "06000100020003");
}

}  // namespace
}  // namespace ztm
