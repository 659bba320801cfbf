// A throwaway TLS PKI made with the openssl command line.
#include "ztm_test/test_pki.h"

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "ztm_test/process.h"

namespace ztm_test {

TestPki make_test_pki(const std::filesystem::path& dir) {
  TestPki pki{dir / "test-ca.pem", dir / "test-leaf-chain.pem", dir / "test-leaf.key"};
  const std::string d = dir.string();
  {
    std::ofstream ext(dir / "leaf.ext");
    ext << "basicConstraints=critical,CA:FALSE\n"
           "keyUsage=critical,digitalSignature\n"
           "extendedKeyUsage=serverAuth\n"
           "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n";
  }
  const std::string q = "'";
  const std::string script =
      "set -e; cd " + q + d + q +
      "; umask 077"
      "; openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2"
      " -subj /CN=ztmeet-test-ca -keyout test-ca.key -out test-ca.pem"
      " -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign"
      " 2>/dev/null"
      "; openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost"
      " -keyout test-leaf.key -out leaf.csr 2>/dev/null"
      "; openssl x509 -req -in leaf.csr -CA test-ca.pem -CAkey test-ca.key -CAcreateserial"
      " -days 2 -extfile leaf.ext -out test-leaf.pem 2>/dev/null"
      "; cat test-leaf.pem test-ca.pem > test-leaf-chain.pem";
  if (run_command("sh -c \"" + script + "\"") != 0) {
    throw std::runtime_error("make_test_pki: openssl failed");
  }
  return pki;
}

}  // namespace ztm_test
