// Loading the client's enrolled identity (ztm/client/identity.h).
#include "ztm/client/identity.h"

#include "ztm/identity/crl.h"
#include "ztm/identity/enrollment.h"

#include <sys/stat.h>

#include <chrono>

namespace ztm::client {

Result<ClientIdentity> load_client_identity(const IdentityFiles& files,
                                            std::uint16_t cipher_suite) {
  const auto key_file = files.key_file.empty() ? files.dir / "signature-key.pem" : files.key_file;
  const auto chain_file = files.chain_file.empty() ? files.dir / "chain.pem" : files.chain_file;
  if (files.anchors.empty()) {
    return fail(Errc::invalid_argument,
                "identity: no trust anchor given (--anchor org:<org>:<domains>:<ca.pem> or "
                "provider:<ca.pem>); without one no member could be validated");
  }

  // A private key readable by others is refused, as ssh refuses such a key.
  struct stat st {};
  if (::stat(key_file.c_str(), &st) != 0) {
    return fail(Errc::io_error, "identity: cannot read " + key_file.string());
  }
  if ((st.st_mode & 077) != 0) {
    return fail(Errc::invalid_argument,
                "identity: " + key_file.string() + " is accessible by group or others (chmod 600)");
  }
  auto key = identity::read_private_key_pem(key_file);
  if (!key) return fail(key.error().code, key_file.string() + ": " + key.error().message);
  auto scheme = identity::signature_scheme_for_suite(cipher_suite);
  if (!scheme) return tl::unexpected(scheme.error());
  if (key->scheme() != *scheme) {
    return fail(Errc::invalid_key, "identity: " + key_file.string() +
                                       " holds a key of another signature scheme than cipher "
                                       "suite " +
                                       std::to_string(cipher_suite) + " uses");
  }

  auto chain = identity::load_pem_certificates(chain_file.string());
  if (!chain) return fail(chain.error().code, chain_file.string() + ": " + chain.error().message);
  auto leaf_identity = identity::leaf_identity(chain->front());
  if (!leaf_identity) {
    return fail(leaf_identity.error().code,
                chain_file.string() + ": leaf: " + leaf_identity.error().message);
  }
  auto leaf_key = identity::leaf_public_key(chain->front());
  if (!leaf_key)
    return fail(leaf_key.error().code, chain_file.string() + ": " + leaf_key.error().message);
  if (leaf_key->public_key != key->public_key()) {
    return fail(Errc::invalid_key, "identity: the leaf of " + chain_file.string() +
                                       " certifies another key than " + key_file.string());
  }

  identity::TrustStore trust;
  for (const auto& text : files.anchors) {
    auto spec = identity::parse_anchor_spec(text);
    if (!spec) return fail(spec.error().code, "--anchor " + text + ": " + spec.error().message);
    auto added = trust.add_from_spec(*spec);
    if (!added) return fail(added.error().code, "--anchor " + text + ": " + added.error().message);
  }

  ClientIdentity out{std::move(*key),           std::move(*chain), {},
                     std::move(*leaf_identity), std::move(trust),  {}};
  out.chain_der = identity::to_der_chain(out.chain);
  // The leaf may name a CRL (cRLDistributionPoints): fetch it, as every member will.
  identity::HttpCrlFetcher fetcher;
  identity::Validator validator(out.trust, {}, &fetcher);
  out.own_status = validator.validate(out.chain_der, out.signature_key.public_key(), *scheme,
                                      std::chrono::system_clock::now());
  return out;
}

}  // namespace ztm::client
