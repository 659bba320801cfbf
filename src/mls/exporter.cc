#include "ztm/mls/exporter.h"

namespace ztm::mls {

Result<SecretBytes> mls_exporter(const CipherSuite& suite, const SecretBytes& exporter_secret,
                                 std::string_view label, ByteView context, std::size_t length) {
  if (length > kMaxExportLength) {
    return fail(Errc::invalid_argument, "exporter.length_too_large: at most 8160 bytes per export");
  }
  ZTM_TRY_ASSIGN(const SecretBytes derived, suite.derive_secret(exporter_secret, label));
  return suite.expand_with_label(derived, "exported", suite.hash(context), length);
}

}  // namespace ztm::mls
