// SQLite storage: round trips, file mode, schema migration and errors.
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "ztm/server/storage.h"

namespace ztm::server {
namespace {

namespace protocol = ::ztm::meeting::protocol;

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/ztm-server-XXXXXX";
    path_ = mkdtemp(pattern);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Every field's round trip (and delete) is tested on every backend, SQLite included:
// AllBackends/Backend.RoundTripsEveryField (redis_storage_test.cc). What is SQLite's
// own: the database file holds the service's keys, so only its owner may read it.
TEST(SqliteStorageTest, DatabaseFileIsOwnerOnly) {
  TempDir dir;
  const std::string path = dir.file("service.db");
  {
    auto storage = open_sqlite_storage(path);
    ASSERT_TRUE(storage) << storage.error().what();
    ASSERT_TRUE((*storage)->begin());
    ASSERT_TRUE((*storage)->put_service_key("k", SecretBytes(Bytes{7, 7})));
    ASSERT_TRUE((*storage)->commit());
  }
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto storage = open_sqlite_storage(path);
  ASSERT_TRUE(storage);
  auto key = (*storage)->service_key("k");
  ASSERT_TRUE(key && *key);
  EXPECT_TRUE(equal((*key)->expose(), Bytes{7, 7}));
}

TEST(SqliteStorageTest, DuplicateLogSeqFailsAndNextEventStillWrites) {
  TempDir dir;
  auto storage = open_sqlite_storage(dir.file("s.db"));
  ASSERT_TRUE(storage);
  MeetingRecord m;
  m.meeting = "m";
  ASSERT_TRUE((*storage)->begin());
  ASSERT_TRUE((*storage)->put_meeting(m));
  ASSERT_TRUE((*storage)->append_log("m", {1, protocol::MlsKind::commit, 0, "p1", {1}}));
  EXPECT_FALSE((*storage)->append_log("m", {1, protocol::MlsKind::commit, 0, "p1", {1}}));
  // The failed transaction is rolled back by the next begin().
  ASSERT_TRUE((*storage)->begin());
  ASSERT_TRUE((*storage)->put_meeting(m));
  ASSERT_TRUE((*storage)->commit());
  EXPECT_TRUE((*storage)->load_all()->at(0).log.empty());
}

// A version 1 file (before the host flag) opens as version 2: its participants are
// kept, none of them host, and the host flag round-trips from then on.
TEST(SqliteStorageTest, Version1FileIsMigrated) {
  TempDir dir;
  const std::string path = dir.file("v1.db");
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    const char* v1 =
        "CREATE TABLE meetings (meeting TEXT PRIMARY KEY, cipher_suite INTEGER NOT NULL, "
        "group_id BLOB, epoch INTEGER NOT NULL, last_seq INTEGER NOT NULL, leader TEXT, "
        "next_participant_number INTEGER NOT NULL, group_info BLOB);"
        "CREATE TABLE participants (meeting TEXT NOT NULL, participant TEXT NOT NULL, "
        "display_hint TEXT NOT NULL, token_hash BLOB NOT NULL, creator INTEGER NOT NULL, "
        "in_group INTEGER NOT NULL, leaf INTEGER, admission_seq INTEGER NOT NULL, "
        "removal_pending INTEGER NOT NULL, demoted INTEGER NOT NULL, key_package BLOB, "
        "welcome BLOB, welcome_epoch INTEGER NOT NULL, welcome_seq INTEGER NOT NULL, "
        "PRIMARY KEY (meeting, participant));"
        "INSERT INTO meetings VALUES ('m1', 1, NULL, 0, 0, 'p1', 2, NULL);"
        "INSERT INTO participants VALUES ('m1', 'p1', 'alice', x'00', 0, 1, 0, 0, 0, 0, NULL, "
        "NULL, 0, 0);"
        "PRAGMA user_version=1;";
    EXPECT_EQ(sqlite3_exec(db, v1, nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  {
    auto storage = open_sqlite_storage(path);
    ASSERT_TRUE(storage) << storage.error().what();
    auto all = (*storage)->load_all();
    ASSERT_TRUE(all);
    ASSERT_EQ(all->size(), 1u);
    ASSERT_EQ(all->at(0).participants.size(), 1u);
    ParticipantRecord p = all->at(0).participants[0];
    EXPECT_EQ(p.display_hint, "alice");
    EXPECT_FALSE(p.host);
    p.host = true;
    ASSERT_TRUE((*storage)->begin());
    ASSERT_TRUE((*storage)->put_participant("m1", p));
    ASSERT_TRUE((*storage)->commit());
  }
  auto storage = open_sqlite_storage(path);
  ASSERT_TRUE(storage) << storage.error().what();
  auto all = (*storage)->load_all();
  ASSERT_TRUE(all && all->size() == 1u && all->at(0).participants.size() == 1u);
  EXPECT_TRUE(all->at(0).participants[0].host);
}

TEST(SqliteStorageTest, NotADatabaseIsAnError) {
  TempDir dir;
  const std::string path = dir.file("junk.db");
  FILE* f = fopen(path.c_str(), "w");
  fputs("this is not a sqlite database, not at all, really not one", f);
  fclose(f);
  EXPECT_FALSE(open_sqlite_storage(path));
  EXPECT_FALSE(open_sqlite_storage(dir.file("missing/dir/x.db")));
}

// A restarted service resuming its meeting at its epoch is tested on every backend,
// SQLite included: AllBackends/Backend.RestartedServiceResumesMeetingAtItsEpoch
// (redis_storage_test.cc).

}  // namespace
}  // namespace ztm::server
