// RTCP (RFC 3550 §6) compound packets, and the packets an SFU needs to read or
// write: SR and RR (§6.4), Generic NACK (RFC 4585 §6.2.1), PLI (RFC 4585 §6.3.1),
// FIR (RFC 5104 §4.3.1) and REMB (draft-alvestrand-rmcat-remb-03). Everything
// borrows the datagram and writes into caller buffers.
//
// RFC 3550 §6.4.1 / RFC 4585 §6.1, the common header:
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |V=2|P| RC/FMT  |      PT       |             length            |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// length is the packet's size in 32-bit words minus one.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"

namespace ztm::net::rtcp {

enum class PacketType : std::uint8_t {
  sr = 200,
  rr = 201,
  sdes = 202,
  bye = 203,
  app = 204,
  rtpfb = 205,  // transport-layer feedback (RFC 4585)
  psfb = 206,   // payload-specific feedback (RFC 4585)
};

inline constexpr std::uint8_t kFmtGenericNack = 1;  // RTPFB
inline constexpr std::uint8_t kFmtPli = 1;          // PSFB
inline constexpr std::uint8_t kFmtFir = 4;          // PSFB
inline constexpr std::uint8_t kFmtAfb = 15;         // PSFB, application layer (REMB)
inline constexpr std::size_t kHeaderSize = 4;
// kMaxPackets bounds the packets of one compound (an MTU holds fewer 8-byte ones).
inline constexpr std::size_t kMaxPackets = 64;
// kMaxNackItems bounds the FCI entries of one NACK that nack_lost() expands.
inline constexpr std::size_t kMaxNackItems = 64;

// Packet is one RTCP packet of a compound: its header fields, the whole packet,
// and the body after the 4-byte header (padding removed).
struct Packet {
  std::uint8_t count_or_fmt = 0;
  std::uint8_t type = 0;  // a PacketType, or another type ztmeet passes through
  ByteView bytes;
  ByteView body;
};

// Compound is a parsed compound RTCP datagram (RFC 3550 §6.1). Parsing checks the
// version and length of each packet and that only the last one is padded. It does
// not require the first packet to be SR or RR: RFC 5506 reduced-size RTCP, which
// browsers negotiate with a=rtcp-rsize, sends feedback alone.
class Compound {
 public:
  static Result<Compound> parse(ByteView datagram);
  std::span<const Packet> packets() const { return {packets_.data(), count_}; }

 private:
  std::array<Packet, kMaxPackets> packets_{};
  std::size_t count_ = 0;
};

// ReportBlock is one reception report (RFC 3550 §6.4.1).
struct ReportBlock {
  std::uint32_t ssrc = 0;
  std::uint8_t fraction_lost = 0;
  std::int32_t cumulative_lost = 0;  // 24-bit signed
  std::uint32_t extended_highest_sequence = 0;
  std::uint32_t jitter = 0;
  std::uint32_t last_sr = 0;
  std::uint32_t delay_since_last_sr = 0;
};

// SenderReport is an SR (RFC 3550 §6.4.1); receiver reports share the block list.
struct SenderReport {
  std::uint32_t ssrc = 0;
  std::uint64_t ntp_timestamp = 0;
  std::uint32_t rtp_timestamp = 0;
  std::uint32_t packet_count = 0;
  std::uint32_t octet_count = 0;
  ByteView report_blocks;  // report_count blocks of 24 bytes
  std::size_t report_count = 0;
  ReportBlock report_block(std::size_t i) const;
};

// ReceiverReport is an RR (RFC 3550 §6.4.2).
struct ReceiverReport {
  std::uint32_t ssrc = 0;
  ByteView report_blocks;
  std::size_t report_count = 0;
  ReportBlock report_block(std::size_t i) const;
};

// Feedback is the common part of RFC 4585 §6.1 feedback: who asks, about whom,
// and the feedback control information (FCI).
struct Feedback {
  std::uint32_t sender_ssrc = 0;
  std::uint32_t media_ssrc = 0;
  ByteView fci;
};

// FirEntry is one FCI entry of a Full Intra Request (RFC 5104 §4.3.1.1).
struct FirEntry {
  std::uint32_t ssrc = 0;
  std::uint8_t sequence_number = 0;
};

// Remb is a Receiver Estimated Maximum Bitrate message.
struct Remb {
  std::uint32_t sender_ssrc = 0;
  std::uint64_t bitrate_bps = 0;
  std::array<std::uint32_t, 255> ssrcs{};
  std::size_t ssrc_count = 0;
};

// Typed readers: each fails with invalid_argument when the packet is of another
// type and with invalid_encoding or truncated when its body is malformed.
Result<SenderReport> parse_sender_report(const Packet& p);
Result<ReceiverReport> parse_receiver_report(const Packet& p);
Result<Feedback> parse_feedback(const Packet& p);  // any RTPFB or PSFB
bool is_pli(const Packet& p);
bool is_fir(const Packet& p);
bool is_nack(const Packet& p);
bool is_remb(const Packet& p);
// is_keyframe_request is true for PLI and FIR: the sender should send a keyframe.
inline bool is_keyframe_request(const Packet& p) {
  return is_pli(p) || is_fir(p);
}

// fir_entry returns FCI entry i of a FIR (entries: fci.size() / 8).
Result<FirEntry> fir_entry(const Feedback& fir, std::size_t i);
// nack_lost writes the sequence numbers a Generic NACK reports lost into out, in the
// order of the FCI, and returns how many. At most kMaxNackItems FCI entries (each up
// to 17 numbers) are read; out must hold 17 per entry or the call fails.
Result<std::size_t> nack_lost(const Feedback& nack, std::span<std::uint16_t> out);
Result<Remb> parse_remb(const Packet& p);

// Writers return the written span of out.
Result<MutableByteView> write_pli(std::uint32_t sender_ssrc, std::uint32_t media_ssrc,
                                  MutableByteView out);
Result<MutableByteView> write_fir(std::uint32_t sender_ssrc, std::span<const FirEntry> entries,
                                  MutableByteView out);
// write_nack packs sorted or unsorted lost sequence numbers into (PID, BLP) items.
Result<MutableByteView> write_nack(std::uint32_t sender_ssrc, std::uint32_t media_ssrc,
                                   std::span<const std::uint16_t> lost, MutableByteView out);
Result<MutableByteView> write_remb(std::uint32_t sender_ssrc, std::uint64_t bitrate_bps,
                                   std::span<const std::uint32_t> ssrcs, MutableByteView out);
Result<MutableByteView> write_receiver_report(std::uint32_t ssrc,
                                              std::span<const ReportBlock> blocks,
                                              MutableByteView out);

}  // namespace ztm::net::rtcp
