// MLS-Exporter (RFC 9420 §8.5): secrets for uses outside MLS (here: SFrame media
// keys and the meeting's security code), bound to one epoch.
#pragma once

#include <cstddef>
#include <string_view>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/base/secret.h"
#include "ztm/mls/cipher_suite.h"

namespace ztm::mls {

// kMaxExportLength bounds one export (HKDF-Expand's own limit is 255 * Nh; 255 * 32
// is the smallest of the suites).
inline constexpr std::size_t kMaxExportLength = 255 * 32;

// mls_exporter is MLS-Exporter(label, context, length) =
//   ExpandWithLabel(DeriveSecret(exporter_secret, label), "exported", Hash(context), length).
// A length above kMaxExportLength is invalid_argument.
Result<SecretBytes> mls_exporter(const CipherSuite& suite, const SecretBytes& exporter_secret,
                                 std::string_view label, ByteView context, std::size_t length);

}  // namespace ztm::mls
