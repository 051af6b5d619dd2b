// Self-registering subcommands of the `journeysim` program.
// Each tools/cmd_*.cpp defines one subcommand: it declares its options on the CLI11 sub-app and
// returns the callback that runs it. The callbacks stay thin: parse, call a library, print.
#pragma once
#include <CLI/CLI.hpp>
#include <functional>
#include <string>

namespace journeysim::cli {

// Options shared by every subcommand.
struct GlobalOptions {
  bool quiet = false;
};

using Runner = std::function<int()>;
using Setup = std::function<Runner(CLI::App& sub, const GlobalOptions& global)>;

// `order` sorts subcommands in --help (pipeline order: validate, run, export, score, ...).
bool register_command(int order, std::string name, std::string description, Setup setup);

// An option's value must be one of `choices`: like CLI::IsMember, and a wrong value gets
// "did you mean" (e.g. `--by chanel`: "expected one of channel, segment, ...; did you mean
// 'channel'?").
CLI::Validator one_of(std::vector<std::string> choices);

}  // namespace journeysim::cli
