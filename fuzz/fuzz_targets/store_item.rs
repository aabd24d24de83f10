//! A work store's item file, as a crash or a hand may leave it: read back as a value, or as
//! missing (the item then runs again), never a panic. Half the inputs are written as they
//! come (the header and checksum reader), half framed as a well-formed item (the JSON reader).
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
    match data.split_first() {
        Some((b, json)) if b % 2 == 1 => {
            std::fs::write(&item, leapsim_analysis::store::item_bytes("seed-1", json)).unwrap()
        }
        _ => std::fs::write(&item, data).unwrap(),
    }
    if let Some(v) = store.get("seed-1") {
        let _: Option<f64> = serde_json::from_value(v).ok();
    }
});
