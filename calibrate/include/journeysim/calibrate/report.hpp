// The HTML report of a calibration (`journeysim report FIT.json -o fit.html`, FIT.json written by
// `journeysim calibrate --report`): one self-contained file (inline SVG charts and CSS, no script,
// nothing fetched) in the look of the other reports (analysis/src/svg.hpp). It is drawn from the
// JSON alone, so a fit can be reported anywhere.
//
// The header gives the calibration, its distance D over the targets, the evaluations, why the
// optimiser stopped and how long it took; then the targets (observed ± se, simulated mean with
// its 95% CI, z; rows with |z| > 3 flagged "not reached") with a bar chart of the z-scores (lines
// at ±2 and ±3); the parameters (start, fitted value ± se, bounds, a marker when at a bound or not
// identifiable, the calibration's warnings) with their correlation matrix as a heatmap (two or
// more parameters); and one chart per survival target: the observed Kaplan-Meier curve with its
// ±1.96 se band and the simulated curve with its 95% CI band at the target months, with the
// largest gap between them stated under it.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace journeysim::calibrate {

// The "format" of a calibration fit JSON (to_json() in calibrate.hpp) and the version read here.
inline constexpr const char* kFitFormat = "journeysim calibration fit";
inline constexpr int kFitFormatVersion = 1;

// True when `j` says it is a calibration fit ("format": "journeysim calibration fit"), whatever
// its version.
bool is_fit_json(const nlohmann::json& j);

// The report page. `title` empty: "Calibration fit: <calibration name>". Throws
// std::runtime_error saying what is wrong (not naming a file: the caller adds it) when `fit` is
// not a calibration fit of a version this build reads, or a field has the wrong type. Numbers
// that are not finite (null in the JSON) are written as "–", never NaN.
std::string fit_report_html(const nlohmann::json& fit, const std::string& title);

}  // namespace journeysim::calibrate
