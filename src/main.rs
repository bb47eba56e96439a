//! `autocode`: the command line. Each subcommand lives in `src/cmd/`, which
//! parses arguments, calls the `pipeline` crate (or a stage crate) and
//! prints the typed summary it returns.

mod cmd;

use std::process::ExitCode;

fn main() -> ExitCode {
    threads_before_anything_starts();
    let cli = cmd::Cli::parse_args();
    if !matches!(cli.command, cmd::Command::Review(_)) {
        stop_quietly_when_the_reader_goes();
    }
    if matches!(
        cli.command,
        cmd::Command::Embed(_) | cmd::Command::Encode(_)
    ) {
        large_buffers_stay_in_the_heap();
    }
    cmd::init_logging(&cli.global);
    let project = cli.global.project.clone();
    match cmd::dispatch(cli) {
        Ok(code) => code,
        Err(err) => {
            let message = cmd::read_only_store_message(&err, &project)
                .unwrap_or_else(|| cmd::printable_message(&cmd::error_chain(&err)));
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
    }
}

/// glibc's malloc hands every buffer above a (self-adjusting) threshold of
/// at most 32 MiB to a fresh `mmap` and returns freed memory at the heap's
/// top to the kernel past 128 KiB. The encoder allocates and frees its
/// activation buffers (MBs each) on every layer of every batch, so each one
/// came back as new zero pages: page faults, page clearing and `memset` were
/// a fifth of `encode`'s profile. Large buffers now come from the heap and
/// freed memory stays with the process up to 1 GiB. Measured on the 3,000
/// reference sentences: int8 413–435 → 582–631 sentences/s, bf16 339–384 →
/// 474–496, f32 225–242 → 296–308, vectors byte-identical, peak RSS 201 →
/// 261 MB (docs/benchmarks.md, issue #18). For the encoder's commands
/// (`embed`, `encode`) and for `run`'s embed stage only: on ingest the same
/// setting kept 430 MB more at a million turns and cost system time. glibc
/// only; other C libraries keep their defaults.
fn large_buffers_stay_in_the_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets malloc's tuning parameters, under malloc's
    // own lock; the worker threads are idle at this point.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 30);
    }
}

/// Undoes [`large_buffers_stay_in_the_heap`] as far as glibc allows: its
/// default trim threshold (128 KiB), the mmap threshold at the most its
/// self-adjusting one reaches (32 MiB), and the freed memory returned now.
fn heap_back_to_defaults() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: as in large_buffers_stay_in_the_heap; malloc_trim only
    // returns free memory to the kernel.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 128 << 10);
        libc::malloc_trim(0);
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

/// `autocode … | head` must end quietly when `head` has read enough, as
/// Unix tools do, not panic in `println!`: Rust ignores SIGPIPE, so a write
/// to a closed pipe is an error that `println!` turns into a panic. The
/// default action ends the process (status 141 in a shell) instead. Not for
/// `review`: its server writes to sockets whose browser may have gone, and
/// must live on.
fn stop_quietly_when_the_reader_goes() {
    // SAFETY: called once at start-up, before any thread is spawned;
    // restoring a signal's default action has no other effect.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
