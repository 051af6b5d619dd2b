// The prediction tasks of a dataset (docs/datasets.md): which customers each one asks about,
// what its label is, and over which window after the calibration cut T_c.
#pragma once
#include <string>
#include <vector>

#include "journeysim/sim/scenario.hpp"

namespace journeysim::dataset {

inline constexpr double kTaskWindowDays = 90;

enum class TaskKind { binary, count, amount };
const char* task_kind_name(TaskKind k);

struct TaskSpec {
  std::string name;
  TaskKind kind;
  std::string population;  // who is asked about (the ids file)
  std::string label;       // what the label is
  std::string baseline;    // the reference model fitted on the features
};

// churn_90d (+ upgrade_90d when the scenario upgrades) for a subscription scenario;
// purchases_holdout and spend_holdout for a non-contractual one.
std::vector<TaskSpec> tasks_for(const sim::Scenario& s);
const TaskSpec* find_task(const std::vector<TaskSpec>& tasks, const std::string& name);

}  // namespace journeysim::dataset
