// Tests of the designs of experiments (sweep/design.hpp): point counts and design_size for every
// design; full factorial order and values; the Latin hypercube's strata; the Saltelli layout on
// Boost's Sobol sequence, checked against a Sobol generator written out here from the Joe-Kuo
// direction numbers; Morris trajectories on the grid; explicit points; factor value mapping.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "journeysim/sweep/design.hpp"

using namespace journeysim::sweep;

namespace {

Factor levels(const std::string& name, std::vector<double> values) {
  Factor f;
  f.name = f.path = name;
  f.kind = Factor::Kind::levels;
  f.levels = std::move(values);
  return f;
}
Factor choices(const std::string& name, std::vector<std::string> words) {
  Factor f;
  f.name = f.path = name;
  f.kind = Factor::Kind::choices;
  f.choices = std::move(words);
  return f;
}
Factor range(const std::string& name, double lo, double hi, int count = 3, bool log = false,
             bool integer = false) {
  Factor f;
  f.name = f.path = name;
  f.kind = Factor::Kind::range;
  f.lo = lo;
  f.hi = hi;
  f.range_levels = count;
  f.log_scale = log;
  f.integer = integer;
  return f;
}
DesignSettings settings(DesignKind kind, std::uint64_t n = 0, std::uint64_t seed = 0) {
  DesignSettings s;
  s.kind = kind;
  s.n = n;
  s.trajectories = n;
  s.seed = seed;
  return s;
}

// The message of the std::invalid_argument that f throws ("" if it throws none).
template <typename F>
std::string error_of(F f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

// An independent Sobol generator (Bratley-Fox / Joe-Kuo, Gray code order), 32 bits:
// new-joe-kuo-6.21201 dimensions 2..6 as (degree s, coefficients a, initial m_1 .. m_s);
// dimension 1 has every m = 1 (the van der Corput sequence in base 2).
struct JoeKuo {
  unsigned s, a;
  std::vector<std::uint32_t> m;
};
const std::vector<JoeKuo> kJoeKuo = {
    {1, 0, {1}}, {2, 1, {1, 3}}, {3, 1, {1, 3, 1}}, {3, 2, {1, 1, 1}}, {4, 1, {1, 1, 3, 3}}};

// Points 1 .. count of the sequence in `dims` dimensions (point 0 is all zeros).
std::vector<std::vector<double>> reference_sobol(std::size_t dims, std::size_t count) {
  std::vector<std::vector<std::uint32_t>> v(dims, std::vector<std::uint32_t>(33));
  for (std::size_t d = 0; d < dims; ++d) {
    std::vector<std::uint32_t> m(33);
    if (d == 0) {
      for (unsigned i = 1; i <= 32; ++i) m[i] = 1;
    } else {
      const JoeKuo& jk = kJoeKuo.at(d - 1);
      for (unsigned i = 1; i <= jk.s; ++i) m[i] = jk.m[i - 1];
      // m_i = 2 a_1 m_{i-1} ^ 4 a_2 m_{i-2} ^ .. ^ 2^s m_{i-s} ^ m_{i-s} (a_1 = top bit of a).
      for (unsigned i = jk.s + 1; i <= 32; ++i) {
        std::uint32_t x = m[i - jk.s] ^ (m[i - jk.s] << jk.s);
        for (unsigned q = 1; q < jk.s; ++q)
          if ((jk.a >> (jk.s - 1 - q)) & 1) x ^= m[i - q] << q;
        m[i] = x;
      }
    }
    for (unsigned i = 1; i <= 32; ++i) v[d][i] = m[i] << (32 - i);
  }
  std::vector<std::uint32_t> x(dims, 0);
  std::vector<std::vector<double>> out;
  for (std::size_t i = 0; i < count; ++i) {
    unsigned c = 1;  // position of the lowest zero bit of i, from 1
    for (std::size_t b = i; b & 1; b >>= 1) ++c;
    std::vector<double> row;
    for (std::size_t d = 0; d < dims; ++d) {
      x[d] ^= v[d][c];
      row.push_back(x[d] / 4294967296.0);
    }
    out.push_back(row);
  }
  return out;
}

}  // namespace

TEST(SweepDesign, Names) {
  for (DesignKind k : {DesignKind::full_factorial, DesignKind::lhs, DesignKind::sobol,
                       DesignKind::morris, DesignKind::points}) {
    ASSERT_TRUE(design_from_name(design_name(k)).has_value());
    EXPECT_EQ(*design_from_name(design_name(k)), k);
  }
  EXPECT_STREQ(design_name(DesignKind::full_factorial), "full_factorial");
  EXPECT_STREQ(design_name(DesignKind::lhs), "lhs");
  EXPECT_STREQ(design_name(DesignKind::sobol), "sobol");
  EXPECT_STREQ(design_name(DesignKind::morris), "morris");
  EXPECT_STREQ(design_name(DesignKind::points), "points");
  EXPECT_FALSE(design_from_name("factorial").has_value());
  EXPECT_FALSE(design_from_name("").has_value());
}

// Sizes: product of level counts, n, N (k + 2), r (k + 1), rows; design_size agrees with the
// number of points make_design produces.
TEST(SweepDesign, CountsAndDesignSize) {
  const std::vector<Factor> fs = {levels("a", {1, 2}), choices("b", {"x", "y", "z"}),
                                  range("c", 0, 1, 4)};
  struct Case {
    DesignSettings s;
    std::uint64_t expected;
  };
  DesignSettings pts = settings(DesignKind::points);
  pts.rows.assign(7, std::vector<FactorValue>{{1, -1}, {0, 0}, {0.5, -1}});
  DesignSettings mor = settings(DesignKind::morris, 5, 3);
  mor.morris_levels = 6;
  const std::vector<Case> cases = {{settings(DesignKind::full_factorial), 2 * 3 * 4},
                                   {settings(DesignKind::lhs, 13, 1), 13},
                                   {settings(DesignKind::lhs, 1, 1), 1},
                                   {settings(DesignKind::sobol, 32), 32 * 5},
                                   {settings(DesignKind::sobol, 2), 2 * 5},
                                   {mor, 5 * 4},
                                   {pts, 7}};
  for (const Case& c : cases) {
    SCOPED_TRACE(design_name(c.s.kind));
    EXPECT_EQ(design_size(fs, c.s), c.expected);
    const Design d = make_design(fs, c.s);
    EXPECT_EQ(d.points.size(), c.expected);
    EXPECT_EQ(d.kind, c.s.kind);
    EXPECT_EQ(d.factors, fs.size());
    for (const auto& p : d.points) EXPECT_EQ(p.size(), fs.size());
    const bool sampled = c.s.kind == DesignKind::lhs || c.s.kind == DesignKind::sobol ||
                         c.s.kind == DesignKind::morris;
    EXPECT_EQ(d.unit.size(), sampled ? c.expected : 0u);
    EXPECT_EQ(d.level.size(), c.s.kind == DesignKind::full_factorial ? c.expected : 0u);
  }
  EXPECT_NE(error_of([&] { make_design({}, settings(DesignKind::lhs, 4)); }), "");
}

// Levels index the last factor fastest: point p = ((a * 3) + b) * 3 + c. The log range 1..100 in
// three levels is 1, 10, 100.
TEST(SweepDesign, FullFactorialOrderAndValues) {
  const std::vector<Factor> fs = {levels("a", {5, 7}), choices("b", {"x", "y", "z"}),
                                  range("c", 1, 100, 3, true)};
  const Design d = make_design(fs, settings(DesignKind::full_factorial));
  ASSERT_EQ(d.points.size(), 18u);
  ASSERT_EQ(d.level.size(), 18u);
  const double c_values[] = {1, 10, 100};
  for (std::uint32_t a = 0; a < 2; ++a)
    for (std::uint32_t b = 0; b < 3; ++b)
      for (std::uint32_t c = 0; c < 3; ++c) {
        const std::size_t p = (a * 3 + b) * 3 + c;
        SCOPED_TRACE(p);
        EXPECT_EQ(d.level[p], (std::vector<std::uint32_t>{a, b, c}));
        EXPECT_EQ(d.points[p][0].number, a == 0 ? 5 : 7);
        EXPECT_EQ(d.points[p][0].choice, -1);
        EXPECT_EQ(d.points[p][1].choice, static_cast<int>(b));
        EXPECT_EQ(d.points[p][1].number, b);
        EXPECT_NEAR(d.points[p][2].number, c_values[c], 1e-12 * c_values[c]);
      }
  EXPECT_EQ(d.points[0][2].number, 1);  // the ends of a range are exact
  EXPECT_EQ(d.points[2][2].number, 100);
}

// Integer ranges round after the scale and stay inside [ceil(lo), floor(hi)].
TEST(SweepDesign, FullFactorialIntegerRounding) {
  const std::vector<Factor> fs = {range("n", 0, 10, 4, false, true),
                                  range("m", 0.5, 3.5, 2, false, true),
                                  range("g", 1, 1000, 4, true, true)};
  const Design d = make_design(fs, settings(DesignKind::full_factorial));
  ASSERT_EQ(d.points.size(), 4u * 2 * 4);
  std::vector<double> n, m, g;
  for (std::size_t i = 0; i < 4; ++i) n.push_back(factor_level(fs[0], i).number);
  for (std::size_t i = 0; i < 2; ++i) m.push_back(factor_level(fs[1], i).number);
  for (std::size_t i = 0; i < 4; ++i) g.push_back(factor_level(fs[2], i).number);
  EXPECT_EQ(n, (std::vector<double>{0, 3, 7, 10}));  // 0, 3.33, 6.67, 10
  EXPECT_EQ(m, (std::vector<double>{1, 3}));         // 0.5 -> 1; 3.5 -> 4, clamped to 3
  EXPECT_EQ(g, (std::vector<double>{1, 10, 100, 1000}));
  EXPECT_EQ(d.points[1][2].number, 10);
  EXPECT_EQ(d.points[8][0].number, 3);
  EXPECT_EQ(value_text(fs[0], d.points[8][0]), "3");
  // A single level of a range is its middle.
  EXPECT_EQ(factor_level(range("x", 0, 10, 1), 0).number, 5);
  EXPECT_THROW(factor_level(fs[0], 4), std::out_of_range);
}

TEST(SweepDesign, FullFactorialErrors) {
  EXPECT_NE(
      error_of([] {
        make_design({levels("a", {1}), levels("empty", {})}, settings(DesignKind::full_factorial));
      }),
      "");
  EXPECT_NE(
      error_of([] { make_design({range("r", 0, 1, 0)}, settings(DesignKind::full_factorial)); }),
      "");
  // 10^7 points is the limit: counted without generating, one more factor level is refused.
  std::vector<Factor> fs(7, range("r", 0, 1, 10));
  EXPECT_EQ(design_size(fs, settings(DesignKind::full_factorial)), 10'000'000u);
  fs.push_back(levels("two", {1, 2}));
  EXPECT_NE(error_of([&] { design_size(fs, settings(DesignKind::full_factorial)); }), "");
  EXPECT_NE(error_of([&] { make_design(fs, settings(DesignKind::full_factorial)); }), "");
  // Overflowing products are refused too, not wrapped around.
  std::vector<Factor> huge(40, range("r", 0, 1, 1 << 30));
  EXPECT_NE(error_of([&] { design_size(huge, settings(DesignKind::full_factorial)); }), "");
}

// Each factor has exactly one point in each of the n strata [s/n, (s+1)/n]; values are the
// mapped unit coordinates; a seed gives the same points, another seed others.
TEST(SweepDesign, LatinHypercube) {
  const std::vector<Factor> fs = {range("lin", -2, 8), range("log", 1, 1000, 3, true),
                                  levels("lev", {10, 20, 30, 40, 50}), choices("ch", {"a", "b"})};
  const std::uint64_t n = 50;
  const Design d = make_design(fs, settings(DesignKind::lhs, n, 42));
  ASSERT_EQ(d.unit.size(), n);
  ASSERT_EQ(d.points.size(), n);
  for (std::size_t f = 0; f < fs.size(); ++f) {
    std::vector<int> in_stratum(n, 0);
    for (std::size_t p = 0; p < n; ++p) {
      const double u = d.unit[p][f];
      ASSERT_GE(u, 0.0);
      ASSERT_LE(u, 1.0);
      const auto s = std::min<std::size_t>(static_cast<std::size_t>(u * n), n - 1);
      ++in_stratum[s];
      const FactorValue v = factor_value(fs[f], u);
      EXPECT_EQ(d.points[p][f].number, v.number);
      EXPECT_EQ(d.points[p][f].choice, v.choice);
    }
    for (std::size_t s = 0; s < n; ++s)
      EXPECT_EQ(in_stratum[s], 1) << "factor " << f << " stratum " << s;
  }
  for (const auto& p : d.points) {
    EXPECT_GE(p[0].number, -2);
    EXPECT_LE(p[0].number, 8);
    EXPECT_GE(p[1].number, 1);
    EXPECT_LE(p[1].number, 1000);
  }
  // 50 strata over 5 level cells: 10 points per level, and 25 per choice.
  std::vector<int> per_level(5), per_choice(2);
  for (const auto& p : d.points) {
    ++per_level[static_cast<std::size_t>(p[2].number / 10 - 1)];
    ++per_choice[p[3].choice];
  }
  EXPECT_EQ(per_level, (std::vector<int>{10, 10, 10, 10, 10}));
  EXPECT_EQ(per_choice, (std::vector<int>{25, 25}));

  EXPECT_EQ(make_design(fs, settings(DesignKind::lhs, n, 42)).unit, d.unit);
  const Design other = make_design(fs, settings(DesignKind::lhs, n, 43));
  EXPECT_NE(other.unit, d.unit);
  // Columns are independent permutations, not one shared ordering.
  std::vector<std::size_t> s0, s1;
  for (const auto& u : d.unit) {
    s0.push_back(static_cast<std::size_t>(u[0] * n));
    s1.push_back(static_cast<std::size_t>(u[1] * n));
  }
  EXPECT_NE(s0, s1);
  // A one-point hypercube is a single point anywhere in [0, 1).
  const Design one = make_design({range("x", 0, 1)}, settings(DesignKind::lhs, 1, 5));
  ASSERT_EQ(one.unit.size(), 1u);
  EXPECT_LT(one.unit[0][0], 1.0);
  EXPECT_NE(error_of([&] { make_design(fs, settings(DesignKind::lhs, 0, 1)); }), "");
}

// What Boost's sobol engine gives (Boost >= 1.71 starts past the all-zero point): in two
// dimensions (0.5, 0.5), (0.75, 0.25), (0.25, 0.75), (0.375, 0.375), ...; with k = 1, A is the
// first coordinate and B the second.
TEST(SweepDesign, SobolFirstPoints) {
  const Design d = make_design({range("x", 0, 1)}, settings(DesignKind::sobol, 4));
  ASSERT_EQ(d.unit.size(), 4u * 3);
  EXPECT_EQ(d.sobol_n, 4u);
  const std::vector<double> a = {0.5, 0.75, 0.25, 0.375}, b = {0.5, 0.25, 0.75, 0.375};
  for (std::size_t j = 0; j < 4; ++j) {
    EXPECT_EQ(d.unit[j][0], a[j]);
    EXPECT_EQ(d.unit[4 + j][0], b[j]);
    EXPECT_EQ(d.unit[8 + j][0], b[j]);  // AB_1 = A with its only column from B
  }
}

// N (k + 2) points in the order A, B, AB_1 .. AB_k; AB_i is A with column i from B; A and B are
// dimensions 1..k and k+1..2k of the Sobol sequence, compared with the generator above.
TEST(SweepDesign, SobolSaltelliLayout) {
  const std::vector<Factor> fs = {range("x", 0, 1), range("y", 10, 20),
                                  range("z", 1, 100, 3, true)};
  const std::size_t k = 3, n = 64;
  const Design d = make_design(fs, settings(DesignKind::sobol, n));
  ASSERT_EQ(d.unit.size(), n * (k + 2));
  ASSERT_EQ(d.points.size(), n * (k + 2));
  EXPECT_EQ(d.sobol_n, n);
  const auto ref = reference_sobol(2 * k, n);
  for (std::size_t j = 0; j < n; ++j) {
    for (std::size_t f = 0; f < k; ++f) {
      EXPECT_EQ(d.unit[j][f], ref[j][f]) << "A row " << j << " column " << f;
      EXPECT_EQ(d.unit[n + j][f], ref[j][k + f]) << "B row " << j << " column " << f;
    }
    for (std::size_t i = 0; i < k; ++i)
      for (std::size_t f = 0; f < k; ++f)
        EXPECT_EQ(d.unit[(2 + i) * n + j][f], f == i ? d.unit[n + j][f] : d.unit[j][f]);
  }
  for (std::size_t p = 0; p < d.points.size(); ++p)
    for (std::size_t f = 0; f < k; ++f)
      EXPECT_EQ(d.points[p][f].number, factor_value(fs[f], d.unit[p][f]).number);
  // Sequence points 0 .. N-1 put one point in each 1/N cell of every coordinate; the design
  // uses points 1 .. N (not the all-zero point 0), so cell 0 is empty and N - 1 cells are used.
  for (std::size_t f = 0; f < k; ++f)
    for (std::size_t base : {std::size_t{0}, n}) {
      std::set<double> cells;
      for (std::size_t j = 0; j < n; ++j) cells.insert(std::floor(d.unit[base + j][f] * n));
      EXPECT_EQ(cells.size(), n - 1);
      EXPECT_EQ(cells.count(0.0), 0u);
    }
  // Quasi-random: no seed involved.
  DesignSettings seeded = settings(DesignKind::sobol, n, 99);
  EXPECT_EQ(make_design(fs, seeded).unit, d.unit);
}

TEST(SweepDesign, SobolErrors) {
  const std::vector<Factor> fs = {range("x", 0, 1), range("y", 0, 1)};
  EXPECT_EQ(error_of([&] { make_design(fs, settings(DesignKind::sobol, 100)); }),
            "sobol: n must be a power of two (2, 4, 8, ...), found 100");
  EXPECT_EQ(error_of([&] { design_size(fs, settings(DesignKind::sobol, 100)); }),
            "sobol: n must be a power of two (2, 4, 8, ...), found 100");
  EXPECT_NE(error_of([&] { make_design(fs, settings(DesignKind::sobol, 0)); }), "");
  EXPECT_NE(error_of([&] { make_design(fs, settings(DesignKind::sobol, 1)); }), "");
  EXPECT_NE(error_of([&] { make_design(fs, settings(DesignKind::sobol, 6)); }), "");
  // The generator has 3667 dimensions: at most 1833 factors.
  EXPECT_NE(error_of([&] {
              design_size(std::vector<Factor>(1834, range("x", 0, 1)),
                          settings(DesignKind::sobol, 2));
            }),
            "");
  EXPECT_EQ(
      design_size(std::vector<Factor>(1833, range("x", 0, 1)), settings(DesignKind::sobol, 2)),
      2u * 1835);
}

// r trajectories of k + 1 points: each step moves exactly one factor by exactly delta, each
// factor once per trajectory, all points on the grid {0, 1/(p-1), .., 1}.
TEST(SweepDesign, MorrisTrajectories) {
  const std::vector<Factor> fs = {range("a", 0, 1), range("b", -5, 5), levels("c", {1, 2, 3}),
                                  range("d", 1, 100, 3, true), choices("e", {"x", "y"})};
  const std::size_t k = fs.size();
  for (std::uint64_t p : {2u, 4u, 6u, 10u}) {
    SCOPED_TRACE(p);
    DesignSettings s = settings(DesignKind::morris, 20, 7);
    s.morris_levels = p;
    const Design d = make_design(fs, s);
    const std::size_t r = 20;
    ASSERT_EQ(d.points.size(), r * (k + 1));
    ASSERT_EQ(d.morris_factor.size(), r);
    ASSERT_EQ(d.morris_step.size(), r);
    EXPECT_EQ(d.morris_levels, p);
    const double delta = static_cast<double>(p) / (2.0 * (p - 1));
    EXPECT_DOUBLE_EQ(d.morris_delta, delta);
    int ups = 0, downs = 0;
    for (std::size_t t = 0; t < r; ++t) {
      std::vector<std::uint32_t> moved = d.morris_factor[t];
      std::sort(moved.begin(), moved.end());
      for (std::size_t i = 0; i < k; ++i) EXPECT_EQ(moved[i], i);
      for (std::size_t j = 0; j < k; ++j) {
        const auto& before = d.unit[t * (k + 1) + j];
        const auto& after = d.unit[t * (k + 1) + j + 1];
        std::size_t changed = 0;
        for (std::size_t f = 0; f < k; ++f)
          if (before[f] != after[f]) {
            ++changed;
            EXPECT_EQ(f, d.morris_factor[t][j]);
            EXPECT_NEAR(std::abs(after[f] - before[f]), delta, 1e-12);
            EXPECT_EQ(after[f] - before[f], d.morris_step[t][j]);
          }
        EXPECT_EQ(changed, 1u);
        (d.morris_step[t][j] > 0 ? ups : downs)++;
      }
    }
    EXPECT_GT(ups, 0);
    EXPECT_GT(downs, 0);
    for (std::size_t q = 0; q < d.unit.size(); ++q)
      for (std::size_t f = 0; f < k; ++f) {
        const double u = d.unit[q][f], g = u * static_cast<double>(p - 1);
        EXPECT_GE(u, 0.0);
        EXPECT_LE(u, 1.0);
        EXPECT_NEAR(g, std::round(g), 1e-9);
        EXPECT_EQ(d.points[q][f].number, factor_value(fs[f], u).number);
      }
    EXPECT_EQ(make_design(fs, s).unit, d.unit);
    s.seed = 8;
    EXPECT_NE(make_design(fs, s).unit, d.unit);
  }
}

TEST(SweepDesign, MorrisErrors) {
  const std::vector<Factor> fs = {range("a", 0, 1)};
  DesignSettings s = settings(DesignKind::morris, 3);
  for (std::uint64_t p : {0u, 1u, 3u, 5u}) {
    s.morris_levels = p;
    EXPECT_NE(error_of([&] { make_design(fs, s); }), "") << p;
  }
  s.morris_levels = 4;
  s.trajectories = 0;
  EXPECT_NE(error_of([&] { design_size(fs, s); }), "");
}

// Explicit points are kept as given; every row needs one value per factor.
TEST(SweepDesign, Points) {
  const std::vector<Factor> fs = {range("a", 0, 10), choices("b", {"x", "y"})};
  DesignSettings s = settings(DesignKind::points);
  s.rows = {{{1.5, -1}, {1, 1}}, {{7, -1}, {0, 0}}};
  const Design d = make_design(fs, s);
  ASSERT_EQ(d.points.size(), 2u);
  EXPECT_EQ(d.points[0][0].number, 1.5);
  EXPECT_EQ(d.points[0][1].choice, 1);
  EXPECT_EQ(d.points[1][0].number, 7);
  EXPECT_EQ(d.points[1][1].choice, 0);
  EXPECT_TRUE(d.unit.empty());
  s.rows.push_back({{3, -1}});
  const std::string e = error_of([&] { make_design(fs, s); });
  EXPECT_NE(e.find("row 3"), std::string::npos) << e;
  EXPECT_EQ(error_of([&] { design_size(fs, s); }), e);
  s.rows.back() = {{3, -1}, {0, 0}, {1, -1}};
  EXPECT_NE(error_of([&] { make_design(fs, s); }), "");
  s.rows.clear();
  EXPECT_NE(error_of([&] { make_design(fs, s); }), "");
}

// factor_value: ends of ranges, log scale, integer rounding and clamping, level and choice cells.
TEST(SweepDesign, FactorValue) {
  const Factor lin = range("lin", 2, 6);
  EXPECT_EQ(factor_value(lin, 0).number, 2);
  EXPECT_EQ(factor_value(lin, 1).number, 6);
  EXPECT_EQ(factor_value(lin, 0.25).number, 3);
  EXPECT_EQ(factor_value(lin, 0.25).choice, -1);
  const Factor lg = range("log", 0.01, 100, 3, true);
  EXPECT_EQ(factor_value(lg, 0).number, 0.01);
  EXPECT_EQ(factor_value(lg, 1).number, 100);
  EXPECT_NEAR(factor_value(lg, 0.5).number, 1, 1e-12);
  EXPECT_NEAR(factor_value(lg, 0.25).number, 0.1, 1e-13);
  const Factor in = range("int", 0.5, 9.5, 3, false, true);
  EXPECT_EQ(factor_value(in, 0).number, 1);     // round(0.5) = 1
  EXPECT_EQ(factor_value(in, 1).number, 9);     // round(9.5) = 10 -> clamped to 9
  EXPECT_EQ(factor_value(in, 0.3).number, 3);   // 3.2
  EXPECT_EQ(factor_value(in, 0.35).number, 4);  // 3.65
  const Factor lv = levels("lev", {10, 20, 40});
  EXPECT_EQ(factor_value(lv, 0).number, 10);
  EXPECT_EQ(factor_value(lv, 1.0 / 3 - 1e-9).number, 10);
  EXPECT_EQ(factor_value(lv, 1.0 / 3 + 1e-9).number, 20);
  EXPECT_EQ(factor_value(lv, 0.999).number, 40);
  EXPECT_EQ(factor_value(lv, 1).number, 40);  // u = 1 is in the last cell
  EXPECT_EQ(factor_value(lv, 1).choice, -1);
  const Factor ch = choices("ch", {"email", "call"});
  EXPECT_EQ(factor_value(ch, 0.49).choice, 0);
  EXPECT_EQ(factor_value(ch, 0.5).choice, 1);
  EXPECT_EQ(factor_value(ch, 1).choice, 1);
  EXPECT_EQ(factor_value(ch, 1).number, 1);
}

TEST(SweepDesign, ValueText) {
  const Factor num = range("x", 0, 100);
  EXPECT_EQ(value_text(num, {12, -1}), "12");
  EXPECT_EQ(value_text(num, {0.25, -1}), "0.25");
  EXPECT_EQ(value_text(num, {0.1, -1}), "0.1");
  EXPECT_EQ(value_text(num, {-3, -1}), "-3");
  EXPECT_EQ(value_text(num, {-0.0, -1}), "0");
  EXPECT_EQ(value_text(num, {1e16, -1}), "10000000000000000");  // not "1e+16"
  EXPECT_EQ(value_text(num, {1.0 / 3, -1}), "0.3333333333333333");
  EXPECT_EQ(std::stod(value_text(num, {0.1 + 0.2, -1})), 0.1 + 0.2);  // round trip
  const Factor ch = choices("ch", {"email", "call"});
  EXPECT_EQ(value_text(ch, {1, 1}), "call");
  EXPECT_EQ(value_text(ch, {0, 0}), "email");
  EXPECT_THROW(value_text(ch, {2, 2}), std::out_of_range);
}
