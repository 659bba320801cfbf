// Fuzzes the certificate-request parser the ACME server runs on client input, and the
// CRL parser a client runs on fetched bytes.
// Invariants: no crash; an accepted CSR has a well-formed identity and re-parses to
// the same result; an accepted CRL re-encodes to bytes that parse again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "ztm/identity/crl.h"
#include "ztm/identity/profile.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ztm;
  using namespace ztm::identity;
  const ByteView input(data, size);
  if (auto csr = parse_csr(input)) {
    if (!identity_domain(csr->identity)) std::abort();
    auto again = parse_csr(csr->der);
    if (!again || !(again->identity == csr->identity)) std::abort();
  }
  if (auto crl = Crl::from_der(input)) {
    if (!Crl::from_der(crl->der())) std::abort();
  }
  return 0;
}
