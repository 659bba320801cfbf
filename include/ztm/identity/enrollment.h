// Enrollment: getting an X.509 certificate for an MLS signature key from an ACME CA,
// end to end (RFC 8555 §7): account, order, one challenge per authorization
// (http-01, dns-01, or an extension such as sso-01 through a callback), finalize
// with a profile CSR, download; then storing the key and chain, and deciding when
// to renew.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ztm/base/error.h"
#include "ztm/crypto/signature.h"
#include "ztm/identity/acme_client.h"
#include "ztm/identity/acme_types.h"
#include "ztm/identity/sso_challenge.h"
#include "ztm/identity/sso_test_browser.h"

namespace ztm::identity {

// Http01Options: where our http-01 responder listens while a challenge is open. The
// CA connects to the identifier's address on port 80 in production; tests point
// Pebble's httpPort at a free port.
struct Http01Options {
  std::string address = "0.0.0.0";
  std::uint16_t port = 80;
};

// Dns01Hook publishes and removes the TXT record "_acme-challenge.<name>." with
// the given value (RFC 8555 §8.4). record_name is fully qualified with a trailing dot.
struct Dns01Hook {
  std::function<Result<void>(const std::string& record_name, const std::string& value)> present;
  std::function<void(const std::string& record_name, const std::string& value)> cleanup;
};

// dns01_command_hook runs an external program: "<command> present <record> <value>"
// before validation and "<command> cleanup <record> <value>" after (lego's exec
// convention). The command line is passed to /bin/sh; record and value go in as
// separate arguments, never through the shell's parser. A non-zero exit is io_error.
Dns01Hook dns01_command_hook(std::string command);

// ExtensionChallengeSolver answers a challenge type the client does not know itself
// (sso-01): it gets the challenge (raw JSON in challenge.raw), the identifier and
// the key authorization, does what the type needs, and returns the payload to POST
// to the challenge URL.
using ExtensionChallengeSolver = std::function<Result<nlohmann::json>(
    const AcmeChallenge& challenge, const AcmeIdentifier& identifier,
    const std::string& key_authorization)>;

// SsoSignIn has the user's browser sign in at an sso-01 challenge's sso_url
// (docs/identity.md, "The sso-01 challenge"). enroll calls it after telling the CA
// the challenge is ready and before waiting for the verdict. Interactive use prints
// the URL for the user; sso_test_browser (below) signs in by itself for tests and
// the demo. An error stops the enrollment, unless the authorization has a verdict by
// then (then its problem document is the error).
using SsoSignIn = std::function<Result<void>(const SsoChallengeObject& challenge,
                                             const AcmeIdentifier& identifier)>;

// sso_test_browser is an SsoSignIn for TESTS AND THE DEMO ONLY: SsoTestBrowser
// (sso_test_browser.h) signs in as login at a development IdP. Succeeds when the
// CA's callback page answers 200.
SsoSignIn sso_test_browser(SsoTestLogin login, SsoTestBrowserOptions options);

// ProviderTokenSource obtains a provider-01 token (sso_challenge.h) from the meeting
// service: for this email identifier, bound to the ACME account key's RFC 7638
// thumbprint (base64url).
using ProviderTokenSource = std::function<Result<std::string>(
    const AcmeIdentifier& identifier, const std::string& account_thumbprint)>;

// provider_token_command runs "<command> <email> <thumbprint>" (through /bin/sh,
// the two values as separate arguments, never parsed by the shell; 60 s limit) and
// takes the token from its standard output (at most 16 KiB, surrounding white space
// dropped). A non-zero exit is io_error. `ztmeet ca provider-token` is such a command
// for tests and the demo.
ProviderTokenSource provider_token_command(std::string command);

// EnrollmentOptions say what to ask for and how to prove it.
struct EnrollmentOptions {
  AcmeClientOptions acme;
  // identifiers of the order: {"dns", "device1.example.com"} or {"email", ...}.
  // The CSR names the first one (ztmeet credentials carry exactly one SAN).
  std::vector<AcmeIdentifier> identifiers;
  std::vector<std::string> contact;  // "mailto:..." for the account
  std::string challenge_type = "http-01";
  Http01Options http01;
  Dns01Hook dns01;
  SsoSignIn sso_sign_in;  // challenge_type "sso-01"
  // sso_timeout bounds the wait for a person to sign in (sso-01), in place of
  // acme.poll_timeout.
  std::chrono::milliseconds sso_timeout{300'000};
  ProviderTokenSource provider_token;  // challenge_type "provider-01"
  ExtensionChallengeSolver extension;  // used for any other challenge_type
  // signature_scheme of the MLS signature key to certify (from the cipher suite).
  crypto::SignatureScheme signature_scheme = crypto::SignatureScheme::ed25519;
  // account_key: reuse an existing account; a fresh P-256 key is made if absent.
  std::optional<crypto::SignaturePrivateKey> account_key;
  // signature_key: certify this key (renewal keeps the key); fresh if absent.
  std::optional<crypto::SignaturePrivateKey> signature_key;
};

// Enrollment is the outcome: the MLS signature key and its certificate chain.
struct Enrollment {
  crypto::SignaturePrivateKey signature_key;
  crypto::SignaturePrivateKey account_key;
  std::string chain_pem;  // leaf first, as the CA sent it
  std::string account_url;
  std::string order_url;
  int retried_bad_nonces = 0;
};

// enroll runs the whole flow. Failures carry the ACME problem's category and
// detail (see AcmeProblem::errc), or the transport's error.
Result<Enrollment> enroll(const EnrollmentOptions& options);

// File names save_enrollment uses inside its directory.
inline constexpr char kSignatureKeyFile[] = "signature-key.pem";
inline constexpr char kChainFile[] = "chain.pem";
inline constexpr char kAccountKeyFile[] = "account-key.pem";

// save_enrollment writes signature-key.pem and account-key.pem (PKCS#8 PEM, mode
// 0600) and chain.pem into dir (created if missing), each atomically (temporary
// file then rename).
Result<void> save_enrollment(const Enrollment& enrollment, const std::filesystem::path& dir);

// write_private_key_pem / read_private_key_pem store a key as unencrypted PKCS#8
// PEM ("BEGIN PRIVATE KEY"), the file created with mode 0600.
Result<void> write_private_key_pem(const crypto::SignaturePrivateKey& key,
                                   const std::filesystem::path& file);
Result<crypto::SignaturePrivateKey> read_private_key_pem(const std::filesystem::path& file);

// rollover_account_key replaces the ACME account key kept in dir (account-key.pem)
// with a fresh P-256 key through the CA's keyChange (RFC 8555 §7.3.5), e.g. after the
// old one may have leaked. The new key is written first (account-key.pem.next, 0600)
// and renamed over the old one only once the CA accepted it, so no outcome loses the
// key the account is bound to. The MLS key and the certificate are untouched.
// Returns the account URL. Errors: not_found (no account key in dir), the CA's
// problem, io_error.
Result<std::string> rollover_account_key(const AcmeClientOptions& acme,
                                         const std::filesystem::path& dir);

// needs_renewal says whether the leaf (first certificate) of chain_pem has used up
// two thirds of its lifetime at now, or is expired already. A chain without a
// parseable leaf is an error.
Result<bool> needs_renewal(std::string_view chain_pem, std::chrono::system_clock::time_point now);

}  // namespace ztm::identity
