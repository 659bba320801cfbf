// Fuzzes the TLS presentation-language codec (src/base/tls_codec.*) with structs
// shaped like MLS's: nested vectors, optionals, validated enums, fixed arrays,
// secrets and a hand-written select. The first input byte picks the type; the rest
// is decoded as that type. Whatever decodes must re-encode to exactly the input and
// report exactly its size: the codec is strict, so a value has one encoding.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <vector>

#include "ztm/base/tls_codec.h"

namespace {

using ztm::Bytes;
using ztm::ByteView;
using ztm::Result;

enum class ContentType : std::uint8_t { application = 1, proposal = 2, commit = 3 };
bool tls_enum_valid(ContentType t) {
  return t == ContentType::application || t == ContentType::proposal || t == ContentType::commit;
}

// An enum without a validity check: every value decodes.
enum class Extension : std::uint16_t {};

// struct { uint16 id; opaque data<V>; optional<uint32> extra; } Leaf;
struct Leaf {
  std::uint16_t id = 0;
  Bytes data;
  std::optional<std::uint32_t> extra;
  ZTM_TLS_FIELDS(id, data, extra)
};

// struct { ContentType type; Leaf leaves<V>; opaque paths<V><V>; Extension exts<V>;
//          optional<Leaf> parent; opaque tag[4]; uint64 epoch; } Node;
struct Node {
  ContentType type = ContentType::application;
  std::vector<Leaf> leaves;
  std::vector<Bytes> paths;
  std::vector<Extension> extensions;
  std::optional<Leaf> parent;
  std::array<std::uint8_t, 4> tag{};
  std::uint64_t epoch = 0;
  ZTM_TLS_FIELDS(type, leaves, paths, extensions, parent, tag, epoch)
};

// struct { ContentType type; select (type) { case application: opaque data<V>;
//          case proposal: Leaf leaf; case commit: Node node<V>; }; } Content;
struct Content {
  ContentType type = ContentType::application;
  Bytes data;
  Leaf leaf;
  std::vector<Node> nodes;

  void tls_encode(ztm::tls::Writer& w) const {
    ztm::tls::write(w, type);
    switch (type) {
      case ContentType::application:
        w.opaque(data);
        break;
      case ContentType::proposal:
        ztm::tls::write(w, leaf);
        break;
      case ContentType::commit:
        ztm::tls::write(w, nodes);
        break;
    }
  }
  Result<void> tls_decode(ztm::tls::Reader& r) {
    ZTM_TRY(ztm::tls::read(r, type));
    switch (type) {
      case ContentType::application:
        return ztm::tls::read(r, data);
      case ContentType::proposal:
        return ztm::tls::read(r, leaf);
      case ContentType::commit:
        return ztm::tls::read(r, nodes);
    }
    return ztm::fail(ztm::Errc::invalid_encoding, "unknown content type");
  }
  std::size_t tls_size() const {
    std::size_t body = 0;
    switch (type) {
      case ContentType::application:
        body = ztm::tls::size_of(data);
        break;
      case ContentType::proposal:
        body = ztm::tls::size_of(leaf);
        break;
      case ContentType::commit:
        body = ztm::tls::size_of(nodes);
        break;
    }
    return 1 + body;
  }
};

// struct { optional<Content> content; uint32 counts<V><V>; SecretBytes key; } Message;
struct Message {
  std::optional<Content> content;
  std::vector<std::vector<std::uint32_t>> counts;
  ztm::SecretBytes key;
  ZTM_TLS_FIELDS(content, counts, key)
};

template <class T>
void round_trip(ByteView input) {
  auto decoded = ztm::tls::decode<T>(input);
  if (!decoded) return;
  const Bytes again = ztm::tls::encode(*decoded);
  if (again.size() != input.size() ||
      (!again.empty() && std::memcmp(again.data(), input.data(), again.size()) != 0)) {
    std::abort();  // one value, two encodings: the decoder accepted a non-canonical form
  }
  if (ztm::tls::size_of(*decoded) != input.size()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const ByteView input(data + 1, size - 1);
  switch (data[0] % 6) {
    case 0:
      round_trip<Leaf>(input);
      break;
    case 1:
      round_trip<Node>(input);
      break;
    case 2:
      round_trip<Content>(input);
      break;
    case 3:
      round_trip<Message>(input);
      break;
    case 4:
      round_trip<std::vector<std::vector<Bytes>>>(input);
      break;
    case 5: {
      // The bare varint header (RFC 9420 §2.1.2).
      auto length = ztm::tls::decode_varint(input);
      if (length) {
        Bytes again;
        ztm::tls::Writer(again).varint(*length);
        if (again.size() != input.size() ||
            !std::equal(again.begin(), again.end(), input.begin())) {
          std::abort();
        }
      }
      break;
    }
  }
  return 0;
}
