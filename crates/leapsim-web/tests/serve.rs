//! The server on a real socket: it answers on the address it reports, and when told to stop it
//! cancels the running job, removes its scratch work store and returns.

use leapsim_web::{serve_until, Options};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One HTTP/1.1 request on a fresh connection: (status, body).
async fn http(addr: SocketAddr, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    let status = out.split(' ').nth(1).unwrap().parse().unwrap();
    let body = out.split_once("\r\n\r\n").map(|x| x.1.to_string()).unwrap_or_default();
    (status, body)
}

fn scratch_dirs() -> Vec<String> {
    let mine = format!("leapsim-web-{}-", std::process::id());
    std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(&mine))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_the_server_cancels_its_jobs_and_leaves_nothing_behind() {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (tell, told) = tokio::sync::oneshot::channel::<SocketAddr>();
    let opts = Options { bind: SocketAddr::from(([127, 0, 0, 1], 0)), ..Options::default() };
    let server = tokio::spawn(serve_until(
        opts,
        move |a| {
            let _ = tell.send(a);
        },
        async move {
            let _ = stopped.await;
        },
    ));
    let addr = told.await.unwrap();
    let (status, body) = http(addr, "GET", "/api/limits", "").await;
    assert_eq!(status, 200, "{body}");

    let job = r#"{"kind": "ensemble", "scale": 0.002, "runs": 6}"#;
    let (status, body) = http(addr, "POST", "/api/runs", job).await;
    assert_eq!(status, 202, "{body}");
    let start = Instant::now();
    loop {
        let (_, s) = http(addr, "GET", "/api/jobs/j1", "").await;
        if s.contains(r#""status":"running""#) && !scratch_dirs().is_empty() {
            break;
        }
        assert!(!s.contains(r#""status":"done""#), "the job finished before it could be stopped: {s}");
        assert!(start.elapsed() < Duration::from_secs(60), "{s}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.send(()).unwrap();
    let result = tokio::time::timeout(Duration::from_secs(60), server).await;
    assert!(matches!(result, Ok(Ok(Ok(())))), "the server stopped cleanly");
    assert!(scratch_dirs().is_empty(), "left behind: {:?}", scratch_dirs());
    assert!(tokio::net::TcpStream::connect(addr).await.is_err(), "nothing listens any more");
}
