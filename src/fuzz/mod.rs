//! A small mutation fuzzer, run by `cargo test` on the stable toolchain.
//!
//! Each target ([`targets`]) starts from real inputs (the example site's
//! files, the test vectors) and feeds the code under test mutations of
//! them: bytes flipped, ranges cut, copied and spliced, tokens from a
//! dictionary inserted, a token repeated thousands of times. A panic, or an
//! input that runs longer than [`HANG`], is a crash: the input is saved
//! under `target/fuzz/<target>/` and the test fails saying where. Fixed
//! crashes are kept in `tests/fuzz/<target>/` and replayed first on every
//! run.
//!
//! Each target runs for `REFARCH_FUZZ_SECONDS` (2 by default, so that CI
//! stays quick); `REFARCH_FUZZ_SEED` replays a run. For a long session:
//!
//! ```sh
//! REFARCH_FUZZ_SECONDS=300 cargo test --release --lib fuzz -- --nocapture
//! ```

pub(crate) mod targets;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Inputs are cut to this size: the fuzzer looks for wrong handling, not
/// for slowness in proportion to size, which the large-input tests cover.
const MAX_INPUT: usize = 64 * 1024;
/// One input running this long is a hang (a debug build on a busy CI
/// machine is slow; no real input comes near this).
const HANG: Duration = Duration::from_secs(20);

/// One fuzz target: its name (the directory of its kept inputs), where it
/// starts from, and tokens worth inserting.
pub struct Target<'a> {
    pub name: &'static str,
    pub seeds: Vec<Vec<u8>>,
    pub dictionary: &'a [&'a str],
}

/// Runs `check` on the target's kept crash inputs, then on mutations of its
/// seeds until the time budget is spent, and prints how many it ran.
/// Panics, naming the saved input, on the first crash.
pub fn fuzz(target: Target<'_>, check: impl Fn(&[u8])) {
    assert!(!target.seeds.is_empty(), "{}: no seeds", target.name);
    let kept = kept_inputs(target.name);
    for (path, input) in &kept {
        if let Err(message) = run_one(&check, input) {
            panic!(
                "fuzz {}: the kept input {} fails again: {message}",
                target.name,
                path.display()
            );
        }
    }

    let budget = Duration::from_secs_f64(env_number("REFARCH_FUZZ_SECONDS").unwrap_or(2.0));
    let seed = env_number("REFARCH_FUZZ_SEED")
        .map(|seed| seed as u64)
        .unwrap_or_else(time_seed);
    let mut rng = Rng::new(seed);
    let current: Arc<Mutex<(Instant, Vec<u8>)>> =
        Arc::new(Mutex::new((Instant::now(), Vec::new())));
    let done = Arc::new(AtomicBool::new(false));
    let watchdog = watch_for_hangs(target.name, current.clone(), done.clone());

    let started = Instant::now();
    let mut executions = 0;
    let mut input = target.seeds[0].clone();
    while started.elapsed() < budget {
        // Mostly fresh mutations of a seed; sometimes a further mutation of
        // the last input, to reach past the first layer of checks.
        if rng.below(4) != 0 {
            input = target.seeds[rng.below(target.seeds.len())].clone();
        }
        mutate(&mut input, &target, &mut rng);
        *current.lock().expect("fuzz lock") = (Instant::now(), input.clone());
        if let Err(message) = run_one(&check, &input) {
            let saved = save_crash(target.name, &input);
            panic!(
                "fuzz {}: {message}\n  input saved to {} (seed {seed}); once fixed, move it to tests/fuzz/{}/",
                target.name,
                saved.display(),
                target.name
            );
        }
        executions += 1;
    }
    done.store(true, Ordering::SeqCst);
    let _ = watchdog.join();
    eprintln!(
        "fuzz {}: {executions} executions in {:.1} s, seed {seed}, {} kept inputs replayed",
        target.name,
        started.elapsed().as_secs_f64(),
        kept.len()
    );
}

fn run_one(check: &impl Fn(&[u8]), input: &[u8]) -> Result<(), String> {
    catch_unwind(AssertUnwindSafe(|| check(input))).map_err(|payload| {
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "a panic".to_string())
    })
}

/// A thread that saves the current input and stops the process when one
/// input runs past [`HANG`]: a hang cannot be caught like a panic.
fn watch_for_hangs(
    name: &'static str,
    current: Arc<Mutex<(Instant, Vec<u8>)>>,
    done: Arc<AtomicBool>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        while !done.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(100));
            let (since, input) = &*current.lock().expect("fuzz lock");
            if since.elapsed() > HANG && !done.load(Ordering::SeqCst) {
                let saved = save_crash(name, input);
                eprintln!(
                    "fuzz {name}: an input ran for more than {HANG:?}; saved to {}",
                    saved.display()
                );
                std::process::abort();
            }
        }
    })
}

fn kept_inputs(name: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz")
        .join(name);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut inputs: Vec<(PathBuf, Vec<u8>)> = entries
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.is_file())
        .map(|path| {
            let bytes = std::fs::read(&path).expect("a kept fuzz input is readable");
            (path, bytes)
        })
        .collect();
    inputs.sort();
    inputs
}

fn save_crash(name: &str, input: &[u8]) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/fuzz")
        .join(name);
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(format!("crash-{:016x}", crate::render::fingerprint(&input)));
    let _ = std::fs::write(&path, input);
    path
}

fn env_number(name: &str) -> Option<f64> {
    std::env::var(name).ok()?.parse().ok()
}

fn time_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64)
}

/// xorshift64*: fast, and reproducible from its seed.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n` (n > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// A position in `0..=len`.
    fn position(&mut self, len: usize) -> usize {
        self.below(len + 1)
    }
}

/// Bytes that change the meaning of TOML, Markdown, paths and headers.
const SPECIAL: &[u8] = b"\"'[]{}=,.-+:#\n\r\t \\/%*_`<>|!?&;@$0\x00\xff";

/// Applies one to five mutations to `input`.
fn mutate(input: &mut Vec<u8>, target: &Target<'_>, rng: &mut Rng) {
    for _ in 0..=rng.below(5) {
        let len = input.len();
        match rng.below(9) {
            0 if len > 0 => {
                let at = rng.below(len);
                input[at] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let at = rng.below(len);
                input[at] = SPECIAL[rng.below(SPECIAL.len())];
            }
            2 => {
                let at = rng.position(len);
                input.insert(at, SPECIAL[rng.below(SPECIAL.len())]);
            }
            3 if len > 0 => {
                let start = rng.below(len);
                let end = (start + 1 + rng.below(64)).min(len);
                input.drain(start..end);
            }
            4 if len > 0 => {
                let start = rng.below(len);
                let end = (start + 1 + rng.below(64)).min(len);
                let copy = input[start..end].to_vec();
                let at = rng.position(len);
                input.splice(at..at, copy);
            }
            5 | 6 if !target.dictionary.is_empty() => {
                let token = target.dictionary[rng.below(target.dictionary.len())].as_bytes();
                let at = rng.position(len);
                if rng.below(2) == 0 || len == 0 {
                    input.splice(at..at, token.iter().copied());
                } else {
                    let end = (at + 1 + rng.below(16)).min(len);
                    input.splice(at..end, token.iter().copied());
                }
            }
            7 => {
                // A token many times over: deep nesting, long lines.
                let token: Vec<u8> = if target.dictionary.is_empty() || rng.below(2) == 0 {
                    vec![SPECIAL[rng.below(SPECIAL.len())]]
                } else {
                    target.dictionary[rng.below(target.dictionary.len())]
                        .as_bytes()
                        .to_vec()
                };
                let most = if rng.below(8) == 0 { 5000 } else { 40 };
                let times = 1 + rng.below(most);
                let at = rng.position(len);
                input.splice(at..at, token.repeat(times));
            }
            _ => {
                let other = &target.seeds[rng.below(target.seeds.len())];
                let cut = rng.position(len);
                let from = rng.position(other.len());
                input.truncate(cut);
                input.extend_from_slice(&other[from..]);
            }
        }
    }
    input.truncate(MAX_INPUT);
}
