#include "sources/fmp_sim/faults.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace tickerflow::sources::fmp_sim {
namespace {

TEST(FaultsTest, RateZeroNeverFailsAndRateOneAlwaysFails) {
  for (uint64_t attempt = 0; attempt < 200; ++attempt) {
    EXPECT_EQ(FaultFor(1, 0.0, "/stable/profile?symbol=A", attempt), FaultKind::kNone);
    EXPECT_NE(FaultFor(1, 1.0, "/stable/profile?symbol=A", attempt), FaultKind::kNone);
  }
}

TEST(FaultsTest, TheShareOfFailuresIsTheRateAndEveryKindOccurs) {
  std::map<FaultKind, int> counts;
  constexpr int kDraws = 20000;
  for (int i = 0; i < kDraws; ++i) {
    ++counts[FaultFor(7, 0.1, "/stable/historical-price-eod/full?symbol=S" + std::to_string(i), 0)];
  }
  const double failed = 1.0 - static_cast<double>(counts[FaultKind::kNone]) / kDraws;
  EXPECT_NEAR(failed, 0.1, 0.01);
  for (const FaultKind kind : {FaultKind::kServerError, FaultKind::kStall, FaultKind::kTruncated,
                               FaultKind::kMalformed, FaultKind::kErrorBody}) {
    // Each a fifth of the failures: about 400 of 20,000.
    EXPECT_NEAR(counts[kind], 400, 100) << FaultName(kind);
  }
}

TEST(FaultsTest, DrawsDependOnSeedKeyAndAttemptOnly) {
  int differs_by_seed = 0, differs_by_attempt = 0;
  for (int i = 0; i < 500; ++i) {
    const std::string key = "/stable/profile?symbol=S" + std::to_string(i);
    EXPECT_EQ(FaultFor(3, 0.5, key, 2), FaultFor(3, 0.5, key, 2));
    differs_by_seed += FaultFor(3, 0.5, key, 0) != FaultFor(4, 0.5, key, 0) ? 1 : 0;
    differs_by_attempt += FaultFor(3, 0.5, key, 0) != FaultFor(3, 0.5, key, 1) ? 1 : 0;
  }
  EXPECT_GT(differs_by_seed, 100);
  EXPECT_GT(differs_by_attempt, 100);
}

TEST(FaultsTest, InjectorCountsAttemptsPerRequest) {
  FaultInjector injector(/*seed=*/9, /*rate=*/0.5);
  const std::string a = "/stable/profile?symbol=A";
  const std::string b = "/stable/profile?symbol=B";
  for (uint64_t attempt = 0; attempt < 20; ++attempt) {
    EXPECT_EQ(injector.Next(a), FaultFor(9, 0.5, a, attempt));
    // Another request's attempts do not shift A's draws.
    EXPECT_EQ(injector.Next(b), FaultFor(9, 0.5, b, attempt));
  }
}

TEST(FaultsTest, InjectorClampsTheRate) {
  EXPECT_EQ(FaultInjector(1, -3).rate(), 0.0);
  EXPECT_EQ(FaultInjector(1, 7).rate(), 1.0);
  FaultInjector never(1, 0);
  EXPECT_EQ(never.Next("x"), FaultKind::kNone);
}

TEST(FaultsTest, NamesAreStable) {
  EXPECT_EQ(FaultName(FaultKind::kNone), "none");
  EXPECT_EQ(FaultName(FaultKind::kServerError), "server_error");
  EXPECT_EQ(FaultName(FaultKind::kStall), "stall");
  EXPECT_EQ(FaultName(FaultKind::kTruncated), "truncated");
  EXPECT_EQ(FaultName(FaultKind::kMalformed), "malformed");
  EXPECT_EQ(FaultName(FaultKind::kErrorBody), "error_body");
}

}  // namespace
}  // namespace tickerflow::sources::fmp_sim
