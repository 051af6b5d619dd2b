// A small inline-SVG chart writer for the HTML reports (analysis/src/report.cpp, the calibration
// fit report calibrate/src/report.cpp): line charts with confidence bands (also as step
// functions), funnels, heatmaps (sequential or diverging colours), stacked areas, forest plots and
// signed horizontal bars with reference lines. Every chart has a title, labelled axes with units,
// "nice" ticks and a legend where it has more than one series; all text is escaped. The output
// needs no script, font or stylesheet from anywhere else (the report's inline CSS only sets the
// font), and no element ids, so any number of charts can share one page. The page around the
// charts (its CSS, header, navigation and footer) is here too, so that every report looks alike.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace journeysim::analysis::svg {

// Escapes text for HTML/SVG element content and attribute values (& < > " ').
std::string escape(std::string_view text);

// How numbers on an axis or in a label are written.
enum class Format {
  number,          // 1,234 / 12.5k / 0.25
  percent,         // a share 0..1 written as 25%
  signed_percent,  // a relative difference: +3.2%
  integer,         // counts
};

// "Nice" axis ticks (1, 2, 2.5, 5 x 10^k steps) covering [lo, hi].
struct Ticks {
  double lo = 0, hi = 1, step = 1;
  std::vector<double> values;
};
Ticks nice_ticks(double lo, double hi, int target = 5);

// A tick label: as many decimals as the step needs, thousands as k/M when large.
std::string tick_label(double value, double step, Format format);
// A value for a label or a table (about 3 significant digits, thousands separators).
std::string format_value(double value, Format format);

// Text width in px at a font size, estimated from the advances of a wide sans-serif (DejaVu Sans),
// and text cut to a width with an ellipsis (never inside a UTF-8 sequence).
double text_width(std::string_view text, double font = 12);
std::string truncate(const std::string& text, double max_px, double font = 12);

struct Axis {
  std::string label;  // with its unit, e.g. "MRR (currency/month)"
  Format format = Format::number;
  std::optional<double> min, max;  // fixed domain ends (default: from the data, 0 included for y)
};

struct Series {
  std::string name;
  std::vector<double> x, y;    // NaN y leaves a gap
  std::vector<double> lo, hi;  // optional confidence band (same length as y; NaN = none there)
  bool step = false;           // right-continuous step function (Kaplan-Meier)
  bool markers = false;        // a dot at every point
  std::string color;           // empty: the palette's next colour
};

struct LineChart {
  std::string title, subtitle;
  Axis x, y;
  // when non-empty, x values are indices into these labels (months, cohorts)
  std::vector<std::string> x_categories;
  std::vector<Series> series;
  std::string band_label;  // legend entry for the bands (e.g. "95% CI"); empty = none
  std::vector<std::pair<double, std::string>> x_markers;  // dashed vertical reference lines
  int width = 600, height = 340;
};
std::string render(const LineChart& chart);

struct FunnelStep {
  std::string label;
  double value = 0;
  std::string note;  // written right of the bar (e.g. "42.1% of leads, 60.3% of previous")
};
struct FunnelChart {
  std::string title, subtitle;
  std::string value_label;  // unit of the values, e.g. "customers"
  std::vector<FunnelStep> steps;
  int width = 600;
};
std::string render(const FunnelChart& chart);

struct Heatmap {
  std::string title, subtitle;
  std::string x_label, y_label, value_label;  // value_label: the colour scale's title
  std::vector<std::string> rows, columns;
  std::vector<std::vector<double>> cells;  // rows x columns; NaN = empty cell
  // optional text written in each cell and its tooltip instead of the formatted value (rows x
  // columns; an empty string keeps the formatted value)
  std::vector<std::vector<std::string>> cell_labels;
  Format format = Format::percent;
  double min = 0, max = 1;  // colour scale domain
  bool diverging = false;   // red - white - blue around the domain's middle (e.g. correlations)
  int width = 600;
};
std::string render(const Heatmap& chart);

struct StackedArea {
  std::string title, subtitle;
  Axis x, y;
  std::vector<std::string> x_categories;
  std::vector<std::pair<std::string, std::vector<double>>> series;  // bottom to top
  int width = 600, height = 340;
};
std::string render(const StackedArea& chart);

struct ForestRow {
  // a group heading (e.g. the variant's name) spanning the plot, with no interval
  bool heading = false;
  std::string label;  // e.g. "MRR — fast_response"
  double estimate = 0, lo = 0, hi = 0;
  std::string color;  // the verdict's colour
  std::string note;   // written right of the plot, e.g. "+3.2% [+1.0%, +5.4%]"
  std::string tooltip;
};
struct ForestPlot {
  std::string title, subtitle;
  Axis x;
  std::vector<ForestRow> rows;
  std::vector<std::pair<std::string, std::string>> legend;  // (label, colour)
  int width = 1200;
};
std::string render(const ForestPlot& chart);

// Horizontal bars from 0 to a signed value, one row per label (e.g. z-scores), with dashed
// reference lines. A bar is at least 2 px wide (a value of 0 shows as a tick on the zero line);
// a value beyond the axis ends is cut there with an arrow head; a NaN value draws no bar.
struct HBar {
  std::string label;
  double value = 0;
  std::string color;  // empty: palette(0)
  std::string note;   // written right of the plot, e.g. "z = 2.4"
  std::string tooltip;
};
struct HBarChart {
  std::string title, subtitle;
  Axis x;  // default domain: the values and the reference lines, 0 included
  std::vector<HBar> bars;
  std::vector<std::pair<double, std::string>> reference_lines;  // (x, label)
  std::vector<std::pair<std::string, std::string>> legend;      // (label, colour)
  int width = 1200;
};
std::string render(const HBarChart& chart);

// The look of a verdict word (compare verdicts, baseline verdicts): its badge's CSS class (good,
// bad, same or info) and its colour in charts.
std::string verdict_class(std::string verdict);
std::string verdict_color(const std::string& verdict);

// The categorical palette (colour-blind friendly).
const std::string& palette(std::size_t i);

// ---------------------------------------------------------------------------------------------
// The report page around the charts.

// A chart with its caption: <figure class="chart" data-chart=ID id="chart-ID"> (the browser test
// finds charts by data-chart); `attrs` adds attributes (e.g. ` data-points="12"`).
std::string figure(const std::string& id, const std::string& svg_text, const std::string& caption,
                   const std::string& attrs = "");

// A whole self-contained HTML page in the reports' look: `header`, `nav`, `body` and `footer` are
// HTML; `extra_css` is appended to the reports' CSS (rules a report adds).
std::string page(const std::string& title, const std::string& header, const std::string& nav,
                 const std::string& body, const std::string& footer,
                 const std::string& extra_css = "");

}  // namespace journeysim::analysis::svg
