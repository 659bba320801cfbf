// The ACME client against a real Pebble (Let's Encrypt's test CA) and
// pebble-challtestsrv, both started by the test on free loopback ports: http-01 and
// dns-01 with an Ed25519 MLS signature key, badNonce recovery, and the issued chain
// validated by our own Validator against Pebble's root as an organization anchor.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "ztm/identity/enrollment.h"
#include "ztm/identity/validator.h"
#include "ztm_test/pebble.h"

namespace ztm::identity {
namespace {

using ztm_test::Pebble;
using ztm_test::PebbleOptions;

EnrollmentOptions base_options(const Pebble& pebble, std::vector<std::string>* log) {
  EnrollmentOptions o;
  o.acme.directory_url = pebble.directory_url();
  o.acme.http.ca_bundle_file = pebble.ca_bundle();
  o.acme.http.timeout = std::chrono::seconds(20);
  o.acme.default_poll_interval = std::chrono::milliseconds(100);
  o.acme.poll_timeout = std::chrono::seconds(60);
  o.acme.progress = [log](std::string_view line) { log->emplace_back(line); };
  o.contact = {"mailto:admin@example.test"};
  o.signature_scheme = crypto::SignatureScheme::ed25519;
  return o;
}

// validate_with_pebble_root checks the chain with ztmeet's Validator, trusting
// Pebble's (freshly generated) root as the organization anchor for example.test.
ValidationResult validate_with_pebble_root(const Pebble& pebble, const Enrollment& e) {
  auto roots = parse_pem_certificates(pebble.root_pem());
  EXPECT_TRUE(roots) << roots.error().what();
  TrustStore store;
  auto added = store.add_organization_anchor(roots->front(), "Example Test", {"example.test"});
  EXPECT_TRUE(added) << added.error().what();
  auto chain = parse_pem_certificates(e.chain_pem);
  EXPECT_TRUE(chain) << chain.error().what();
  Validator validator(std::move(store));
  return validator.validate(to_der_chain(*chain), e.signature_key.public_key(),
                            crypto::SignatureScheme::ed25519, std::chrono::system_clock::now());
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += "  " + l + "\n";
  return out;
}

TEST(AcmePebble, Http01EnrollmentWithEd25519IsVerified) {
  auto pebble = Pebble::start();
  std::vector<std::string> log;
  EnrollmentOptions o = base_options(*pebble, &log);
  o.identifiers = {{"dns", "device1.example.test"}};
  o.challenge_type = "http-01";
  o.http01 = {"127.0.0.1", pebble->http01_port()};
  auto e = enroll(o);
  ASSERT_TRUE(e) << e.error().what() << "\nprogress:\n" << joined(log) << pebble->logs();
  EXPECT_EQ(e->signature_key.scheme(), crypto::SignatureScheme::ed25519);
  EXPECT_EQ(e->retried_bad_nonces, 0);  // PEBBLE_WFE_NONCEREJECT=0 here

  const ValidationResult v = validate_with_pebble_root(*pebble, *e);
  EXPECT_EQ(v.status, CredentialStatus::verified) << v.reason;
  ASSERT_TRUE(v.credential);
  EXPECT_EQ(v.credential->identity(), Identity::device("device1.example.test"));
  EXPECT_EQ(v.credential->organization(), "Example Test");

  // A certificate of Pebble's configured one-hour lifetime needs no renewal now,
  // but does after 2/3 of it.
  const auto now = std::chrono::system_clock::now();
  EXPECT_EQ(needs_renewal(e->chain_pem, now), false);
  EXPECT_EQ(needs_renewal(e->chain_pem, now + std::chrono::minutes(41)), true);

  // Stored keys are private to the user and load back to the same key.
  ztm_test::TempDir out{"ztm-enroll"};
  ASSERT_TRUE(save_enrollment(*e, out.path() / "id"));
  struct stat st {};
  ASSERT_EQ(::stat((out.path() / "id" / kSignatureKeyFile).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto reloaded = read_private_key_pem(out.path() / "id" / kSignatureKeyFile);
  ASSERT_TRUE(reloaded) << reloaded.error().what();
  EXPECT_EQ(reloaded->public_key(), e->signature_key.public_key());
  EXPECT_EQ(ztm_test::read_text(out.path() / "id" / kChainFile), e->chain_pem);
}

TEST(AcmePebble, Dns01EnrollmentThroughChalltestsrvIsVerified) {
  auto pebble = Pebble::start();
  std::vector<std::string> log;
  EnrollmentOptions o = base_options(*pebble, &log);
  o.identifiers = {{"dns", "room-7.example.test"}};
  o.challenge_type = "dns-01";
  std::vector<std::string> published;
  o.dns01.present = [&](const std::string& record, const std::string& value) -> Result<void> {
    published.push_back(record);
    pebble->set_txt(record, value);
    return ok();
  };
  o.dns01.cleanup = [&](const std::string& record, const std::string&) {
    pebble->clear_txt(record);
  };
  auto e = enroll(o);
  ASSERT_TRUE(e) << e.error().what() << "\nprogress:\n" << joined(log) << pebble->logs();
  EXPECT_EQ(published, std::vector<std::string>{"_acme-challenge.room-7.example.test."});
  const ValidationResult v = validate_with_pebble_root(*pebble, *e);
  EXPECT_EQ(v.status, CredentialStatus::verified) << v.reason;
}

TEST(AcmePebble, Dns01CommandHookIsRunWithRecordAndValue) {
  auto pebble = Pebble::start();
  ztm_test::TempDir dir{"ztm-hook"};
  // The hook is a shell script calling challtestsrv's management API with curl-free
  // means: it records its arguments, and the test's own present() publishes. This
  // proves the argument convention; publishing itself is covered above.
  const auto args_file = dir.path() / "args";
  std::vector<std::string> log;
  EnrollmentOptions o = base_options(*pebble, &log);
  o.identifiers = {{"dns", "hooked.example.test"}};
  o.challenge_type = "dns-01";
  Dns01Hook command = dns01_command_hook("printf '%s %s %s\\n' >> '" + args_file.string() + "'");
  o.dns01.present = [&](const std::string& record, const std::string& value) -> Result<void> {
    ZTM_TRY(command.present(record, value));
    pebble->set_txt(record, value);
    return ok();
  };
  o.dns01.cleanup = command.cleanup;
  auto e = enroll(o);
  ASSERT_TRUE(e) << e.error().what() << "\nprogress:\n" << joined(log);
  const std::string args = ztm_test::read_text(args_file);
  EXPECT_EQ(args.rfind("present _acme-challenge.hooked.example.test. ", 0), 0u) << args;
  EXPECT_NE(args.find("\ncleanup _acme-challenge.hooked.example.test. "), std::string::npos)
      << args;
  // A failing hook stops the enrollment with io_error.
  o.dns01 = dns01_command_hook("false");
  o.identifiers = {{"dns", "hooked2.example.test"}};
  auto failed = enroll(o);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, Errc::io_error);
}

TEST(AcmePebble, RecoversFromPebbleBadNonceRejections) {
  // Pebble's default rejects 5 % of nonces. Enroll until at least one badNonce was
  // recovered by the single retry (P(none in 20 enrollments) < 1e-4). Two rejections
  // in a row for one request (0.25 %) legitimately fail with replay.
  PebbleOptions po;
  po.nonce_reject_percent = std::nullopt;
  auto pebble = Pebble::start(po);
  int retried = 0;
  int enrollments = 0;
  for (int i = 0; i < 20 && retried == 0; ++i) {
    std::vector<std::string> log;
    EnrollmentOptions o = base_options(*pebble, &log);
    o.identifiers = {{"dns", "nonce" + std::to_string(i) + ".example.test"}};
    o.challenge_type = "http-01";
    o.http01 = {"127.0.0.1", pebble->http01_port()};
    auto e = enroll(o);
    if (!e) {
      ASSERT_EQ(e.error().code, Errc::replay) << e.error().what() << "\n" << joined(log);
      continue;
    }
    ++enrollments;
    retried += e->retried_bad_nonces;
  }
  EXPECT_GT(retried, 0) << "no badNonce seen in " << enrollments << " enrollments";
  EXPECT_GT(enrollments, 0);
}

TEST(AcmePebble, UnsupportedIdentifierSurfacesTheProblemDocument) {
  auto pebble = Pebble::start();
  AcmeClientOptions o;
  o.directory_url = pebble->directory_url();
  o.http.ca_bundle_file = pebble->ca_bundle();
  auto key = crypto::SignaturePrivateKey::generate(crypto::SignatureScheme::ecdsa_secp256r1_sha256);
  ASSERT_TRUE(key);
  auto client = AcmeClient::connect(o, std::move(*key));
  ASSERT_TRUE(client) << client.error().what();
  auto account = client->new_account({"mailto:admin@example.test"});
  ASSERT_TRUE(account) << account.error().what();
  EXPECT_EQ(account->status, "valid");
  // Pebble knows only dns and ip identifiers: an email order is refused with a
  // problem document, which must reach the caller with its type and detail.
  auto order = client->new_order({{"email", "alice@example.test"}});
  ASSERT_FALSE(order);
  ASSERT_TRUE(client->last_problem());
  const AcmeProblem& p = *client->last_problem();
  EXPECT_FALSE(p.acme_type().empty()) << p.type;
  EXPECT_FALSE(p.detail.empty());
  EXPECT_GE(p.status, 400);
  EXPECT_NE(order.error().message.find(p.detail), std::string::npos) << order.error().what();
  EXPECT_EQ(order.error().code, p.errc());
}

// Account key rollover (RFC 8555 §7.3.5) against Pebble's implementation: the client
// moves its account to a new P-256 key (Pebble refuses Ed25519 account keys with
// badPublicKey); Pebble finds the account by the new key and no longer by the old one,
// and the account can go on ordering.
TEST(AcmePebble, AccountKeyRollover) {
  auto pebble = Pebble::start();
  AcmeClientOptions o;
  o.directory_url = pebble->directory_url();
  o.http.ca_bundle_file = pebble->ca_bundle();
  auto old_key =
      crypto::SignaturePrivateKey::generate(crypto::SignatureScheme::ecdsa_secp256r1_sha256);
  auto new_key =
      crypto::SignaturePrivateKey::generate(crypto::SignatureScheme::ecdsa_secp256r1_sha256);
  ASSERT_TRUE(old_key && new_key);
  auto client = AcmeClient::connect(o, *old_key);
  ASSERT_TRUE(client) << client.error().what();
  ASSERT_FALSE(client->directory().key_change.empty());
  auto account = client->new_account({"mailto:admin@example.test"});
  ASSERT_TRUE(account) << account.error().what();
  auto changed = client->change_key(*new_key);
  ASSERT_TRUE(changed) << changed.error().what()
                       << (client->last_problem() ? " " + client->last_problem()->detail : "");
  auto order = client->new_order({{"dns", "rollover.example.test"}});
  EXPECT_TRUE(order) << order.error().what();

  auto by_new = AcmeClient::connect(o, *new_key);
  ASSERT_TRUE(by_new);
  auto found = by_new->new_account({}, true, /*only_return_existing=*/true);
  ASSERT_TRUE(found) << found.error().what();
  EXPECT_EQ(found->url, account->url);
  auto by_old = AcmeClient::connect(o, *old_key);
  ASSERT_TRUE(by_old);
  EXPECT_FALSE(by_old->new_account({}, true, true));
  ASSERT_TRUE(by_old->last_problem());
  EXPECT_EQ(by_old->last_problem()->acme_type(), "accountDoesNotExist");
}

}  // namespace
}  // namespace ztm::identity

namespace ztm::identity {
namespace {

// ztmeet_binary is the command-line tool of this build tree (a build dependency).
std::filesystem::path ztmeet_binary() {
  return ZTMEET_BINARY;
}

TEST(AcmePebble, ZtmeetEnrollCommandWithHttp01AndDns01Hook) {
  auto pebble = Pebble::start();
  ztm_test::TempDir dir{"ztm-cli"};
  const std::string out = (dir.path() / "id").string();
  const std::string log = (dir.path() / "log").string();
  const std::string common = "'" + ztmeet_binary().string() + "' enroll --server " +
                             pebble->directory_url() + " --ca-bundle '" + pebble->ca_bundle() +
                             "' --suite 1 --out '" + out + "'";
  const std::string http =
      common + " --domain cli.example.test --challenge http-01 --http-address 127.0.0.1" +
      " --http-port " + std::to_string(pebble->http01_port());
  ASSERT_EQ(ztm_test::run_command(http + " > '" + log + "' 2>&1"), 0) << ztm_test::read_text(log);
  const std::string output = ztm_test::read_text(log);
  EXPECT_NE(output.find("creating order for dns:cli.example.test"), std::string::npos) << output;
  EXPECT_NE(output.find("stored signature-key.pem"), std::string::npos) << output;
  EXPECT_EQ(output.find("PRIVATE KEY"), std::string::npos);
  struct stat st {};
  ASSERT_EQ(::stat((std::filesystem::path(out) / kSignatureKeyFile).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto key = read_private_key_pem(std::filesystem::path(out) / kSignatureKeyFile);
  ASSERT_TRUE(key);
  EXPECT_EQ(key->scheme(), crypto::SignatureScheme::ed25519);  // suite 1

  // `ztmeet identity verify` with Pebble's root as an organization anchor.
  const auto root = dir.path() / "pebble-root.pem";
  std::ofstream(root) << pebble->root_pem();
  const std::string verify =
      "'" + ztmeet_binary().string() + "' identity verify --chain '" + out +
      "/chain.pem' --key-file '" + out +
      "/signature-key.pem' --anchor 'org:Example Test:example.test:" + root.string() + "'";
  ASSERT_EQ(ztm_test::run_command(verify + " > '" + log + "' 2>&1"), 0) << ztm_test::read_text(log);
  EXPECT_NE(ztm_test::read_text(log).find("verified: cli.example.test (Example Test)"),
            std::string::npos)
      << ztm_test::read_text(log);

  // A second run finds a certificate not yet due and leaves it alone.
  const std::string chain_before = ztm_test::read_text(std::filesystem::path(out) / kChainFile);
  ASSERT_EQ(ztm_test::run_command(http + " > '" + log + "' 2>&1"), 0);
  EXPECT_NE(ztm_test::read_text(log).find("not yet due"), std::string::npos)
      << ztm_test::read_text(log);
  EXPECT_EQ(ztm_test::read_text(std::filesystem::path(out) / kChainFile), chain_before);

  // dns-01 through a real hook script that drives challtestsrv with curl; --force
  // renews with the stored account key.
  const auto hook = dir.path() / "hook.sh";
  {
    std::ofstream h(hook);
    h << "#!/bin/sh\nset -e\n"
         "case \"$1\" in\n"
         "  present) curl -sf -X POST -d \"{\\\"host\\\":\\\"$2\\\",\\\"value\\\":\\\"$3\\\"}\" "
      << pebble->challtestsrv_url()
      << "/set-txt ;;\n"
         "  cleanup) curl -sf -X POST -d \"{\\\"host\\\":\\\"$2\\\"}\" "
      << pebble->challtestsrv_url() << "/clear-txt ;;\nesac\n";
  }
  std::filesystem::permissions(hook, std::filesystem::perms::owner_all);
  const std::string dns = common +
                          " --domain cli.example.test --challenge dns-01 --force --dns-hook '" +
                          hook.string() + "'";
  ASSERT_EQ(ztm_test::run_command(dns + " > '" + log + "' 2>&1"), 0) << ztm_test::read_text(log);
  EXPECT_NE(ztm_test::read_text(std::filesystem::path(out) / kChainFile), chain_before);
  auto account_of = [](const std::string& text) {
    const auto at = text.find("  account ");
    return at == std::string::npos ? std::string()
                                   : text.substr(at + 10, text.find('\n', at) - at - 10);
  };
  const std::string account = account_of(ztm_test::read_text(log));
  EXPECT_FALSE(account.empty()) << ztm_test::read_text(log);

  // The account key rolled over (RFC 8555 §7.3.5): a new key file (0600, no leftover),
  // and the next renewal signs with it and is still the same account.
  const auto account_key_file = std::filesystem::path(out) / kAccountKeyFile;
  const std::string key_before = ztm_test::read_text(account_key_file);
  ASSERT_EQ(ztm_test::run_command(common + " --rollover-account-key > '" + log + "' 2>&1"), 0)
      << ztm_test::read_text(log);
  EXPECT_NE(ztm_test::read_text(log).find("now answers to the new key"), std::string::npos)
      << ztm_test::read_text(log);
  EXPECT_NE(ztm_test::read_text(account_key_file), key_before);
  ASSERT_EQ(::stat(account_key_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_FALSE(std::filesystem::exists(account_key_file.string() + ".next"));
  EXPECT_EQ(ztm_test::read_text(log).find("PRIVATE KEY"), std::string::npos);
  ASSERT_EQ(ztm_test::run_command(dns + " > '" + log + "' 2>&1"), 0) << ztm_test::read_text(log);
  EXPECT_EQ(account_of(ztm_test::read_text(log)), account) << ztm_test::read_text(log);

  // Clear errors: an unreachable server fails with a message and a non-zero status.
  const std::string bad =
      "'" + ztmeet_binary().string() +
      "' enroll --server https://127.0.0.1:1/dir --domain x.example.test --out '" + out +
      "' --force";
  EXPECT_NE(ztm_test::run_command(bad + " > '" + log + "' 2>&1"), 0);
  EXPECT_NE(ztm_test::read_text(log).find("ztmeet enroll: error: io_error"), std::string::npos)
      << ztm_test::read_text(log);
}

}  // namespace
}  // namespace ztm::identity
