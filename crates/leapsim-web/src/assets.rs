//! The page and its scripts, embedded in the binary: nothing is fetched at run time.

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use std::sync::Arc;

/// (path, content type, bytes) of every embedded file.
pub const FILES: &[(&str, &str, &[u8])] = &[
    ("/", "text/html; charset=utf-8", include_bytes!("../assets/index.html")),
    ("/app.js", "text/javascript; charset=utf-8", include_bytes!("../assets/app.js")),
    ("/style.css", "text/css; charset=utf-8", include_bytes!("../assets/style.css")),
    ("/vendor/echarts.min.js", "text/javascript; charset=utf-8", include_bytes!("../assets/vendor/echarts.min.js")),
    ("/vendor/china.json", "application/json", include_bytes!("../assets/vendor/china.json")),
    ("/vendor/echarts-LICENSE", "text/plain; charset=utf-8", include_bytes!("../assets/vendor/echarts-LICENSE")),
];

/// A route for each embedded file.
pub fn routes() -> Router<Arc<crate::jobs::Jobs>> {
    let mut r = Router::new();
    for (path, mime, bytes) in FILES {
        r = r.route(
            path,
            get(move || async move {
                ([(header::CONTENT_TYPE, *mime), (header::CACHE_CONTROL, "no-cache")], *bytes).into_response()
            }),
        );
    }
    r
}
