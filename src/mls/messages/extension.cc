#include "ztm/mls/messages/extension.h"

#include <algorithm>

#include "internal/b_codec.h"
#include "ztm/mls/limits.h"

namespace ztm::mls {

const Extension* ExtensionList::find(ExtensionType type) const {
  for (const auto& e : entries) {
    if (e.extension_type == type) return &e;
  }
  return nullptr;
}

void ExtensionList::set(Extension ext) {
  for (auto& e : entries) {
    if (e.extension_type == ext.extension_type) {
      e = std::move(ext);
      return;
    }
  }
  entries.push_back(std::move(ext));
}

void ExtensionList::remove(ExtensionType type) {
  std::erase_if(entries, [type](const Extension& e) { return e.extension_type == type; });
}

void ExtensionList::tls_encode(tls::Writer& w) const {
  tls::write(w, entries);
}

Result<void> ExtensionList::tls_decode(tls::Reader& r) {
  ZTM_TRY(internal::read_bounded_vector(r, entries, limits::kMaxExtensions, "extensions"));
  // §13.4: no two extensions of one type. The list is short (bounded above), so a
  // quadratic scan is cheaper than sorting a copy.
  for (std::size_t i = 0; i < entries.size(); ++i) {
    for (std::size_t j = i + 1; j < entries.size(); ++j) {
      if (entries[i].extension_type == entries[j].extension_type) {
        return fail(Errc::invalid_encoding,
                    "extensions.duplicate_type: extension type " +
                        std::to_string(static_cast<unsigned>(entries[i].extension_type)) +
                        " appears twice");
      }
    }
  }
  return ok();
}

std::size_t ExtensionList::tls_size() const {
  return internal::vector_size(entries);
}

}  // namespace ztm::mls
