#include "journeysim/eventlog/schema.hpp"

namespace journeysim::eventlog {

std::optional<EventType> event_type_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kEventTypeCount; ++i)
    if (kEventTypeNames[i] == name) return static_cast<EventType>(i);
  return std::nullopt;
}

}  // namespace journeysim::eventlog
