//! leapsim-web: the dashboard that `leapsim serve` starts. A JSON API under `/api/` over the
//! same library calls as the command line and the Python binding (`ModelSpec`,
//! `run_with_detail`, and the `ensemble`, `compare` and `attribute` jobs through a `Runner`),
//! a bounded job queue in front of them, and the page with its assets embedded in the binary.
//!
//! Depends on `leapsim-engine`, `leapsim-analysis` and `leapsim-report`; nothing in the
//! workspace depends on it. It orchestrates nothing of its own beyond the queue: every job is
//! the library's, run on a blocking thread, never on the async runtime.
//!
//! - [`catalog`]: the scenarios, the parameter registry grouped by mechanism and the record.
//! - [`request`]: a job request checked field by field (4xx with the field's name).
//! - [`jobs`]: the queue, the result cache, progress as server-sent events, cancellation.
//! - [`results`]: a finished job as JSON and as downloadable files.
//! - [`assets`]: the page and its vendored scripts.

pub mod assets;
pub mod catalog;
pub mod jobs;
pub mod request;
pub mod results;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;
use std::net::SocketAddr;
use std::sync::Arc;

/// What the server allows and where it listens.
#[derive(Clone, Debug)]
pub struct Options {
    /// Address to listen on (loopback by default).
    pub bind: SocketAddr,
    /// Largest `scale` a request may ask for.
    pub max_scale: f64,
    /// Jobs run at the same time.
    pub max_jobs: usize,
    /// Jobs waiting for a slot; a request beyond this gets 429.
    pub max_queue: usize,
    /// Largest number of runs (seeds) a request may ask for.
    pub max_runs: u64,
    /// Finished jobs kept in the cache (the oldest is dropped first).
    pub max_cached: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            max_scale: 0.01,
            max_jobs: 1,
            max_queue: 8,
            max_runs: 20,
            max_cached: 16,
        }
    }
}

/// An error answered as JSON: `{"error": message, "field": name}` with a 4xx or 5xx status.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub field: Option<String>,
    pub message: String,
}

impl ApiError {
    /// A 400 about request field `field`.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError { status: StatusCode::BAD_REQUEST, field: Some(field.into()), message: message.into() }
    }

    /// An error with no field.
    pub fn status(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError { status, field: None, message: message.into() }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({ "error": self.message, "field": self.field }))).into_response()
    }
}

/// The router with every route: `/api/...` and the page.
pub fn router(jobs: Arc<jobs::Jobs>) -> Router {
    Router::new()
        .route("/api/scenarios", get(|| async { Json(catalog::scenarios()) }))
        .route("/api/params", get(|| async { Json(catalog::params()) }))
        .route("/api/history", get(|| async { Json(catalog::history()) }))
        .route("/api/limits", get(limits))
        .route("/api/runs", post(jobs::submit))
        .route("/api/jobs", get(jobs::list))
        .route("/api/jobs/{id}", get(jobs::status))
        .route("/api/jobs/{id}/events", get(jobs::events))
        .route("/api/jobs/{id}/result", get(jobs::result))
        .route("/api/jobs/{id}/{file}", get(jobs::download))
        .route("/api/jobs/{id}/detail/{brigade}", get(jobs::teams))
        .route("/api/{*rest}", get(not_found).post(not_found))
        .merge(assets::routes())
        .with_state(jobs)
}

async fn limits(State(jobs): State<Arc<jobs::Jobs>>) -> Json<serde_json::Value> {
    let o = jobs.options();
    Json(json!({
        "max_scale": o.max_scale,
        "max_jobs": o.max_jobs,
        "max_queue": o.max_queue,
        "max_runs": o.max_runs,
        "max_compare": request::MAX_COMPARE,
        "kinds": request::KINDS,
        "provinces": catalog::province_names(),
    }))
}

async fn not_found(Path(rest): Path<String>) -> ApiError {
    ApiError::status(StatusCode::NOT_FOUND, format!("no such endpoint: /api/{rest}"))
}

/// Listen on `opts.bind` and serve until Ctrl-C (or SIGTERM), then cancel the running jobs
/// through their runners' cancel flags and return once the connections have closed and the jobs
/// have stopped. `ready` is called with the bound address (the port is chosen by the system
/// when `bind` has port 0).
pub async fn serve(opts: Options, ready: impl FnOnce(SocketAddr)) -> std::io::Result<()> {
    serve_until(opts, ready, shutdown_signal()).await
}

/// [`serve`] until `stop` completes instead of a signal.
pub async fn serve_until(
    opts: Options,
    ready: impl FnOnce(SocketAddr),
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(opts.bind).await?;
    ready(listener.local_addr()?);
    let jobs = jobs::Jobs::new(opts);
    let app = router(jobs.clone());
    let stopping = jobs.clone();
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            stop.await;
            stopping.shutdown();
        })
        .await?;
    // The cancelled jobs stop at their next month and remove their scratch work stores.
    jobs.wait_idle(std::time::Duration::from_secs(30)).await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
