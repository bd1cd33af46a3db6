//! `gene-trace explore --merge FILE...`: the shard files of one
//! exploration (`--format json --output FILE` of each `--shard i/n`) as
//! the one report the unsharded exploration prints, byte for byte, under
//! every strategy. The shards must be of the same program, strategy,
//! command, seeds and budget, and each shard `i/n` must be there exactly
//! once.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use gene_sim::RunConfig;

use super::json::{self, ShardFile};
use super::report::{self, ReportOptions};
use super::shrink::{self, Shrunk};
use super::strategy::{self, Kind};
use super::{ExploreArgs, Plan, Shard, Summary, schedule_of};

/// The largest shard file read (outputs included).
const MAX_SHARD_BYTES: u64 = 1 << 30;

/// The shards' command, parsed as `explore` parsed it.
#[derive(Parser)]
#[command(no_binary_name = true)]
struct Again {
    #[command(flatten)]
    args: ExploreArgs,
}

/// The first field in which two shard files differ, if any.
fn differs(a: &ShardFile, b: &ShardFile) -> Option<String> {
    let what = if a.tool != b.tool {
        "the tool"
    } else if a.program != b.program {
        "the program (its name or contents)"
    } else if a.strategy != b.strategy {
        return Some(format!("the strategy ({} and {})", a.strategy, b.strategy));
    } else if a.command != b.command {
        "the explore command"
    } else if (a.first_seed, a.seeds) != (b.first_seed, b.seeds) {
        "the seeds"
    } else if a.shard.count != b.shard.count {
        "the number of shards"
    } else if (a.max_instructions, a.max_memory) != (b.max_instructions, b.max_memory) {
        "the budget"
    } else if a.expected != b.expected {
        "the expected output"
    } else if a.declared != b.declared {
        "the program's assertions"
    } else {
        return None;
    };
    Some(what.into())
}

/// Reads and checks the shard files: the files in shard order, or the
/// error and its status (2 for a wrong set of files, 1 for a damaged one).
fn read_all(files: &[PathBuf]) -> Result<Vec<ShardFile>, (String, u8)> {
    let mut shards: Vec<(PathBuf, ShardFile)> = Vec::new();
    for path in files {
        let text = crate::read_input(path, "an explore shard file", MAX_SHARD_BYTES)
            .map_err(|e| (e, 2))?;
        let file = json::read(&text).map_err(|e| (format!("{}: {e}", path.display()), 1))?;
        if let Some((first, f)) = shards.first()
            && let Some(what) = differs(f, &file)
        {
            return Err((
                format!(
                    "{} and {} are not shards of one exploration: {what} differs",
                    first.display(),
                    path.display()
                ),
                2,
            ));
        }
        if let Some((other, _)) = shards
            .iter()
            .find(|(_, f)| f.shard.index == file.shard.index)
        {
            return Err((
                format!(
                    "{} and {} are both shard {}/{}",
                    other.display(),
                    path.display(),
                    file.shard.index,
                    file.shard.count
                ),
                2,
            ));
        }
        shards.push((path.clone(), file));
    }
    let count = shards.first().map_or(0, |(_, f)| f.shard.count);
    let missing: Vec<String> = (1..=count)
        .filter(|i| !shards.iter().any(|(_, f)| f.shard.index == *i))
        .map(|i| format!("{i}/{count}"))
        .collect();
    if !missing.is_empty() {
        return Err((format!("missing shard(s): {}", missing.join(", ")), 2));
    }
    shards.sort_by_key(|(_, f)| f.shard.index);
    Ok(shards.into_iter().map(|(_, f)| f).collect())
}

pub fn main(files: &[PathBuf]) -> ExitCode {
    let shards = match read_all(files) {
        Ok(s) => s,
        Err((e, 2)) => return crate::args::usage(&e),
        Err((e, _)) => return crate::fail(&e),
    };
    let Some(first) = shards.first() else {
        return crate::args::usage("--merge needs the shard files");
    };
    let args = match Again::try_parse_from(&first.command) {
        Ok(a) => a.args,
        Err(e) => {
            return crate::fail(&format!(
                "the shards' command does not parse: {}",
                e.to_string().lines().next().unwrap_or_default()
            ));
        }
    };
    let Some(file) = args.file.clone() else {
        return crate::fail("the shards' command names no program");
    };
    let exhaustive = matches!(first.strategy, Kind::Exhaustive { .. });
    let plan = Plan {
        first_seed: first.first_seed,
        seeds: first.seeds,
        schedule: if exhaustive {
            gene_sim::Schedule::Fifo
        } else {
            schedule_of(&args.run)
        },
        extra_faults: gene_sim::faults::FaultConfig::new(),
        expected: first.expected.clone(),
        strategy: first.strategy,
    };
    let mut base = RunConfig::default();
    base.vm.max_instructions = first.max_instructions;
    base.max_memory = first.max_memory;
    let declared = first.declared.clone();
    let program = first.program.clone();
    let (summary, closing) = match merged(shards, args.no_shrink) {
        Ok(m) => m,
        Err(e) => return crate::fail(&e),
    };
    let options = ReportOptions {
        file: &file,
        shard: Shard { index: 1, count: 1 },
        plan: &plan,
        args: &args.run,
        base: &base,
        full: args.full,
        outcomes_dir: args.outcomes_dir.as_deref(),
        declared: &declared,
    };
    if let Some(dir) = &args.outcomes_dir {
        let inputs: Vec<&std::path::Path> = files.iter().map(PathBuf::as_path).collect();
        if let Err(e) = report::check_outcomes_dir(dir, &inputs) {
            return crate::args::usage(&e);
        }
        if let Err(e) = report::write_outcomes(dir, &summary, &inputs).and_then(|()| {
            if matches!(plan.strategy, Kind::Random) {
                Ok(())
            } else {
                strategy::write_schedules(dir, &summary, &program.name, &program.text)
            }
        }) {
            return crate::fail(&e);
        }
    }
    if let Err(e) = super::shrink::write(&summary.shrunk, &options) {
        return crate::fail(&e);
    }
    if let Err(code) = crate::output::print(&report::report(&summary, &options, closing.as_deref()))
    {
        return code;
    }
    super::status(&summary)
}

/// The shards' summary, and an exhaustive exploration's closing lines.
/// Random and pct shards hold disjoint seeds; exhaustive shards hold
/// disjoint schedules, which are bounded and ranked as one exploration's,
/// and of the shrunk failures those of the schedules the unsharded
/// exploration shrinks are kept (`no_shrink`: none were shrunk).
fn merged(shards: Vec<ShardFile>, no_shrink: bool) -> Result<(Summary, Option<String>), String> {
    let Some(Kind::Exhaustive { max, .. }) = shards.first().map(|f| f.strategy) else {
        return Ok((
            super::merge(shards.into_iter().map(|f| f.summary).collect()),
            None,
        ));
    };
    let mut parts = Vec::new();
    let mut shrunk: Vec<(Vec<u32>, Shrunk)> = Vec::new();
    for f in shards {
        // `json::read` checked that an exhaustive shard has them.
        let Some(e) = &f.exhaustive else { continue };
        parts.push(e.part(&f.summary)?);
        shrunk.extend(e.shrunk(&f.summary)?);
    }
    let (mut summary, stats) = strategy::summarize(parts, max);
    if !no_shrink {
        for (failure, run) in shrink::targets(&summary) {
            let path = usize::try_from(run.seed)
                .ok()
                .and_then(|k| stats.paths.get(k.checked_sub(1)?));
            let found = shrunk
                .iter()
                .find(|(p, s)| Some(p) == path && s.failure == failure);
            match found {
                Some((_, s)) => summary.shrunk.push(s.clone()),
                None => {
                    return Err(format!(
                        "a damaged shard file: no shard holds the shrunk failure of schedule {} ({})",
                        run.seed,
                        failure.describe()
                    ));
                }
            }
        }
    }
    let closing =
        strategy::coverage(&summary, stats.late) + &strategy::verdict(&summary, &stats, max);
    Ok((summary, Some(closing)))
}
