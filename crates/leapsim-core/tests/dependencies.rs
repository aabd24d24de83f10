//! The core stays pure: its only dependency is rayon (ARCHITECTURE.md, "Invariants"). A new
//! dependency of the core is a change of architecture, to be argued there first.

#[test]
fn the_core_depends_on_rayon_alone() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
    let manifest = std::fs::read_to_string(path).expect("the core's Cargo.toml");
    let mut table = String::new();
    let mut dependencies = Vec::new();
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            table = line.trim_matches(|c| c == '[' || c == ']').trim().to_string();
            // `[dependencies.name]` and `[target.'…'.dependencies]` declare dependencies too.
            if let Some(name) = table.strip_prefix("dependencies.") {
                dependencies.push(format!("{name} ({table})"));
            }
            continue;
        }
        let declares = table == "dependencies" || table.ends_with(".dependencies") || table == "build-dependencies";
        if declares && !line.is_empty() && !line.starts_with('#') {
            let name = line.split(['=', '.']).next().unwrap_or("").trim();
            dependencies.push(format!("{name} ({table})"));
        }
    }
    assert_eq!(dependencies, ["rayon (dependencies)"], "the core's dependencies in {path}");
}
