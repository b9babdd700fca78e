#include "sources/fmp_sim/faults.h"

#include <algorithm>
#include <cmath>
#include <iterator>

namespace tickerflow::sources::fmp_sim {
namespace {

// SplitMix64's finalizer: every input bit affects every output bit.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// FNV-1a: defined byte by byte, so the faults of a seed are the same on every build (unlike
// std::hash, whose values the standard leaves open).
uint64_t HashText(std::string_view text) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

constexpr FaultKind kFaults[] = {FaultKind::kServerError, FaultKind::kStall, FaultKind::kTruncated,
                                 FaultKind::kMalformed, FaultKind::kErrorBody};

}  // namespace

std::string_view FaultName(FaultKind kind) {
  switch (kind) {
    case FaultKind::kNone:
      return "none";
    case FaultKind::kServerError:
      return "server_error";
    case FaultKind::kStall:
      return "stall";
    case FaultKind::kTruncated:
      return "truncated";
    case FaultKind::kMalformed:
      return "malformed";
    case FaultKind::kErrorBody:
      return "error_body";
  }
  return "unknown";
}

FaultKind FaultFor(uint64_t seed, double rate, std::string_view key, uint64_t attempt) {
  if (!(rate > 0)) return FaultKind::kNone;
  const uint64_t draw = Mix(Mix(seed ^ HashText(key)) + attempt);
  // The top 53 bits as a uniform double in [0, 1).
  const double u = static_cast<double>(draw >> 11) * 0x1.0p-53;
  if (u >= rate) return FaultKind::kNone;
  // The low bits are independent of the top ones that decided whether to fail.
  return kFaults[(draw & 0xffff) % std::size(kFaults)];
}

FaultInjector::FaultInjector(uint64_t seed, double rate)
    : seed_(seed), rate_(std::isnan(rate) ? 0.0 : std::clamp(rate, 0.0, 1.0)) {}

FaultKind FaultInjector::Next(std::string_view key) {
  if (rate_ <= 0) return FaultKind::kNone;
  uint64_t attempt = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    attempt = attempts_[std::string(key)]++;
  }
  return FaultFor(seed_, rate_, key, attempt);
}

}  // namespace tickerflow::sources::fmp_sim
