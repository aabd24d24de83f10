//! The job queue: at most `max_jobs` jobs run at once, each on a blocking thread, and at most
//! `max_queue` wait for a slot (a request beyond that gets 429). Finished jobs are kept, by
//! the key of their resolved request (`JobSpec::key`), so that the same request again returns
//! the same job at once. Progress goes out as server-sent events; every job has its own cancel
//! flag, which shutdown sets.

use crate::request::{self, JobSpec};
use crate::results::{self, Output};
use crate::{ApiError, Options};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use serde_json::json;
use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};
use tokio::sync::{watch, Semaphore};

/// Where a job is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Queued,
    Running,
    Done,
    Failed,
    Cancelled,
}

impl Status {
    pub fn finished(self) -> bool {
        matches!(self, Status::Done | Status::Failed | Status::Cancelled)
    }
}

/// What `GET /api/jobs/{id}` and each event say of a job.
#[derive(Clone, Debug, Serialize)]
pub struct Snapshot {
    pub id: String,
    pub kind: &'static str,
    pub scenarios: Vec<String>,
    pub status: Status,
    /// Runs (or, for a single run, months) done of `total`.
    pub done: usize,
    pub total: usize,
    pub error: Option<String>,
    /// Wall time from start to finish.
    pub seconds: Option<f64>,
}

/// One job: its request, its cancel flag, its state (watched by the event streams) and, once
/// done, its output.
pub struct Job {
    pub id: String,
    pub key: String,
    pub spec: JobSpec,
    pub cancel: AtomicBool,
    state: watch::Sender<Snapshot>,
    output: OnceLock<Output>,
}

impl Job {
    /// The output of a job that is done (`output` checks that it is).
    fn finished(&self) -> &Output {
        self.output.get().expect("a done job has its output")
    }

    pub fn snapshot(&self) -> Snapshot {
        self.state.borrow().clone()
    }

    fn set(&self, f: impl FnOnce(&mut Snapshot)) {
        self.state.send_modify(f);
    }
}

#[derive(Default)]
struct Inner {
    jobs: HashMap<String, Arc<Job>>,
    by_key: HashMap<String, String>,
    /// Ids in the order the jobs were made (for dropping the oldest finished).
    order: VecDeque<String>,
}

/// Every job the server knows, and the slots they run in.
pub struct Jobs {
    opts: Options,
    slots: Arc<Semaphore>,
    inner: Mutex<Inner>,
    next: AtomicU64,
    closing: AtomicBool,
}

impl Jobs {
    pub fn new(opts: Options) -> Arc<Jobs> {
        let slots = Arc::new(Semaphore::new(opts.max_jobs.max(1)));
        Arc::new(Jobs {
            opts,
            slots,
            inner: Mutex::default(),
            next: AtomicU64::new(1),
            closing: AtomicBool::new(false),
        })
    }

    pub fn options(&self) -> &Options {
        &self.opts
    }

    pub fn get(&self, id: &str) -> Option<Arc<Job>> {
        self.inner.lock().expect("jobs").jobs.get(id).cloned()
    }

    /// Stop taking jobs and cancel every job not finished (each stops at its next month).
    pub fn shutdown(&self) {
        self.closing.store(true, Ordering::SeqCst);
        for j in self.inner.lock().expect("jobs").jobs.values() {
            j.cancel.store(true, Ordering::SeqCst);
        }
    }

    /// Jobs queued or running.
    pub fn pending(&self) -> usize {
        self.inner.lock().expect("jobs").jobs.values().filter(|j| !j.snapshot().status.finished()).count()
    }

    /// Wait until no job runs, for at most `limit`.
    pub async fn wait_idle(&self, limit: Duration) {
        let start = Instant::now();
        while self.pending() > 0 && start.elapsed() < limit {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The job of `spec`: the cached one when the same request was made before (and did not
    /// fail), else a new one, queued. Err(429) when the queue is full.
    pub fn enqueue(self: &Arc<Self>, spec: JobSpec) -> Result<(Arc<Job>, bool), ApiError> {
        if self.closing.load(Ordering::SeqCst) {
            return Err(ApiError::status(StatusCode::SERVICE_UNAVAILABLE, "the server is shutting down"));
        }
        let key = spec.key();
        let mut inner = self.inner.lock().expect("jobs");
        if let Some(j) = inner.by_key.get(&key).and_then(|id| inner.jobs.get(id)) {
            if !matches!(j.snapshot().status, Status::Failed | Status::Cancelled) {
                return Ok((j.clone(), true));
            }
        }
        let pending = inner.jobs.values().filter(|j| !j.snapshot().status.finished()).count();
        if pending >= self.opts.max_jobs.max(1) + self.opts.max_queue {
            return Err(ApiError::status(
                StatusCode::TOO_MANY_REQUESTS,
                format!("{pending} jobs are queued or running, the most this server takes; try again later"),
            ));
        }
        let id = format!("j{}", self.next.fetch_add(1, Ordering::Relaxed));
        let snapshot = Snapshot {
            id: id.clone(),
            kind: spec.kind,
            scenarios: spec.resolved.iter().map(|s| s.name.clone()).collect(),
            status: Status::Queued,
            done: 0,
            total: 0,
            error: None,
            seconds: None,
        };
        let job = Arc::new(Job {
            id: id.clone(),
            key: key.clone(),
            spec,
            cancel: AtomicBool::new(false),
            state: watch::Sender::new(snapshot),
            output: OnceLock::new(),
        });
        inner.jobs.insert(id.clone(), job.clone());
        inner.by_key.insert(key, id.clone());
        inner.order.push_back(id);
        self.evict(&mut inner);
        drop(inner);
        tokio::spawn(self.clone().start(job.clone()));
        Ok((job, false))
    }

    /// Drop the oldest finished jobs beyond `max_cached`.
    fn evict(&self, inner: &mut Inner) {
        let finished = |inner: &Inner, id: &str| inner.jobs.get(id).is_some_and(|j| j.snapshot().status.finished());
        while inner.jobs.len() > self.opts.max_cached.max(1) {
            let Some(pos) = inner.order.iter().position(|id| finished(inner, id)) else { break };
            let id = inner.order.remove(pos).expect("an id");
            if let Some(j) = inner.jobs.remove(&id) {
                if inner.by_key.get(&j.key) == Some(&id) {
                    inner.by_key.remove(&j.key);
                }
            }
        }
    }

    /// Wait for a slot, then run the job on a blocking thread.
    async fn start(self: Arc<Self>, job: Arc<Job>) {
        let Ok(_permit) = self.slots.clone().acquire_owned().await else { return };
        if job.cancel.load(Ordering::SeqCst) {
            job.set(|s| s.status = Status::Cancelled);
            return;
        }
        job.set(|s| s.status = Status::Running);
        let started = Instant::now();
        let j = job.clone();
        let outcome = tokio::task::spawn_blocking(move || {
            let progress = |done: usize, total: usize| j.set(|s| (s.done, s.total) = (done, total));
            results::execute(&j.spec, &j.cancel, &progress)
        })
        .await;
        let seconds = Some(started.elapsed().as_secs_f64());
        match outcome {
            Ok(Ok(out)) => {
                let _ = job.output.set(out);
                job.set(|s| (s.status, s.seconds, s.done) = (Status::Done, seconds, s.total));
            }
            Ok(Err(results::Failure::Cancelled)) => job.set(|s| (s.status, s.seconds) = (Status::Cancelled, seconds)),
            Ok(Err(results::Failure::Error(e))) => {
                job.set(|s| (s.status, s.seconds, s.error) = (Status::Failed, seconds, Some(e)))
            }
            Err(e) => job.set(|s| (s.status, s.seconds, s.error) = (Status::Failed, seconds, Some(e.to_string()))),
        }
    }
}

fn find(jobs: &Jobs, id: &str) -> Result<Arc<Job>, ApiError> {
    jobs.get(id).ok_or_else(|| {
        ApiError::status(StatusCode::NOT_FOUND, format!("no job `{id}` (unknown, or dropped from the cache)"))
    })
}

/// `POST /api/runs`: check the request, then answer 202 with the new job, or 200 with the
/// cached one (`cached: true`).
pub async fn submit(State(jobs): State<Arc<Jobs>>, body: Bytes) -> Result<Response, ApiError> {
    let spec = request::parse(&body, jobs.options())?;
    let (job, cached) = jobs.enqueue(spec)?;
    let s = job.snapshot();
    let code = if cached { StatusCode::OK } else { StatusCode::ACCEPTED };
    let body = json!({
        "id": job.id,
        "cached": cached,
        "status": s.status,
        "links": {
            "status": format!("/api/jobs/{}", job.id),
            "events": format!("/api/jobs/{}/events", job.id),
            "result": format!("/api/jobs/{}/result", job.id),
        },
    });
    Ok((code, [(header::LOCATION, format!("/api/jobs/{}", job.id))], Json(body)).into_response())
}

/// `GET /api/jobs`: every job the server keeps.
pub async fn list(State(jobs): State<Arc<Jobs>>) -> Json<serde_json::Value> {
    let inner = jobs.inner.lock().expect("jobs");
    let all: Vec<Snapshot> = inner.order.iter().filter_map(|id| inner.jobs.get(id)).map(|j| j.snapshot()).collect();
    Json(json!({ "jobs": all }))
}

/// `GET /api/jobs/{id}`.
pub async fn status(State(jobs): State<Arc<Jobs>>, Path(id): Path<String>) -> Result<Json<Snapshot>, ApiError> {
    Ok(Json(find(&jobs, &id)?.snapshot()))
}

/// `GET /api/jobs/{id}/events`: the job's state now and at every change, as server-sent events
/// named after its status (`queued`, `running`, then one of `done`, `failed`, `cancelled`, after
/// which the stream ends).
pub async fn events(
    State(jobs): State<Arc<Jobs>>,
    Path(id): Path<String>,
) -> Result<Sse<impl futures_util::Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let rx = find(&jobs, &id)?.state.subscribe();
    let stream = futures_util::stream::unfold((rx, true, false), |(mut rx, first, ended)| async move {
        if ended || (!first && rx.changed().await.is_err()) {
            return None;
        }
        let s = rx.borrow_and_update().clone();
        let name = serde_json::to_value(s.status).ok()?.as_str().unwrap_or("status").to_string();
        let event = Event::default().event(name).json_data(&s).ok()?;
        Some((Ok(event), (rx, false, s.status.finished())))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

fn output(jobs: &Jobs, id: &str) -> Result<Arc<Job>, ApiError> {
    let job = find(jobs, id)?;
    let s = job.snapshot();
    match s.status {
        Status::Done => Ok(job),
        Status::Failed => {
            Err(ApiError::status(StatusCode::CONFLICT, format!("job {id} failed: {}", s.error.unwrap_or_default())))
        }
        Status::Cancelled => Err(ApiError::status(StatusCode::CONFLICT, format!("job {id} was cancelled"))),
        _ => Err(ApiError::status(
            StatusCode::CONFLICT,
            format!("job {id} is not finished ({} of {} done)", s.done, s.total),
        )),
    }
}

/// `GET /api/jobs/{id}/result`: the finished job's numbers as JSON (409 until it is done).
pub async fn result(State(jobs): State<Arc<Jobs>>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let job = output(&jobs, &id)?;
    let out = job.finished();
    Ok(([(header::CONTENT_TYPE, "application/json")], out.json.clone()).into_response())
}

/// `GET /api/jobs/{id}/detail/{brigade}`: the teams of a brigade of the commune the run followed,
/// month by month (as the result's `detail` gives the brigades).
pub async fn teams(
    State(jobs): State<Arc<Jobs>>,
    Path((id, brigade)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let job = output(&jobs, &id)?;
    let out = job.finished();
    let Some((_, text)) = out.files.iter().find(|(n, _)| *n == "detail.csv") else {
        return Err(ApiError::status(
            StatusCode::NOT_FOUND,
            format!("job {id} followed no commune (run it with `detail`)"),
        ));
    };
    let teams = results::detail_teams(text, &brigade);
    if teams["units"].as_object().is_none_or(|u| u.is_empty()) {
        return Err(ApiError::status(
            StatusCode::NOT_FOUND,
            format!("the commune of job {id} has no brigade `{brigade}`"),
        ));
    }
    Ok(Json(teams).into_response())
}

/// `GET /api/jobs/{id}/{file}`: one of the job's files (`annual.csv`, `monthly.csv`,
/// `summary.json`, ... as its result's `files` lists).
pub async fn download(
    State(jobs): State<Arc<Jobs>>,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let job = output(&jobs, &id)?;
    let out = job.finished();
    let Some((name, text)) = out.files.iter().find(|(n, _)| *n == file) else {
        let names: Vec<&str> = out.files.iter().map(|(n, _)| *n).collect();
        return Err(ApiError::status(
            StatusCode::NOT_FOUND,
            format!("job {id} has no file `{file}`; it has {}", names.join(", ")),
        ));
    };
    let mime = if name.ends_with(".json") { "application/json" } else { "text/csv; charset=utf-8" };
    let disposition = format!("attachment; filename=\"{}-{}\"", job.id, name);
    Ok(([(header::CONTENT_TYPE, mime.to_string()), (header::CONTENT_DISPOSITION, disposition)], text.clone())
        .into_response())
}
