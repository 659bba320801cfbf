// The OpenSSL library contexts certificates are parsed in (decision 0017).
//
// d2i_X509 decodes the certificate's public key on the spot, and OpenSSL 3.0 does it
// by building an OSSL_DECODER context per certificate: it enumerates every decoder of
// every provider in the library context (the default provider has 40) and compares
// their names under the context's locks. That is ≈ 48 µs of a ≈ 60 µs parse, and two
// threads parsing in one context take as long as one thread.
//
// So certificates are parsed in contexts of their own, one of a small fixed set per
// thread, whose only provider is "ztm-x509": OpenSSL's own default provider, loaded
// into a hidden context, served through unchanged except that its decoders are cut
// down to the SubjectPublicKeyInfo (DER) ones for the key types a certificate of ours
// can carry: EC (P-256/384/521), Ed25519, Ed448, RSA and RSA-PSS. Every algorithm is
// the default provider's own code; only what is offered for decoding shrinks. A
// certificate whose key is of another type (DSA, X25519, ...) still parses, without a
// decoded key, and fails every check that needs one.
#pragma once

#include <openssl/types.h>

namespace ztm::identity::internal {

// parsing_libctx is the library context this thread parses certificates in (created
// on first use, never freed: a certificate keeps its context for its whole life and
// may be used from any thread). nullptr, meaning OpenSSL's default context, if one
// could not be set up.
OSSL_LIB_CTX* parsing_libctx();

}  // namespace ztm::identity::internal
