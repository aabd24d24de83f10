//! A work store's item file, as a crash or a hand may leave it: read back as a value, or as
//! missing (the item then runs again), never a panic.
#![no_main]
use leapsim_analysis::store::WorkStore;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

static STORE: OnceLock<(std::path::PathBuf, WorkStore)> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let (out, store) = STORE.get_or_init(|| {
        let out = std::env::temp_dir().join(format!("leapsim-fuzz-store-{}", std::process::id()));
        let store = WorkStore::open(&out, "fuzz", false).unwrap();
        (out, store)
    });
    let item = leapsim_analysis::store::store_dir(out).join("items").join("seed-1.json");
    std::fs::write(&item, data).unwrap();
    if let Some(v) = store.get("seed-1") {
        let _: Option<f64> = serde_json::from_value(v).ok();
    }
});
