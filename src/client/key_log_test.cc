// The key log (`ztmeet join --keylog`): the file's mode, what it refuses, the line.
#include "internal/key_log.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "ztm_test/process.h"

namespace ztm::client::internal {
namespace {

std::string read_all(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(KeyLog, CreatesTheFileOwnerOnlyAndWritesOneLinePerEpoch) {
  ztm_test::TempDir dir("ztm-keylog");
  const auto path = dir.path() / "keys";
  {
    auto log = KeyLog::open(path, "board");
    ASSERT_TRUE(log) << log.error().what();
    const SecretBytes key(Bytes{0x00, 0x01, 0xab, 0xff});
    ASSERT_TRUE(log->write(7, 3, key));
    ASSERT_TRUE(log->write(8, 2, key));
  }
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(read_all(path),
            "ZTMEET_SFRAME_BASE_KEY board 7 3 0001abff\n"
            "ZTMEET_SFRAME_BASE_KEY board 8 2 0001abff\n");
  // Opening again appends.
  auto again = KeyLog::open(path, "board");
  ASSERT_TRUE(again);
  ASSERT_TRUE(again->write(9, 2, SecretBytes(Bytes{0x10})));
  EXPECT_NE(read_all(path).find("board 9 2 10\n"), std::string::npos);
}

TEST(KeyLog, RefusesAFileOthersMayRead) {
  ztm_test::TempDir dir("ztm-keylog");
  const auto path = dir.path() / "keys";
  std::ofstream(path) << "";
  ASSERT_EQ(chmod(path.c_str(), 0644), 0);
  auto log = KeyLog::open(path, "board");
  ASSERT_FALSE(log);
  EXPECT_EQ(log.error().code, Errc::invalid_argument);
  EXPECT_NE(log.error().message.find("owner only"), std::string::npos) << log.error().message;
  EXPECT_EQ(read_all(path), "");
}

TEST(KeyLog, DoesNotFollowASymbolicLink) {
  ztm_test::TempDir dir("ztm-keylog");
  const auto target = dir.path() / "elsewhere";
  const auto link = dir.path() / "keys";
  std::filesystem::create_symlink(target, link);
  auto log = KeyLog::open(link, "board");
  ASSERT_FALSE(log);
  EXPECT_EQ(log.error().code, Errc::io_error);
  EXPECT_FALSE(std::filesystem::exists(target));
}

}  // namespace
}  // namespace ztm::client::internal
