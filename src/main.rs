//! `autocode`: the command line. Each subcommand lives in `src/cmd/`, which
//! parses arguments, calls the `pipeline` crate (or a stage crate) and
//! prints the typed summary it returns.

mod cmd;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    threads_before_anything_starts();
    let cli = cmd::Cli::parse();
    cmd::init_logging(&cli.global);
    match cmd::dispatch(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {}", cmd::printable(&format!("{err:#}")));
            ExitCode::from(1)
        }
    }
}

/// The embedding model runs one single-threaded forward pass per core, side
/// by side (2 passes on 2 cores: 1.76×, one pass over 2 threads: 1.25×;
/// docs/embed.md). candle keeps its kernels on one thread only when
/// `RAYON_NUM_THREADS` is 1, which it reads from the environment, so that is
/// set here, first thing, while the process has no other thread that could
/// read the environment at the same time. Rayon's global pool (themes,
/// classify, the number of embedding passes) is sized explicitly from the
/// variable as the user set it, else the cores.
fn threads_before_anything_starts() {
    let threads = std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    std::env::set_var("RAYON_NUM_THREADS", "1");
    // Fails only if a pool exists already, which nothing before this can make.
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global();
}
