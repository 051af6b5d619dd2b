#include "journeysim/sweep/slurm.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace journeysim::sweep {

namespace {
// Single quotes for the shell ('it'\''s').
std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}
}  // namespace

std::string slurm_script(const SweepSpec& spec, const SlurmOptions& o) {
  namespace fs = std::filesystem;
  const std::uint32_t parts = o.parts;
  const std::string dir = fs::absolute(o.dir).lexically_normal().string();
  const std::string sweep = fs::absolute(spec.path).lexically_normal().string();
  std::ostringstream s;
  s << "#!/bin/bash\n"
    << "# Slurm job array for the journeysim sweep '" << spec.name << "' (" << spec.tasks()
    << " tasks = " << spec.points() << " points x " << spec.replications << " replications),\n"
    << "# written by `journeysim sweep --emit-slurm`. Array task k runs the slice --part k/"
    << parts << "\n"
    << "# of the task list (the same slice every time: resubmitting a task resumes it from its\n"
    << "# journal). When every array task has finished:\n"
    << "#   journeysim sweep merge " << quote(dir) << " -o RESULTS.h5\n"
    << "# Submit: sbatch " << quote(dir + "/sweep.sbatch") << "\n"
    << "#SBATCH --job-name="
    << "jsweep-" << spec.name.substr(0, 24) << "\n"
    << "#SBATCH --array=1-" << parts;
  if (o.throttle) s << "%" << *o.throttle;
  s << "\n"
    << "#SBATCH --cpus-per-task=" << o.cpus_per_task << "\n"
    << "#SBATCH --ntasks=1\n"
    << "#SBATCH --mem=" << o.mem << "\n"
    << "#SBATCH --time=" << o.time << "\n"
    << "#SBATCH --output=" << dir << "/logs/part-%a.out\n"
    << "#SBATCH --error=" << dir << "/logs/part-%a.err\n";
  if (!o.partition.empty()) s << "#SBATCH --partition=" << o.partition << "\n";
  if (!o.account.empty()) s << "#SBATCH --account=" << o.account << "\n";
  s << "set -euo pipefail\n"
    << ": \"${SLURM_ARRAY_TASK_ID:?run this script with sbatch (a job array)}\"\n"
    << "JOURNEYSIM=${JOURNEYSIM:-" << quote(o.executable) << "}\n"
    << "exec \"$JOURNEYSIM\" sweep " << quote(sweep) << " --part \"${SLURM_ARRAY_TASK_ID}/" << parts
    << "\" \\\n"
    << "    --journal " << quote(dir + "/journal")
    << " --threads \"${SLURM_CPUS_PER_TASK:-1}\" --resume --quiet\n";
  return s.str();
}

std::string emit_slurm(const SweepSpec& spec, const SlurmOptions& o) {
  namespace fs = std::filesystem;
  if (o.parts == 0 || o.parts > spec.tasks())
    throw std::runtime_error("--array-parts must be between 1 and the number of tasks (" +
                             std::to_string(spec.tasks()) + ")");
  fs::create_directories(fs::path(o.dir) / "logs");
  fs::create_directories(fs::path(o.dir) / "journal");
  const std::string path = (fs::path(o.dir) / "sweep.sbatch").string();
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    out << slurm_script(spec, o);
    if (!out) throw std::runtime_error(path + ": cannot write");
  }
  fs::permissions(tmp, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                           fs::perms::others_read | fs::perms::others_exec);
  fs::rename(tmp, path);
  std::ofstream(fs::path(o.dir) / "journal" / "sweep-path")
      << fs::absolute(spec.path).lexically_normal().string() << "\n";
  return path;
}

}  // namespace journeysim::sweep
