// The HTML report of a sweep (`journeysim report RESULTS.h5 -o sweep.html`): one self-contained
// file (inline SVG charts and CSS, no script, nothing fetched) in the look of the event-log and
// comparison reports (analysis/src/report.cpp).
//
// The header gives the sweep (name, design, points x replications, failed tasks, seed, version);
// then, per KPI of the Analysis: the design's sensitivity chart (Sobol first-order and total
// indices with their 95% bootstrap CIs; Morris mu* with its CI beside sigma, and the mu*-sigma
// plane; full factorial shares of variance of the main effects, the two-factor interactions and
// the rest), for full factorial designs of two or more factors a heatmap of the KPI over the two
// most important factors (mean over the others), one main-effect plot per factor (the mean of
// the point means at each level or bin, on one y scale per KPI), a table of the factors by
// importance and the five best points in the KPI's better direction (neutral: higher) with their
// means, 95% CIs and the paired p-value of the difference from the first.
#pragma once
#include <string>

#include "journeysim/sweep/analyse.hpp"
#include "journeysim/sweep/results_file.hpp"

namespace journeysim::sweep {

// The report page. `analysis` is analyse(results, ...) of the same file (its KPIs are the KPIs
// reported); `title` empty: "<sweep name>: sweep report". Numbers that are not finite are written
// as "–" (never NaN).
std::string sweep_report_html(const Analysis& analysis, const SweepResults& results,
                              const std::string& title);

}  // namespace journeysim::sweep
