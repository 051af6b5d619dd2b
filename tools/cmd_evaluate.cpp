// journeysim evaluate PREDICTIONS.csv --dataset DIR --task TASK: score a model's predictions
// for one task of a dataset release against its labels, beside the baseline and the oracle.
#include "command.hpp"
#include "journeysim/dataset/evaluate.hpp"
#include "util.hpp"

namespace {

struct State {
  std::string predictions, dataset, task, format, output;
  int bootstrap = 200;
  bool no_reference = false;
};

const bool registered = journeysim::cli::register_command(
    54, "evaluate",
    "Score predictions for a dataset's task (AUC, log loss, Brier, calibration; MAE, RMSE, "
    "total) beside the baseline and the oracle",
    [](CLI::App& sub, const journeysim::cli::GlobalOptions&) -> journeysim::cli::Runner {
      auto st = std::make_shared<State>();
      sub.footer(
          "Predictions: CSV or csv.gz with the header customer_id,<task> (or\n"
          "customer_id,prediction) and one row per customer of tasks/<task>/: a probability\n"
          "for a binary task, a number >= 0 for a count or amount.\n"
          "Example:\n"
          "  journeysim evaluate out/ds/reference/purchases_holdout/baseline.csv.gz \\\n"
          "      --dataset out/ds --task purchases_holdout");
      sub.add_option("predictions", st->predictions, "Predictions file (CSV or csv.gz)")
          ->required()
          ->check(CLI::ExistingFile);
      sub.add_option("--dataset", st->dataset, "The dataset release directory")
          ->required()
          ->check(CLI::ExistingDirectory);
      sub.add_option("--task", st->task,
                     "churn_90d, upgrade_90d, purchases_holdout or spend_holdout (as the "
                     "dataset has)")
          ->required();
      sub.add_option("--format", st->format, "table (default) or json")
          ->check(journeysim::cli::one_of({"table", "json"}));
      sub.add_option("-o,--output", st->output, "Write to this file");
      sub.add_option("--bootstrap", st->bootstrap,
                     "Bootstrap replicates of the intervals (0 = none)")
          ->check(CLI::Range(0, 100000))
          ->capture_default_str();
      sub.add_flag("--no-reference", st->no_reference, "Score only the given predictions");
      return [st]() -> int {
        namespace ds = journeysim::dataset;
        ds::EvaluateOptions o;
        o.bootstrap.replicates = st->bootstrap;
        o.references = !st->no_reference;
        const ds::Evaluation e = ds::evaluate(st->predictions, st->dataset, st->task, o);
        const bool json = st->format == "json";
        journeysim::cli::emit(json ? ds::to_json(e).dump(2) + "\n" : ds::to_text(e), st->output);
        return 0;
      };
    });

}  // namespace
