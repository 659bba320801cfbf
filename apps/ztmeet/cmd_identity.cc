// `ztmeet identity verify`: validate an X.509 credential chain as a meeting client
// would, against organization and provider anchors, and print what the participant
// list would show.
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "ztm/identity/certificate.h"
#include "ztm/identity/crl.h"
#include "ztm/identity/enrollment.h"
#include "ztm/identity/profile.h"
#include "ztm/identity/trust_store.h"
#include "ztm/identity/validator.h"

namespace ztm::app {
namespace {

struct VerifyArgs {
  std::string chain;
  std::vector<std::string> anchors;
  std::string key_hex;
  std::string key_file;
  std::uint16_t suite = 0;
  std::vector<std::string> crls;
  long long at_unix_seconds = -1;
  bool offline = false;
};

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "ztmeet identity verify: error: %s\n", message.c_str());
  throw CLI::RuntimeError(2);
}

void run_verify(const VerifyArgs& args) {
  namespace id = ztm::identity;
  id::TrustStore store;
  for (const auto& text : args.anchors) {
    auto spec = id::parse_anchor_spec(text);
    if (!spec) die(spec.error().what());
    if (auto added = store.add_from_spec(*spec); !added) die(added.error().what());
  }
  auto chain = id::load_pem_certificates(args.chain);
  if (!chain) die(chain.error().what());
  auto leaf_key = id::leaf_public_key(chain->front());
  if (!leaf_key) die("leaf key: " + leaf_key.error().message);

  // Without --key the leaf's own key stands in for the LeafNode's: the chain is
  // checked, the binding to an MLS leaf is not (said below).
  Bytes signature_key = leaf_key->public_key;
  if (!args.key_hex.empty() && !args.key_file.empty()) die("give --key or --key-file, not both");
  if (!args.key_file.empty()) {
    // The private key stands for the LeafNode this client would publish: its public
    // half must be the one the leaf certifies.
    auto key = id::read_private_key_pem(args.key_file);
    if (!key) die("--key-file: " + key.error().message);
    signature_key = key->public_key();
  } else if (!args.key_hex.empty()) {
    auto key = from_hex(args.key_hex);
    if (!key) die("--key: " + key.error().message);
    signature_key = std::move(*key);
  }
  auto scheme = leaf_key->scheme;
  if (args.suite != 0) {
    auto suite_scheme = id::signature_scheme_for_suite(args.suite);
    if (!suite_scheme) die(suite_scheme.error().what());
    scheme = *suite_scheme;
  }

  id::HttpCrlFetcher fetcher;
  id::Validator validator(std::move(store), {}, args.offline ? nullptr : &fetcher);
  for (const auto& path : args.crls) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) die("cannot read " + path);
    std::string text;
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) text.append(buf, n);
    std::fclose(f);
    auto crl = text.find("-----BEGIN X509 CRL-----") != std::string::npos
                   ? id::Crl::from_pem(text)
                   : id::Crl::from_der(as_bytes(text));
    if (!crl) die(path + ": " + crl.error().what());
    if (auto added = validator.add_crl(*crl); !added) die(added.error().what());
  }

  const auto now = args.at_unix_seconds >= 0
                       ? id::TimePoint(std::chrono::seconds(args.at_unix_seconds))
                       : std::chrono::system_clock::now();
  auto result = validator.validate(id::to_der_chain(*chain), signature_key, scheme, now);
  std::printf("%s\n", result.summary().c_str());
  if (result.credential) {
    const auto& c = *result.credential;
    std::printf("  identity: %s %s\n",
                std::string(id::identity_kind_name(c.identity().kind)).c_str(),
                c.identity().value.c_str());
    std::printf("  domain:   %s\n", c.domain().c_str());
    std::printf("  anchor:   %s %s\n", std::string(id::anchor_role_name(c.anchor_role())).c_str(),
                c.chain().back().subject().c_str());
    if (!c.display_name().empty()) {
      std::printf("  name:     %s (display only, unverified)\n", c.display_name().c_str());
    }
  }
  if (args.key_hex.empty() && args.key_file.empty()) {
    std::printf(
        "  note: no --key or --key-file given; the leaf's own key was used, so the binding to an "
        "MLS "
        "LeafNode was not checked\n");
  }
  const bool accepted = result.status == id::CredentialStatus::verified ||
                        result.status == id::CredentialStatus::provider_authenticated;
  if (!accepted) throw CLI::RuntimeError(1);
}

}  // namespace

void add_identity_command(CLI::App& app) {
  auto* identity = app.add_subcommand("identity", "X.509 identities of meeting participants");
  identity->require_subcommand(1);
  auto* verify = identity->add_subcommand(
      "verify",
      "Validate a credential chain the way a meeting client does and print the status the\n"
      "participant list shows: verified, provider-authenticated, expired, revoked or\n"
      "invalid. Exit status 0 for verified and provider-authenticated, 1 otherwise, 2 when\n"
      "an input (anchor, chain, key, CRL) cannot be used.");
  auto args = std::make_shared<VerifyArgs>();
  verify->add_option("--chain", args->chain, "PEM file: leaf first, then intermediates")
      ->required()
      ->check(CLI::ExistingFile);
  verify
      ->add_option("--anchor", args->anchors,
                   "Trust anchor, repeatable: org:<name>:<domain>[,<domain>...]:<ca.pem> or "
                   "provider:<ca.pem>")
      ->required();
  verify->add_option("--key", args->key_hex,
                     "The LeafNode's signature public key in hex (RFC 9420 encoding)");
  verify
      ->add_option("--key-file", args->key_file,
                   "The signature private key (PKCS#8 PEM, e.g. signature-key.pem from "
                   "`ztmeet enroll`) whose public key the leaf must certify")
      ->check(CLI::ExistingFile);
  verify->add_option("--suite", args->suite,
                     "MLS cipher suite (1-7) whose signature scheme the leaf key must fit; "
                     "default: the leaf key's own scheme");
  verify->add_option("--crl", args->crls, "CRL file (PEM or DER) to use, repeatable")
      ->check(CLI::ExistingFile);
  verify->add_option("--at", args->at_unix_seconds,
                     "Validate at this time (seconds since 1970) instead of now");
  verify->add_flag("--offline", args->offline,
                   "Do not fetch CRLs; a leaf naming a CRL then needs --crl");
  verify->callback([args] { run_verify(*args); });
}

ZTM_REGISTER_COMMAND(50, add_identity_command);

}  // namespace ztm::app
