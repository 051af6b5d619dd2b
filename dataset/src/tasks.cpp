#include "journeysim/dataset/tasks.hpp"

namespace journeysim::dataset {

const char* task_kind_name(TaskKind k) {
  switch (k) {
    case TaskKind::binary:
      return "binary";
    case TaskKind::count:
      return "count";
    case TaskKind::amount:
      return "amount";
  }
  return "?";
}

std::vector<TaskSpec> tasks_for(const sim::Scenario& s) {
  std::vector<TaskSpec> t;
  if (s.model == sim::Scenario::Model::non_contractual) {
    t.push_back({"purchases_holdout", TaskKind::count, "every customer acquired at or before T_c",
                 "the number of purchases in (T_c, horizon end]",
                 "BG/NBD fitted on (x, t_x, T) at T_c"});
    t.push_back({"spend_holdout", TaskKind::amount, "every customer acquired at or before T_c",
                 "the total spend of the purchases in (T_c, horizon end]",
                 "BG/NBD x Gamma-Gamma fitted at T_c"});
    return t;
  }
  t.push_back({"churn_90d", TaskKind::binary, "customers paying at T_c",
               "1 if the customer churns in (T_c, T_c + 90 days], else 0",
               "Kaplan-Meier of paying tenure at T_c: 1 - S(a + 90) / S(a)"});
  if (s.upgrade_monthly > 0)
    t.push_back({"upgrade_90d", TaskKind::binary,
                 "customers paying at T_c on a plan with a higher-priced plan above it",
                 "1 if the customer upgrades in (T_c, T_c + 90 days], else 0",
                 "the population's upgrade rate per paying day before T_c"});
  return t;
}

const TaskSpec* find_task(const std::vector<TaskSpec>& tasks, const std::string& name) {
  for (const auto& t : tasks)
    if (t.name == name) return &t;
  return nullptr;
}

}  // namespace journeysim::dataset
