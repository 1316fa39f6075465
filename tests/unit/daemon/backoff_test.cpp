#include "daemon/session/backoff.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace wssd {
namespace {

constexpr int draws = 500;

backoff_config default_config() {
  return backoff_config{};
}  // base 0.5 s, cap 30 s

double ceiling(const backoff_config& c, unsigned attempt) {
  return std::max(backoff::floor.count(),
                  std::min(c.cap.count(), c.base.count() * std::ldexp(1.0, attempt)));
}

// The largest of `draws` delays at one attempt number, over as many seeds.
double largest_delay_at(const backoff_config& c, unsigned attempt) {
  double largest = 0;
  for (int seed = 0; seed < draws; ++seed) {
    backoff b(c, seed);
    for (unsigned i = 0; i < attempt; ++i) b.next();
    largest = std::max(largest, b.next().count());
  }
  return largest;
}

TEST(backoff, delays_stay_between_the_floor_and_the_ceiling) {
  const auto c = default_config();
  for (int seed = 0; seed < draws; ++seed) {
    backoff b(c, seed);
    for (unsigned attempt = 0; attempt < 12; ++attempt) {
      const double d = b.next().count();
      ASSERT_GE(d, backoff::floor.count()) << "seed " << seed << " attempt " << attempt;
      ASSERT_LE(d, ceiling(c, attempt)) << "seed " << seed << " attempt " << attempt;
    }
  }
}

TEST(backoff, each_call_counts_one_attempt) {
  backoff b(default_config(), 1);
  EXPECT_EQ(b.attempts(), 0u);
  b.next();
  b.next();
  EXPECT_EQ(b.attempts(), 2u);
}

TEST(backoff, the_ceiling_doubles_with_each_attempt) {
  const auto c = default_config();
  // Full jitter: over many draws the largest delay comes close to the ceiling.
  EXPECT_LE(largest_delay_at(c, 0), 0.5);
  EXPECT_GT(largest_delay_at(c, 0), 0.45);
  EXPECT_GT(largest_delay_at(c, 3), 3.6);  // ceiling 4 s
  EXPECT_LE(largest_delay_at(c, 3), 4.0);
  EXPECT_GT(largest_delay_at(c, 5), 14.4);  // ceiling 16 s
  EXPECT_LE(largest_delay_at(c, 5), 16.0);
}

TEST(backoff, jitter_spreads_delays_down_towards_the_floor) {
  const auto c = default_config();
  double smallest = c.cap.count();
  for (int seed = 0; seed < draws; ++seed) {
    backoff b(c, seed);
    for (int i = 0; i < 5; ++i) b.next();
    smallest = std::min(smallest, b.next().count());  // ceiling 16 s
  }
  EXPECT_LT(smallest, 1.0);
}

TEST(backoff, the_cap_is_respected_after_many_failures) {
  const auto c = default_config();
  backoff b(c, 7);
  for (int i = 0; i < 1000; ++i) ASSERT_LE(b.next(), c.cap) << "attempt " << i;
  EXPECT_GT(largest_delay_at(c, 40), 27.0);
}

TEST(backoff, never_below_the_floor_even_with_a_tiny_base) {
  backoff_config c;
  c.base = seconds(0.001);
  c.cap = seconds(0.002);
  backoff b(c, 3);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(b.next(), backoff::floor);
}

TEST(backoff, floor_is_a_tenth_of_a_second) {
  EXPECT_EQ(backoff::floor, seconds(0.1));
}

TEST(backoff, reset_starts_over_from_the_base) {
  const auto c = default_config();
  backoff b(c, 11);
  for (int i = 0; i < 10; ++i) b.next();
  b.reset();
  EXPECT_EQ(b.attempts(), 0u);
  for (int i = 0; i < draws; ++i) {
    ASSERT_LE(b.next(), c.base);
    b.reset();
  }
}

TEST(backoff, same_seed_same_delays) {
  backoff a(default_config(), 99);
  backoff b(default_config(), 99);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(a.next(), b.next());
}

TEST(backoff, overload_waits_at_least_too_many_connections) {
  const auto c = default_config();  // 120 s, plus up to the cap
  backoff b(c, 5);
  double largest = 0;
  for (int i = 0; i < draws; ++i) {
    const auto d = b.next_after_overload();
    ASSERT_GE(d, c.too_many_connections);
    ASSERT_LE(d, c.too_many_connections + c.cap);
    largest = std::max(largest, d.count());
  }
  EXPECT_GT(largest, 140.0);
}

TEST(backoff, overload_counts_as_an_attempt) {
  backoff b(default_config(), 5);
  b.next_after_overload();
  EXPECT_EQ(b.attempts(), 1u);
}

}  // namespace
}  // namespace wssd
