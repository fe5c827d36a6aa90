//! Gives every benchmark of a run the same kind of memory for its output:
//! pages fresh from the kernel, for every large buffer, every time.
//!
//! glibc's malloc decides at run time whether a freed large buffer goes back
//! to the kernel (unmapped, or trimmed off the top of the heap) or stays for
//! the next allocation. It moves its thresholds as buffers come and go, and
//! whether a buffer can be trimmed depends on what was allocated after it.
//! So the same benchmark could find its columns' memory already mapped (no
//! page faults) in one run and fresh (a fault per 4 KiB page) in the next,
//! and neighbouring benchmarks could get different kinds. With this
//! benchmark's first version, the length of the command line's filter was
//! enough to move `factpack_contiguous` between about 38 and 78 ms of CPU time,
//! with 217,000 or 1,235,000 page faults in the run.
//!
//! Fixing the mmap threshold (`glibc.malloc.mmap_threshold`) turns off the
//! moving thresholds: every allocation of 128 KiB or more gets its own
//! mapping, returned to the kernel when freed, so every path pays for fresh
//! pages on every iteration, alike. Tunables are read when a process starts,
//! so [`ensure`] runs the benchmark again as a child process with the
//! tunable set.

use std::env;
use std::process::{self, Command};

/// Every allocation of 128 KiB or more is a fresh mapping.
const FRESH_PAGES: &str = "glibc.malloc.mmap_threshold=131072";

/// Set in the child, so that it never runs itself again (glibc drops
/// `GLIBC_TUNABLES` for privileged programs, for one).
const CHILD: &str = "FACTPACK_BENCH_FRESH_PAGES_CHILD";

/// Re-runs this benchmark binary with [`FRESH_PAGES`] and exits with its
/// status (1 if a signal ended it), unless `GLIBC_TUNABLES` is set already
/// (by this function in the child, or by hand, to measure another allocator
/// setting), this is the child, or the C library is not glibc.
pub fn ensure() {
    if !cfg!(all(target_os = "linux", target_env = "gnu")) {
        eprintln!("allocator: as the platform's C library has it (not glibc)");
        return;
    }
    if let Some(tunables) = env::var_os("GLIBC_TUNABLES") {
        eprintln!("allocator: GLIBC_TUNABLES={}", tunables.to_string_lossy());
        return;
    }
    if env::var_os(CHILD).is_some() {
        eprintln!("allocator: GLIBC_TUNABLES did not reach the child; as glibc has it");
        return;
    }
    let exe = env::current_exe().expect("the benchmark's own path");
    let status = Command::new(exe)
        .args(env::args_os().skip(1))
        .env("GLIBC_TUNABLES", FRESH_PAGES)
        .env(CHILD, "1")
        .status()
        .expect("the benchmark runs again with the tunable set");
    process::exit(status.code().unwrap_or(1));
}
