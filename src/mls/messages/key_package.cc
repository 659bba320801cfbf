#include "ztm/mls/messages/key_package.h"

namespace ztm::mls {

Bytes KeyPackage::to_be_signed() const {
  Bytes out;
  tls::Writer w(out);
  tls::write(w, version);
  tls::write(w, cipher_suite);
  w.opaque(init_key);
  tls::write(w, leaf_node);
  tls::write(w, extensions);
  return out;
}

}  // namespace ztm::mls
