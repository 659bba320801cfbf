// Extension and extension lists (RFC 9420 §7.2, §13.4).
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/base/tls_codec.h"
#include "ztm/mls/messages/types.h"

namespace ztm::mls {

// struct { ExtensionType extension_type; opaque extension_data<V>; } Extension;
// (RFC 9420 §7.2) Unknown types, GREASE included, are kept as they are.
struct Extension {
  ExtensionType extension_type{};
  Bytes extension_data;
  ZTM_TLS_FIELDS(extension_type, extension_data)
  bool operator==(const Extension&) const = default;
};

// ExtensionList is `Extension extensions<V>` wherever it appears. Decoding enforces
// §13.4 ("MUST NOT have more than one extension of any given type") and
// limits::kMaxExtensions; both are invalid_encoding / limit_exceeded errors.
struct ExtensionList {
  std::vector<Extension> entries;

  // find returns the extension of that type, or nullptr.
  const Extension* find(ExtensionType type) const;
  bool has(ExtensionType type) const { return find(type) != nullptr; }
  // set replaces the extension of that type, or appends it.
  void set(Extension ext);
  // remove drops the extension of that type if present.
  void remove(ExtensionType type);

  // get<T>() decodes the typed extension T (T::kType), if present. A present but
  // malformed extension is an error.
  template <class T>
  Result<std::optional<T>> get() const {
    const Extension* ext = find(T::kType);
    if (ext == nullptr) return std::optional<T>{};
    ZTM_TRY_ASSIGN(T value, tls::decode<T>(ext->extension_data));
    return std::optional<T>{std::move(value)};
  }
  // put<T>(value) encodes a typed extension and sets it.
  template <class T>
  void put(const T& value) {
    set(Extension{T::kType, tls::encode(value)});
  }

  bool empty() const { return entries.empty(); }
  std::size_t size() const { return entries.size(); }

  void tls_encode(tls::Writer& w) const;
  Result<void> tls_decode(tls::Reader& r);
  std::size_t tls_size() const;
  bool operator==(const ExtensionList&) const = default;
};

}  // namespace ztm::mls
