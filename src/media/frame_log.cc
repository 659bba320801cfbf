// FrameLog: SHA-256 per frame, a text form, and the comparison of sent with received.
#include "ztm/media/frame_log.h"

#include <charconv>
#include <cstring>
#include <set>
#include <tuple>
#include <unordered_map>

#include "ztm/crypto/hash.h"

namespace ztm::media {

namespace {

constexpr std::string_view kMagic = "ztm-framelog 1";

template <class T>
Result<T> parse_number(std::string_view s, const char* field) {
  T v{};
  if (s.empty() || (s.size() > 1 && s[0] == '0')) {
    return fail(Errc::invalid_encoding, std::string("framelog: bad ") + field);
  }
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) {
    return fail(Errc::invalid_encoding, std::string("framelog: bad ") + field);
  }
  return v;
}

struct Key {
  std::uint32_t sender;
  MediaKind kind;
  std::uint32_t rtp_timestamp;
  bool operator==(const Key&) const = default;
};
struct KeyHash {
  std::size_t operator()(const Key& k) const {
    return std::hash<std::uint64_t>{}((std::uint64_t{k.sender} << 33) ^
                                      (std::uint64_t(k.kind) << 32) ^ k.rtp_timestamp);
  }
};

}  // namespace

void FrameLog::record(std::uint32_t sender, MediaKind kind, std::uint32_t rtp_timestamp,
                      ByteView frame) {
  FrameRecord r;
  r.sender = sender;
  r.kind = kind;
  r.rtp_timestamp = rtp_timestamp;
  r.size = static_cast<std::uint32_t>(frame.size());
  const Bytes digest = crypto::hash(crypto::HashId::sha256, frame);
  std::memcpy(r.sha256.data(), digest.data(), r.sha256.size());
  records_.push_back(r);
}

std::string FrameLog::serialize() const {
  std::string out(kMagic);
  out += '\n';
  for (const auto& r : records_) {
    out += std::to_string(r.sender);
    out += ' ';
    out += media_kind_name(r.kind);
    out += ' ';
    out += std::to_string(r.rtp_timestamp);
    out += ' ';
    out += std::to_string(r.size);
    out += ' ';
    out += to_hex(r.sha256);
    out += '\n';
  }
  return out;
}

Result<FrameLog> FrameLog::parse(std::string_view text) {
  FrameLog log;
  std::size_t line_no = 0;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    if (nl == std::string_view::npos)
      return fail(Errc::truncated, "framelog: last line has no newline");
    const std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl + 1);
    if (line_no++ == 0) {
      if (line != kMagic)
        return fail(Errc::invalid_encoding, "framelog: not a ztm-framelog 1 file");
      continue;
    }
    if (log.records_.size() >= kFrameLogMaxRecords)
      return fail(Errc::limit_exceeded, "framelog: too many records");
    std::string_view fields[5];
    std::string_view rest = line;
    for (int i = 0; i < 5; ++i) {
      const auto sp = rest.find(' ');
      if ((sp == std::string_view::npos) != (i == 4)) {
        return fail(Errc::invalid_encoding,
                    "framelog: line " + std::to_string(line_no) + " needs 5 fields");
      }
      fields[i] = rest.substr(0, sp);
      if (sp != std::string_view::npos) rest.remove_prefix(sp + 1);
    }
    FrameRecord r;
    ZTM_TRY_ASSIGN(r.sender, parse_number<std::uint32_t>(fields[0], "sender"));
    if (fields[1] == "audio") {
      r.kind = MediaKind::audio;
    } else if (fields[1] == "video") {
      r.kind = MediaKind::video;
    } else {
      return fail(Errc::invalid_encoding, "framelog: kind is neither audio nor video");
    }
    ZTM_TRY_ASSIGN(r.rtp_timestamp, parse_number<std::uint32_t>(fields[2], "rtp_timestamp"));
    ZTM_TRY_ASSIGN(r.size, parse_number<std::uint32_t>(fields[3], "size"));
    if (fields[4].size() != 64)
      return fail(Errc::invalid_encoding, "framelog: sha256 is not 64 hex digits");
    for (char c : fields[4]) {
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return fail(Errc::invalid_encoding, "framelog: sha256 is not lowercase hex");
      }
    }
    ZTM_TRY_ASSIGN(const Bytes digest, from_hex(fields[4]));
    std::memcpy(r.sha256.data(), digest.data(), r.sha256.size());
    log.records_.push_back(r);
  }
  if (line_no == 0) return fail(Errc::truncated, "framelog: empty");
  return log;
}

FrameLogComparison compare(const FrameLog& sent, const FrameLog& received, bool only_senders_seen) {
  std::unordered_map<Key, const FrameRecord*, KeyHash> by_key;
  for (const auto& r : sent.records()) by_key.emplace(Key{r.sender, r.kind, r.rtp_timestamp}, &r);
  FrameLogComparison c;
  std::unordered_map<Key, bool, KeyHash> seen;
  std::set<std::pair<std::uint32_t, MediaKind>> senders_seen;
  for (const auto& r : received.records()) {
    senders_seen.emplace(r.sender, r.kind);
    const Key key{r.sender, r.kind, r.rtp_timestamp};
    const auto it = by_key.find(key);
    if (it == by_key.end()) {
      ++c.unexpected;
    } else if (it->second->size == r.size && it->second->sha256 == r.sha256) {
      ++c.matched;
      seen[key] = true;
    } else {
      ++c.mismatched;
      seen[key] = true;
    }
  }
  for (const auto& r : sent.records()) {
    const Key key{r.sender, r.kind, r.rtp_timestamp};
    if (seen.count(key)) continue;
    if (only_senders_seen && !senders_seen.count({r.sender, r.kind})) continue;
    ++c.not_received;
  }
  return c;
}

}  // namespace ztm::media
