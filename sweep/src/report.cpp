#include "journeysim/sweep/report.hpp"

#include <algorithm>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>
#include <optional>
#include <sstream>
#include <string_view>
#include <tuple>

#include "journeysim/kpi/kpis.hpp"
#include "journeysim/version.hpp"
#include "svg.hpp"

namespace journeysim::sweep {

namespace {

namespace svg = analysis::svg;
using svg::escape;
using svg::Format;

constexpr double kInf = std::numeric_limits<double>::infinity();

// ---------------------------------------------------------------------------------------------
// Numbers

Format format_for_unit(const std::string& unit) {
  return unit.rfind("share", 0) == 0 ? Format::percent : Format::number;
}
// A value as the event-log report writes it; "–" when it is not finite.
std::string fmt(double v, Format f) {
  return svg::format_value(v, f);
}
std::string fmt_ci(double lo, double hi, Format f) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) return "–";
  return "[" + fmt(lo, f) + ", " + fmt(hi, f) + "]";
}
std::string fmt_p(double p) {
  if (!std::isfinite(p)) return "–";
  if (p < 0.001) return "&lt;0.001";
  char b[32];
  std::snprintf(b, sizeof b, "%.3f", p);
  return b;
}
std::string count_text(std::uint64_t n) {
  return svg::format_value(static_cast<double>(n), Format::integer);
}

// An SVG coordinate with one decimal; never NaN (a non-finite coordinate is a bug upstream, and
// the page must still not carry "nan").
std::string n1(double v) {
  if (!std::isfinite(v)) v = 0;
  char b[32];
  std::snprintf(b, sizeof b, "%.1f", v);
  std::string s = b;
  if (s.size() > 2 && s.compare(s.size() - 2, 2, ".0") == 0) s.resize(s.size() - 2);
  if (s == "-0") s = "0";
  return s;
}

// Two-sided p-value of the paired differences b - a (pairs with a non-finite value skipped; NaN
// with fewer than 2 pairs), as `sweep analyse` tests the best point.
double paired_p(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> d;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i)
    if (std::isfinite(a[i]) && std::isfinite(b[i])) d.push_back(b[i] - a[i]);
  if (d.size() < 2) return NAN;
  const double n = static_cast<double>(d.size());
  const double m = std::accumulate(d.begin(), d.end(), 0.0) / n;
  double ss = 0;
  for (double x : d) ss += (x - m) * (x - m);
  const double se = std::sqrt(ss / (n - 1) / n);
  if (se == 0) return m == 0 ? 1.0 : 0.0;
  namespace bm = boost::math;
  return 2 * bm::cdf(bm::complement(bm::students_t(n - 1), std::abs(m / se)));
}

// Ticks whose ends nice_ticks() gives back unchanged, so a chart given them as fixed domain
// ends draws no tick outside its plot.
svg::Ticks stable_ticks(double lo, double hi, int target) {
  svg::Ticks t = svg::nice_ticks(lo, hi, target);
  for (int i = 0; i < 8; ++i) {
    svg::Ticks u = svg::nice_ticks(t.lo, t.hi, target);
    if (u.lo == t.lo && u.hi == t.hi && u.step == t.step) break;
    t = u;
  }
  return t;
}

// ---------------------------------------------------------------------------------------------
// A small SVG writer for the charts svg.hpp has no type for (grouped horizontal bars with CI
// whiskers, a labelled scatter), with the classes of the report's CSS.

using svg::text_width;  // the charts' one estimate of text width (analysis/src/svg.cpp)

// Cut to max_px with "…" (the sweep charts' ellipsis; svg::truncate appends "...").
std::string truncate(const std::string& s, double max_px, double font = 12) {
  if (text_width(s, font) <= max_px) return s;
  std::string out;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c & 0xC0) != 0x80 && text_width(out + "…", font) > max_px) break;
    out += ch;
  }
  while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) out.pop_back();
  if (!out.empty() && (static_cast<unsigned char>(out.back()) & 0x80)) out.pop_back();
  return out + "…";
}

class Svg {
 public:
  explicit Svg(int width) : w_(width) {}
  void text(double x, double y, std::string_view s, std::string_view anchor = "start",
            std::string_view cls = "", std::string_view extra = "") {
    o_ << "<text x=\"" << n1(x) << "\" y=\"" << n1(y) << '"';
    if (anchor != "start") o_ << " text-anchor=\"" << anchor << '"';
    if (!cls.empty()) o_ << " class=\"" << cls << '"';
    if (!extra.empty()) o_ << ' ' << extra;
    o_ << '>' << escape(s) << "</text>\n";
  }
  void line(double x1, double y1, double x2, double y2, std::string_view cls,
            std::string_view stroke = "") {
    o_ << "<line x1=\"" << n1(x1) << "\" y1=\"" << n1(y1) << "\" x2=\"" << n1(x2) << "\" y2=\""
       << n1(y2) << "\" class=\"" << cls << '"';
    if (!stroke.empty()) o_ << " stroke=\"" << stroke << '"';
    o_ << "/>\n";
  }
  void rect(double x, double y, double w, double h, std::string_view fill, std::string_view cls,
            std::string_view tooltip = "") {
    o_ << "<rect x=\"" << n1(x) << "\" y=\"" << n1(y) << "\" width=\"" << n1(std::max(0.0, w))
       << "\" height=\"" << n1(std::max(0.0, h)) << '"';
    if (!fill.empty()) o_ << " fill=\"" << fill << '"';
    if (!cls.empty()) o_ << " class=\"" << cls << '"';
    if (tooltip.empty())
      o_ << "/>\n";
    else
      o_ << "><title>" << escape(tooltip) << "</title></rect>\n";
  }
  // Title and subtitle; returns the y below them.
  double header(const std::string& title, const std::string& subtitle) {
    text(8, 20, title, "start", "title");
    if (subtitle.empty()) return 30;
    text(8, 37, subtitle, "start", "subtitle");
    return 46;
  }
  // A horizontal legend of colour swatches; returns the y below it.
  double legend(double y, const std::vector<std::pair<std::string, std::string>>& items) {
    double x = 8;
    for (const auto& [label, color] : items) {
      const double w = 22 + text_width(label, 11) + 14;
      if (x + w > w_ - 8 && x > 8) {
        x = 8;
        y += 16;
      }
      rect(x, y + 2, 14, 10, color, "swatch");
      text(x + 18, y + 11, label, "start", "legend");
      x += w;
    }
    return y + 22;
  }
  std::ostringstream& out() { return o_; }
  // The finished element, its height known only now.
  std::string finish(double height, const std::string& title) {
    const int h = static_cast<int>(std::ceil(height));
    std::ostringstream s;
    s << "<svg class=\"chart-svg\" viewBox=\"0 0 " << w_ << ' ' << h << "\" width=\"" << w_
      << "\" height=\"" << h << "\" role=\"img\" aria-label=\"" << escape(title) << "\">\n"
      << o_.str() << "</svg>";
    return s.str();
  }
  int width() const { return w_; }

 private:
  int w_;
  std::ostringstream o_;
};

struct Scale {
  double d0, d1, r0, r1;
  double operator()(double v) const { return r0 + (v - d0) / (d1 - d0) * (r1 - r0); }
};

// Horizontal bars in groups (one group per factor), each bar with an optional CI whisker and a
// note right of the plot. Values beyond the axis are cut at its end (an arrow head marks the
// cut); a bar never drawn narrower than 1.5 px, so an exact 0 still shows where it is.
struct Bar {
  double value = NAN, lo = NAN, hi = NAN;  // lo/hi not finite: no whisker
  std::size_t series = 0;
  std::string note, tooltip;
};
struct BarGroup {
  std::string label;
  std::vector<Bar> bars;
};
struct BarChart {
  std::string title, subtitle, axis_label;
  Format format = Format::number;
  std::vector<std::pair<std::string, std::string>> series;  // (name, colour)
  std::vector<BarGroup> groups;
  double include_lo = 0, include_hi = 0;   // the axis covers at least these
  double clip_lo = -kInf, clip_hi = kInf;  // and at most these
  int width = 600;
};

// Bars render_bars() draws (those with a finite value).
std::size_t drawn_bars(const BarChart& ch) {
  std::size_t n = 0;
  for (const auto& g : ch.groups)
    for (const auto& b : g.bars) n += std::isfinite(b.value);
  return n;
}

std::string render_bars(const BarChart& ch) {
  const double bar_h = 14, bar_gap = 3, group_pad = 12;
  Svg c(ch.width);
  double top = c.header(ch.title, ch.subtitle);
  if (ch.series.size() > 1) top = c.legend(top, ch.series);
  top += 4;
  double label_w = 0, note_w = 0;
  for (const auto& g : ch.groups) {
    label_w = std::max(label_w, text_width(g.label, 12));
    for (const auto& b : g.bars) note_w = std::max(note_w, text_width(b.note, 11));
  }
  note_w = std::min(note_w + 14, ch.width * 0.3);
  label_w = std::min(label_w + 16, ch.width - note_w - 16 - 240);  // at least 240 px of plot
  double lo = std::min(0.0, ch.include_lo), hi = std::max(0.0, ch.include_hi);
  for (const auto& g : ch.groups)
    for (const auto& b : g.bars)
      for (double v : {b.value, b.lo, b.hi})
        if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  lo = std::max(lo, ch.clip_lo);
  hi = std::min(hi, ch.clip_hi);
  svg::Ticks t = svg::nice_ticks(lo, hi, 6);
  if (std::isfinite(ch.clip_lo)) t.lo = std::max(t.lo, ch.clip_lo);
  if (std::isfinite(ch.clip_hi)) t.hi = std::min(t.hi, ch.clip_hi);
  std::erase_if(t.values, [&](double v) { return v < t.lo - 1e-12 || v > t.hi + 1e-12; });
  const double left = 8 + label_w, right = ch.width - 8 - note_w;
  const Scale xs{t.lo, t.hi, left, right};
  auto clamp = [&](double v) { return std::clamp(v, t.lo, t.hi); };
  // rows
  double y = top;
  std::vector<double> group_top;
  for (const auto& g : ch.groups) {
    group_top.push_back(y);
    y += g.bars.size() * bar_h + (g.bars.empty() ? 0 : (g.bars.size() - 1) * bar_gap) + group_pad;
  }
  const double bottom = y;
  for (std::size_t i = 0; i < ch.groups.size(); ++i)
    if (i % 2 == 0)
      c.rect(0, group_top[i], ch.width,
             (i + 1 < group_top.size() ? group_top[i + 1] : bottom) - group_top[i], "", "stripe");
  for (double v : t.values) {
    c.line(xs(v), top, xs(v), bottom, v == 0 ? "zero" : "grid");
    c.line(xs(v), bottom, xs(v), bottom + 4, "axis");
    c.text(xs(v), bottom + 16, svg::tick_label(v, t.step, ch.format), "middle", "tick");
  }
  c.line(left, bottom, right, bottom, "axis");
  c.text((left + right) / 2, bottom + 34, ch.axis_label, "middle", "axis-label");
  const double x0 = xs(clamp(0));
  c.out() << "<g class=\"plot\">\n";
  for (std::size_t i = 0; i < ch.groups.size(); ++i) {
    const auto& g = ch.groups[i];
    const double gy = group_top[i] + group_pad / 2;
    const double gh = g.bars.size() * bar_h + (g.bars.size() - 1) * bar_gap;
    c.text(8, gy + gh / 2 + 4, truncate(g.label, label_w - 10), "start", "label");
    for (std::size_t k = 0; k < g.bars.size(); ++k) {
      const Bar& b = g.bars[k];
      const double by = gy + k * (bar_h + bar_gap), cy = by + bar_h / 2;
      const std::string& color = ch.series[b.series % ch.series.size()].second;
      if (!b.note.empty()) c.text(right + 8, cy + 4, b.note, "start", "note");
      if (!std::isfinite(b.value)) continue;
      double x1 = xs(clamp(b.value)), x = std::min(x0, x1), w = std::abs(x1 - x0);
      if (w < 1.5) {
        w = 1.5;
        x = b.value < 0 ? x0 - w : x0;
      }
      c.rect(x, by, w, bar_h, color, "bar", b.tooltip);
      if (b.value > t.hi || b.value < t.lo) {  // cut: a white arrow head on the bar's end
        const double e = b.value > t.hi ? x + w : x;
        c.out() << "<path class=\"cut\" d=\"M" << n1(e) << ',' << n1(cy)
                << (b.value > t.hi ? "l-7,-5v10Z" : "l7,-5v10Z") << "\"/>\n";
      }
      if (std::isfinite(b.lo) && std::isfinite(b.hi)) {
        const double a = xs(clamp(b.lo)), z = xs(clamp(b.hi));
        c.line(a, cy, z, cy, "whisker");
        for (auto [end, cut, dir] :
             {std::tuple{a, b.lo < t.lo, 1}, std::tuple{z, b.hi > t.hi, -1}}) {
          if (cut)
            c.out() << "<path class=\"whisker-cut\" d=\"M" << n1(end) << ',' << n1(cy) << 'l'
                    << 6 * dir << ",-4v8Z\"/>\n";
          else
            c.line(end, cy - 5, end, cy + 5, "whisker");
        }
      }
    }
  }
  c.out() << "</g>\n";
  return c.finish(bottom + 44, ch.title);
}

// Points in a plane with a label beside each (labels pushed apart so they do not overlap) and an
// optional y = x reference line.
struct ScatterPoint {
  std::string label, tooltip, color;
  double x = NAN, y = NAN;
};
struct ScatterChart {
  std::string title, subtitle, x_label, y_label, diagonal_label;
  Format format = Format::number;
  std::vector<ScatterPoint> points;
  int width = 600, height = 340;
};

std::size_t drawn_points(const ScatterChart& ch) {
  std::size_t n = 0;
  for (const auto& p : ch.points) n += std::isfinite(p.x) && std::isfinite(p.y);
  return n;
}

std::string render_scatter(const ScatterChart& ch) {
  Svg c(ch.width);
  const double top = c.header(ch.title, ch.subtitle) + 8;
  double xmax = 0, ymax = 0;
  for (const auto& p : ch.points)
    if (std::isfinite(p.x) && std::isfinite(p.y))
      xmax = std::max(xmax, p.x), ymax = std::max(ymax, p.y);
  const svg::Ticks xt = stable_ticks(0, xmax > 0 ? xmax * 1.05 : 1, 6);
  const svg::Ticks yt = stable_ticks(0, ymax > 0 ? ymax * 1.05 : 1, 5);
  double tick_w = 0;
  for (double v : yt.values)
    tick_w = std::max(tick_w, text_width(svg::tick_label(v, yt.step, ch.format), 11));
  const double left = 30 + tick_w + 10, right = ch.width - 16, bottom = ch.height - 44;
  const Scale xs{xt.lo, xt.hi, left, right}, ys{yt.lo, yt.hi, bottom, top};
  for (double v : yt.values) {
    c.line(left, ys(v), right, ys(v), "grid");
    c.text(left - 6, ys(v) + 4, svg::tick_label(v, yt.step, ch.format), "end", "tick");
  }
  for (double v : xt.values) {
    c.line(xs(v), bottom, xs(v), bottom + 4, "axis");
    c.text(xs(v), bottom + 16, svg::tick_label(v, xt.step, ch.format), "middle", "tick");
  }
  c.line(left, top, left, bottom, "axis");
  c.line(left, bottom, right, bottom, "axis");
  c.text((left + right) / 2, bottom + 34, ch.x_label, "middle", "axis-label");
  char transform[96];
  const double cy = (top + bottom) / 2;
  std::snprintf(transform, sizeof transform, "transform=\"rotate(-90 14 %.1f)\"", cy);
  c.text(14, cy, ch.y_label, "middle", "axis-label", transform);
  if (!ch.diagonal_label.empty()) {
    const double m = std::min(xt.hi, yt.hi);
    c.line(xs(0), ys(0), xs(m), ys(m), "ref-line");
    // below and right of the line at 80% of its length (above and left when there is no room)
    const double lx = xs(0.8 * m), ly = ys(0.8 * m);
    if (lx + 8 + text_width(ch.diagonal_label, 11) <= right)
      c.text(lx + 8, ly + 12, ch.diagonal_label, "start", "note");
    else
      c.text(lx - 8, ly - 6, ch.diagonal_label, "end", "note");
  }
  c.out() << "<g class=\"plot\">\n";
  // labels: placed top to bottom, each moved down past the labels already placed that it would
  // overlap (boxes of 13 px height)
  struct Box {
    double x0, x1, y;
  };
  std::vector<Box> placed;
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < ch.points.size(); ++i)
    if (std::isfinite(ch.points[i].x) && std::isfinite(ch.points[i].y)) order.push_back(i);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return ch.points[a].y > ch.points[b].y; });
  for (std::size_t i : order) {
    const auto& p = ch.points[i];
    const double px = xs(p.x), py = ys(p.y);
    c.out() << "<circle class=\"marker\" cx=\"" << n1(px) << "\" cy=\"" << n1(py)
            << "\" r=\"4.5\" fill=\"" << p.color << "\"><title>" << escape(p.tooltip)
            << "</title></circle>\n";
    const double w = text_width(p.label, 11);
    const bool on_left = px + 8 + w > right;
    const double x0 = on_left ? px - 8 - w : px + 8, x1 = x0 + w;
    double ly = std::clamp(py + 4, top + 10, bottom - 4);
    for (bool moved = true; moved;) {
      moved = false;
      for (const auto& b : placed)
        if (x0 < b.x1 && b.x0 < x1 && std::abs(ly - b.y) < 13) {
          ly = b.y + 13;
          moved = true;
        }
    }
    if (ly > bottom - 4) ly = bottom - 4;
    placed.push_back({x0, x1, ly});
    c.text(on_left ? px - 8 : px + 8, ly, p.label, on_left ? "end" : "start", "legend");
  }
  c.out() << "</g>\n";
  return c.finish(ch.height, ch.title);
}

// A main-effect plot: the KPI's mean at each level (or bin) of one factor, the levels in equal
// slots along x (labels shortened to their slot), on a y scale given by the caller (one for all
// factors of a KPI). Means are joined by a line; across an empty level by a dashed one.
struct EffectChart {
  std::string title, subtitle, x_label, y_label, series;
  Format format = Format::number;
  std::vector<std::string> labels;
  std::vector<std::string> tips;  // per level, for its marker's tooltip (default: the label)
  std::vector<double> mean;
  std::vector<std::size_t> count;
  svg::Ticks y_ticks;
  std::string color;
  int width = 600, height = 270;
};

// The geometry of render_effect: the left edge of the plot (after the y tick labels) and the
// width of one level's slot.
double effect_left(const EffectChart& ch) {
  double tick_w = 0;
  for (double v : ch.y_ticks.values)
    tick_w = std::max(tick_w, text_width(svg::tick_label(v, ch.y_ticks.step, ch.format), 11));
  return 30 + tick_w + 10;
}
double effect_slot(const EffectChart& ch, std::size_t levels) {
  return (ch.width - 12 - effect_left(ch)) / static_cast<double>(std::max<std::size_t>(1, levels));
}

std::string render_effect(const EffectChart& ch) {
  Svg c(ch.width);
  const double top = c.header(ch.title, ch.subtitle) + 8;
  const svg::Ticks& yt = ch.y_ticks;
  const double left = effect_left(ch), right = ch.width - 12, bottom = ch.height - 44;
  const Scale ys{yt.lo, yt.hi, bottom, top};
  for (double v : yt.values) {
    c.line(left, ys(v), right, ys(v), "grid");
    c.text(left - 6, ys(v) + 4, svg::tick_label(v, yt.step, ch.format), "end", "tick");
  }
  c.line(left, top, left, bottom, "axis");
  c.line(left, bottom, right, bottom, "axis");
  const std::size_t n = std::max<std::size_t>(1, ch.labels.size());
  const double slot = (right - left) / static_cast<double>(n);
  auto xs = [&](std::size_t i) { return left + (static_cast<double>(i) + 0.5) * slot; };
  // labels: every one if they fit their slot (shortened to it when at least 5 characters'
  // room remain), else every k-th
  double widest = 0;
  for (const auto& l : ch.labels) widest = std::max(widest, text_width(l, 11));
  const bool shorten = widest > slot - 6 && slot - 6 >= 45;
  const std::size_t every =
      shorten ? 1
              : std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil((widest + 6) / slot)));
  for (std::size_t i = 0; i < ch.labels.size(); ++i) {
    c.line(xs(i), bottom, xs(i), bottom + 4, "axis");
    if (i % every == 0)
      c.text(xs(i), bottom + 16, shorten ? truncate(ch.labels[i], slot - 6, 11) : ch.labels[i],
             "middle", "tick");
  }
  c.text((left + right) / 2, bottom + 34, ch.x_label, "middle", "axis-label");
  char transform[96];
  const double cy = (top + bottom) / 2;
  std::snprintf(transform, sizeof transform, "transform=\"rotate(-90 14 %.1f)\"", cy);
  c.text(14, cy, ch.y_label, "middle", "axis-label", transform);
  c.out() << "<g class=\"plot\">\n";
  // solid runs of consecutive levels with a mean; dashed joins across empty levels
  std::string solid, dashed;
  std::optional<std::size_t> prev;
  for (std::size_t i = 0; i < ch.mean.size() && i < ch.labels.size(); ++i) {
    if (!std::isfinite(ch.mean[i])) continue;
    const std::string pt = n1(xs(i)) + "," + n1(ys(ch.mean[i]));
    if (prev && *prev + 1 == i)
      solid += "L" + pt;
    else {
      if (prev) dashed += "M" + n1(xs(*prev)) + "," + n1(ys(ch.mean[*prev])) + "L" + pt;
      solid += "M" + pt;
    }
    prev = i;
  }
  if (!dashed.empty())
    c.out() << "<path class=\"gap-line\" d=\"" << dashed << "\" stroke=\"" << ch.color << "\"/>\n";
  if (solid.find('L') != std::string::npos)
    c.out() << "<path class=\"line\" d=\"" << solid << "\" stroke=\"" << ch.color << "\"><title>"
            << escape(ch.series) << "</title></path>\n";
  for (std::size_t i = 0; i < ch.mean.size() && i < ch.labels.size(); ++i) {
    if (!std::isfinite(ch.mean[i])) continue;
    const std::size_t k = i < ch.count.size() ? ch.count[i] : 0;
    c.out() << "<circle class=\"marker\" cx=\"" << n1(xs(i)) << "\" cy=\"" << n1(ys(ch.mean[i]))
            << "\" r=\"4\" fill=\"" << ch.color << "\"><title>"
            << escape((i < ch.tips.size() ? ch.tips[i] : ch.labels[i]) + ": " +
                      svg::format_value(ch.mean[i], ch.format) + " (" + std::to_string(k) +
                      (k == 1 ? " point)" : " points)"))
            << "</title></circle>\n";
  }
  c.out() << "</g>\n";
  return c.finish(ch.height, ch.title);
}

// ---------------------------------------------------------------------------------------------
// Page

std::string figure(const std::string& id, const std::string& svg_text, const std::string& caption,
                   const std::string& attrs = "") {
  std::string s = "<figure class=\"chart\" data-chart=\"" + escape(id) + "\" id=\"chart-" +
                  escape(id) + "\"" + attrs + ">\n";
  s += svg_text;
  s += "\n<figcaption>" + caption + "</figcaption>\n</figure>\n";
  return s;
}
std::string missing(const std::string& id, const std::string& title, const std::string& reason) {
  return "<div class=\"missing\" data-chart-missing=\"" + escape(id) + "\"><strong>" +
         escape(title) + "</strong>: not available (" + escape(reason) + ").</div>\n";
}

// The look of analysis/src/report.cpp (its CSS), plus what the sweep charts add.
const char* kCss = R"CSS(
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; color: #1f2328; background: #f6f7f9;
       font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", Arial, sans-serif; }
header, main, footer, nav { max-width: 1240px; margin: 0 auto; padding: 0 16px; }
header { padding-top: 20px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 28px 0 10px; border-bottom: 1px solid #d0d7de; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
.meta { color: #57606a; margin: 2px 0; }
nav { margin-top: 10px; }
nav a { display: inline-block; margin: 0 12px 4px 0; color: #0969da; text-decoration: none; }
nav a:hover { text-decoration: underline; }
section { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; padding: 4px 16px 14px;
          margin: 16px 0; }
section > h2 { border: none; margin-top: 12px; }
.grid2 { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 16px;
         align-items: start; }
@media (max-width: 1000px) { .grid2 { grid-template-columns: minmax(0, 1fr); } }
figure.chart { margin: 8px 0; }
figure.chart figcaption { color: #57606a; font-size: 12.5px; margin-top: 2px; }
svg.chart-svg { display: block; max-width: 100%; height: auto; background: #fff; }
svg.chart-svg text { font-family: system-ui, -apple-system, "Segoe UI", "DejaVu Sans", Arial,
                     sans-serif; font-size: 12px; fill: #1f2328; }
svg.chart-svg .title { font-size: 14px; font-weight: 600; }
svg.chart-svg .subtitle { font-size: 11px; fill: #57606a; }
svg.chart-svg .tick { font-size: 11px; fill: #57606a; }
svg.chart-svg .axis-label { font-size: 12px; fill: #32383f; }
svg.chart-svg .legend { font-size: 11px; }
svg.chart-svg .note { font-size: 11px; fill: #32383f; }
svg.chart-svg .label { font-size: 12px; }
svg.chart-svg .value { font-size: 12px; font-weight: 600; }
svg.chart-svg .cell-label { font-size: 10px; fill: #1f2328; pointer-events: none; }
svg.chart-svg .cell-label.light { fill: #fff; }
svg.chart-svg .grid { stroke: #eaeef2; stroke-width: 1; }
svg.chart-svg .axis { stroke: #8c959f; stroke-width: 1; }
svg.chart-svg .zero { stroke: #32383f; stroke-width: 1.2; }
svg.chart-svg .line { fill: none; stroke-width: 2; }
svg.chart-svg .band { opacity: 0.2; stroke: none; }
svg.chart-svg .band-swatch { opacity: 0.3; }
svg.chart-svg .marker-line, svg.chart-svg .ref-line { stroke: #57606a; stroke-dasharray: 4 3; }
svg.chart-svg .stripe { fill: #f6f8fa; }
svg.chart-svg .whisker { stroke: #32383f; stroke-width: 1.4; }
svg.chart-svg .whisker-cut { fill: #32383f; }
svg.chart-svg .cut { fill: #fff; }
svg.chart-svg .marker { stroke: #fff; stroke-width: 1; }
svg.chart-svg .gap-line { fill: none; stroke-width: 1.2; stroke-dasharray: 3 3; opacity: 0.7; }
svg.chart-svg .cell:hover, svg.chart-svg .bar:hover { opacity: 0.8; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 13px; margin: 6px 0 10px; }
th, td { border-bottom: 1px solid #eaeef2; padding: 4px 8px; text-align: left;
         vertical-align: top; }
th { background: #f6f8fa; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.first td { background: #f3f8ff; }
code { font-size: 12px; background: #f6f8fa; padding: 0 3px; border-radius: 3px; }
pre.source { background: #f6f8fa; border: 1px solid #eaeef2; border-radius: 6px; padding: 8px 12px;
             font-size: 12px; overflow-x: auto; }
details summary { cursor: pointer; color: #0969da; margin: 6px 0; }
.missing { border: 1px dashed #d0d7de; border-radius: 6px; padding: 12px; color: #57606a;
           margin: 8px 0; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; margin: 12px 0 4px; }
.card { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; padding: 8px 14px;
        min-width: 170px; }
.card .k { color: #57606a; font-size: 12px; }
.card .v { font-size: 20px; font-weight: 600; }
.card .c { color: #57606a; font-size: 11.5px; }
footer { color: #57606a; font-size: 12px; padding-bottom: 24px; }
)CSS";

std::string page(const std::string& title, const std::string& header, const std::string& nav,
                 const std::string& body, const std::string& footer) {
  std::string s;
  s += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n";
  s += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n";
  s += "<meta name=\"generator\" content=\"journeysim ";
  s += kVersion;
  s += "\"/>\n<title>" + escape(title) + "</title>\n<style>" + kCss + "</style>\n</head>\n<body>\n";
  s += "<header>\n" + header + "</header>\n<nav>\n" + nav + "</nav>\n<main>\n" + body +
       "</main>\n<footer>\n" + footer + "</footer>\n</body>\n</html>\n";
  return s;
}

// ---------------------------------------------------------------------------------------------
// Sweep and KPI descriptions

std::string design_text(const SweepResults& r) {
  const Design& d = r.design;
  switch (d.kind) {
    case DesignKind::full_factorial: {
      std::string s = "full factorial: ";
      for (std::size_t i = 0; i < r.factors.size(); ++i)
        s += (i ? " × " : "") + std::to_string(r.factors[i].level_count());
      return s + " levels";
    }
    case DesignKind::sobol:
      return "Sobol (Saltelli): N = " + std::to_string(d.sobol_n) + " base samples × (" +
             std::to_string(r.factors.size()) + " factors + 2)";
    case DesignKind::morris: {
      char delta[32];
      std::snprintf(delta, sizeof delta, "%.3g", d.morris_delta);
      return "Morris: " + std::to_string(d.morris_factor.size()) + " trajectories, " +
             std::to_string(d.morris_levels) + " levels (Δ = " + delta + ")";
    }
    case DesignKind::lhs:
      return "Latin hypercube: " + std::to_string(d.points.size()) + " points";
    case DesignKind::points:
      return "explicit points";
  }
  return design_name(d.kind);
}

// A factor's value for people: a choice's word, a number with at most 6 significant digits
// (value_text() writes what `--set` needs, e.g. 0.027500000000000004).
std::string value_display(const Factor& f, const FactorValue& v) {
  if (!f.numeric()) return value_text(f, v);
  char b[32];
  std::snprintf(b, sizeof b, "%.6g", v.number == 0 ? 0.0 : v.number);
  return b;
}

std::string factor_values_text(const Factor& f) {
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
  };
  switch (f.kind) {
    case Factor::Kind::levels: {
      std::vector<std::string> v;
      for (std::size_t i = 0; i < f.levels.size(); ++i)
        v.push_back(value_display(f, {f.levels[i], -1}));
      return "levels " + join(v);
    }
    case Factor::Kind::choices:
      return "choices " + join(f.choices);
    case Factor::Kind::range: {
      std::string s =
          "range " + value_display(f, {f.lo, -1}) + " – " + value_display(f, {f.hi, -1});
      if (f.log_scale) s += ", log scale";
      if (f.integer) s += ", whole numbers";
      return s;
    }
  }
  return "";
}

struct KpiInfo {
  std::string name, unit;
  kpi::Direction direction = kpi::Direction::neutral;
  Format format = Format::number;
  bool higher_better() const { return direction != kpi::Direction::lower_is_better; }
};
KpiInfo kpi_info(const std::string& id) {
  KpiInfo k;
  k.name = id;
  if (const kpi::KpiDef* d = kpi::find_kpi(id)) {
    k.name = d->name;
    k.unit = d->unit;
    k.direction = d->direction;
  }
  k.format = format_for_unit(k.unit);
  return k;
}
std::string direction_text(kpi::Direction d) {
  switch (d) {
    case kpi::Direction::higher_is_better:
      return "↑ higher is better";
    case kpi::Direction::lower_is_better:
      return "↓ lower is better";
    case kpi::Direction::neutral:
      break;
  }
  return "neutral (best: highest)";
}

std::string anchor_of(const std::string& kpi_id) {
  return "kpi-" + kpi_id;
}

// ---------------------------------------------------------------------------------------------
// KPI sections

struct Ctx {
  const Analysis& a;
  const SweepResults& r;
  const KpiAnalysis& k;
  KpiInfo info;
};

std::string bars_figure(const std::string& id, const BarChart& ch, const std::string& caption) {
  return figure(id, render_bars(ch), caption,
                " data-bars=\"" + std::to_string(drawn_bars(ch)) + "\"");
}

std::string sobol_chart(const Ctx& c) {
  const std::string id = "sobol-" + c.k.id;
  const std::string title = "Sobol indices of " + c.info.name;
  if (!c.k.sobol) return missing(id, title, c.k.note.empty() ? "no Sobol indices" : c.k.note);
  const SobolIndices& s = *c.k.sobol;
  BarChart ch;
  ch.title = title;
  ch.subtitle = "first-order and total indices per factor; whiskers: 95% bootstrap CI";
  ch.axis_label = "share of the variance of the point means";
  ch.series = {{"first-order S", svg::palette(0)}, {"total ST", svg::palette(1)}};
  ch.include_hi = 1;
  ch.clip_lo = -1;
  ch.clip_hi = 2;
  bool rough = false;
  for (std::size_t i : c.k.ranking) {
    BarGroup g{c.a.factors[i].name, {}};
    for (std::size_t which = 0; which < 2; ++which) {
      const Interval& v = which == 0 ? s.first[i] : s.total[i];
      Bar b{v.value,
            v.low,
            v.high,
            which,
            fmt(v.value, Format::number) + " " + fmt_ci(v.low, v.high, Format::number),
            ""};
      b.tooltip =
          c.a.factors[i].name + ": " + (which == 0 ? "first-order S " : "total ST ") + b.note;
      g.bars.push_back(b);
      if (std::isfinite(v.value) && (v.value < -0.05 || v.value > 1.05)) rough = true;
      if (std::isfinite(v.low) && v.high - v.low > 0.5) rough = true;
    }
    ch.groups.push_back(g);
  }
  if (drawn_bars(ch) == 0)
    return missing(id, title,
                   "the KPI's point means do not vary over the design (variance 0): no share to "
                   "attribute");
  std::string caption =
      "S: the share of the variance of " + escape(c.info.name) +
      " (point means) explained by the factor alone (Saltelli 2010); ST: including all its "
      "interactions (Jansen 1999). ST − S is the factor's share through interactions. Factors in "
      "order of ST; the axis is cut at −1 and 2 (arrow heads).";
  if (rough)
    caption += " <strong>Estimates outside [0, 1] or wide intervals: N = " +
               std::to_string(c.r.design.sobol_n) +
               " base samples is too few for this KPI; raise the design's n.</strong>";
  return bars_figure(id, ch, caption);
}

std::string morris_charts(const Ctx& c) {
  const std::string id = "morris-" + c.k.id;
  const std::string title = "Morris elementary effects of " + c.info.name;
  if (!c.k.morris)
    return "<div class=\"grid2\">\n" +
           missing(id, title, c.k.note.empty() ? "no Morris indices" : c.k.note) + "</div>\n";
  const MorrisIndices& m = *c.k.morris;
  BarChart ch;
  ch.title = title;
  ch.subtitle = "mu* (whiskers: 95% bootstrap CI over trajectories) and sigma per factor";
  ch.axis_label = c.info.unit.empty() ? "effect per factor range"
                                      : "effect (" + c.info.unit + " per factor range)";
  if (text_width(ch.axis_label) > ch.width * 0.5) ch.axis_label = "effect per factor range";
  ch.series = {{"mu* (mean |effect|)", svg::palette(0)},
               {"sigma (sd of effects)", svg::palette(1)}};
  ScatterChart sc;
  sc.title = "mu* and sigma of " + c.info.name;
  sc.subtitle = "above the line: effects that vary (interactions or non-linearity)";
  sc.x_label = "mu* (mean |elementary effect|)";
  sc.y_label = "sigma (sd of the effects)";
  sc.diagonal_label = "sigma = mu*";
  for (std::size_t i : c.k.ranking) {
    const auto& f = c.a.factors[i];
    BarGroup g{f.name, {}};
    const Interval& ms = m.mu_star_ci[i];
    Bar b{
        m.mu_star[i],
        ms.low,
        ms.high,
        0,
        "mu* " + fmt(m.mu_star[i], Format::number) + " " + fmt_ci(ms.low, ms.high, Format::number),
        ""};
    b.tooltip = f.name + ": " + b.note + ", mu " + fmt(m.mu[i], Format::number);
    g.bars.push_back(b);
    Bar sg{m.sigma[i], NAN, NAN, 1, "sigma " + fmt(m.sigma[i], Format::number), ""};
    sg.tooltip = f.name + ": " + sg.note;
    g.bars.push_back(sg);
    ch.groups.push_back(g);
    sc.points.push_back({f.name,
                         f.name + ": mu* " + fmt(m.mu_star[i], Format::number) + ", sigma " +
                             fmt(m.sigma[i], Format::number) + ", mu " +
                             fmt(m.mu[i], Format::number),
                         svg::palette(i), m.mu_star[i], m.sigma[i]});
  }
  std::string s = "<div class=\"grid2\">\n";
  if (drawn_bars(ch) == 0)
    s += missing(id, title, "no finite elementary effect");
  else
    s += bars_figure(id, ch,
                     "Elementary effect: the change of " + escape(c.info.name) +
                         " (point means) when one factor moves by Δ, divided by Δ (a fraction of "
                         "its range): effects per whole factor range. mu*: mean of their absolute "
                         "values (importance); sigma: their standard deviation (interactions, "
                         "non-linearity). Factors in order of mu*.");
  if (drawn_points(sc) == 0)
    s += missing("morris-plane-" + c.k.id, sc.title, "no factor with both mu* and sigma");
  else
    s += figure("morris-plane-" + c.k.id, render_scatter(sc),
                "Each factor at (mu*, sigma). Near 0 on both: no influence; right and below the "
                "line: a mostly linear, additive effect; above it: an effect that depends on the "
                "other factors or on where the factor is (Morris 1991, Campolongo 2007).",
                " data-points=\"" + std::to_string(drawn_points(sc)) + "\"");
  return s + "</div>\n";
}

// Mean of the KPI's point means over the two factors fa (columns) and fb (rows) of a full
// factorial design, over the levels of the others.
std::string factorial_heatmap(const Ctx& c, std::size_t fa, std::size_t fb) {
  const std::string id = "heatmap-" + c.k.id;
  const Factor &A = c.a.factors[fa], &B = c.a.factors[fb];
  const std::size_t na = A.level_count(), nb = B.level_count();
  std::vector<std::vector<double>> sum(nb, std::vector<double>(na, 0.0));
  std::vector<std::vector<std::size_t>> count(nb, std::vector<std::size_t>(na, 0));
  const auto& lv = c.r.design.level;
  for (std::size_t p = 0; p < c.k.points.size() && p < lv.size(); ++p) {
    const double y = c.k.points[p].mean;
    if (!std::isfinite(y) || lv[p][fa] >= na || lv[p][fb] >= nb) continue;
    sum[lv[p][fb]][lv[p][fa]] += y;
    ++count[lv[p][fb]][lv[p][fa]];
  }
  svg::Heatmap h;
  h.title = c.info.name + " over " + A.name + " and " + B.name;
  h.subtitle = c.a.factors.size() > 2 ? "mean over the other factors' levels and the replications"
                                      : "mean over the replications";
  h.x_label = A.name;
  h.y_label = B.name;
  h.value_label = "mean";
  h.format = c.info.format;
  auto label = [&](const Factor& f, std::size_t i) { return value_display(f, factor_level(f, i)); };
  for (std::size_t i = 0; i < na; ++i) h.columns.push_back(label(A, i));
  for (std::size_t j = 0; j < nb; ++j) h.rows.push_back(label(B, j));
  double lo = kInf, hi = -kInf;
  std::size_t cells = 0;
  h.cells.assign(nb, std::vector<double>(na, NAN));
  for (std::size_t j = 0; j < nb; ++j)
    for (std::size_t i = 0; i < na; ++i)
      if (count[j][i]) {
        const double v = sum[j][i] / static_cast<double>(count[j][i]);
        h.cells[j][i] = v;
        lo = std::min(lo, v);
        hi = std::max(hi, v);
        ++cells;
      }
  if (cells == 0) return missing(id, h.title, "the KPI is not available at any point");
  h.min = lo;
  h.max = hi;
  std::string inter;
  if (c.k.anova)
    for (std::size_t q = 0; q < c.k.anova->pairs.size(); ++q)
      if (c.k.anova->pairs[q] == std::pair{std::min(fa, fb), std::max(fa, fb)})
        inter = " Their interaction explains " +
                fmt(c.k.anova->interaction_share[q], Format::percent) +
                " of the variance of the point means.";
  return figure(id, svg::render(h),
                "The two most important factors (by " + escape(c.k.importance) +
                    "); each cell is the mean of " + escape(c.info.name) +
                    " over the points at "
                    "that pair of levels; darker is higher (whichever direction is better)." +
                    escape(inter),
                " data-cells=\"" + std::to_string(cells) + "\"");
}

std::string factorial_charts(const Ctx& c) {
  const std::string id = "anova-" + c.k.id;
  const std::string title = "Share of variance of " + c.info.name;
  std::string s = "<div class=\"grid2\">\n";
  if (!c.k.anova) {
    s += missing(id, title, c.k.note.empty() ? "no factorial decomposition" : c.k.note);
  } else if (!(c.k.anova->total_ss > 0)) {
    s += missing(id, title, "the KPI's point means do not vary over the design");
  } else {
    const FactorialAnova& an = *c.k.anova;
    BarChart ch;
    ch.title = title;
    ch.subtitle = "sums of squares of the point means, as shares of the total";
    ch.axis_label = "share of the variance of the point means";
    ch.format = Format::percent;
    ch.series = {{"main effect", svg::palette(0)}, {"two-factor interaction", svg::palette(2)}};
    ch.include_hi = 1;
    ch.clip_lo = 0;
    ch.clip_hi = 1;
    double explained = 0;
    for (std::size_t i : c.k.ranking) {
      const double v = an.main_share[i];
      explained += std::isfinite(v) ? v : 0;
      ch.groups.push_back({c.a.factors[i].name,
                           {{v, NAN, NAN, 0, fmt(v, Format::percent),
                             c.a.factors[i].name + " main effect: " + fmt(v, Format::percent)}}});
    }
    std::vector<std::size_t> pairs(an.pairs.size());
    std::iota(pairs.begin(), pairs.end(), 0);
    std::stable_sort(pairs.begin(), pairs.end(), [&](std::size_t x, std::size_t y) {
      return an.interaction_share[x] > an.interaction_share[y];
    });
    const std::size_t shown = std::min<std::size_t>(pairs.size(), 12);
    double others = 0;
    for (std::size_t q = 0; q < pairs.size(); ++q) {
      const double v = an.interaction_share[pairs[q]];
      explained += std::isfinite(v) ? v : 0;
      if (q >= shown) {
        others += std::isfinite(v) ? v : 0;
        continue;
      }
      const std::string label = c.a.factors[an.pairs[pairs[q]].first].name + " × " +
                                c.a.factors[an.pairs[pairs[q]].second].name;
      ch.groups.push_back(
          {label,
           {{v, NAN, NAN, 1, fmt(v, Format::percent), label + ": " + fmt(v, Format::percent)}}});
    }
    if (pairs.size() > shown) {
      const std::string label = std::to_string(pairs.size() - shown) + " other pairs";
      ch.groups.push_back({label,
                           {{others, NAN, NAN, 1, fmt(others, Format::percent),
                             label + ": " + fmt(others, Format::percent)}}});
    }
    if (c.a.factors.size() > 2) {
      ch.series.emplace_back("higher-order interactions", svg::palette(9));
      const double rest = std::max(0.0, 1 - explained);
      ch.groups.push_back(
          {"3+ factors",
           {{rest, NAN, NAN, 2, fmt(rest, Format::percent),
             "interactions of three or more factors: " + fmt(rest, Format::percent)}}});
    }
    s += bars_figure(
        id, ch,
        "Balanced full factorial ANOVA of " + escape(c.info.name) +
            " (point means): the share of their total sum of squares explained by "
            "each factor's main effect, each pair's interaction" +
            std::string(c.a.factors.size() > 2 ? " and the interactions of three or more factors"
                                               : "") +
            ". Main effects in order of their share.");
  }
  if (c.a.factors.size() >= 2 && c.k.ranking.size() >= 2)
    s += factorial_heatmap(c, c.k.ranking[0], c.k.ranking[1]);
  return s + "</div>\n";
}

std::string main_effect_charts(const Ctx& c) {
  const auto& me = c.k.main_effects;
  double lo = kInf, hi = -kInf;
  for (const auto& m : me)
    for (double v : m.mean)
      if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  std::string s = "<h3>Main effects</h3>\n";
  if (!std::isfinite(lo))
    return s + missing("main-" + c.k.id, "Main effects", "the KPI is not available at any point");
  // one y scale for every factor of the KPI, so the plots compare at a glance
  const svg::Ticks yt = stable_ticks(lo, hi, 4);
  const bool sampled =
      c.r.design.kind != DesignKind::full_factorial && c.r.design.kind != DesignKind::points;
  s += "<p class=\"meta\">The mean of the point means of " + escape(c.info.name) + " at each " +
       (!sampled ? std::string("level")
        : c.r.design.kind == DesignKind::morris
            ? "level (for a range factor, each of the Morris grid's " +
                  std::to_string(c.r.design.morris_levels) + " levels)"
            : std::string("level (or, for a range factor, each fifth of its range)")) +
       " of a factor, over all the other factors' values; one y scale for all factors. Factors in "
       "order of importance.</p>\n<div class=\"grid2\">\n";
  std::string y_label = c.info.name + (c.info.unit.empty() ? "" : " (" + c.info.unit + ")");
  if (text_width(y_label) > 170)
    y_label = c.k.id + (c.info.unit.empty() ? "" : " (" + c.info.unit + ")");
  if (text_width(y_label) > 170) y_label = c.info.unit.empty() ? "mean" : c.info.unit;
  for (std::size_t i : c.k.ranking) {
    if (i >= me.size()) continue;
    const auto& m = me[i];
    const Factor& f = c.a.factors[i];
    const std::string id = "main-" + c.k.id + "-" + std::to_string(i);
    std::size_t finite = 0, cmin = SIZE_MAX, cmax = 0;
    for (std::size_t l = 0; l < m.mean.size(); ++l) {
      finite += std::isfinite(m.mean[l]);
      cmin = std::min(cmin, m.count[l]);
      cmax = std::max(cmax, m.count[l]);
    }
    if (finite == 0) {
      s += missing(id, "Main effect of " + f.name, "no point with a value");
      continue;
    }
    EffectChart ch;
    ch.title = "Main effect of " + f.name;
    ch.subtitle = (cmin == cmax ? count_text(cmin) : count_text(cmin) + "–" + count_text(cmax)) +
                  " points per " + (f.kind == Factor::Kind::range && sampled ? "bin" : "level") +
                  " · range of the means " + fmt(m.effect, c.info.format);
    ch.x_label = f.path == f.name ? f.name : f.name + " (" + f.path + ")";
    if (text_width(ch.x_label) > 540) ch.x_label = truncate(f.name, 540);
    ch.y_label = y_label;
    ch.series = c.info.name;
    ch.format = c.info.format;
    ch.y_ticks = yt;
    ch.labels = m.labels;
    ch.tips = m.labels;
    // bins of a range factor ("[lo, hi)", equal widths of its unit coordinate, sensitivity.hpp)
    // too wide for their slots: labelled by their centre on the factor's scale instead
    const bool bins = f.kind == Factor::Kind::range && sampled;
    double widest = 0;
    for (const auto& l : m.labels) widest = std::max(widest, text_width(l, 11));
    std::string x_note;
    if (bins && !m.labels.empty() && widest > effect_slot(ch, m.labels.size()) - 6) {
      Factor edge = f;
      edge.integer = false;
      const double n = static_cast<double>(m.labels.size());
      for (std::size_t b = 0; b < m.labels.size(); ++b)
        ch.labels[b] =
            fmt(factor_value(edge, (static_cast<double>(b) + 0.5) / n).number, Format::number);
      x_note = ", bins at their centre";
    }
    ch.x_label += x_note;
    ch.mean = m.mean;
    ch.count = m.count;
    ch.color = svg::palette(0);
    std::string caption = "Mean of " + escape(c.info.name) + " over the points where " +
                          escape(f.name) + " takes each value";
    if (finite < m.mean.size())
      caption += "; " + std::to_string(m.mean.size() - finite) + " empty (no point there)";
    s += figure(id, render_effect(ch), caption + ".",
                " data-points=\"" + std::to_string(finite) + "\"");
  }
  return s + "</div>\n";
}

std::string importance_table(const Ctx& c) {
  std::string s =
      "<h3>Factors by importance</h3>\n<div class=\"table-wrap\">\n<table "
      "class=\"importance\" data-kpi=\"" +
      escape(c.k.id) + "\">\n<thead><tr><th class=\"num\">rank</th><th>factor</th>";
  if (c.k.sobol)
    s += "<th class=\"num\">first-order S<br/><small>95% CI</small></th><th class=\"num\">total "
         "ST<br/><small>95% CI</small></th>";
  else if (c.k.morris)
    s += "<th class=\"num\">mu*<br/><small>95% CI</small></th><th class=\"num\">mu</th><th "
         "class=\"num\">sigma</th>";
  else if (c.k.anova)
    s += "<th class=\"num\">main-effect share</th>";
  s += "<th class=\"num\">range of the level means</th></tr></thead>\n<tbody>\n";
  for (std::size_t rank = 0; rank < c.k.ranking.size(); ++rank) {
    const std::size_t i = c.k.ranking[rank];
    s += "<tr><td class=\"num\">" + std::to_string(rank + 1) + "</td><td>" +
         escape(c.a.factors[i].name) + "</td>";
    auto iv = [](const Interval& v) {
      return "<td class=\"num\">" + escape(fmt(v.value, Format::number)) + "<br/><small>" +
             escape(fmt_ci(v.low, v.high, Format::number)) + "</small></td>";
    };
    if (c.k.sobol) {
      s += iv(c.k.sobol->first[i]) + iv(c.k.sobol->total[i]);
    } else if (c.k.morris) {
      s += iv(c.k.morris->mu_star_ci[i]) + "<td class=\"num\">" +
           escape(fmt(c.k.morris->mu[i], Format::number)) + "</td><td class=\"num\">" +
           escape(fmt(c.k.morris->sigma[i], Format::number)) + "</td>";
    } else if (c.k.anova) {
      s += "<td class=\"num\">" + escape(fmt(c.k.anova->main_share[i], Format::percent)) + "</td>";
    }
    s +=
        "<td class=\"num\">" +
        escape(i < c.k.main_effects.size() ? fmt(c.k.main_effects[i].effect, c.info.format) : "–") +
        "</td></tr>\n";
  }
  return s + "</tbody>\n</table>\n</div>\n";
}

std::string best_table(const Ctx& c) {
  const bool higher = c.info.higher_better();
  std::vector<std::uint64_t> order;
  for (std::uint64_t p = 0; p < c.k.points.size(); ++p)
    if (std::isfinite(c.k.points[p].mean)) order.push_back(p);
  std::stable_sort(order.begin(), order.end(), [&](std::uint64_t x, std::uint64_t y) {
    return higher ? c.k.points[x].mean > c.k.points[y].mean
                  : c.k.points[x].mean < c.k.points[y].mean;
  });
  if (order.size() > 5) order.resize(5);
  std::string s = "<h3>Best points</h3>\n";
  if (order.empty()) return s + "<p class=\"meta\">The KPI is not available at any point.</p>\n";
  const std::uint64_t R = c.r.replications;
  const int k = c.r.kpi_index(c.k.id);
  auto reps = [&](std::uint64_t p) {
    std::vector<double> v;
    if (k < 0) return v;
    const auto& col = c.r.values[static_cast<std::size_t>(k)];
    for (std::uint64_t i = p * R; i < (p + 1) * R && i < col.size(); ++i) v.push_back(col[i]);
    return v;
  };
  s += "<p class=\"meta\">The " + std::to_string(order.size()) + " points with the " +
       (higher ? "highest" : "lowest") + " mean of " + escape(c.info.name) + " (" +
       escape(direction_text(c.info.direction)) +
       "): mean over replications with its 95% CI (Student t). p: two-sided paired t-test of "
       "the difference from the first (replications share their random numbers); p ≥ 0.05: "
       "not distinguishable from it.</p>\n";
  s += "<div class=\"table-wrap\">\n<table class=\"best\" data-kpi=\"" + escape(c.k.id) +
       "\">\n<thead><tr><th class=\"num\">#</th><th class=\"num\">point</th>";
  for (const auto& f : c.a.factors) s += "<th>" + escape(f.name) + "</th>";
  s += "<th class=\"num\">mean</th><th class=\"num\">95% CI</th><th "
       "class=\"num\">replications</th><th class=\"num\">p vs #1</th></tr></thead>\n<tbody>\n";
  const auto first = reps(order[0]);
  for (std::size_t rank = 0; rank < order.size(); ++rank) {
    const std::uint64_t p = order[rank];
    const PointEstimate& e = c.k.points[p];
    s += std::string(rank == 0 ? "<tr class=\"first\"" : "<tr") + " data-point=\"" +
         std::to_string(p) + "\"><td class=\"num\">" + std::to_string(rank + 1) +
         "</td><td class=\"num\">" + std::to_string(p) + "</td>";
    for (std::size_t i = 0; i < c.a.factors.size(); ++i)
      s += "<td>" +
           escape(p < c.r.design.points.size() && i < c.r.design.points[p].size()
                      ? value_display(c.a.factors[i], c.r.design.points[p][i])
                      : "–") +
           "</td>";
    s += "<td class=\"num\">" + escape(fmt(e.mean, c.info.format)) + "</td><td class=\"num\">" +
         escape(fmt_ci(e.ci_low, e.ci_high, c.info.format)) + "</td><td class=\"num\">" +
         std::to_string(e.n) + "</td><td class=\"num\">" +
         (rank == 0 ? std::string("–") : fmt_p(paired_p(first, reps(p)))) + "</td></tr>\n";
  }
  return s + "</tbody>\n</table>\n</div>\n";
}

std::string kpi_section(const Analysis& a, const SweepResults& r, const KpiAnalysis& k) {
  const Ctx c{a, r, k, kpi_info(k.id)};
  std::string s = "<section id=\"" + escape(anchor_of(k.id)) + "\" data-kpi=\"" + escape(k.id) +
                  "\">\n<h2>" + escape(c.info.name) + " <code>" + escape(k.id) + "</code></h2>\n";
  double lo = kInf, hi = -kInf;
  std::size_t available = 0;
  for (const auto& e : k.points)
    if (std::isfinite(e.mean)) lo = std::min(lo, e.mean), hi = std::max(hi, e.mean), ++available;
  s += "<p class=\"meta\">" + (c.info.unit.empty() ? "" : escape(c.info.unit) + " · ") +
       escape(direction_text(c.info.direction)) + " · ";
  if (available)
    s += "point means from " + escape(fmt(lo, c.info.format)) + " to " +
         escape(fmt(hi, c.info.format));
  else
    s += "not available at any point";
  if (available && available < k.points.size())
    s += " (available at " + count_text(available) + " of " + count_text(k.points.size()) +
         " points)";
  if (!k.ranking.empty() && std::isfinite(k.importance_value[k.ranking[0]]))
    s += " · most important: <strong>" + escape(a.factors[k.ranking[0]].name) + "</strong> (by " +
         escape(k.importance) + ")";
  s += "</p>\n";
  if (!k.note.empty()) s += "<p class=\"meta\">Note: " + escape(k.note) + "</p>\n";
  // the design's sensitivity charts and the factors by importance (beside a lone Sobol chart)
  switch (r.design.kind) {
    case DesignKind::sobol:
      s += "<div class=\"grid2\">\n" + sobol_chart(c) + "<div>\n" + importance_table(c) +
           "</div>\n</div>\n";
      break;
    case DesignKind::morris:
      s += morris_charts(c) + importance_table(c);
      break;
    case DesignKind::full_factorial:
      s += factorial_charts(c) + importance_table(c);
      break;
    default:
      s += importance_table(c);
      break;
  }
  s += main_effect_charts(c);
  s += best_table(c);
  return s + "</section>\n";
}

std::string sweep_section(const Analysis& a, const SweepResults& r) {
  std::string s =
      "<section id=\"factors\">\n<h2>Factors</h2>\n<div class=\"table-wrap\">\n<table "
      "class=\"factors\">\n<thead><tr><th>factor</th><th>scenario key</th><th>values"
      "</th><th class=\"num\">distinct values in the design</th></tr></thead>\n<tbody>\n";
  for (std::size_t i = 0; i < a.factors.size(); ++i) {
    const Factor& f = a.factors[i];
    std::size_t distinct = 0;
    if (r.design.kind == DesignKind::full_factorial) {
      distinct = f.level_count();
    } else {
      std::vector<double> v;
      for (const auto& p : r.design.points)
        if (i < p.size()) v.push_back(p[i].number);
      std::sort(v.begin(), v.end());
      distinct = static_cast<std::size_t>(std::unique(v.begin(), v.end()) - v.begin());
    }
    s += "<tr><td>" + escape(f.name) + "</td><td><code>" + escape(f.path) + "</code></td><td>" +
         escape(factor_values_text(f)) + "</td><td class=\"num\">" + count_text(distinct) +
         "</td></tr>\n";
  }
  s += "</tbody>\n</table>\n</div>\n";
  if (!r.sweep_text.empty())
    s += "<details><summary>The sweep file</summary>\n<pre class=\"source\">" +
         escape(r.sweep_text) + "</pre>\n</details>\n";
  return s + "</section>\n";
}

std::string failures_section(const SweepResults& r, std::uint64_t failed) {
  std::string s = "<section id=\"failures\">\n<h2>Failed tasks</h2>\n<p class=\"meta\">" +
                  count_text(failed) + " of " + count_text(r.tasks()) +
                  " tasks failed; their KPI values are missing from the point means.</p>\n";
  if (r.errors.empty()) return s + "</section>\n";
  s += "<div class=\"table-wrap\">\n<table class=\"failures\">\n<thead><tr><th "
       "class=\"num\">task</th><th class=\"num\">point</th><th "
       "class=\"num\">replication</th><th>message</th></tr></thead>\n<tbody>\n";
  const std::uint64_t R = std::max<std::uint64_t>(1, r.replications);
  const std::size_t shown = std::min<std::size_t>(r.errors.size(), 50);
  for (std::size_t i = 0; i < shown; ++i) {
    const auto& [t, msg] = r.errors[i];
    s += "<tr><td class=\"num\">" + std::to_string(t) + "</td><td class=\"num\">" +
         std::to_string(t / R) + "</td><td class=\"num\">" + std::to_string(t % R) + "</td><td>" +
         escape(msg) + "</td></tr>\n";
  }
  s += "</tbody>\n</table>\n</div>\n";
  if (r.errors.size() > shown)
    s += "<p class=\"meta\">… and " + count_text(r.errors.size() - shown) +
         " more (journeysim sweep analyse lists them all).</p>\n";
  return s + "</section>\n";
}

std::string card(const std::string& k, const std::string& v, const std::string& note) {
  return "<div class=\"card\"><div class=\"k\">" + escape(k) + "</div><div class=\"v\">" +
         escape(v) + "</div><div class=\"c\">" + escape(note) + "</div></div>\n";
}

}  // namespace

std::string sweep_report_html(const Analysis& a, const SweepResults& r,
                              const std::string& title_in) {
  const std::string title = title_in.empty() ? a.name + ": sweep report" : title_in;
  const std::uint64_t points = a.point_labels.size();
  std::string header = "<h1>" + escape(title) + "</h1>\n";
  header += "<p class=\"meta\">Sweep <strong>" + escape(a.name) + "</strong> · results <code>" +
            escape(r.path) + "</code> · scenario <code>" + escape(r.scenario_path) +
            "</code></p>\n";
  header += "<p class=\"meta\">Design " + escape(design_text(r)) + " · " + count_text(points) +
            " points × " + count_text(a.replications) +
            (a.replications == 1 ? " replication" : " replications") + " = " +
            count_text(r.tasks()) + " tasks · " + count_text(a.failed_tasks) + " failed · seed " +
            std::to_string(r.seed) + " · journeysim " +
            escape(r.version.empty() ? "?" : r.version) +
            (r.commit.empty() ? "" : " (" + escape(r.commit) + ")") + "</p>\n";
  if (!r.command_line.empty())
    header += "<p class=\"meta\">Produced by <code>" + escape(r.command_line) + "</code></p>\n";
  header += "<div class=\"cards\">\n";
  header += card("Design", design_name(r.design.kind), count_text(a.factors.size()) + " factors");
  header += card("Points × replications", count_text(points) + " × " + count_text(a.replications),
                 count_text(r.tasks()) + " tasks");
  header += card("Failed tasks", count_text(a.failed_tasks),
                 a.failed_tasks ? "see Failed tasks below" : "every task ran");
  header += card("KPIs", count_text(a.kpis.size()), "one section each");
  header += "</div>\n";
  std::string nav = "<a href=\"#factors\">Factors</a>";
  for (const auto& k : a.kpis)
    nav += "<a href=\"#" + escape(anchor_of(k.id)) + "\">" + escape(kpi_info(k.id).name) + "</a>";
  if (a.failed_tasks) nav += "<a href=\"#failures\">Failed tasks</a>";
  nav += "\n";
  std::string body = sweep_section(a, r);
  for (const auto& k : a.kpis) body += kpi_section(a, r, k);
  if (a.failed_tasks) body += failures_section(r, a.failed_tasks);
  if (!r.kpis_not_available.empty()) {
    std::string list;
    for (const auto& k : r.kpis_not_available) list += (list.empty() ? "" : ", ") + k;
    body +=
        "<p class=\"meta\">KPIs no task of this sweep could compute: " + escape(list) + ".</p>\n";
  }
  const std::string footer =
      std::string("<p>Generated by journeysim ") + kVersion +
      " (<code>journeysim report</code> of a sweep's results; the numbers are those of "
      "<code>journeysim sweep analyse</code>). Self-contained: inline SVG and CSS, no scripts, no "
      "network access needed. Hover a chart element for its value.</p>\n";
  return page(title, header, nav, body, footer);
}

}  // namespace journeysim::sweep
