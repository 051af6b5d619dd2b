// Designs of experiments (design.hpp). Everything random here comes from a generator whose
// output the C++ and Boost standards fix bit for bit (mt19937_64), turned into integers and
// doubles by code written out below rather than std:: distributions (whose algorithms are left
// to the implementation), so a sweep file gives the same points with any compiler or library.
#include "journeysim/sweep/design.hpp"

#include <algorithm>
#include <boost/random/mersenne_twister.hpp>
#include <boost/random/sobol.hpp>
#include <charconv>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>
#include <system_error>

#include "journeysim/sim/rng.hpp"

namespace journeysim::sweep {
namespace {

// A design with more points than this is refused: it could not be run as a sweep anyway, and
// refusing it early keeps a typo (levels: 1000) from allocating gigabytes.
constexpr std::uint64_t kMaxPoints = 10'000'000;

// Deterministic uniform draws from a seed (see the file comment). `purpose` separates the
// streams of different designs drawn from the same seed.
class Rng {
 public:
  Rng(std::uint64_t seed, std::uint64_t purpose) : engine_(sim::mix(seed, purpose)) {}
  // Uniform on [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  // Uniform integer in [0, n), n >= 1, without modulo bias: reject the 2^64 mod n lowest words
  // so the accepted range is a whole number of copies of [0, n).
  std::uint64_t below(std::uint64_t n) {
    const std::uint64_t reject = (0 - n) % n;  // 2^64 mod n
    for (;;) {
      const std::uint64_t x = engine_();
      if (x >= reject) return x % n;
    }
  }
  // A uniformly random permutation of 0 .. n-1 (Fisher-Yates, from the top down).
  std::vector<std::uint32_t> permutation(std::size_t n) {
    std::vector<std::uint32_t> p(n);
    std::iota(p.begin(), p.end(), 0u);
    for (std::size_t i = n; i > 1; --i) std::swap(p[i - 1], p[below(i)]);
    return p;
  }

 private:
  boost::random::mt19937_64 engine_;
};

constexpr std::uint64_t kLhsStream = 0x6c6873;     // "lhs"
constexpr std::uint64_t kMorrisStream = 0x6d6f72;  // "mor"

bool power_of_two(std::uint64_t n) {
  return n != 0 && (n & (n - 1)) == 0;
}

// a * b, or nullopt past kMaxPoints (so huge settings cannot overflow).
std::optional<std::uint64_t> times(std::uint64_t a, std::uint64_t b) {
  if (a != 0 && b > kMaxPoints / a) return std::nullopt;
  if (a * b > kMaxPoints) return std::nullopt;
  return a * b;
}

[[noreturn]] void too_many(const std::string& what) {
  throw std::invalid_argument(what + ": the design has more than " + std::to_string(kMaxPoints) +
                              " points");
}

// Maximum factors of a sobol design: the generator draws A and B from one 2k-dimensional
// sequence.
constexpr std::size_t kSobolMaxFactors = BOOST_RANDOM_SOBOL_MAX_DIMENSION / 2;

// Checks the settings and returns the number of points; shared by make_design and design_size
// so that the two agree on both the count and the errors.
std::uint64_t checked_size(const std::vector<Factor>& factors, const DesignSettings& s) {
  const char* name = design_name(s.kind);
  const std::uint64_t k = factors.size();
  if (k == 0) throw std::invalid_argument(std::string(name) + ": the design has no factors");
  if (s.kind != DesignKind::points) {
    for (const Factor& f : factors)
      if (f.level_count() < 1)
        throw std::invalid_argument(std::string(name) + ": factor " + f.name + " has no values");
  }
  std::optional<std::uint64_t> total;
  switch (s.kind) {
    case DesignKind::full_factorial:
      total = 1;
      for (const Factor& f : factors)
        if (!(total = times(*total, f.level_count()))) break;
      break;
    case DesignKind::lhs:
      if (s.n < 1) throw std::invalid_argument("lhs: n must be at least 1, found 0");
      total = times(s.n, 1);
      break;
    case DesignKind::sobol:
      if (!power_of_two(s.n) || s.n < 2)
        throw std::invalid_argument("sobol: n must be a power of two (2, 4, 8, ...), found " +
                                    std::to_string(s.n));
      if (k > kSobolMaxFactors)
        throw std::invalid_argument("sobol: at most " + std::to_string(kSobolMaxFactors) +
                                    " factors, found " + std::to_string(k));
      total = times(s.n, k + 2);
      break;
    case DesignKind::morris:
      if (s.trajectories < 1)
        throw std::invalid_argument("morris: trajectories must be at least 1, found 0");
      if (s.morris_levels < 2 || s.morris_levels % 2 != 0 || s.morris_levels > 1'000'000)
        throw std::invalid_argument(
            "morris: levels must be an even number from 2 to 1000000, found " +
            std::to_string(s.morris_levels));
      total = times(s.trajectories, k + 1);
      break;
    case DesignKind::points:
      if (s.rows.empty()) throw std::invalid_argument("points: the table has no rows");
      for (std::size_t r = 0; r < s.rows.size(); ++r)
        if (s.rows[r].size() != k)
          throw std::invalid_argument("points: row " + std::to_string(r + 1) + " has " +
                                      std::to_string(s.rows[r].size()) + " values, expected " +
                                      std::to_string(k) + " (one per factor)");
      total = times(s.rows.size(), 1);
      break;
  }
  if (!total) too_many(name);
  return *total;
}

// Fills points from unit for the designs that draw in the unit hypercube.
void map_unit(const std::vector<Factor>& factors, Design& d) {
  d.points.resize(d.unit.size());
  for (std::size_t p = 0; p < d.unit.size(); ++p) {
    d.points[p].resize(factors.size());
    for (std::size_t f = 0; f < factors.size(); ++f)
      d.points[p][f] = factor_value(factors[f], d.unit[p][f]);
  }
}

void full_factorial(const std::vector<Factor>& factors, std::uint64_t total, Design& d) {
  const std::size_t k = factors.size();
  std::vector<std::vector<FactorValue>> values(k);
  for (std::size_t f = 0; f < k; ++f)
    for (std::size_t i = 0; i < factors[f].level_count(); ++i)
      values[f].push_back(factor_level(factors[f], i));
  d.level.assign(total, std::vector<std::uint32_t>(k));
  d.points.assign(total, std::vector<FactorValue>(k));
  std::vector<std::uint32_t> at(k, 0);  // odometer, last factor fastest
  for (std::uint64_t p = 0; p < total; ++p) {
    d.level[p] = at;
    for (std::size_t f = 0; f < k; ++f) d.points[p][f] = values[f][at[f]];
    for (std::size_t f = k; f-- > 0;) {
      if (++at[f] < values[f].size()) break;
      at[f] = 0;
    }
  }
}

// Latin hypercube: per factor (in order) a permutation of the n strata, then the n positions
// inside them, so each factor has exactly one point in each [s/n, (s+1)/n].
void lhs(std::size_t k, std::uint64_t n, std::uint64_t seed, Design& d) {
  Rng rng(seed, kLhsStream);
  d.unit.assign(n, std::vector<double>(k));
  const double dn = static_cast<double>(n);
  for (std::size_t f = 0; f < k; ++f) {
    const std::vector<std::uint32_t> perm = rng.permutation(n);
    for (std::uint64_t i = 0; i < n; ++i) d.unit[i][f] = (perm[i] + rng.uniform()) / dn;
  }
}

// Saltelli (2010) sampling on Boost's Sobol sequence (Joe-Kuo direction numbers).
void sobol(std::size_t k, std::uint64_t n, Design& d) {
  boost::random::sobol gen(2 * k);
  // boost::random::sobol is the 64-bit engine: each draw is one coordinate as an integer in
  // [0, 2^64) (max() = 2^64 - 1), so the coordinate is x / 2^64. The first 2^m points use only
  // the top m bits, so the conversion is exact for any design we allow.
  static_assert(boost::random::sobol::max() == std::numeric_limits<std::uint64_t>::max());
  auto draw = [&gen] { return std::ldexp(static_cast<double>(gen()), -64); };
  // Boost (1.71 and later) starts the sequence at its point 1, (0.5, 0.5, ...): seed() already
  // steps past the all-zero point 0, so nothing is discarded here. The check keeps the
  // all-zero point out should an engine ever start there (it would make A and B rows equal).
  std::vector<double> row(2 * k);
  std::vector<std::vector<double>> a(n, std::vector<double>(k)), b = a;
  for (std::uint64_t j = 0; j < n; ++j) {
    for (double& x : row) x = draw();
    if (j == 0 && std::all_of(row.begin(), row.end(), [](double x) { return x == 0; }))
      for (double& x : row) x = draw();
    std::copy(row.begin(), row.begin() + k, a[j].begin());
    std::copy(row.begin() + k, row.end(), b[j].begin());
  }
  d.sobol_n = n;
  d.unit.reserve(n * (k + 2));
  for (const auto& r : a) d.unit.push_back(r);
  for (const auto& r : b) d.unit.push_back(r);
  for (std::size_t i = 0; i < k; ++i)
    for (std::uint64_t j = 0; j < n; ++j) {
      d.unit.push_back(a[j]);
      d.unit.back()[i] = b[j][i];
    }
}

// Morris (1991) trajectories on the grid {0, 1/(p-1), .., 1}, in grid indices: delta is p/2
// grid steps. Per trajectory (draws in this order): a base index in {0 .., p/2 - 1} per factor,
// a direction per factor, a random order of the factors. A factor moving up starts at its base
// and ends at base + p/2; one moving down starts at base + p/2 and ends at its base: this is
// the B* = (J x* + (delta/2)((2B - J) D* + J)) P* construction, and every point stays in [0, 1].
void morris(std::size_t k, std::uint64_t r, std::uint64_t p, std::uint64_t seed, Design& d) {
  Rng rng(seed, kMorrisStream);
  const std::uint64_t half = p / 2;
  const double top = static_cast<double>(p - 1);
  d.morris_levels = p;
  d.morris_delta = static_cast<double>(p) / (2.0 * top);
  d.unit.reserve(r * (k + 1));
  for (std::uint64_t t = 0; t < r; ++t) {
    std::vector<std::uint64_t> at(k);
    std::vector<bool> up(k);
    for (auto& g : at) g = rng.below(half);
    for (std::size_t i = 0; i < k; ++i) {
      up[i] = rng.below(2) == 1;
      if (!up[i]) at[i] += half;
    }
    const std::vector<std::uint32_t> order = rng.permutation(k);
    auto push = [&] {
      std::vector<double> u(k);
      for (std::size_t i = 0; i < k; ++i) u[i] = static_cast<double>(at[i]) / top;
      d.unit.push_back(std::move(u));
    };
    push();
    std::vector<double> steps(k);
    for (std::size_t j = 0; j < k; ++j) {
      const std::uint32_t i = order[j];
      at[i] = up[i] ? at[i] + half : at[i] - half;
      push();
      // The step actually taken in unit space (equals +-delta up to rounding), so an
      // elementary effect divides by exactly the move that produced it.
      steps[j] = d.unit.back()[i] - d.unit[d.unit.size() - 2][i];
    }
    d.morris_factor.push_back(order);
    d.morris_step.push_back(std::move(steps));
  }
}

// Shortest text that reads back as v ("12", "0.25"); whole numbers in plain digits.
std::string number_text(double v) {
  if (v == 0) v = 0;  // no "-0"
  char buf[64];
  std::to_chars_result r;
  if (v == std::floor(v) && std::abs(v) < 1e17)
    r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  else
    r = std::to_chars(buf, buf + sizeof buf, v);
  return r.ec == std::errc() ? std::string(buf, r.ptr) : std::to_string(v);
}

}  // namespace

std::size_t Factor::level_count() const {
  switch (kind) {
    case Kind::levels:
      return levels.size();
    case Kind::choices:
      return choices.size();
    case Kind::range:
      return range_levels > 0 ? static_cast<std::size_t>(range_levels) : 0;
  }
  return 0;
}

FactorValue factor_value(const Factor& f, double u) {
  if (!(u >= 0)) u = 0;  // also NaN
  if (u > 1) u = 1;
  if (f.kind != Factor::Kind::range) {
    const std::size_t cells = f.level_count();
    if (cells == 0) throw std::invalid_argument("factor " + f.name + " has no values");
    const std::size_t i =
        std::min(static_cast<std::size_t>(std::floor(u * static_cast<double>(cells))), cells - 1);
    if (f.kind == Factor::Kind::choices) return {static_cast<double>(i), static_cast<int>(i)};
    return {f.levels[i], -1};
  }
  double v;
  if (u == 0)  // the ends exactly, whatever the rounding of the formulas
    v = f.lo;
  else if (u == 1)
    v = f.hi;
  else if (f.log_scale)
    v = std::exp(std::log(f.lo) + u * (std::log(f.hi) - std::log(f.lo)));
  else
    v = f.lo + u * (f.hi - f.lo);
  if (f.integer) {
    v = std::round(v);
    const double lo = std::ceil(std::min(f.lo, f.hi)), hi = std::floor(std::max(f.lo, f.hi));
    if (lo <= hi) v = std::clamp(v, lo, hi);
  }
  return {v, -1};
}

FactorValue factor_level(const Factor& f, std::size_t i) {
  const std::size_t count = f.level_count();
  if (i >= count)
    throw std::out_of_range("factor " + f.name + ": level " + std::to_string(i) + " of " +
                            std::to_string(count));
  switch (f.kind) {
    case Factor::Kind::levels:
      return {f.levels[i], -1};
    case Factor::Kind::choices:
      return {static_cast<double>(i), static_cast<int>(i)};
    case Factor::Kind::range:
      break;
  }
  // Evenly spaced on the factor's scale; a single level is the middle of the range.
  const double u = count == 1 ? 0.5 : static_cast<double>(i) / static_cast<double>(count - 1);
  return factor_value(f, u);
}

std::string value_text(const Factor& f, const FactorValue& v) {
  if (f.kind == Factor::Kind::choices) {
    if (v.choice < 0 || static_cast<std::size_t>(v.choice) >= f.choices.size())
      throw std::out_of_range("factor " + f.name + ": choice " + std::to_string(v.choice) + " of " +
                              std::to_string(f.choices.size()));
    return f.choices[v.choice];
  }
  return number_text(v.number);
}

const char* design_name(DesignKind k) {
  switch (k) {
    case DesignKind::full_factorial:
      return "full_factorial";
    case DesignKind::lhs:
      return "lhs";
    case DesignKind::sobol:
      return "sobol";
    case DesignKind::morris:
      return "morris";
    case DesignKind::points:
      return "points";
  }
  return "?";
}

std::optional<DesignKind> design_from_name(const std::string& name) {
  for (DesignKind k : {DesignKind::full_factorial, DesignKind::lhs, DesignKind::sobol,
                       DesignKind::morris, DesignKind::points})
    if (name == design_name(k)) return k;
  return std::nullopt;
}

Design make_design(const std::vector<Factor>& factors, const DesignSettings& settings) {
  const std::uint64_t total = checked_size(factors, settings);
  const std::size_t k = factors.size();
  Design d;
  d.kind = settings.kind;
  d.factors = k;
  switch (settings.kind) {
    case DesignKind::full_factorial:
      full_factorial(factors, total, d);
      return d;
    case DesignKind::lhs:
      lhs(k, settings.n, settings.seed, d);
      break;
    case DesignKind::sobol:
      sobol(k, settings.n, d);
      break;
    case DesignKind::morris:
      morris(k, settings.trajectories, settings.morris_levels, settings.seed, d);
      break;
    case DesignKind::points:
      d.points = settings.rows;
      return d;
  }
  map_unit(factors, d);
  return d;
}

std::uint64_t design_size(const std::vector<Factor>& factors, const DesignSettings& settings) {
  return checked_size(factors, settings);
}

}  // namespace journeysim::sweep
