// Sampling time-to-event distributions and counts from a Stream (private to sim/).
#pragma once
#include <algorithm>
#include <boost/random/binomial_distribution.hpp>
#include <boost/random/gamma_distribution.hpp>
#include <boost/random/poisson_distribution.hpp>
#include <cmath>
#include <cstdint>

#include "journeysim/sim/rng.hpp"
#include "journeysim/sim/scenario.hpp"

namespace journeysim::sim {

// Standard normal by inversion (Acklam's rational approximation refined by one Halley step):
// one uniform per draw, so streams stay aligned across parameter changes.
inline double normal_quantile(double p) {
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,  -2.759285104469687e+02,
                             1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                             6.680131188771972e+01, -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                             -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                             3.754408661907416e+00};
  double q, r, x;
  if (p < 0.02425) {
    q = std::sqrt(-2 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p > 1 - 0.02425) {
    q = std::sqrt(-2 * std::log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else {
    q = p - 0.5;
    r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  }
  double e = 0.5 * std::erfc(-x / std::sqrt(2.0)) - p;  // Halley refinement
  double u = e * std::sqrt(2 * M_PI) * std::exp(x * x / 2);
  return x - u / (1 + x * u / 2);
}

inline double sample(const Distribution& d, Stream& st) {
  switch (d.kind) {
    case Distribution::Kind::Exponential:
      return st.exponential(d.a);
    case Distribution::Kind::Weibull:
      return d.b * std::pow(-std::log(st.uniform()), 1.0 / d.a);
    case Distribution::Kind::LogNormal:
      return std::exp(d.a + d.b * normal_quantile(st.uniform()));
    case Distribution::Kind::Gamma: {
      boost::random::gamma_distribution<double> g(d.a, d.b);
      return g(st);
    }
    case Distribution::Kind::Fixed:
      return d.a;
    case Distribution::Kind::Empirical: {
      double u = st.uniform();
      auto it = std::lower_bound(d.cdf.begin(), d.cdf.end(), u);
      if (it == d.cdf.end()) --it;
      return d.values[static_cast<std::size_t>(it - d.cdf.begin())];
    }
  }
  return 0;
}

inline std::int64_t sample_poisson(Stream& st, double mean) {
  if (mean <= 0) return 0;
  boost::random::poisson_distribution<std::int64_t, double> p(mean);
  return p(st);
}

inline std::int64_t sample_binomial(Stream& st, std::int64_t n, double p) {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  boost::random::binomial_distribution<std::int64_t, double> b(n, p);
  return b(st);
}

}  // namespace journeysim::sim
