// Special functions needed by the CLV models.
#pragma once

namespace journeysim::kpi {

// Gauss hypergeometric function 2F1(a, b; c; z) for real z < 1 and c not a non-positive integer.
// Power series for |z| <= 0.9; for 0.9 < z < 1 the 1-z connection formula (Abramowitz & Stegun
// 15.3.6) when c-a-b is not (close to) an integer, else the (slower) power series. Throws if the
// series does not converge within its term budget.
double hyp2f1(double a, double b, double c, double z);

// log B(a, b) for a, b > 0.
double log_beta(double a, double b);

// log(exp(a) + exp(b)), exact for -inf arguments.
double log_add_exp(double a, double b);

// log(1 - exp(x)) for x <= 0 (Maechler 2012).
double log1m_exp(double x);

}  // namespace journeysim::kpi
