// FrameLog: the SHA-256 of every frame a participant sent or decrypted, so that a test
// or the demo can prove, frame by frame, that received media is byte-identical to
// what was sent — across processes, through a small text file.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/media/frame.h"

namespace ztm::media {

// kFrameLogMaxRecords bounds what parse() accepts (about 2 h of audio and video).
inline constexpr std::size_t kFrameLogMaxRecords = 2'000'000;

// FrameRecord identifies a frame by its sender's MLS leaf index, kind and RTP
// timestamp, and holds its size and SHA-256.
struct FrameRecord {
  std::uint32_t sender = 0;
  MediaKind kind = MediaKind::audio;
  std::uint32_t rtp_timestamp = 0;
  std::uint32_t size = 0;
  std::array<std::uint8_t, 32> sha256{};
  friend bool operator==(const FrameRecord&, const FrameRecord&) = default;
};

// FrameLog is an append-only list of FrameRecords.
class FrameLog {
 public:
  // record hashes frame and appends a record.
  void record(std::uint32_t sender, MediaKind kind, std::uint32_t rtp_timestamp, ByteView frame);
  // append adds every record of other (e.g. to merge the sent logs of several
  // clients before comparing one receiver's log against all of them).
  void append(const FrameLog& other) {
    records_.insert(records_.end(), other.records_.begin(), other.records_.end());
  }
  const std::vector<FrameRecord>& records() const { return records_; }
  std::size_t size() const { return records_.size(); }

  // serialize renders the log as text: a first line "ztm-framelog 1", then one line
  // per record: "<sender> <audio|video> <rtp_timestamp> <size> <sha256 hex>".
  std::string serialize() const;
  // parse reads that text strictly (typed errors, at most kFrameLogMaxRecords lines).
  static Result<FrameLog> parse(std::string_view text);

 private:
  std::vector<FrameRecord> records_;
};

// FrameLogComparison is what compare() found.
struct FrameLogComparison {
  std::size_t matched = 0;       // received, and identical to the sent frame
  std::size_t mismatched = 0;    // received with the key of a sent frame, other bytes
  std::size_t unexpected = 0;    // received, but no frame with that key was sent
  std::size_t not_received = 0;  // sent (by the senders compared) but never received

  // byte_identical: something arrived and everything that arrived was sent as is.
  bool byte_identical() const { return matched > 0 && mismatched == 0 && unexpected == 0; }
};

// compare matches every received record against the sent ones by (sender, kind,
// rtp_timestamp). With only_senders_seen, sent records of a (sender, kind) that never
// appears in `received` are not counted as not_received (a receiver that joined late
// or never heard that sender).
FrameLogComparison compare(const FrameLog& sent, const FrameLog& received,
                           bool only_senders_seen = false);

}  // namespace ztm::media
