//! Compiles the default intent pack (`intents/`) into the binary: writes `$OUT_DIR/builtin_pack.rs`,
//! a sorted list of every file's path (relative to `intents/`, `/`-separated) and its text by
//! `include_str!`, so a binary copied anywhere runs without the source tree. Cargo reruns this
//! when anything under `intents/` changes, added files included.

use std::path::{Path, PathBuf};

fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            walk(&path, files);
        } else {
            files.push(path);
        }
    }
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("intents");
    println!("cargo:rerun-if-changed=intents");
    let mut files = Vec::new();
    walk(&root, &mut files);
    let mut entries: Vec<(String, PathBuf)> = files
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(&root).expect("under intents/");
            let parts: Vec<String> = rel
                .components()
                .map(|c| {
                    c.as_os_str()
                        .to_str()
                        .expect("UTF-8 file names")
                        .to_string()
                })
                .collect();
            (parts.join("/"), p)
        })
        .collect();
    entries.sort();
    let mut out = String::from("&[\n");
    for (rel, path) in &entries {
        out.push_str(&format!(
            "    ({rel:?}, include_str!({:?})),\n",
            path.display().to_string()
        ));
    }
    out.push_str("]\n");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("builtin_pack.rs");
    std::fs::write(&dest, out).unwrap_or_else(|e| panic!("{}: {e}", dest.display()));
}
