#include "ztm/net/rtcp.h"

#include <algorithm>

#include "internal/be.h"

namespace ztm::net::rtcp {

using internal::load16;
using internal::load24;
using internal::load32;
using internal::store16;
using internal::store24;
using internal::store32;

namespace {

constexpr std::size_t kReportBlockSize = 24;

bool is_type(const Packet& p, PacketType t, std::uint8_t fmt) {
  return p.type == static_cast<std::uint8_t>(t) && p.count_or_fmt == fmt;
}

// RFC 3550 §6.4.1, a report block:
//   |                 SSRC_1 (SSRC of first source)                 |
//   | fraction lost |       cumulative number of packets lost       |
//   |           extended highest sequence number received           |
//   |                      interarrival jitter                      |
//   |                         last SR (LSR)                         |
//   |                   delay since last SR (DLSR)                  |
ReportBlock read_block(ByteView blocks, std::size_t i) {
  const std::uint8_t* p = blocks.data() + i * kReportBlockSize;
  ReportBlock b;
  b.ssrc = load32(p);
  b.fraction_lost = p[4];
  const std::uint32_t lost = load24(p + 5);
  b.cumulative_lost = (lost & 0x800000) ? static_cast<std::int32_t>(lost) - 0x1000000
                                        : static_cast<std::int32_t>(lost);
  b.extended_highest_sequence = load32(p + 8);
  b.jitter = load32(p + 12);
  b.last_sr = load32(p + 16);
  b.delay_since_last_sr = load32(p + 20);
  return b;
}

// begin writes a common header for a packet of `size` bytes (a multiple of 4).
Result<MutableByteView> begin(std::uint8_t count_or_fmt, PacketType type, std::size_t size,
                              MutableByteView out) {
  if (out.size() < size) return fail(Errc::buffer_too_small, "rtcp: packet does not fit");
  if (size / 4 - 1 > 0xFFFF) return fail(Errc::invalid_argument, "rtcp: packet too long");
  std::fill_n(out.data(), size, std::uint8_t{0});
  out[0] = static_cast<std::uint8_t>(0x80 | count_or_fmt);
  out[1] = static_cast<std::uint8_t>(type);
  store16(out.data() + 2, static_cast<std::uint16_t>(size / 4 - 1));
  return out.first(size);
}

}  // namespace

Result<Compound> Compound::parse(ByteView datagram) {
  Compound c;
  std::size_t pos = 0;
  if (datagram.empty()) return fail(Errc::truncated, "rtcp: empty datagram");
  while (pos < datagram.size()) {
    if (datagram.size() - pos < kHeaderSize) return fail(Errc::truncated, "rtcp: header");
    const std::uint8_t b0 = datagram[pos];
    if ((b0 >> 6) != 2) return fail(Errc::invalid_encoding, "rtcp: version is not 2");
    const std::size_t size = 4u * (load16(datagram.data() + pos + 2) + 1u);
    if (size > datagram.size() - pos) return fail(Errc::truncated, "rtcp: packet length");
    if (c.count_ == kMaxPackets) return fail(Errc::limit_exceeded, "rtcp: too many packets");
    Packet p;
    p.count_or_fmt = b0 & 0x1F;
    p.type = datagram[pos + 1];
    p.bytes = datagram.subspan(pos, size);
    std::size_t body_end = size;
    if ((b0 & 0x20) != 0) {
      // RFC 3550 §6.4.1: only the last packet of a compound may be padded.
      if (pos + size != datagram.size()) {
        return fail(Errc::invalid_encoding, "rtcp: padding on a packet that is not last");
      }
      const std::size_t padding = p.bytes.back();
      if (padding == 0 || padding > size - kHeaderSize) {
        return fail(Errc::invalid_encoding, "rtcp: padding count out of range");
      }
      body_end -= padding;
    }
    p.body = p.bytes.subspan(kHeaderSize, body_end - kHeaderSize);
    c.packets_[c.count_++] = p;
    pos += size;
  }
  return c;
}

ReportBlock SenderReport::report_block(std::size_t i) const {
  return read_block(report_blocks, i);
}

ReportBlock ReceiverReport::report_block(std::size_t i) const {
  return read_block(report_blocks, i);
}

// RFC 3550 §6.4.1, the SR body after the common header:
//   |                         SSRC of sender                        |
//   |              NTP timestamp, most significant word             |
//   |             NTP timestamp, least significant word             |
//   |                         RTP timestamp                         |
//   |                     sender's packet count                     |
//   |                      sender's octet count                     |
//   |                 report blocks (RC of them) ...                |
Result<SenderReport> parse_sender_report(const Packet& p) {
  if (p.type != static_cast<std::uint8_t>(PacketType::sr)) {
    return fail(Errc::invalid_argument, "rtcp: not an SR");
  }
  const std::size_t blocks = p.count_or_fmt;
  if (p.body.size() < 24 + blocks * kReportBlockSize) return fail(Errc::truncated, "rtcp: SR");
  SenderReport sr;
  const std::uint8_t* b = p.body.data();
  sr.ssrc = load32(b);
  sr.ntp_timestamp = (std::uint64_t{load32(b + 4)} << 32) | load32(b + 8);
  sr.rtp_timestamp = load32(b + 12);
  sr.packet_count = load32(b + 16);
  sr.octet_count = load32(b + 20);
  sr.report_blocks = p.body.subspan(24, blocks * kReportBlockSize);
  sr.report_count = blocks;
  return sr;
}

Result<ReceiverReport> parse_receiver_report(const Packet& p) {
  if (p.type != static_cast<std::uint8_t>(PacketType::rr)) {
    return fail(Errc::invalid_argument, "rtcp: not an RR");
  }
  const std::size_t blocks = p.count_or_fmt;
  if (p.body.size() < 4 + blocks * kReportBlockSize) return fail(Errc::truncated, "rtcp: RR");
  ReceiverReport rr;
  rr.ssrc = load32(p.body.data());
  rr.report_blocks = p.body.subspan(4, blocks * kReportBlockSize);
  rr.report_count = blocks;
  return rr;
}

// RFC 4585 §6.1, after the common header:
//   |                  SSRC of packet sender                        |
//   |                  SSRC of media source                         |
//   :            Feedback Control Information (FCI)                 :
Result<Feedback> parse_feedback(const Packet& p) {
  if (p.type != static_cast<std::uint8_t>(PacketType::rtpfb) &&
      p.type != static_cast<std::uint8_t>(PacketType::psfb)) {
    return fail(Errc::invalid_argument, "rtcp: not feedback");
  }
  if (p.body.size() < 8) return fail(Errc::truncated, "rtcp: feedback SSRCs");
  return Feedback{load32(p.body.data()), load32(p.body.data() + 4), p.body.subspan(8)};
}

bool is_pli(const Packet& p) {
  return is_type(p, PacketType::psfb, kFmtPli);
}
bool is_fir(const Packet& p) {
  return is_type(p, PacketType::psfb, kFmtFir);
}
bool is_nack(const Packet& p) {
  return is_type(p, PacketType::rtpfb, kFmtGenericNack);
}
bool is_remb(const Packet& p) {
  return is_type(p, PacketType::psfb, kFmtAfb) && p.body.size() >= 12 &&
         std::equal(p.body.begin() + 8, p.body.begin() + 12, "REMB");
}

// RFC 5104 §4.3.1.1, one FIR entry:
//   |                              SSRC                             |
//   | Seq nr.       |    Reserved                                   |
Result<FirEntry> fir_entry(const Feedback& fir, std::size_t i) {
  if (fir.fci.size() % 8 != 0) return fail(Errc::invalid_encoding, "rtcp: FIR FCI size");
  if (i >= fir.fci.size() / 8) return fail(Errc::invalid_argument, "rtcp: FIR entry index");
  return FirEntry{load32(fir.fci.data() + 8 * i), fir.fci[8 * i + 4]};
}

// RFC 4585 §6.2.1, one Generic NACK item:
//   |            PID                |             BLP               |
// PID is lost; bit i of BLP (LSB = 0) says PID + i + 1 is lost too.
Result<std::size_t> nack_lost(const Feedback& nack, std::span<std::uint16_t> out) {
  if (nack.fci.empty() || nack.fci.size() % 4 != 0) {
    return fail(Errc::invalid_encoding, "rtcp: NACK FCI size");
  }
  const std::size_t items = nack.fci.size() / 4;
  if (items > kMaxNackItems) return fail(Errc::limit_exceeded, "rtcp: NACK with too many items");
  if (out.size() < items * 17) return fail(Errc::buffer_too_small, "rtcp: NACK output");
  std::size_t n = 0;
  for (std::size_t i = 0; i < items; ++i) {
    const std::uint16_t pid = load16(nack.fci.data() + 4 * i);
    const std::uint16_t blp = load16(nack.fci.data() + 4 * i + 2);
    out[n++] = pid;
    for (unsigned bit = 0; bit < 16; ++bit) {
      if (blp & (1u << bit)) out[n++] = static_cast<std::uint16_t>(pid + bit + 1);
    }
  }
  return n;
}

// REMB FCI (draft-alvestrand-rmcat-remb-03 §2.2):
//   |  Unique identifier 'R' 'E' 'M' 'B'                            |
//   |  Num SSRC     | BR Exp    |  BR Mantissa                      |
//   |   SSRC feedback (Num SSRC of them)                            |
Result<Remb> parse_remb(const Packet& p) {
  if (!is_remb(p)) return fail(Errc::invalid_argument, "rtcp: not REMB");
  const ByteView fci = p.body.subspan(8);
  if (fci.size() < 8) return fail(Errc::truncated, "rtcp: REMB");
  Remb r;
  r.sender_ssrc = load32(p.body.data());
  r.ssrc_count = fci[4];
  const unsigned exponent = fci[5] >> 2;
  const std::uint64_t mantissa = load24(fci.data() + 5) & 0x3FFFF;
  // 18-bit mantissa shifted by up to 63 overflows 64 bits for exponents above 46.
  if (exponent > 46) return fail(Errc::invalid_encoding, "rtcp: REMB exponent");
  r.bitrate_bps = mantissa << exponent;
  if (fci.size() < 8 + 4 * r.ssrc_count) return fail(Errc::truncated, "rtcp: REMB SSRCs");
  for (std::size_t i = 0; i < r.ssrc_count; ++i) r.ssrcs[i] = load32(fci.data() + 8 + 4 * i);
  return r;
}

Result<MutableByteView> write_pli(std::uint32_t sender_ssrc, std::uint32_t media_ssrc,
                                  MutableByteView out) {
  ZTM_TRY_ASSIGN(auto p, begin(kFmtPli, PacketType::psfb, 12, out));
  store32(p.data() + 4, sender_ssrc);
  store32(p.data() + 8, media_ssrc);
  return p;
}

Result<MutableByteView> write_fir(std::uint32_t sender_ssrc, std::span<const FirEntry> entries,
                                  MutableByteView out) {
  if (entries.empty()) return fail(Errc::invalid_argument, "rtcp: FIR without entries");
  ZTM_TRY_ASSIGN(auto p, begin(kFmtFir, PacketType::psfb, 12 + 8 * entries.size(), out));
  store32(p.data() + 4, sender_ssrc);
  // RFC 5104 §4.3.1.2: the media source SSRC field is unused and set to 0.
  for (std::size_t i = 0; i < entries.size(); ++i) {
    store32(p.data() + 12 + 8 * i, entries[i].ssrc);
    p[12 + 8 * i + 4] = entries[i].sequence_number;
  }
  return p;
}

Result<MutableByteView> write_nack(std::uint32_t sender_ssrc, std::uint32_t media_ssrc,
                                   std::span<const std::uint16_t> lost, MutableByteView out) {
  if (lost.empty()) return fail(Errc::invalid_argument, "rtcp: NACK without sequence numbers");
  // Count items first: greedy packing in the order given.
  std::size_t items = 0;
  std::uint16_t pid = 0;
  for (std::size_t i = 0; i < lost.size(); ++i) {
    const auto diff = static_cast<std::uint16_t>(lost[i] - pid);
    if (i == 0 || diff == 0 || diff > 16) {
      ++items;
      pid = lost[i];
    }
  }
  if (items > kMaxNackItems) return fail(Errc::limit_exceeded, "rtcp: NACK too long");
  ZTM_TRY_ASSIGN(auto p, begin(kFmtGenericNack, PacketType::rtpfb, 12 + 4 * items, out));
  store32(p.data() + 4, sender_ssrc);
  store32(p.data() + 8, media_ssrc);
  std::size_t item = 0;
  std::uint16_t blp = 0;
  for (std::size_t i = 0; i < lost.size(); ++i) {
    const auto diff = static_cast<std::uint16_t>(lost[i] - pid);
    if (i == 0 || diff == 0 || diff > 16) {
      if (i != 0) {
        store16(p.data() + 12 + 4 * item + 2, blp);
        ++item;
      }
      pid = lost[i];
      blp = 0;
      store16(p.data() + 12 + 4 * item, pid);
    } else {
      blp = static_cast<std::uint16_t>(blp | (1u << (diff - 1)));
    }
  }
  store16(p.data() + 12 + 4 * item + 2, blp);
  return p;
}

Result<MutableByteView> write_remb(std::uint32_t sender_ssrc, std::uint64_t bitrate_bps,
                                   std::span<const std::uint32_t> ssrcs, MutableByteView out) {
  if (ssrcs.size() > 255) return fail(Errc::invalid_argument, "rtcp: REMB with over 255 SSRCs");
  unsigned exponent = 0;
  while ((bitrate_bps >> exponent) > 0x3FFFF) ++exponent;
  const std::size_t size = 12 + 8 + 4 * ssrcs.size();
  ZTM_TRY_ASSIGN(auto p, begin(kFmtAfb, PacketType::psfb, size, out));
  store32(p.data() + 4, sender_ssrc);  // media SSRC stays 0 (draft §2.2)
  std::copy_n("REMB", 4, p.data() + 12);
  p[16] = static_cast<std::uint8_t>(ssrcs.size());
  store24(p.data() + 17, static_cast<std::uint32_t>((exponent << 18) | (bitrate_bps >> exponent)));
  for (std::size_t i = 0; i < ssrcs.size(); ++i) store32(p.data() + 20 + 4 * i, ssrcs[i]);
  return p;
}

Result<MutableByteView> write_receiver_report(std::uint32_t ssrc,
                                              std::span<const ReportBlock> blocks,
                                              MutableByteView out) {
  if (blocks.size() > 31) return fail(Errc::invalid_argument, "rtcp: RR with over 31 blocks");
  const auto count = static_cast<std::uint8_t>(blocks.size());
  ZTM_TRY_ASSIGN(auto p, begin(count, PacketType::rr, 8 + kReportBlockSize * blocks.size(), out));
  store32(p.data() + 4, ssrc);
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    std::uint8_t* b = p.data() + 8 + kReportBlockSize * i;
    const ReportBlock& r = blocks[i];
    store32(b, r.ssrc);
    b[4] = r.fraction_lost;
    store24(b + 5, static_cast<std::uint32_t>(r.cumulative_lost) & 0xFFFFFF);
    store32(b + 8, r.extended_highest_sequence);
    store32(b + 12, r.jitter);
    store32(b + 16, r.last_sr);
    store32(b + 20, r.delay_since_last_sr);
  }
  return p;
}

}  // namespace ztm::net::rtcp
