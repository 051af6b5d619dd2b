#include "svg.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "journeysim/version.hpp"

namespace journeysim::analysis::svg {

std::string escape(std::string_view s) {
  std::string o;
  o.reserve(s.size());
  for (char c : s) switch (c) {
      case '&':
        o += "&amp;";
        break;
      case '<':
        o += "&lt;";
        break;
      case '>':
        o += "&gt;";
        break;
      case '"':
        o += "&quot;";
        break;
      case '\'':
        o += "&#39;";
        break;
      default:
        o += c;
    }
  return o;
}

const std::string& palette(std::size_t i) {
  static const std::array<std::string, 10> colors = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759",
                                                     "#76b7b2", "#edc948", "#b07aa1", "#ff9da7",
                                                     "#9c755f", "#bab0ac"};
  return colors[i % colors.size()];
}

Ticks nice_ticks(double lo, double hi, int target) {
  Ticks t;
  if (!std::isfinite(lo) || !std::isfinite(hi)) lo = 0, hi = 1;
  if (lo > hi) std::swap(lo, hi);
  if (hi - lo < 1e-12 * std::max(1.0, std::abs(hi))) {
    // a single value: a range around it
    double pad = lo == 0 ? 1 : std::abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  double raw = (hi - lo) / std::max(1, target);
  double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  t.step = step;
  t.lo = std::floor(lo / step + 1e-9) * step;
  t.hi = std::ceil(hi / step - 1e-9) * step;
  for (int i = 0;; ++i) {
    double v = t.lo + i * step;
    if (v > t.hi + step * 1e-6) break;
    t.values.push_back(std::abs(v) < step * 1e-9 ? 0.0 : v);
  }
  return t;
}

namespace {

std::string with_separators(double v, int decimals) {
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", decimals, std::abs(v));
  std::string s = b;
  std::size_t dot = s.find('.');
  std::size_t int_end = dot == std::string::npos ? s.size() : dot;
  std::string out;
  for (std::size_t i = 0; i < int_end; ++i) {
    if (i > 0 && (int_end - i) % 3 == 0) out += ',';
    out += s[i];
  }
  out += s.substr(int_end);
  bool zero = std::all_of(s.begin(), s.end(), [](char c) { return c == '0' || c == '.'; });
  return (v < 0 && !zero ? "-" : "") + out;
}

int decimals_for(double step) {
  if (!(step > 0)) return 0;
  double d = -std::floor(std::log10(step) + 1e-9);
  // 2.5-type steps need one more digit
  double scaled = step * std::pow(10.0, d);
  int extra = std::abs(scaled - std::round(scaled)) > 1e-6 ? 1 : 0;
  return std::clamp(static_cast<int>(d) + extra, 0, 6);
}

// 3 significant digits, no exponent for ordinary magnitudes
std::string sig3(double v) {
  double a = std::abs(v);
  if (a == 0) return "0";
  if (a >= 1e6) {
    char b[32];
    std::snprintf(b, sizeof b, "%.3gM", v / 1e6);
    return b;
  }
  if (a >= 1000) return with_separators(v, 0);
  if (a < 1e-3) {
    char b[32];
    std::snprintf(b, sizeof b, "%.2e", v);
    return b;
  }
  int dec = std::clamp(2 - static_cast<int>(std::floor(std::log10(a))), 0, 5);
  return with_separators(v, dec);
}

}  // namespace

std::string tick_label(double v, double step, Format f) {
  switch (f) {
    case Format::percent:
    case Format::signed_percent: {
      std::string s = with_separators(v * 100, decimals_for(step * 100)) + "%";
      if (f == Format::signed_percent && v > 0) s.insert(s.begin(), '+');
      return s;
    }
    default:
      break;
  }
  double a = std::max(std::abs(v), std::abs(step));
  if (a >= 1e6 && step >= 1e5) return with_separators(v / 1e6, decimals_for(step / 1e6)) + "M";
  if (a >= 1e4 && step >= 1e3) return with_separators(v / 1e3, decimals_for(step / 1e3)) + "k";
  return with_separators(v, f == Format::integer ? 0 : decimals_for(step));
}

std::string format_value(double v, Format f) {
  if (!std::isfinite(v)) return "–";
  switch (f) {
    case Format::percent: {
      double p = v * 100;
      return with_separators(p, std::abs(p) >= 10 ? 1 : 2) + "%";
    }
    case Format::signed_percent: {
      double p = v * 100;
      std::string s = with_separators(p, std::abs(p) >= 10 ? 1 : 2) + "%";
      if (p > 0) s.insert(s.begin(), '+');
      return s;
    }
    case Format::integer:
      return with_separators(std::round(v), 0);
    case Format::number:
      return sig3(v);
  }
  return sig3(v);
}

namespace {

std::string n1(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f", v);
  std::string s = b;
  if (s.size() > 2 && s.compare(s.size() - 2, 2, ".0") == 0) s.resize(s.size() - 2);
  if (s == "-0") s = "0";
  return s;
}

}  // namespace

// Text width in px, from per-character advances of a wide sans-serif (DejaVu Sans, the widest
// usual fallback; narrower fonts only leave more room). Non-ASCII characters count as 'M'-wide.
double text_width(std::string_view s, double font) {
  double w = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) == 0x80) continue;  // UTF-8 continuation byte
    double a = 0.62;
    if (c >= 0x80)
      a = 0.86;
    else if (std::string_view(" .,:;'|!ijlI[]()-/").find(static_cast<char>(c)) !=
             std::string_view::npos)
      a = 0.34;
    else if (c == 'f' || c == 't' || c == 'r')
      a = 0.42;
    else if (c >= '0' && c <= '9')
      a = 0.64;
    else if (c == 'm' || c == 'w' || c == 'M' || c == 'W' || c == '%' || c == '@')
      a = 0.96;
    else if (c >= 'A' && c <= 'Z')
      a = 0.72;
    else if (c == '+' || c == '=' || c == '<' || c == '>' || c == '~')
      a = 0.84;
    w += a;
  }
  return w * font;
}

std::string truncate(const std::string& s, double max_px, double font) {
  if (text_width(s, font) <= max_px) return s;
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    unsigned char c = s[i];
    if ((c & 0xC0) != 0x80 && text_width(out + "...", font) > max_px) break;
    out += s[i];
  }
  // do not cut a UTF-8 sequence
  while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) out.pop_back();
  if (!out.empty() && (static_cast<unsigned char>(out.back()) & 0x80)) out.pop_back();
  return out + "…";
}

namespace {

class Canvas {
 public:
  Canvas(int width, int height, const std::string& title) : w_(width), h_(height) {
    o_ << "<svg class=\"chart-svg\" viewBox=\"0 0 " << width << ' ' << height << "\" width=\""
       << width << "\" height=\"" << height << "\" role=\"img\" aria-label=\"" << escape(title)
       << "\">\n";
  }
  std::ostringstream& out() { return o_; }
  void text(double x, double y, std::string_view s, std::string_view anchor = "start",
            std::string_view cls = "", std::string_view extra = "") {
    o_ << "<text x=\"" << n1(x) << "\" y=\"" << n1(y) << '"';
    if (anchor != "start") o_ << " text-anchor=\"" << anchor << '"';
    if (!cls.empty()) o_ << " class=\"" << cls << '"';
    if (!extra.empty()) o_ << ' ' << extra;
    o_ << '>' << escape(s) << "</text>\n";
  }
  void line(double x1, double y1, double x2, double y2, std::string_view cls) {
    o_ << "<line x1=\"" << n1(x1) << "\" y1=\"" << n1(y1) << "\" x2=\"" << n1(x2) << "\" y2=\""
       << n1(y2) << "\" class=\"" << cls << "\"/>\n";
  }
  void rect(double x, double y, double w, double h, std::string_view fill,
            std::string_view tooltip = "", std::string_view cls = "") {
    o_ << "<rect x=\"" << n1(x) << "\" y=\"" << n1(y) << "\" width=\"" << n1(std::max(0.0, w))
       << "\" height=\"" << n1(std::max(0.0, h)) << '"';
    if (!fill.empty()) o_ << " fill=\"" << fill << '"';
    if (!cls.empty()) o_ << " class=\"" << cls << '"';
    if (tooltip.empty())
      o_ << "/>\n";
    else
      o_ << "><title>" << escape(tooltip) << "</title></rect>\n";
  }
  // The title and subtitle, cut with an ellipsis where they would run past the chart's width
  // (the whole title stays in the chart's aria-label; the title is bold: measured one size up).
  // Returns the y below them.
  double header(const std::string& title, const std::string& subtitle) {
    text(8, 20, truncate(title, w_ - 16, 15), "start", "title");
    if (subtitle.empty()) return 30;
    text(8, 37, truncate(subtitle, w_ - 16, 11), "start", "subtitle");
    return 46;
  }
  // A horizontal legend; returns the y below it.
  double legend(double y, const std::vector<std::pair<std::string, std::string>>& items,
                std::string_view band_label = "", const std::string& band_color = "") {
    double x = 8;
    auto item = [&](const std::string& label, const std::string& color, bool band) {
      double w = 22 + text_width(label, 11) + 14;
      if (x + w > w_ - 8 && x > 8) {
        x = 8;
        y += 16;
      }
      if (band)
        rect(x, y + 2, 14, 10, color, "", "band-swatch");
      else
        rect(x, y + 2, 14, 10, color);
      text(x + 18, y + 11, label, "start", "legend");
      x += w;
    };
    for (const auto& [label, color] : items) item(label, color, false);
    if (!band_label.empty()) item(std::string(band_label), band_color, true);
    return y + 22;
  }
  std::string finish() {
    o_ << "</svg>";
    return o_.str();
  }
  int width() const { return w_; }
  int height() const { return h_; }

 private:
  int w_, h_;
  std::ostringstream o_;
};

struct Scale {
  double d0, d1, r0, r1;
  double operator()(double v) const { return r0 + (v - d0) / (d1 - d0) * (r1 - r0); }
};

void extend(double& lo, double& hi, double v) {
  if (!std::isfinite(v)) return;
  lo = std::min(lo, v);
  hi = std::max(hi, v);
}

double max_label_width(const Ticks& t, Format f) {
  double w = 0;
  for (double v : t.values) w = std::max(w, text_width(tick_label(v, t.step, f), 11));
  return w;
}

// y axis: grid lines and tick labels; x axis line at the bottom.
void y_axis(Canvas& c, const Ticks& t, const Scale& ys, double left, double right, Format f,
            const std::string& label, double top, double bottom) {
  for (double v : t.values) {
    double y = ys(v);
    c.line(left, y, right, y, "grid");
    c.text(left - 6, y + 4, tick_label(v, t.step, f), "end", "tick");
  }
  c.line(left, top, left, bottom, "axis");
  char transform[96];
  double cy = (top + bottom) / 2;
  std::snprintf(transform, sizeof transform, "transform=\"rotate(-90 14 %.1f)\"", cy);
  c.text(14, cy, label, "middle", "axis-label", transform);
}

// Categorical or numeric x positions.
struct XMap {
  bool categorical = false;
  std::size_t n = 0;
  double left = 0, right = 0;
  Scale numeric{0, 1, 0, 1};
  double operator()(double v) const {
    if (!categorical) return numeric(v);
    if (n <= 1) return (left + right) / 2;
    double pad = std::min(12.0, (right - left) / (2.0 * n));
    return left + pad + v * (right - left - 2 * pad) / (n - 1);
  }
};

// x axis tick labels (categories thinned so they do not overlap) and the axis label.
void x_axis(Canvas& c, const XMap& xm, const std::vector<std::string>& categories,
            const Ticks* ticks, Format f, double bottom, const std::string& label) {
  c.line(xm.left, bottom, xm.right, bottom, "axis");
  if (xm.categorical) {
    double widest = 0;
    for (const auto& s : categories) widest = std::max(widest, text_width(s, 11));
    double slot = xm.n <= 1 ? 1e9 : (xm.right - xm.left) / static_cast<double>(xm.n);
    std::size_t every = std::max<std::size_t>(
        1, static_cast<std::size_t>(std::ceil((widest + 8) / std::max(1.0, slot))));
    for (std::size_t i = 0; i < categories.size(); i += every) {
      double x = xm(static_cast<double>(i));
      c.line(x, bottom, x, bottom + 4, "axis");
      c.text(x, bottom + 16, categories[i], "middle", "tick");
    }
  } else if (ticks) {
    for (double v : ticks->values) {
      double x = xm(v);
      c.line(x, bottom, x, bottom + 4, "axis");
      c.text(x, bottom + 16, tick_label(v, ticks->step, f), "middle", "tick");
    }
  }
  c.text((xm.left + xm.right) / 2, bottom + 34, label, "middle", "axis-label");
}

// Points of one series as pixel coordinates, split at NaN gaps; step functions get their
// horizontal runs, and points closer than half a pixel are merged (thousands of KM steps).
std::vector<std::vector<std::pair<double, double>>> polyline(const std::vector<double>& x,
                                                             const std::vector<double>& y,
                                                             bool step, const XMap& xm,
                                                             const Scale& ys, double x_end) {
  std::vector<std::vector<std::pair<double, double>>> parts(1);
  for (std::size_t i = 0; i < x.size() && i < y.size(); ++i) {
    if (!std::isfinite(y[i]) || !std::isfinite(x[i])) {
      if (!parts.back().empty()) parts.emplace_back();
      continue;
    }
    double px = xm(x[i]), py = ys(y[i]);
    auto& p = parts.back();
    if (step && !p.empty()) p.emplace_back(px, p.back().second);
    p.emplace_back(px, py);
  }
  if (step && !parts.back().empty() && std::isfinite(x_end))
    parts.back().emplace_back(xm(x_end), parts.back().back().second);
  // merge runs of points on the same pixel column (keep first and last of each column)
  for (auto& p : parts) {
    if (p.size() < 4) continue;
    std::vector<std::pair<double, double>> q;
    for (const auto& pt : p) {
      std::size_t k = q.size();
      if (k >= 2 && std::abs(q[k - 1].first - pt.first) < 0.5 &&
          std::abs(q[k - 2].first - pt.first) < 0.5)
        q.back() = pt;
      else
        q.push_back(pt);
    }
    p = std::move(q);
  }
  if (parts.back().empty()) parts.pop_back();
  return parts;
}

std::string path_data(const std::vector<std::pair<double, double>>& pts, bool close) {
  std::string d;
  for (std::size_t i = 0; i < pts.size(); ++i) {
    d += i == 0 ? 'M' : 'L';
    d += n1(pts[i].first);
    d += ',';
    d += n1(pts[i].second);
  }
  if (close) d += 'Z';
  return d;
}

// Sequential colour scale (light to dark blue); t in [0, 1].
std::string blues(double t) {
  static const std::array<std::array<int, 3>, 9> stops = {{{247, 251, 255},
                                                           {222, 235, 247},
                                                           {198, 219, 239},
                                                           {158, 202, 225},
                                                           {107, 174, 214},
                                                           {66, 146, 198},
                                                           {33, 113, 181},
                                                           {8, 81, 156},
                                                           {8, 48, 107}}};
  t = std::clamp(std::isfinite(t) ? t : 0.0, 0.0, 1.0) * (stops.size() - 1);
  std::size_t i = std::min<std::size_t>(static_cast<std::size_t>(t), stops.size() - 2);
  double f = t - i;
  char b[16];
  int rgb[3];
  for (int k = 0; k < 3; ++k)
    rgb[k] = static_cast<int>(std::lround(stops[i][k] + f * (stops[i + 1][k] - stops[i][k])));
  std::snprintf(b, sizeof b, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
  return b;
}

// Diverging colour scale (red - near white - blue, as ColorBrewer's RdBu); t in [0, 1], 0.5 the
// middle.
std::string red_blue(double t) {
  static const std::array<std::array<int, 3>, 7> stops = {{{178, 24, 43},
                                                           {214, 96, 77},
                                                           {244, 165, 130},
                                                           {247, 247, 247},
                                                           {146, 197, 222},
                                                           {67, 147, 195},
                                                           {33, 102, 172}}};
  t = std::clamp(std::isfinite(t) ? t : 0.5, 0.0, 1.0) * (stops.size() - 1);
  std::size_t i = std::min<std::size_t>(static_cast<std::size_t>(t), stops.size() - 2);
  double f = t - i;
  char b[16];
  int rgb[3];
  for (int k = 0; k < 3; ++k)
    rgb[k] = static_cast<int>(std::lround(stops[i][k] + f * (stops[i + 1][k] - stops[i][k])));
  std::snprintf(b, sizeof b, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
  return b;
}

}  // namespace

std::string render(const LineChart& ch) {
  Canvas c(ch.width, ch.height, ch.title);
  double top = c.header(ch.title, ch.subtitle);
  std::vector<std::pair<std::string, std::string>> items;
  bool any_band = false;
  for (std::size_t i = 0; i < ch.series.size(); ++i) {
    const auto& s = ch.series[i];
    items.emplace_back(s.name, s.color.empty() ? palette(i) : s.color);
    any_band = any_band || !s.lo.empty();
  }
  if (items.size() > 1 || (any_band && !ch.band_label.empty()))
    top = c.legend(top, items, any_band ? ch.band_label : "",
                   items.empty() ? palette(0) : items[0].second);
  top += 6;
  // domains
  double ylo = INFINITY, yhi = -INFINITY, xlo = INFINITY, xhi = -INFINITY;
  for (const auto& s : ch.series) {
    for (double v : s.y) extend(ylo, yhi, v);
    for (double v : s.lo) extend(ylo, yhi, v);
    for (double v : s.hi) extend(ylo, yhi, v);
    for (double v : s.x) extend(xlo, xhi, v);
  }
  if (!std::isfinite(ylo)) ylo = 0, yhi = 1;
  ylo = std::min(ylo, 0.0);
  if (ch.y.min) ylo = *ch.y.min;
  if (ch.y.max) yhi = *ch.y.max;
  Ticks yt = nice_ticks(ylo, yhi, 5);
  if (ch.y.min) yt.lo = *ch.y.min;
  if (ch.y.max) yt.hi = *ch.y.max;
  double left = 30 + max_label_width(yt, ch.y.format) + 10;
  double right = ch.width - 16, bottom = ch.height - 44;
  Scale ys{yt.lo, yt.hi, bottom, top};
  XMap xm;
  xm.left = left;
  xm.right = right;
  Ticks xt;
  if (!ch.x_categories.empty()) {
    xm.categorical = true;
    xm.n = ch.x_categories.size();
  } else {
    if (!std::isfinite(xlo)) xlo = 0, xhi = 1;
    if (ch.x.min) xlo = *ch.x.min;
    if (ch.x.max) xhi = *ch.x.max;
    xt = nice_ticks(xlo, xhi, 6);
    if (ch.x.min) xt.lo = *ch.x.min;
    if (xt.hi > xhi && ch.x.max) xt.hi = *ch.x.max;
    while (!xt.values.empty() && xt.values.back() > xt.hi + 1e-9) xt.values.pop_back();
    xm.numeric = Scale{xt.lo, xt.hi, left, right};
  }
  y_axis(c, yt, ys, left, right, ch.y.format, ch.y.label, top, bottom);
  x_axis(c, xm, ch.x_categories, &xt, ch.x.format, bottom, ch.x.label);
  double x_end = xm.categorical ? NAN : xt.hi;
  c.out() << "<g class=\"plot\">\n";
  for (std::size_t i = 0; i < ch.series.size(); ++i) {
    const auto& s = ch.series[i];
    const std::string& color = items[i].second;
    if (!s.lo.empty() && !s.hi.empty()) {
      auto up = polyline(s.x, s.hi, s.step, xm, ys, x_end);
      auto lo = polyline(s.x, s.lo, s.step, xm, ys, x_end);
      if (up.size() == lo.size())
        for (std::size_t k = 0; k < up.size(); ++k) {
          auto pts = up[k];
          pts.insert(pts.end(), lo[k].rbegin(), lo[k].rend());
          c.out() << "<path class=\"band\" d=\"" << path_data(pts, true) << "\" fill=\"" << color
                  << "\"/>\n";
        }
    }
    for (const auto& part : polyline(s.x, s.y, s.step, xm, ys, x_end))
      c.out() << "<path class=\"line\" d=\"" << path_data(part, false) << "\" stroke=\"" << color
              << "\"><title>" << escape(s.name) << "</title></path>\n";
    if (s.markers)
      for (std::size_t k = 0; k < s.x.size() && k < s.y.size(); ++k) {
        if (!std::isfinite(s.y[k])) continue;
        std::string tip = xm.categorical && s.x[k] >= 0 && s.x[k] < ch.x_categories.size()
                              ? ch.x_categories[static_cast<std::size_t>(s.x[k])]
                              : format_value(s.x[k], ch.x.format);
        tip += ": " + format_value(s.y[k], ch.y.format);
        if (k < s.lo.size() && k < s.hi.size() && std::isfinite(s.lo[k]) && std::isfinite(s.hi[k]))
          tip += " [" + format_value(s.lo[k], ch.y.format) + ", " +
                 format_value(s.hi[k], ch.y.format) + "]";
        c.out() << "<circle class=\"marker\" cx=\"" << n1(xm(s.x[k])) << "\" cy=\""
                << n1(ys(s.y[k])) << "\" r=\"3\" fill=\"" << color << "\"><title>"
                << escape(s.name + " " + tip) << "</title></circle>\n";
      }
  }
  for (const auto& [x, label] : ch.x_markers) {
    if (!std::isfinite(x)) continue;
    double px = xm(x);
    if (px < left || px > right) continue;
    c.line(px, top, px, bottom, "marker-line");
    if (!label.empty()) c.text(px + 4, top + 12, label, "start", "note");
  }
  c.out() << "</g>\n";
  return c.finish();
}

std::string render(const FunnelChart& ch) {
  const double row = 34, head = 18;
  int height = static_cast<int>(48 + head + row * ch.steps.size() + 12);
  if (!ch.subtitle.empty()) height += 16;
  Canvas c(ch.width, height, ch.title);
  double top = c.header(ch.title, ch.subtitle);
  double label_w = 0;
  for (const auto& s : ch.steps) label_w = std::max(label_w, text_width(s.label, 12));
  label_w = std::min(label_w + 16, ch.width * 0.3);
  double note_w = 0;
  for (const auto& s : ch.steps) note_w = std::max(note_w, text_width(s.note, 11));
  note_w = std::min(note_w + 16, ch.width * 0.35);
  double bar_left = 8 + label_w, bar_right = ch.width - 8 - note_w;
  double max_v = 0;
  for (const auto& s : ch.steps) max_v = std::max(max_v, s.value);
  if (!(max_v > 0)) max_v = 1;
  top += 8;
  c.text(8, top + 8, "step", "start", "axis-label");
  c.text((bar_left + bar_right) / 2, top + 8, ch.value_label, "middle", "axis-label");
  c.text(bar_right + 8, top + 8, "conversion", "start", "axis-label");
  top += head;
  double mid = (bar_left + bar_right) / 2, full = bar_right - bar_left;
  for (std::size_t i = 0; i < ch.steps.size(); ++i) {
    const auto& s = ch.steps[i];
    double y = top + i * row;
    double w = std::max(2.0, full * s.value / max_v);
    c.text(8, y + row / 2 + 4, truncate(s.label, label_w - 8), "start", "label");
    c.rect(mid - w / 2, y + 4, w, row - 8, palette(0),
           s.label + ": " + format_value(s.value, Format::number) + " " + ch.value_label, "bar");
    std::string v = format_value(s.value, Format::number);
    bool inside = w > text_width(v, 12) + 12;
    c.text(mid, y + row / 2 + 4, v, "middle", inside ? "bar-value" : "value");
    if (!s.note.empty()) c.text(bar_right + 8, y + row / 2 + 4, s.note, "start", "note");
  }
  return c.finish();
}

std::string render(const Heatmap& ch) {
  const std::size_t R = ch.rows.size(), C = ch.columns.size();
  double row_label_w = 0;
  for (const auto& r : ch.rows) row_label_w = std::max(row_label_w, text_width(r, 11));
  double left = 30 + row_label_w + 8, right = ch.width - 80;
  double cw = C ? (right - left) / C : 1;
  double chh = std::clamp(cw * 0.7, 14.0, 26.0);
  double top0 = ch.subtitle.empty() ? 30 : 46;
  int height = static_cast<int>(top0 + 10 + chh * R + 50);
  height = std::max(height, static_cast<int>(top0 + 10 + 180));
  Canvas c(ch.width, height, ch.title);
  double top = c.header(ch.title, ch.subtitle) + 10;
  double bottom = top + chh * R;
  bool labels = cw >= 28 && chh >= 14;
  auto norm = [&](double v) { return ch.max > ch.min ? (v - ch.min) / (ch.max - ch.min) : 0.5; };
  auto color = [&](double t) { return ch.diverging ? red_blue(t) : blues(t); };
  auto light = [&](double t) { return ch.diverging ? std::abs(t - 0.5) > 0.3 : t > 0.55; };
  auto label_of = [&](std::size_t r, std::size_t k) -> std::string {
    if (r < ch.cell_labels.size() && k < ch.cell_labels[r].size()) return ch.cell_labels[r][k];
    return "";
  };
  c.out() << "<g class=\"plot\">\n";
  for (std::size_t r = 0; r < R; ++r) {
    double y = top + r * chh;
    c.text(left - 6, y + chh / 2 + 4, ch.rows[r], "end", "tick");
    for (std::size_t k = 0; k < C && r < ch.cells.size() && k < ch.cells[r].size(); ++k) {
      double v = ch.cells[r][k];
      if (!std::isfinite(v)) continue;
      double t = norm(v);
      const std::string given = label_of(r, k);
      c.rect(left + k * cw, y, cw - 1, chh - 1, color(t),
             ch.y_label + " " + ch.rows[r] + ", " + ch.x_label + " " + ch.columns[k] + ": " +
                 (given.empty() ? format_value(v, ch.format) : given),
             "cell");
      if (labels) {
        std::string s = !given.empty()                 ? given
                        : ch.format == Format::percent ? with_separators(v * 100, 0)
                                                       : format_value(v, ch.format);
        c.text(left + k * cw + cw / 2, y + chh / 2 + 4, s, "middle",
               light(t) ? "cell-label light" : "cell-label");
      }
    }
  }
  c.out() << "</g>\n";
  // column labels (thinned) and axis labels
  double widest = 0;
  for (const auto& s : ch.columns) widest = std::max(widest, text_width(s, 11));
  std::size_t every =
      std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil((widest + 6) / cw)));
  for (std::size_t k = 0; k < C; k += every)
    c.text(left + k * cw + cw / 2, bottom + 14, ch.columns[k], "middle", "tick");
  c.text((left + right) / 2, bottom + 32, ch.x_label, "middle", "axis-label");
  char transform[96];
  double cy = (top + bottom) / 2;
  std::snprintf(transform, sizeof transform, "transform=\"rotate(-90 14 %.1f)\"", cy);
  c.text(14, cy, ch.y_label, "middle", "axis-label", transform);
  // colour scale
  double lx = right + 24, lh = std::min(160.0, std::max(100.0, bottom - top)), steps = 20;
  c.text(lx - 4, top - 2, ch.value_label, "start", "legend");
  for (int i = 0; i < steps; ++i) {
    double t = 1 - (i + 0.5) / steps;
    c.rect(lx, top + 6 + i * lh / steps, 12, lh / steps + 0.5, color(t));
  }
  Ticks lt = nice_ticks(ch.min, ch.max, 4);
  for (double v : lt.values) {
    if (v < ch.min - 1e-12 || v > ch.max + 1e-12) continue;
    double y = top + 6 + (1 - norm(v)) * lh;
    c.line(lx + 12, y, lx + 16, y, "axis");
    c.text(lx + 18, y + 4, tick_label(v, lt.step, ch.format), "start", "tick");
  }
  return c.finish();
}

std::string render(const StackedArea& ch) {
  Canvas c(ch.width, ch.height, ch.title);
  double top = c.header(ch.title, ch.subtitle);
  std::vector<std::pair<std::string, std::string>> items;
  for (std::size_t i = 0; i < ch.series.size(); ++i)
    items.emplace_back(ch.series[i].first, palette(i));
  top = c.legend(top, items) + 6;
  const std::size_t n = ch.x_categories.size();
  std::vector<double> total(n, 0);
  for (const auto& [name, v] : ch.series)
    for (std::size_t i = 0; i < n && i < v.size(); ++i)
      if (std::isfinite(v[i])) total[i] += v[i];
  double ymax = 0;
  for (double t : total) ymax = std::max(ymax, t);
  if (ch.y.max) ymax = *ch.y.max;
  Ticks yt = nice_ticks(0, ymax > 0 ? ymax : 1, 5);
  double left = 30 + max_label_width(yt, ch.y.format) + 10;
  double right = ch.width - 16, bottom = ch.height - 44;
  Scale ys{yt.lo, yt.hi, bottom, top};
  XMap xm;
  xm.categorical = true;
  xm.n = n;
  xm.left = left;
  xm.right = right;
  y_axis(c, yt, ys, left, right, ch.y.format, ch.y.label, top, bottom);
  x_axis(c, xm, ch.x_categories, nullptr, ch.x.format, bottom, ch.x.label);
  c.out() << "<g class=\"plot\">\n";
  std::vector<double> base(n, 0);
  auto px = [&](std::size_t i) {
    if (n == 1) return i == 0 ? left + 12 : right - 12;
    return xm(static_cast<double>(i));
  };
  for (std::size_t s = 0; s < ch.series.size(); ++s) {
    const auto& v = ch.series[s].second;
    std::vector<double> upper(n);
    for (std::size_t i = 0; i < n; ++i)
      upper[i] = base[i] + (i < v.size() && std::isfinite(v[i]) ? v[i] : 0);
    std::vector<std::pair<double, double>> pts;
    std::size_t m = n == 1 ? 2 : n;
    for (std::size_t i = 0; i < m; ++i) pts.emplace_back(px(i), ys(upper[std::min(i, n - 1)]));
    for (std::size_t i = m; i-- > 0;) pts.emplace_back(px(i), ys(base[std::min(i, n - 1)]));
    double last = n ? (n - 1 < v.size() ? v[n - 1] : NAN) : NAN;
    c.out() << "<path class=\"area\" d=\"" << path_data(pts, true) << "\" fill=\""
            << items[s].second << "\"><title>" << escape(ch.series[s].first)
            << (n ? " (" + escape(ch.x_categories[n - 1]) + ": " + format_value(last, ch.y.format) +
                        ")"
                  : "")
            << "</title></path>\n";
    base = upper;
  }
  c.out() << "</g>\n";
  return c.finish();
}

std::string render(const ForestPlot& ch) {
  const double row = 22;
  double label_w = 0, note_w = 0;
  for (const auto& r : ch.rows) {
    if (r.heading) continue;  // a heading runs across the plot
    label_w = std::max(label_w, text_width(r.label, 12));
    note_w = std::max(note_w, text_width(r.note, 11));
  }
  label_w = std::min(label_w + 16, ch.width * 0.32);
  note_w = std::min(note_w + 16, ch.width * 0.25);
  double top0 = ch.subtitle.empty() ? 30 : 46;
  // tick labels above the rows as well as below, so that a tall plot keeps a visible axis
  const double top_axis = 18;
  int height =
      static_cast<int>(top0 + 30 + top_axis + row * std::max<std::size_t>(1, ch.rows.size()) + 56);
  Canvas c(ch.width, height, ch.title);
  double top = c.header(ch.title, ch.subtitle);
  top = c.legend(top, ch.legend) + 4 + top_axis;
  double left = 8 + label_w, right = ch.width - 8 - note_w;
  double bottom = top + row * ch.rows.size();
  double lo = 0, hi = 0;
  for (const auto& r : ch.rows) {
    if (r.heading) continue;
    extend(lo, hi, r.estimate);
    extend(lo, hi, r.lo);
    extend(lo, hi, r.hi);
  }
  if (ch.x.min) lo = *ch.x.min;
  if (ch.x.max) hi = *ch.x.max;
  Ticks xt = nice_ticks(lo, hi, 8);
  if (ch.x.min) xt.lo = *ch.x.min;
  if (ch.x.max) xt.hi = *ch.x.max;
  std::erase_if(xt.values, [&](double v) { return v < xt.lo - 1e-12 || v > xt.hi + 1e-12; });
  Scale xs{xt.lo, xt.hi, left, right};
  for (std::size_t i = 0; i < ch.rows.size(); ++i)
    if (i % 2 == 0) c.rect(0, top + i * row, ch.width, row, "", "", "stripe");
  for (double v : xt.values) {
    c.line(xs(v), top, xs(v), bottom, v == 0 ? "zero" : "grid");
    c.line(xs(v), bottom, xs(v), bottom + 4, "axis");
    c.text(xs(v), bottom + 16, tick_label(v, xt.step, ch.x.format), "middle", "tick");
    c.text(xs(v), top - 5, tick_label(v, xt.step, ch.x.format), "middle", "tick");
  }
  c.line(left, top, right, top, "axis");
  if (xt.lo < 0 && xt.hi > 0) c.line(xs(0), top, xs(0), bottom, "zero");
  c.line(left, bottom, right, bottom, "axis");
  c.text((left + right) / 2, bottom + 34, ch.x.label, "middle", "axis-label");
  c.out() << "<g class=\"plot\">\n";
  for (std::size_t i = 0; i < ch.rows.size(); ++i) {
    const auto& r = ch.rows[i];
    double y = top + i * row + row / 2;
    if (r.heading) {
      c.text(8, y + 4, truncate(r.label, ch.width - 16), "start", "heading");
      continue;
    }
    c.text(8, y + 4, truncate(r.label, label_w - 8), "start", "label");
    if (!r.note.empty()) c.text(right + 8, y + 4, r.note, "start", "note");
    c.out() << "<g class=\"forest-row\"><title>" << escape(r.tooltip.empty() ? r.label : r.tooltip)
            << "</title>\n";
    double a = std::clamp(r.lo, xt.lo, xt.hi), b = std::clamp(r.hi, xt.lo, xt.hi);
    if (std::isfinite(r.lo) && std::isfinite(r.hi)) {
      c.out() << "<line x1=\"" << n1(xs(a)) << "\" y1=\"" << n1(y) << "\" x2=\"" << n1(xs(b))
              << "\" y2=\"" << n1(y) << "\" class=\"ci\" stroke=\"" << r.color << "\"/>\n";
      // arrow heads where the interval runs past the axis
      if (r.lo < xt.lo)
        c.out() << "<path d=\"M" << n1(xs(a)) << ',' << n1(y) << "l6,-4v8Z\" fill=\"" << r.color
                << "\"/>\n";
      else
        c.line(xs(a), y - 4, xs(a), y + 4, "ci-end");
      if (r.hi > xt.hi)
        c.out() << "<path d=\"M" << n1(xs(b)) << ',' << n1(y) << "l-6,-4v8Z\" fill=\"" << r.color
                << "\"/>\n";
      else
        c.line(xs(b), y - 4, xs(b), y + 4, "ci-end");
    }
    if (std::isfinite(r.estimate) && r.estimate >= xt.lo && r.estimate <= xt.hi)
      c.rect(xs(r.estimate) - 4, y - 4, 8, 8, r.color, "", "point");
    c.out() << "</g>\n";
  }
  c.out() << "</g>\n";
  return c.finish();
}

namespace {

// Rows a legend of these items takes at this width (as Canvas::legend lays them out).
int legend_rows(const std::vector<std::pair<std::string, std::string>>& items, int width) {
  int rows = items.empty() ? 0 : 1;
  double x = 8;
  for (const auto& item : items) {
    double w = 22 + text_width(item.first, 11) + 14;
    if (x + w > width - 8 && x > 8) {
      x = 8;
      ++rows;
    }
    x += w;
  }
  return rows;
}

}  // namespace

std::string render(const HBarChart& ch) {
  const double row = 20;
  double label_w = 0, note_w = 0;
  for (const auto& b : ch.bars) {
    label_w = std::max(label_w, text_width(b.label, 12));
    note_w = std::max(note_w, text_width(b.note, 11));
  }
  label_w = std::min(label_w + 16, ch.width * 0.32);
  note_w = std::min(note_w + 16, ch.width * 0.2);
  const double top0 = ch.subtitle.empty() ? 30 : 46;
  const int rows = legend_rows(ch.legend, ch.width);
  const double refs_h = ch.reference_lines.empty() ? 4 : 18;
  int height = static_cast<int>(top0 + (rows ? 16 * (rows - 1) + 22 : 0) + 4 + refs_h +
                                row * std::max<std::size_t>(1, ch.bars.size()) + 48);
  Canvas c(ch.width, height, ch.title);
  double top = c.header(ch.title, ch.subtitle);
  if (rows) top = c.legend(top, ch.legend);
  top += 4;
  const double plot_top = top + refs_h;
  const double left = 8 + label_w, right = ch.width - 8 - note_w;
  const double bottom = plot_top + row * ch.bars.size();
  double lo = 0, hi = 0;
  for (const auto& b : ch.bars) extend(lo, hi, b.value);
  for (const auto& r : ch.reference_lines) extend(lo, hi, r.first);
  if (ch.x.min) lo = *ch.x.min;
  if (ch.x.max) hi = *ch.x.max;
  Ticks xt = nice_ticks(lo, hi, 8);
  if (ch.x.min) xt.lo = *ch.x.min;
  if (ch.x.max) xt.hi = *ch.x.max;
  std::erase_if(xt.values, [&](double v) { return v < xt.lo - 1e-12 || v > xt.hi + 1e-12; });
  Scale xs{xt.lo, xt.hi, left, right};
  for (std::size_t i = 0; i < ch.bars.size(); ++i)
    if (i % 2 == 0) c.rect(0, plot_top + i * row, ch.width, row, "", "", "stripe");
  for (double v : xt.values) {
    c.line(xs(v), plot_top, xs(v), bottom, v == 0 ? "zero" : "grid");
    c.line(xs(v), bottom, xs(v), bottom + 4, "axis");
    c.text(xs(v), bottom + 16, tick_label(v, xt.step, ch.x.format), "middle", "tick");
  }
  if (xt.lo < 0 && xt.hi > 0) c.line(xs(0), plot_top, xs(0), bottom, "zero");
  c.line(left, bottom, right, bottom, "axis");
  c.text((left + right) / 2, bottom + 34, ch.x.label, "middle", "axis-label");
  for (const auto& [x, label] : ch.reference_lines) {
    if (!std::isfinite(x) || x < xt.lo || x > xt.hi) continue;
    c.line(xs(x), plot_top, xs(x), bottom, "marker-line");
    c.text(xs(x), plot_top - 5, label, "middle", "note");
  }
  c.out() << "<g class=\"plot\">\n";
  const double zero = xs(std::clamp(0.0, xt.lo, xt.hi));
  for (std::size_t i = 0; i < ch.bars.size(); ++i) {
    const auto& b = ch.bars[i];
    const double y = plot_top + i * row;
    c.text(8, y + row / 2 + 4, truncate(b.label, label_w - 8), "start", "label");
    if (!b.note.empty()) c.text(right + 8, y + row / 2 + 4, b.note, "start", "note");
    if (!std::isfinite(b.value)) continue;
    const std::string& color = b.color.empty() ? palette(0) : b.color;
    const double end = xs(std::clamp(b.value, xt.lo, xt.hi));
    double x0 = std::min(zero, end), w = std::abs(end - zero);
    if (w < 2) {
      x0 = end - 1;
      w = 2;
    }
    c.rect(x0, y + 4, w, row - 8, color, b.tooltip.empty() ? b.label : b.tooltip, "bar");
    // arrow heads where the value runs past the axis
    if (b.value > xt.hi)
      c.out() << "<path d=\"M" << n1(end + 7) << ',' << n1(y + row / 2) << "l-7,-5v10Z\" fill=\""
              << color << "\"/>\n";
    else if (b.value < xt.lo)
      c.out() << "<path d=\"M" << n1(end - 7) << ',' << n1(y + row / 2) << "l7,-5v10Z\" fill=\""
              << color << "\"/>\n";
  }
  c.out() << "</g>\n";
  return c.finish();
}

// ---------------------------------------------------------------------------------------------
// The page

namespace {

const char* kReportCss = R"CSS(
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", Arial, sans-serif;
       color: #1f2328; background: #f6f7f9; }
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
.grid2 { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 16px; align-items: start; }
@media (max-width: 1000px) { .grid2 { grid-template-columns: minmax(0, 1fr); } }
figure.chart { margin: 8px 0; }
figure.chart figcaption { color: #57606a; font-size: 12.5px; margin-top: 2px; }
svg.chart-svg { display: block; max-width: 100%; height: auto; background: #fff; }
svg.chart-svg text { font-family: system-ui, -apple-system, "Segoe UI", "DejaVu Sans", Arial, sans-serif;
                     font-size: 12px; fill: #1f2328; }
svg.chart-svg .title { font-size: 14px; font-weight: 600; }
svg.chart-svg .subtitle { font-size: 11px; fill: #57606a; }
svg.chart-svg .tick { font-size: 11px; fill: #57606a; }
svg.chart-svg .axis-label { font-size: 12px; fill: #32383f; }
svg.chart-svg .legend { font-size: 11px; }
svg.chart-svg .note { font-size: 11px; fill: #32383f; }
svg.chart-svg .label { font-size: 12px; }
svg.chart-svg .heading { font-size: 12.5px; font-weight: 600; }
svg.chart-svg .value { font-size: 12px; font-weight: 600; }
svg.chart-svg .bar-value { font-size: 12px; font-weight: 600; fill: #fff; }
svg.chart-svg .cell-label { font-size: 10px; fill: #1f2328; pointer-events: none; }
svg.chart-svg .cell-label.light { fill: #fff; }
svg.chart-svg .grid { stroke: #eaeef2; stroke-width: 1; }
svg.chart-svg .axis { stroke: #8c959f; stroke-width: 1; }
svg.chart-svg .zero { stroke: #32383f; stroke-width: 1.2; }
svg.chart-svg .line { fill: none; stroke-width: 2; }
svg.chart-svg .band { opacity: 0.2; stroke: none; }
svg.chart-svg .band-swatch { opacity: 0.3; }
svg.chart-svg .marker-line { stroke: #57606a; stroke-dasharray: 4 3; }
svg.chart-svg .stripe { fill: #f6f8fa; }
svg.chart-svg .ci { stroke-width: 2; }
svg.chart-svg .ci-end { stroke: #57606a; }
svg.chart-svg .area { opacity: 0.9; stroke: #fff; stroke-width: 0.5; }
svg.chart-svg .cell:hover, svg.chart-svg .bar:hover { opacity: 0.8; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 13px; margin: 6px 0 10px; }
th, td { border-bottom: 1px solid #eaeef2; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.area td { background: #eef3f8; font-weight: 600; text-transform: capitalize; }
tr.unavailable td { color: #8c959f; }
code { font-size: 12px; background: #f6f8fa; padding: 0 3px; border-radius: 3px; }
.badge { display: inline-block; padding: 0 7px; border-radius: 10px; font-size: 12px; white-space: nowrap; }
.badge.good { background: #dafbe1; color: #1a7f37; }
.badge.bad { background: #ffebe9; color: #cf222e; }
.badge.same { background: #eaeef2; color: #57606a; }
.badge.info { background: #ddf4ff; color: #0969da; }
.missing { border: 1px dashed #d0d7de; border-radius: 6px; padding: 12px; color: #57606a; margin: 8px 0; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; margin: 12px 0 4px; }
.card { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; padding: 8px 14px; min-width: 170px; }
.card .k { color: #57606a; font-size: 12px; }
.card .v { font-size: 20px; font-weight: 600; }
.card .c { color: #57606a; font-size: 11.5px; }
footer { color: #57606a; font-size: 12px; padding-bottom: 24px; }
)CSS";

}  // namespace

// CSS class of a verdict word (compare verdicts, baseline verdicts).
std::string verdict_class(std::string v) {
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* w : {"better", "meets", "good"})
    if (v.rfind(w, 0) == 0) return "good";
  for (const char* w : {"worse", "misses", "bad"})
    if (v.rfind(w, 0) == 0) return "bad";
  for (const char* w : {"no difference", "typical", "within", "unavailable"})
    if (v.rfind(w, 0) == 0) return "same";
  return "info";  // changed, neutral, differs, ...
}
std::string verdict_color(const std::string& v) {
  std::string c = verdict_class(v);
  if (c == "good") return "#2e7d32";
  if (c == "bad") return "#c62828";
  if (c == "same") return "#757575";
  return "#1565c0";
}

std::string figure(const std::string& id, const std::string& svg_text, const std::string& caption,
                   const std::string& attrs) {
  std::string s = "<figure class=\"chart\" data-chart=\"" + escape(id) + "\" id=\"chart-" +
                  escape(id) + "\"" + attrs + ">\n";
  s += svg_text;
  s += "\n<figcaption>" + caption + "</figcaption>\n</figure>\n";
  return s;
}

std::string page(const std::string& title, const std::string& header, const std::string& nav,
                 const std::string& body, const std::string& footer, const std::string& extra_css) {
  std::string s;
  s += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n";
  s += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n";
  s += "<meta name=\"generator\" content=\"journeysim ";
  s += kVersion;
  s += "\"/>\n<title>" + escape(title) + "</title>\n<style>" + kReportCss + extra_css +
       "</style>\n</head>\n<body>\n";
  s += "<header>\n" + header + "</header>\n<nav>\n" + nav + "</nav>\n<main>\n" + body +
       "</main>\n<footer>\n" + footer + "</footer>\n</body>\n</html>\n";
  return s;
}

}  // namespace journeysim::analysis::svg
