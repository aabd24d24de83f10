//! `leapsim serve`: the dashboard in a browser (`leapsim_web::serve`), bound to loopback by
//! default. Ctrl-C cancels the running jobs and stops the server.

use clap::Args;
use std::net::SocketAddr;

#[derive(Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0: any free port; the address is printed).
    #[arg(long, default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// Largest scale a request may ask for.
    #[arg(long, default_value_t = 0.01)]
    max_scale: f64,
    /// Jobs run at the same time.
    #[arg(long, default_value_t = 1)]
    max_jobs: usize,
    /// Jobs that may wait for a slot (a request beyond them gets 429).
    #[arg(long, default_value_t = 8)]
    max_queue: usize,
    /// Largest number of runs (seeds) one request may ask for.
    #[arg(long, default_value_t = 20)]
    max_runs: u64,
}

pub fn run(a: ServeArgs) -> anyhow::Result<()> {
    if !(a.max_scale > 0.0 && a.max_scale <= 1.0) {
        anyhow::bail!(crate::InputError(format!("--max-scale {}: expected above 0, at most 1", a.max_scale)));
    }
    let opts = leapsim_web::Options {
        bind: a.bind,
        max_scale: a.max_scale,
        max_jobs: a.max_jobs.max(1),
        max_queue: a.max_queue,
        max_runs: a.max_runs.max(1),
        ..leapsim_web::Options::default()
    };
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(leapsim_web::serve(opts, |addr: SocketAddr| {
        println!("leapsim dashboard on http://{addr}/ (Ctrl-C to stop)");
    }))?;
    Ok(())
}
