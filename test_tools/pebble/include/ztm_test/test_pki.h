// TestPki: a throwaway EC P-256 CA and a TLS leaf for "localhost" and 127.0.0.1,
// made with the openssl command line, for HTTPS listeners in tests (Pebble's own
// listener, our HttpServer).
#pragma once

#include <filesystem>

namespace ztm_test {

struct TestPki {
  std::filesystem::path ca_cert;    // PEM: the CA clients trust
  std::filesystem::path leaf_cert;  // PEM: leaf, then the CA
  std::filesystem::path leaf_key;   // PEM private key (mode 0600)
};

// make_test_pki writes the files into dir. Aborts the test (throws
// std::runtime_error) if openssl fails: nothing in a test can go on without it.
TestPki make_test_pki(const std::filesystem::path& dir);

}  // namespace ztm_test
