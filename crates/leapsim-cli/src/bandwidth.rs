//! `leapsim bandwidth`: the machine's streaming-read memory bandwidth, the yardstick of the
//! benchmark's floor (the bytes of model state a run must touch, over this rate).

use clap::Args;
use rayon::prelude::*;
use std::time::Instant;

#[derive(Args)]
pub struct BandwidthArgs {
    /// Size of the buffer read, GiB (well above the caches).
    #[arg(long, default_value_t = 2.0)]
    gib: f64,
    /// Times the buffer is read; the fastest pass counts.
    #[arg(long, default_value_t = 5)]
    passes: u32,
}

/// Read `words` once, summing in independent lanes so the adds keep up with memory.
fn sum(words: &[u64]) -> u64 {
    words
        .par_chunks(1 << 16)
        .map(|c| {
            let mut lanes = [0u64; 8];
            for w in c.chunks_exact(8) {
                for i in 0..8 {
                    lanes[i] = lanes[i].wrapping_add(w[i]);
                }
            }
            lanes.iter().fold(0u64, |a, &b| a.wrapping_add(b))
        })
        .reduce(|| 0, u64::wrapping_add)
}

pub fn run(a: BandwidthArgs) -> anyhow::Result<()> {
    if !(a.gib > 0.0 && a.gib <= 64.0) || a.passes == 0 {
        return Err(crate::InputError("--gib must be in (0, 64] and --passes at least 1".into()).into());
    }
    let n = ((a.gib * (1u64 << 30) as f64) as usize / 8) & !7;
    // Written in parallel so the pages are spread as the readers will use them.
    let mut words = vec![0u64; n];
    words.par_chunks_mut(1 << 16).enumerate().for_each(|(i, c)| c.iter_mut().for_each(|w| *w = i as u64));
    let mut best = f64::INFINITY;
    let mut check = 0;
    for _ in 0..a.passes {
        let t = Instant::now();
        check = std::hint::black_box(sum(&words));
        best = best.min(t.elapsed().as_secs_f64());
    }
    let gbs = (n * 8) as f64 / best / 1e9;
    println!(
        "streaming read: {gbs:.2} GB/s ({} threads, {:.1} GiB buffer, best of {} passes)",
        rayon::current_num_threads(),
        a.gib,
        a.passes
    );
    if check == u64::MAX {
        println!("(checksum {check})");
    }
    Ok(())
}
