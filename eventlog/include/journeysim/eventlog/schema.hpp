// The event-log contract: what `journeysim run` writes and every later tool reads.
// See docs/event-log.md. Format version 1.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace journeysim::eventlog {

inline constexpr int kFormatVersion = 2;

// Event types. The numeric values are stored in /events/type as an HDF5 enum whose member names
// are the strings below, so a file describes itself. Append only; never renumber.
// `arg` names the namespace of the event's `arg` column (an index into /names/<ns>), or none.
#define JOURNEYSIM_EVENT_TYPES(X)                                             \
  X(lead_created, "channels") /* a lead or sign-up arrives */                 \
  X(sales_touch, "")          /* first sales contact; value = hours waited */ \
  X(lead_lost, "")                                                            \
  X(signup, "channels") /* self-serve sign-up */                              \
  X(trial_started, "plans")                                                   \
  X(trial_expired, "plans")                                                   \
  X(conversion, "plans") /* becomes a paying customer; value = MRR */         \
  X(stage_entered, "stages")                                                  \
  X(login, "")                                                                \
  X(feature_used, "features")                                                 \
  X(activation_task, "tasks")                                                 \
  X(activated, "")                                                            \
  X(milestone, "milestones")                                                  \
  X(value_action, "")                                                         \
  X(pql_reached, "")                                                          \
  X(onboarding_completed, "")                                                 \
  X(success_followup, "") /* value = hours since onboarding completed */      \
  X(support_ticket, "")                                                       \
  X(support_resolved, "") /* value = hours waited for an agent */             \
  X(csat, "")             /* value = score 1..5 */                            \
  X(nps, "")              /* value = score 0..10 */                           \
  X(payment, "plans")     /* value = amount */                                \
  X(upgrade, "plans")     /* arg = new plan, value = MRR change */            \
  X(downgrade, "plans")   /* arg = new plan, value = MRR change (<0) */       \
  X(seats_changed, "")    /* value = MRR change */                            \
  X(purchase, "")         /* one-off purchase; value = amount */              \
  X(message_sent, "campaigns")                                                \
  X(message_delivered, "campaigns")                                           \
  X(message_bounced, "campaigns")                                             \
  X(message_opened, "campaigns")                                              \
  X(message_clicked, "campaigns")                                             \
  X(unsubscribed, "campaigns")                                                \
  X(playbook_action, "playbooks") /* value = cost */                          \
  X(referral_prompt_shown, "")                                                \
  X(referral_prompt_interacted, "")                                           \
  X(referral_prompt_accepted, "")                                             \
  X(referral_prompt_declined, "")                                             \
  X(referral_flow_started, "")                                                \
  X(referral_invite_sent, "")                                                 \
  X(review_posted, "")                                                        \
  X(social_share, "")                                                         \
  X(churned, "")                                                              \
  X(reactivated, "plans")          /* value = MRR restored */                 \
  X(discount_applied, "playbooks") /* value = discount amount */

enum class EventType : std::uint8_t {
#define JOURNEYSIM_X(name, ns) name,
  JOURNEYSIM_EVENT_TYPES(JOURNEYSIM_X)
#undef JOURNEYSIM_X
      count_
};
inline constexpr std::size_t kEventTypeCount = static_cast<std::size_t>(EventType::count_);

inline constexpr std::array<std::string_view, kEventTypeCount> kEventTypeNames = {
#define JOURNEYSIM_X(name, ns) #name,
    JOURNEYSIM_EVENT_TYPES(JOURNEYSIM_X)
#undef JOURNEYSIM_X
};
inline constexpr std::array<std::string_view, kEventTypeCount> kEventArgNamespace = {
#define JOURNEYSIM_X(name, ns) ns,
    JOURNEYSIM_EVENT_TYPES(JOURNEYSIM_X)
#undef JOURNEYSIM_X
};

inline std::string_view event_type_name(EventType t) {
  return kEventTypeNames[static_cast<std::size_t>(t)];
}
std::optional<EventType> event_type_from_name(std::string_view name);

// One event, as the columns of /events hold it.
//  time: seconds since 1970-01-01T00:00:00Z (Unix time, UTC), integer.
//  customer: global customer id, unique within a replication: (market << 40) | index in market.
struct Event {
  std::int64_t time;
  std::uint64_t customer;
  std::int32_t arg;  // -1 when the type has no argument
  double value;      // 0 when the type has no value
  std::uint32_t market;
  std::uint16_t replication;
  EventType type;
};

inline constexpr std::uint64_t make_customer_id(std::uint32_t market, std::uint64_t index) {
  return (static_cast<std::uint64_t>(market) << 40) | index;
}

// One row of /customers.
struct CustomerRow {
  std::uint64_t id;
  std::uint32_t market;
  std::uint16_t replication;
  std::int32_t segment;         // index into /names/segments
  std::int32_t channel;         // acquisition channel, index into /names/channels
  std::int64_t referrer;        // referring customer id, -1 if none
  std::int64_t created_time;    // lead / sign-up time (Unix seconds)
  std::int64_t converted_time;  // first conversion to paying, -1 if never
  std::int32_t first_plan;      // plan at conversion, -1 if never converted
  std::int64_t churn_time;      // first churn, -1 if never churned within the horizon
  std::int64_t end_time;        // time the record was closed (horizon end), Unix seconds
  std::int32_t final_stage;     // index into /names/stages, -1 if never a customer
  double final_mrr;             // MRR at the horizon (0 if churned)
};

// One row of /channels: one channel on one day.
struct ChannelDayRow {
  std::uint32_t market;
  std::uint16_t replication;
  std::int32_t channel;
  std::int64_t day_start;  // Unix seconds of the day's start
  double spend;
  std::int64_t impressions;
  std::int64_t clicks;
  std::int64_t engaged;  // clicks that read content or downloaded
  std::int64_t leads;
};

}  // namespace journeysim::eventlog
