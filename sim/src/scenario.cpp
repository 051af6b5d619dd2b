#include "journeysim/sim/scenario.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include "journeysim/common/text.hpp"
#include "journeysim/eventlog/schema.hpp"

namespace journeysim::sim {

namespace {
constexpr double kMaxRate = 1000;        // per the key's unit (week, month)
constexpr double kMaxMultiplier = 1000;  // `_x` keys
// logins per week at the most: logins_per_week x the largest segment and stage login_x x every
// effect's login_x above 1 (a customer's rate when all apply)
constexpr double kMaxLoginRate = 10000;
}  // namespace

namespace {

using common::edit_distance;
using common::join;
using eventlog::EventType;
const auto& suggest = common::did_you_mean;

std::string fmt(double v) {
  // a large whole bound in full (2^53, not 9.0072e+15)
  if (v == std::floor(v) && std::abs(v) >= 1e15 && std::abs(v) < 1e16) {
    char b[32];
    std::snprintf(b, sizeof b, "%.0f", v);
    return b;
  }
  std::ostringstream os;
  os << v;
  return os.str();
}

// "undefined plan 'x' (did you mean 'y'?); defined: a, b" (or "; none is defined"); `context`
// goes after the name ("undefined name 'x' for milestone ...").
std::string undefined(const std::string& what, const std::string& name,
                      const std::vector<std::string>& defined, const std::string& context = "") {
  std::string m = "undefined " + what + " '" + name + "'";
  m += context;
  m += suggest(name, defined);
  if (defined.empty())
    m += "; none is defined";
  else
    m += "; defined: " + join(defined);
  return m;
}

// "a number in [lo, hi] (unit)"
std::string range_text(double lo, double hi, const std::string& unit) {
  std::string r = "a number in [" + fmt(lo) + ", ";
  r += std::isinf(hi) ? "inf" : fmt(hi);
  r += "]";
  if (!unit.empty()) r += " (" + unit + ")";
  return r;
}

// A map being read: every key read is remembered; done() rejects the others.
class Obj {
 public:
  Obj(const ConfigNode* n, std::string path, SourcePos fallback = {})
      : n_(n), path_(std::move(path)), fallback_(std::move(fallback)) {
    if (n_ && n_->kind == ConfigNode::Kind::Null) n_ = nullptr;
    if (n_ && n_->kind != ConfigNode::Kind::Map)
      throw ScenarioError(n_->pos, path_, "expected a map of keys, found " + n_->kind_name());
  }
  const std::string& path() const { return path_; }
  SourcePos pos() const { return n_ ? n_->pos : fallback_; }
  std::string key(const std::string& k) const { return path_.empty() ? k : path_ + "." + k; }

  // The key's value (nullptr if absent or null); the key becomes known here (listed once).
  const ConfigNode* get(const std::string& k) {
    if (std::find(known_.begin(), known_.end(), k) == known_.end()) known_.push_back(k);
    if (!n_) return nullptr;
    const ConfigNode* c = n_->find(k);
    if (c && c->kind == ConfigNode::Kind::Null) return nullptr;
    return c;
  }
  bool has(const std::string& k) const { return n_ && n_->find(k); }

  [[noreturn]] void fail(const ConfigNode* c, const std::string& k, const std::string& msg) const {
    std::string m = msg;
    SourcePos where = c ? c->pos : pos();
    if (!c && n_ && msg.rfind("required key is missing", 0) == 0) {
      // the key may be there under a typo: point at it
      for (const auto& [other, v] : n_->map)
        if (other != k && edit_distance(other, k) <= 2) {
          m += " (found '" + other + "' here: a typo for '" + k + "'?)";
          where = v.key_pos;
          break;
        }
    }
    throw ScenarioError(where, key(k), m);
  }

  // Reads a number in [lo, hi] from a value node, reporting errors under `key_path` as given
  // (for list items: `seasonality.weekly[6]`).
  static double number(const ConfigNode& c, const std::string& key_path, double lo, double hi,
                       const std::string& unit = "") {
    // the message text only when there is an error: formatting "a number in [lo, hi]" for every
    // value read was a sixth of a sweep task's instructions (callgrind)
    auto range = [&] { return range_text(lo, hi, unit); };
    if (c.kind != ConfigNode::Kind::Scalar || c.quoted)
      throw ScenarioError(c.pos, key_path, "expected " + range() + ", found " + c.kind_name());
    double v = 0;
    std::size_t used = 0;
    try {
      v = std::stod(c.scalar, &used);
    } catch (...) {
      used = 0;
    }
    if (used == 0 || used != c.scalar.size() || !std::isfinite(v))
      throw ScenarioError(c.pos, key_path, "expected " + range() + ", found " + c.kind_name());
    if (v < lo || v > hi)
      throw ScenarioError(c.pos, key_path, "expected " + range() + ", found " + c.scalar);
    return v;
  }
  // The numbers of the list at key `k` (absent -> empty), items reported as `k[i]`.
  std::vector<double> numbers(const std::string& k, double lo, double hi,
                              const std::string& unit = "") {
    std::vector<double> out;
    const auto items = list(k);
    for (std::size_t i = 0; i < items.size(); ++i)
      out.push_back(number(*items[i], key(k) + "[" + std::to_string(i) + "]", lo, hi, unit));
    return out;
  }

  double num(const std::string& k, std::optional<double> def, double lo, double hi,
             const std::string& unit = "") {
    const ConfigNode* c = get(k);
    if (!c) {
      if (def) return *def;
      fail(nullptr, k, "required key is missing: expected " + range_text(lo, hi, unit));
    }
    return number(*c, key(k), lo, hi, unit);
  }
  double prob(const std::string& k, std::optional<double> def) {
    return num(k, def, 0, 1, "a probability");
  }
  // Rates and multipliers have upper bounds no real scenario reaches (docs/scenario-format.md,
  // Conventions): a churn hazard of 1e300 per month or a login multiplier of 9e18 made a small
  // run exhaust memory (#15).
  double rate(const std::string& k, std::optional<double> def, const std::string& unit) {
    return num(k, def, 0, kMaxRate, unit);
  }
  double mult(const std::string& k, double def = 1) {
    return num(k, def, 0, kMaxMultiplier, "a multiplier");
  }
  // A number in [lo, hi] without a fractional part.
  double whole(const std::string& k, std::optional<double> def, double lo, double hi) {
    double v = num(k, def, lo, hi, "a whole number");
    if (v != std::floor(v)) fail(get(k), k, "expected a whole number, found " + get(k)->scalar);
    // a whole number written out that a double cannot hold (the seed 2^53 + 1 read as 2^53)
    if (const ConfigNode* c = get(k);
        c && !c->scalar.empty() && c->scalar.find_first_not_of("0123456789") == std::string::npos) {
      unsigned long long u = 0;
      auto [p, ec] = std::from_chars(c->scalar.data(), c->scalar.data() + c->scalar.size(), u);
      if (ec != std::errc() || static_cast<double>(u) != v ||
          static_cast<unsigned long long>(v) != u)
        fail(c, k, "expected " + range_text(lo, hi, "a whole number") + ", found " + c->scalar);
    }
    return v;
  }
  int integer(const std::string& k, std::optional<int> def, int lo, int hi) {
    return static_cast<int>(whole(k, def ? std::optional<double>(*def) : std::nullopt, lo, hi));
  }
  std::string str(const std::string& k, std::optional<std::string> def) {
    const ConfigNode* c = get(k);
    if (!c) {
      if (def) return *def;
      fail(nullptr, k, "required key is missing: expected a string");
    }
    if (c->kind != ConfigNode::Kind::Scalar)
      fail(c, k, "expected a string, found " + c->kind_name());
    // names go into logs, CSV and JSON: bytes that are not UTF-8 broke `score --format json`
    if (std::size_t bad = 0; !common::is_valid_utf8(c->scalar, &bad))
      fail(c, k, "not valid UTF-8 (byte " + std::to_string(bad + 1) + " of the text)");
    return c->scalar;
  }
  bool boolean(const std::string& k, bool def) {
    const ConfigNode* c = get(k);
    if (!c) return def;
    if (c->kind == ConfigNode::Kind::Scalar && (c->scalar == "true" || c->scalar == "false"))
      return c->scalar == "true";
    fail(c, k, "expected true or false, found " + c->kind_name());
  }
  std::string choice(const std::string& k, std::optional<std::string> def,
                     const std::vector<std::string>& options) {
    std::string v = str(k, def);
    const ConfigNode* c = get(k);
    if (std::find(options.begin(), options.end(), v) == options.end())
      fail(c, k, "expected one of " + join(options) + ", found '" + v + "'" + suggest(v, options));
    return v;
  }
  // A list (possibly absent -> empty).
  std::vector<const ConfigNode*> list(const std::string& k, bool required = false) {
    const ConfigNode* c = get(k);
    std::vector<const ConfigNode*> out;
    if (!c) {
      if (required) fail(nullptr, k, "required key is missing: expected a list");
      return out;
    }
    if (c->kind != ConfigNode::Kind::Seq) fail(c, k, "expected a list, found " + c->kind_name());
    for (const auto& item : c->seq) out.push_back(&item);
    return out;
  }
  Obj sub(const std::string& k) { return Obj(get(k), key(k), pos()); }

  void done() const {
    if (!n_) return;
    for (const auto& [k, v] : n_->map)
      if (std::find(known_.begin(), known_.end(), k) == known_.end())
        throw ScenarioError(
            v.key_pos, key(k),
            "unknown key" + suggest(k, known_) + "; known keys here: " + join(known_));
  }

 private:
  const ConfigNode* n_;
  std::string path_;
  SourcePos fallback_;
  std::vector<std::string> known_;
};

Distribution parse_dist(const ConfigNode* node, const std::string& path, SourcePos fallback) {
  if (!node)
    throw ScenarioError(fallback, path, "required key is missing: expected a distribution");
  Obj o(node, path, fallback);
  std::string kind = o.choice(
      "dist", std::nullopt, {"exponential", "weibull", "lognormal", "gamma", "empirical", "fixed"});
  // A time may be given in days or hours: `<name>_days` or `<name>_hours`.
  auto time = [&](const std::string& base, bool required) -> std::optional<double> {
    bool d = o.has(base + "_days"), h = o.has(base + "_hours");
    if (d && h)
      o.fail(node->find(base + "_hours"), base + "_hours",
             "give " + base + "_days or " + base + "_hours, not both");
    if (d) return o.num(base + "_days", std::nullopt, 1e-9, INFINITY, "days");
    if (h) return o.num(base + "_hours", std::nullopt, 1e-9, INFINITY, "hours") / 24.0;
    o.get(base + "_days");
    o.get(base + "_hours");
    if (required)
      o.fail(nullptr, base + "_days",
             "required key is missing: " + kind + " needs " + base + "_days or " + base + "_hours");
    return std::nullopt;
  };
  Distribution d;
  if (kind == "exponential") {
    d.kind = Distribution::Kind::Exponential;
    d.a = *time("mean", true);
  } else if (kind == "weibull") {
    d.kind = Distribution::Kind::Weibull;
    d.a = o.num("shape", std::nullopt, 1e-3, 100);
    d.b = *time("scale", true);
  } else if (kind == "lognormal") {
    d.kind = Distribution::Kind::LogNormal;
    d.a = std::log(*time("median", true));
    d.b = o.num("sigma", std::nullopt, 1e-6, 10);
  } else if (kind == "gamma") {
    d.kind = Distribution::Kind::Gamma;
    d.a = o.num("shape", std::nullopt, 1e-3, 1e4);
    d.b = *time("mean", true) / d.a;
  } else if (kind == "fixed") {
    d.kind = Distribution::Kind::Fixed;
    d.a = *time("value", true);
  } else {
    d.kind = Distribution::Kind::Empirical;
    auto vals = o.list("days", true);
    auto ws = o.list("weights", false);
    if (vals.empty()) o.fail(node->find("days"), "days", "expected a non-empty list of days");
    if (!ws.empty() && ws.size() != vals.size())
      o.fail(node->find("weights"), "weights",
             "expected " + std::to_string(vals.size()) + " weights (one per day value), found " +
                 std::to_string(ws.size()));
    double total = 0;
    for (std::size_t i = 0; i < vals.size(); ++i) {
      const std::string at = "[" + std::to_string(i) + "]";
      d.values.push_back(Obj::number(*vals[i], o.key("days") + at, 0, INFINITY, "days"));
      double w =
          ws.empty() ? 1.0 : Obj::number(*ws[i], o.key("weights") + at, 0, INFINITY, "a weight");
      total += w;
      d.cdf.push_back(total);
    }
    if (total <= 0)
      o.fail(node->find("weights"), "weights", "expected weights with a positive sum");
    for (auto& c : d.cdf) c /= total;
  }
  o.done();
  return d;
}

std::int64_t parse_date(const ConfigNode* c, const std::string& key) {
  int y, m, d;
  char dash1, dash2;
  std::istringstream is(c->scalar);
  if (!(is >> y >> dash1 >> m >> dash2 >> d) || dash1 != '-' || dash2 != '-' || m < 1 || m > 12 ||
      d < 1 || d > 31 || !is.eof())
    throw ScenarioError(c->pos, key, "expected a date YYYY-MM-DD, found " + c->kind_name());
  using namespace std::chrono;
  year_month_day ymd{year{y}, month{static_cast<unsigned>(m)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) throw ScenarioError(c->pos, key, "not a calendar date: " + c->scalar);
  return sys_days(ymd).time_since_epoch().count() * 86400LL;
}

template <class T>
int index_of(const std::vector<T>& items, const std::string& name) {
  for (std::size_t i = 0; i < items.size(); ++i)
    if (items[i].name == name) return static_cast<int>(i);
  return -1;
}
template <class T>
std::vector<std::string> names_of(const std::vector<T>& items) {
  std::vector<std::string> v;
  for (const auto& i : items) v.push_back(i.name);
  return v;
}

// Resolves a reference to a named item, or fails naming what exists.
template <class T>
int ref(Obj& o, const std::string& k, const std::vector<T>& items, const std::string& what,
        bool required = true) {
  const ConfigNode* c = o.get(k);
  if (!c) {
    if (required) o.fail(nullptr, k, "required key is missing: expected the name of a " + what);
    return -1;
  }
  std::string name = o.str(k, std::nullopt);
  int i = index_of(items, name);
  if (i < 0) o.fail(c, k, undefined(what, name, names_of(items)));
  return i;
}

// Parses "event" or "event:arg" into an event type and arg index.
std::pair<int, int> parse_event_ref(Obj& o, const std::string& k, const Scenario& s,
                                    const std::vector<std::string>& allowed) {
  const ConfigNode* c = o.get(k);
  std::string v = o.str(k, std::nullopt);
  std::string ev = v, arg;
  if (auto colon = v.find(':'); colon != std::string::npos)
    ev = v.substr(0, colon), arg = v.substr(colon + 1);
  if (std::find(allowed.begin(), allowed.end(), ev) == allowed.end())
    o.fail(c, k,
           "expected one of " + join(allowed) + " (optionally event:name), found '" + ev + "'" +
               suggest(ev, allowed));
  int type = static_cast<int>(*eventlog::event_type_from_name(ev));
  int a = -1;
  if (!arg.empty()) {
    std::vector<std::string> names;
    if (ev == "milestone")
      names = names_of(s.milestones);
    else if (ev == "activation_task")
      names = names_of(s.tasks);
    else if (ev == "stage_entered")
      names = names_of(s.stages);
    else if (ev == "feature_used")
      names = names_of(s.features);
    else if (ev == "message_clicked" || ev == "message_opened")
      names = names_of(s.campaigns);
    else
      o.fail(c, k, "event '" + ev + "' takes no :name");
    auto it = std::find(names.begin(), names.end(), arg);
    if (it == names.end()) o.fail(c, k, undefined("name", arg, names, " for " + ev));
    a = static_cast<int>(it - names.begin());
  }
  return {type, a};
}

const std::vector<std::string> kTriggerEvents = {"lead_created",
                                                 "signup",
                                                 "trial_started",
                                                 "conversion",
                                                 "stage_entered",
                                                 "login",
                                                 "feature_used",
                                                 "activation_task",
                                                 "activated",
                                                 "milestone",
                                                 "value_action",
                                                 "pql_reached",
                                                 "onboarding_completed",
                                                 "support_resolved",
                                                 "csat",
                                                 "nps",
                                                 "downgrade",
                                                 "upgrade",
                                                 "churned",
                                                 "message_clicked",
                                                 "message_opened",
                                                 "trial_expired",
                                                 "reactivated"};

Flag parse_flag(const ConfigNode* c, const std::string& key) {
  static const std::vector<std::string> names = {
      "activated", "paying",     "trial",        "freemium", "promoter", "detractor",
      "churned",   "downgraded", "unsubscribed", "referred", "pql"};
  if (c->kind != ConfigNode::Kind::Scalar)
    throw ScenarioError(c->pos, key, "expected a flag name, found " + c->kind_name());
  auto it = std::find(names.begin(), names.end(), c->scalar);
  if (it == names.end())
    throw ScenarioError(c->pos, key,
                        "expected one of " + join(names) + ", found '" + c->scalar + "'" +
                            suggest(c->scalar, names));
  return static_cast<Flag>(it - names.begin());
}

void check_unique(const std::vector<std::string>& names,
                  const std::vector<const ConfigNode*>& nodes, const std::string& path) {
  std::set<std::string> seen;
  for (std::size_t i = 0; i < names.size(); ++i)
    if (!seen.insert(names[i]).second)
      throw ScenarioError(nodes[i]->pos, path + "." + names[i],
                          "duplicate name '" + names[i] + "'");
}

}  // namespace

double Distribution::mean() const {
  switch (kind) {
    case Kind::Exponential:
      return a;
    case Kind::Weibull:
      return b * std::tgamma(1 + 1 / a);
    case Kind::LogNormal:
      return std::exp(a + b * b / 2);
    case Kind::Gamma:
      return a * b;
    case Kind::Fixed:
      return a;
    case Kind::Empirical: {
      double m = 0, prev = 0;
      for (std::size_t i = 0; i < values.size(); ++i)
        m += values[i] * (cdf[i] - prev), prev = cdf[i];
      return m;
    }
  }
  return 0;
}

int Scenario::channel_index(const std::string& n) const {
  return index_of(channels, n);
}

Scenario parse_scenario(const ConfigNode& root) {
  Scenario s;
  Obj o(&root, "");
  s.format_version = o.integer("format_version", std::nullopt, 0, 1000000);
  if (s.format_version != 1)
    o.fail(
        o.get("format_version"), "format_version",
        "unsupported format_version " + std::to_string(s.format_version) + " (this build reads 1)");
  s.name = o.str("name", std::nullopt);
  s.description = o.str("description", "");
  {
    const ConfigNode* c = o.get("start_date");
    if (!c) o.fail(nullptr, "start_date", "required key is missing: expected a date YYYY-MM-DD");
    s.start_date = c->scalar;
    s.start_time = parse_date(c, "start_date");
  }
  s.horizon_days = o.num("horizon_days", 365, 1, 36500, "days");
  s.seed = static_cast<std::uint64_t>(o.whole("seed", 1, 0, 9007199254740992.0));  // 2^53
  s.customers = o.num("customers", 1000, 0, 1e12, "expected arrivals over the horizon");
  s.model = o.choice("model", "subscription", {"subscription", "non_contractual"}) == "subscription"
                ? Scenario::Model::subscription
                : Scenario::Model::non_contractual;
  {
    Obj e = o.sub("engine");
    s.epoch_days = e.num("epoch_hours", 6, 0.01, 24 * 7, "hours") / 24.0;
    e.done();
  }
  {
    Obj se = o.sub("seasonality");
    auto wk = se.list("weekly");
    if (!wk.empty()) {
      if (wk.size() != 7)
        se.fail(o.get("seasonality")->find("weekly"), "weekly",
                "expected 7 factors (Monday..Sunday), found " + std::to_string(wk.size()));
      const auto f = se.numbers("weekly", 0, 100, "a factor");
      std::copy(f.begin(), f.end(), s.weekly.begin());
    }
    auto yr = se.list("yearly");
    if (!yr.empty()) {
      if (yr.size() != 12)
        se.fail(
            o.get("seasonality")->find("yearly"), "yearly",
            "expected 12 monthly factors (January..December), found " + std::to_string(yr.size()));
      const auto f = se.numbers("yearly", 0, 100, "a factor");
      std::copy(f.begin(), f.end(), s.yearly.begin());
    }
    se.done();
  }
  // named lists, in dependency order
  auto items = [&](const std::string& k, bool required) {
    auto l = o.list(k, required);
    if (required && l.empty()) o.fail(o.get(k), k, "expected at least one item");
    std::vector<std::string> names;
    for (std::size_t i = 0; i < l.size(); ++i) {
      if (l[i]->kind != ConfigNode::Kind::Map || !l[i]->find("name"))
        throw ScenarioError(l[i]->pos, k + "[" + std::to_string(i) + "]",
                            "expected a map with a 'name', found " + l[i]->kind_name());
      names.push_back(l[i]->find("name")->scalar);
    }
    check_unique(names, l, k);
    return l;
  };
  for (const ConfigNode* n : items("segments", false)) {
    Segment g;
    Obj so(n, "segments." + n->find("name")->scalar);
    g.name = so.str("name", std::nullopt);
    g.share = so.num("share", std::nullopt, 0, 1, "share of arrivals");
    g.churn_x = so.mult("churn_x");
    g.login_x = so.mult("login_x");
    g.conversion_x = so.mult("conversion_x");
    g.seats_mean = so.num("seats_mean", 1, 1, 1e5, "seats");
    so.done();
    s.segments.push_back(g);
  }
  if (s.segments.empty()) s.segments.push_back(Segment{"all", 1, 1, 1, 1, 1});
  {
    double total = 0;
    for (auto& g : s.segments) total += g.share;
    if (std::abs(total - 1) > 1e-6)
      throw ScenarioError(o.get("segments")->pos, "segments",
                          "expected segment shares that sum to 1, found " + fmt(total));
  }
  {
    auto l = items("channels", true);
    double total = 0;
    for (const ConfigNode* n : l) {
      Channel ch;
      Obj co(n, "channels." + n->find("name")->scalar);
      ch.name = co.str("name", std::nullopt);
      ch.referral = co.boolean("referral", false);
      if (!ch.referral) {
        ch.share = co.num("share", std::nullopt, 0, 1, "share of arrivals");
        ch.cpm = co.num("cpm", 0, 0, 1e6, "currency per 1000 impressions");
        ch.ctr = co.num("ctr", 0.01, 1e-9, 1, "clicks per impression");
        ch.engagement_rate = co.prob("engagement_rate", 0.3);
        ch.lead_rate = co.num("lead_rate", 0.05, 1e-9, 1, "leads per click");
        ch.fixed_cost_per_day = co.num("fixed_cost_per_day", 0, 0, 1e12, "currency per day");
        total += ch.share;
      } else if (s.referral_channel >= 0) {
        co.fail(n, "referral", "only one channel may be the referral channel");
      } else {
        s.referral_channel = static_cast<int>(s.channels.size());
      }
      co.done();
      s.channels.push_back(ch);
    }
    if (std::abs(total - 1) > 1e-6)
      throw ScenarioError(
          o.get("channels")->pos, "channels",
          "expected shares of the non-referral channels that sum to 1, found " + fmt(total));
  }
  for (const ConfigNode* n : items("teams", false)) {
    Team t;
    Obj to(n, "teams." + n->find("name")->scalar);
    t.name = to.str("name", std::nullopt);
    t.agents = to.integer("agents", std::nullopt, 1, 1000000);
    t.service = parse_dist(to.get("service"), to.key("service"), to.pos());
    t.cost_per_agent_month = to.num("cost_per_agent_month", 0, 0, 1e9, "currency");
    t.open_hour = to.num("open_hour", 0, 0, 24, "hour of day");
    t.close_hour = to.num("close_hour", 24, 0, 24, "hour of day");
    if (t.close_hour <= t.open_hour)
      to.fail(n->find("close_hour"), "close_hour",
              "expected close_hour > open_hour (" + fmt(t.open_hour) + ")");
    t.weekdays_only = to.boolean("weekdays_only", false);
    t.min_response_days = to.num("min_response_minutes", 5, 0, 10080, "minutes") / 1440;
    to.done();
    s.teams.push_back(t);
  }
  for (const ConfigNode* n : items("plans", true)) {
    Plan p;
    Obj po(n, "plans." + n->find("name")->scalar);
    p.name = po.str("name", std::nullopt);
    p.price_month = po.num("price_month", std::nullopt, 0, 1e9, "currency per month");
    p.per_seat = po.boolean("per_seat", false);
    p.trial_days = po.num("trial_days", 0, 0, 3650, "days");
    p.freemium = po.boolean("freemium", false);
    if (p.freemium && p.price_month != 0)
      po.fail(n->find("price_month"), "price_month", "a freemium plan must have price_month 0");
    po.done();
    s.plans.push_back(p);
  }
  for (const ConfigNode* n : items("stages", true)) {
    Stage st;
    Obj so(n, "stages." + n->find("name")->scalar);
    st.name = so.str("name", std::nullopt);
    st.churn_x = so.mult("churn_x");
    st.login_x = so.mult("login_x");
    so.done();
    s.stages.push_back(st);
  }
  for (const ConfigNode* n : items("features", false)) {
    Feature f;
    Obj fo(n, "features." + n->find("name")->scalar);
    f.name = fo.str("name", std::nullopt);
    f.prob_per_login = fo.prob("prob_per_login", std::nullopt);
    fo.done();
    s.features.push_back(f);
  }
  for (const ConfigNode* n : items("activation_tasks", false)) {
    ActivationTask t;
    Obj to(n, "activation_tasks." + n->find("name")->scalar);
    t.name = to.str("name", std::nullopt);
    t.prob = to.prob("prob", 1);
    t.time = parse_dist(to.get("time"), to.key("time"), to.pos());
    t.required = to.boolean("required", true);
    to.done();
    s.tasks.push_back(t);
  }
  if (s.tasks.size() > 16)
    o.fail(o.get("activation_tasks"), "activation_tasks", "at most 16 tasks");
  for (const ConfigNode* n : items("milestones", false)) {
    Milestone m;
    Obj mo(n, "milestones." + n->find("name")->scalar);
    m.name = mo.str("name", std::nullopt);
    for (const ConfigNode* t : mo.list("tasks")) {
      if (t->kind != ConfigNode::Kind::Scalar)
        throw ScenarioError(t->pos, mo.key("tasks"),
                            "expected the name of an activation task, found " + t->kind_name());
      int i = index_of(s.tasks, t->scalar);
      if (i < 0)
        throw ScenarioError(t->pos, mo.key("tasks"),
                            undefined("activation task", t->scalar, names_of(s.tasks)));
      m.tasks.push_back(i);
    }
    m.value_actions = mo.integer("value_actions", 0, 0, 1000000);
    mo.done();
    s.milestones.push_back(m);
  }
  if (s.milestones.size() > 16) o.fail(o.get("milestones"), "milestones", "at most 16 milestones");
  for (const ConfigNode* n : items("campaigns", false)) {
    Campaign c;
    Obj co(n, "campaigns." + n->find("name")->scalar);
    c.name = co.str("name", std::nullopt);
    c.medium = co.choice("medium", "email", {"email", "in_app", "push", "sms"});
    c.delivery_rate = co.prob("delivery_rate", 0.98);
    c.open_rate = co.prob("open_rate", 0.2);
    c.click_rate = co.prob("click_rate", 0.03);
    c.unsubscribe_rate = co.prob("unsubscribe_rate", 0.002);
    c.cost_per_send = co.num("cost_per_send", 0, 0, 1e6, "currency");
    co.done();
    s.campaigns.push_back(c);
  }
  {
    Obj a = o.sub("acquisition");
    s.acquisition = a.choice("mode", std::nullopt, {"sales_led", "self_serve"}) == "sales_led"
                        ? Scenario::Acquisition::sales_led
                        : Scenario::Acquisition::self_serve;
    if (s.acquisition == Scenario::Acquisition::sales_led) {
      s.sales_team = ref(a, "sales_team", s.teams, "team");
      s.sales_plan = ref(a, "plan", s.plans, "plan");
      s.lead_conversion = a.prob("lead_conversion", std::nullopt);
      s.response_half_life_hours = a.num("response_half_life_hours", 24, 0.01, 1e6, "hours");
      s.sales_cycle = parse_dist(a.get("sales_cycle"), a.key("sales_cycle"), a.pos());
    } else {
      s.entry_plan = ref(a, "plan", s.plans, "plan");
      s.upgrade_plan = ref(a, "converts_to", s.plans, "plan", false);
      const Plan& ep = s.plans[s.entry_plan];
      if ((ep.trial_days > 0 || ep.freemium) && s.upgrade_plan < 0)
        a.fail(nullptr, "converts_to",
               "required key is missing: a trial or freemium entry plan needs the paid plan it "
               "converts to");
      s.trial_conversion = a.prob("trial_conversion", 0.15);
      s.activated_conversion_x = a.mult("activated_conversion_x", 2);
      s.pql_conversion_x = a.mult("pql_conversion_x", 1.5);
      s.freemium_upgrade_monthly = a.rate("freemium_upgrade_monthly", 0.02, "per month");
    }
    a.done();
  }
  {
    Obj t = o.sub("team_roles");
    s.success_team = ref(t, "success", s.teams, "team", false);
    s.support_team = ref(t, "support", s.teams, "team", false);
    t.done();
  }
  {
    Obj b = o.sub("behaviour");
    s.logins_per_week = b.rate("logins_per_week", 3, "logins per week");
    s.engagement_decay_days = b.num("engagement_decay_days", 0, 0, 1e5, "days");
    s.engagement_floor = b.prob("engagement_floor", 1);
    s.value_action_name = b.str("value_action_name", "value_action");
    s.value_action_prob = b.prob("value_action_prob", 0.2);
    s.pql_value_actions = b.integer("pql_value_actions", 0, 0, 100000);
    s.pql_within_days = b.num("pql_within_days", 14, 0, 3650, "days");
    s.tickets_per_month = b.rate("tickets_per_month", 0, "tickets per month");
    b.done();
  }
  auto trs = o.list("transitions");
  for (std::size_t ti = 0; ti < trs.size(); ++ti) {
    const ConfigNode* n = trs[ti];
    Transition tr;
    Obj to(n, "transitions[" + std::to_string(ti) + "]");
    tr.from = ref(to, "from", s.stages, "stage");
    tr.to = ref(to, "to", s.stages, "stage");
    bool has_after = to.has("after"), has_on = to.has("on");
    if (has_after == has_on)
      to.fail(n, "after",
              "a transition needs exactly one of 'after' (a distribution) or 'on' (an event)");
    if (has_after) tr.after = parse_dist(to.get("after"), to.key("after"), to.pos());
    to.get("after");
    if (has_on) {
      auto [type, arg] = parse_event_ref(to, "on", s, kTriggerEvents);
      tr.on_event = type;
      tr.on_arg = arg;
    }
    tr.count = to.integer("count", 1, 1, 1000000);
    to.done();
    s.transitions.push_back(tr);
  }
  {
    Obj c = o.sub("churn");
    s.churn_monthly = c.rate("monthly_hazard", 0.03, "per month");
    s.activated_churn_x = c.mult("activated_x", 0.6);
    s.detractor_churn_x = c.mult("detractor_x", 1.5);
    s.promoter_churn_x = c.mult("promoter_x", 0.7);
    s.downgrade_churn_x = c.mult("downgrade_x", 2.0);
    s.downgrade_churn_days = c.num("downgrade_effect_days", 90, 0, 3650, "days");
    s.low_csat_churn_x = c.mult("low_csat_x", 1.3);
    s.followup_churn_x = c.mult("followup_x", 0.85);
    s.followup_effect_days = c.num("followup_effect_days", 60, 0, 3650, "days");
    s.reactivation_monthly = c.rate("reactivation_monthly", 0, "per month");
    s.reactivation_stage = ref(c, "reactivation_stage", s.stages, "stage", false);
    if (s.reactivation_stage < 0) s.reactivation_stage = 0;
    c.done();
  }
  {
    Obj r = o.sub("revenue");
    s.upgrade_monthly = r.rate("upgrade_monthly", 0, "per month");
    s.downgrade_monthly = r.rate("downgrade_monthly", 0, "per month");
    s.seat_expansion_monthly = r.rate("seat_expansion_monthly", 0, "per month");
    s.seat_expansion_mean = r.num("seat_expansion_mean", 1, 1, 1e5, "seats");
    Obj p = r.sub("purchases");
    s.bg_r = p.num("r", 0.25, 1e-6, 1e6);
    s.bg_alpha = p.num("alpha_days", 28, 1e-6, 1e9, "days");
    s.bg_a = p.num("a", 0.8, 1e-6, 1e6);
    s.bg_b = p.num("b", 2.4, 1e-6, 1e6);
    s.gg_p = p.num("spend_p", 6.25, 1e-6, 1e6);
    s.gg_q = p.num("spend_q", 3.74, 1e-6, 1e6);
    s.gg_gamma = p.num("spend_gamma", 15.44, 1e-6, 1e9);
    p.done();
    r.done();
  }
  {
    Obj se = o.sub("sentiment");
    Obj cs = se.sub("csat");
    s.csat_response_prob = cs.prob("response_prob", 0.3);
    s.csat_mean = cs.num("mean", 4.3, 1, 5, "score");
    s.csat_sd = cs.num("sd", 0.9, 0, 10);
    s.csat_wait_penalty_per_hour = cs.num("wait_penalty_per_hour", 0.02, 0, 5, "score per hour");
    cs.done();
    Obj np = se.sub("nps");
    s.nps_days = np.numbers("survey_days", 0, 36500, "days");
    s.nps_response_prob = np.prob("response_prob", 0.25);
    s.nps_mean = np.num("mean", 7.2, 0, 10, "score");
    s.nps_sd = np.num("sd", 2.2, 0, 10);
    s.nps_activated_bonus = np.num("activated_bonus", 0.8, -10, 10);
    s.review_prob = np.prob("review_prob", 0.05);
    s.share_prob = np.prob("share_prob", 0.08);
    np.done();
    se.done();
  }
  {
    Obj r = o.sub("referral");
    s.referral_interact_prob = r.prob("interact_prob", 0.3);
    s.referral_accept_prob = r.prob("accept_prob", 0.4);
    s.referral_promoter_x = r.mult("promoter_x", 1.8);
    s.referral_complete_prob = r.prob("complete_prob", 0.6);
    s.invites_mean = r.num("invites_mean", 2, 1, 1000, "invites");
    s.invite_conversion = r.prob("invite_conversion", 0.15);
    if (r.has("invite_delay"))
      s.invite_delay = parse_dist(r.get("invite_delay"), r.key("invite_delay"), r.pos());
    else {
      r.get("invite_delay");
      s.invite_delay.kind = Distribution::Kind::Exponential;
      s.invite_delay.a = 3;
    }
    r.done();
  }
  auto pl = items("playbooks", false);
  const ConfigNode* referral_prompt_type = nullptr;  // of the first referral_prompt playbook
  std::string referral_prompt_key;
  for (std::size_t i = 0; i < pl.size(); ++i) {
    const ConfigNode* n = pl[i];
    Playbook p;
    Obj po(n, "playbooks." + n->find("name")->scalar);
    p.name = po.str("name", std::nullopt);
    Obj tr = po.sub("trigger");
    bool has_event = tr.has("event"), has_inactive = tr.has("inactive_days");
    if (has_event == has_inactive)
      tr.fail(po.get("trigger"), "event",
              "a trigger needs exactly one of 'event' or 'inactive_days'");
    if (has_event) {
      auto [type, arg] = parse_event_ref(tr, "event", s, kTriggerEvents);
      p.on_event = type;
      p.event_arg = arg;
    }
    tr.get("event");
    if (has_inactive) {
      // present, so it must be > 0: a trigger after 0 days without a login would never fire
      const ConfigNode* c = n->find("trigger")->find("inactive_days");
      if (c->kind == ConfigNode::Kind::Null)
        tr.fail(c, "inactive_days",
                "expected a number > 0 (days without a login), found " + c->kind_name());
      p.inactive_days = tr.num("inactive_days", std::nullopt, 0, 36500, "days");
      if (p.inactive_days <= 0)
        tr.fail(c, "inactive_days",
                "expected a number > 0 (days without a login), found " + c->scalar +
                    ": such a trigger would never fire");
    } else {
      tr.get("inactive_days");
    }
    p.count = tr.integer("count", 1, 1, 1000000);
    p.delay_days = tr.num("delay_days", 0, 0, 36500, "days");
    p.repeat = tr.boolean("repeat", false);
    tr.done();
    for (const ConfigNode* f : po.list("if")) p.if_flags.push_back(parse_flag(f, po.key("if")));
    for (const ConfigNode* f : po.list("unless"))
      p.unless_flags.push_back(parse_flag(f, po.key("unless")));
    Obj ac = po.sub("action");
    std::string type =
        ac.choice("type", std::nullopt,
                  {"email", "in_app", "push", "call", "discount", "referral_prompt", "winback"});
    static const std::map<std::string, Playbook::Action> acts = {
        {"email", Playbook::Action::email},
        {"in_app", Playbook::Action::in_app},
        {"push", Playbook::Action::push},
        {"call", Playbook::Action::call},
        {"discount", Playbook::Action::discount},
        {"referral_prompt", Playbook::Action::referral_prompt},
        {"winback", Playbook::Action::winback}};
    p.action = acts.at(type);
    bool message = p.action == Playbook::Action::email || p.action == Playbook::Action::in_app ||
                   p.action == Playbook::Action::push || p.action == Playbook::Action::winback;
    p.campaign = ref(ac, "campaign", s.campaigns, "campaign", message);
    if (!message && p.campaign >= 0)
      ac.fail(ac.get("campaign"), "campaign",
              "only email, in_app, push and winback actions send a campaign");
    p.discount = ac.num("amount", 0, 0, 1e9, "currency");
    if (p.action == Playbook::Action::call && s.success_team < 0)
      ac.fail(ac.get("type"), "type", "a call needs a success team (team_roles.success)");
    if (p.action == Playbook::Action::referral_prompt && !referral_prompt_type) {
      referral_prompt_type = ac.get("type");
      referral_prompt_key = ac.key("type");
    }
    ac.done();
    Obj ef = po.sub("effect");
    std::string on = ef.choice("on", "always", {"always", "delivered", "opened", "clicked"});
    p.effect.on = on == "always"      ? Effect::On::always
                  : on == "delivered" ? Effect::On::delivered
                  : on == "opened"    ? Effect::On::opened
                                      : Effect::On::clicked;
    if (!message && p.effect.on != Effect::On::always)
      ef.fail(ef.get("on"), "on", "only message actions have delivered/opened/clicked outcomes");
    p.effect.churn_x = ef.mult("churn_x");
    p.effect.login_x = ef.mult("login_x");
    p.effect.task_speed_x = ef.num("task_speed_x", 1, 0.01, 100, "a multiplier");
    p.effect.conversion_x = ef.mult("conversion_x");
    p.effect.days = ef.num("days", 30, 0, 36500, "days");
    p.effect.reactivate_prob = ef.prob("reactivate_prob", 0);
    ef.done();
    p.cost = po.num("cost", 0, 0, 1e9, "currency per action");
    po.done();
    s.playbooks.push_back(p);
  }
  if (s.playbooks.size() > 32) o.fail(o.get("playbooks"), "playbooks", "at most 32 playbooks");
  o.done();
  if (referral_prompt_type && s.referral_channel < 0)
    throw ScenarioError(referral_prompt_type->pos, referral_prompt_key,
                        "a referral_prompt playbook needs a channel with 'referral: true' to "
                        "attribute referred customers to");
  {
    // each multiplier is bounded, but they multiply: the highest login rate a customer can have
    double seg = 0, stage = s.stages.empty() ? 1 : 0, effects = 1;
    for (const auto& g : s.segments) seg = std::max(seg, g.login_x);
    for (const auto& st : s.stages) stage = std::max(stage, st.login_x);
    for (const auto& p : s.playbooks) effects *= std::max(1.0, p.effect.login_x);
    const double peak = s.logins_per_week * seg * stage * effects;
    if (peak > kMaxLoginRate) {
      const ConfigNode* b = root.find("behaviour");
      const ConfigNode* at = b ? b->find("logins_per_week") : nullptr;
      char text[200];
      std::snprintf(text, sizeof text,
                    "the highest login rate a customer can reach (logins_per_week x the largest "
                    "segment and stage login_x x the playbooks' login_x) is %.3g per week; at "
                    "most %.0f",
                    peak, kMaxLoginRate);
      throw ScenarioError(at ? at->pos : root.pos, "behaviour.logins_per_week", text);
    }
  }
  return s;
}

Scenario load_scenario(const std::string& path, const std::vector<std::string>& overrides) {
  ConfigNode root = load_with_extends(path);
  for (const auto& ov : overrides) apply_override(root, ov);
  Scenario s = parse_scenario(root);
  s.resolved_text = emit_yaml(root);
  return s;
}

}  // namespace journeysim::sim
