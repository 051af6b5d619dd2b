// Message KPIs: delivery, bounce, open, click, click-to-open and unsubscribe rates per campaign.
#include <string>
#include <vector>

#include "kpi_families.hpp"
#include "kpi_shared.hpp"

namespace journeysim::kpi::kpis_detail {

namespace {

Result message_ratio(const Context& x, E num, E den, const std::string& what) {
  Result r = count_ratio(x, num, den, what);
  if (!r.available) return r;
  const auto& camps = x.log.names_of("campaigns");
  std::vector<double> a(camps.size(), 0), b(camps.size(), 0);
  for_each_event_of(x, {num, den}, [&](const Ev& e) {
    if (e.arg >= 0 && e.arg < static_cast<int>(camps.size())) {
      a[e.arg] += e.type == num;
      b[e.arg] += e.type == den;
    }
  });
  ResultTable t{"by_campaign", "campaign", camps, {"rate", "base"}, {}};
  for (std::size_t i = 0; i < camps.size(); ++i)
    t.cells.push_back({b[i] > 0 ? a[i] / b[i] : kNaN, b[i]});
  r.tables.push_back(t);
  return r;
}

}  // namespace

Result message_delivery_rate(const Context& x) {
  return message_ratio(x, E::message_delivered, E::message_sent, "messages sent");
}
Result message_bounce_rate(const Context& x) {
  return message_ratio(x, E::message_bounced, E::message_sent, "messages sent");
}
Result message_open_rate(const Context& x) {
  return message_ratio(x, E::message_opened, E::message_delivered, "messages delivered");
}
Result message_click_rate(const Context& x) {
  return message_ratio(x, E::message_clicked, E::message_delivered, "messages delivered");
}
Result message_click_to_open_rate(const Context& x) {
  return message_ratio(x, E::message_clicked, E::message_opened, "messages opened");
}
Result message_unsubscribe_rate(const Context& x) {
  return message_ratio(x, E::unsubscribed, E::message_delivered, "messages delivered");
}

}  // namespace journeysim::kpi::kpis_detail
