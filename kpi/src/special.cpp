#include "journeysim/kpi/special.hpp"

#include <boost/math/special_functions/gamma.hpp>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace journeysim::kpi {
namespace {

constexpr long kMaxTerms = 4'000'000;

bool non_positive_integer(double x) {
  return x <= 0 && x == std::floor(x);
}

// Power series of 2F1 for |z| < 1.
double series(double a, double b, double c, double z) {
  double term = 1.0, sum = 1.0;
  for (long n = 0; n < kMaxTerms; ++n) {
    const double dn = static_cast<double>(n);
    const double ratio = (a + dn) * (b + dn) / ((c + dn) * (dn + 1.0)) * z;
    term *= ratio;
    sum += term;
    if (term == 0.0) return sum;
    const double r = std::abs(ratio);
    if (r < 1.0 && std::abs(term) * r / (1.0 - r) <= 1e-17 * std::abs(sum)) return sum;
    if (!std::isfinite(sum)) break;
  }
  throw std::runtime_error("hyp2f1(" + std::to_string(a) + ", " + std::to_string(b) + "; " +
                           std::to_string(c) + "; " + std::to_string(z) +
                           "): power series did not converge");
}

// 1/Gamma(x) as sign * exp(logabs); zero for non-positive integers.
struct RecipGamma {
  double log_abs = 0;
  int sign = 0;  // 0 means 1/Gamma = 0
};
RecipGamma recip_gamma(double x) {
  if (non_positive_integer(x)) return {};
  int s = 1;
  double lg = boost::math::lgamma(x, &s);
  return {-lg, s};
}

// A&S 15.3.6, valid when c-a-b is not an integer.
double connection_1mz(double a, double b, double c, double z) {
  const double m = c - a - b;
  const double w = 1.0 - z;
  auto term = [&](double g1, double g2, RecipGamma r1, RecipGamma r2, double series_value,
                  double prefactor_log) {
    if (r1.sign == 0 || r2.sign == 0 || series_value == 0.0) return 0.0;
    int s1 = 1, s2 = 1;
    const double l1 = boost::math::lgamma(g1, &s1);
    const double l2 = boost::math::lgamma(g2, &s2);
    const double sign = s1 * s2 * r1.sign * r2.sign * (series_value < 0 ? -1.0 : 1.0);
    return sign * std::exp(l1 + l2 + r1.log_abs + r2.log_abs + std::log(std::abs(series_value)) +
                           prefactor_log);
  };
  const double f1 = series(a, b, a + b - c + 1.0, w);
  const double f2 = series(c - a, c - b, m + 1.0, w);
  return term(c, m, recip_gamma(c - a), recip_gamma(c - b), f1, 0.0) +
         term(c, -m, recip_gamma(a), recip_gamma(b), f2, m * std::log(w));
}

}  // namespace

double hyp2f1(double a, double b, double c, double z) {
  if (!(std::isfinite(a) && std::isfinite(b) && std::isfinite(c) && std::isfinite(z)))
    return std::numeric_limits<double>::quiet_NaN();
  if (non_positive_integer(c))
    throw std::runtime_error("hyp2f1: c = " + std::to_string(c) + " is a non-positive integer");
  if (z >= 1.0) throw std::runtime_error("hyp2f1: z = " + std::to_string(z) + " >= 1");
  if (z == 0.0 || a == 0.0 || b == 0.0) return 1.0;
  if (z < 0.0) {
    // Pfaff: 2F1(a,b;c;z) = (1-z)^(-a) 2F1(a, c-b; c; z/(z-1)), with z/(z-1) in (0, 1).
    return std::pow(1.0 - z, -a) * hyp2f1(a, c - b, c, z / (z - 1.0));
  }
  if (z <= 0.9) return series(a, b, c, z);
  const double m = c - a - b;
  if (std::abs(m - std::round(m)) > 1e-3) return connection_1mz(a, b, c, z);
  return series(a, b, c, z);
}

double log_beta(double a, double b) {
  return std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b);
}

double log_add_exp(double a, double b) {
  if (a == -std::numeric_limits<double>::infinity()) return b;
  if (b == -std::numeric_limits<double>::infinity()) return a;
  const double m = std::max(a, b);
  return m + std::log1p(std::exp(-std::abs(a - b)));
}

double log1m_exp(double x) {
  if (x > 0) return std::numeric_limits<double>::quiet_NaN();
  return x > -0.6931471805599453 ? std::log(-std::expm1(x)) : std::log1p(-std::exp(x));
}

}  // namespace journeysim::kpi
