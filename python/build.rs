//! Lets the extension find libtorch without LD_LIBRARY_PATH, as the binary does (../build.rs): an
//! rpath to the libtorch it was built against (`.libtorch/torch/lib` of this checkout, or
//! `$LIBTORCH/lib`). Where that folder is gone (a wheel moved to another machine),
//! `stance/__init__.py` loads libtorch from an installed `torch` 2.4.0 package or `$STANCE_LIBTORCH`.
fn main() {
    let libtorch =
        std::env::var("LIBTORCH").unwrap_or_else(|_| format!("{}/../.libtorch/torch", env!("CARGO_MANIFEST_DIR")));
    let libtorch = std::fs::canonicalize(&libtorch).map(|p| p.display().to_string()).unwrap_or(libtorch);
    println!("cargo:rustc-link-arg=-Wl,-rpath,{libtorch}/lib");
    println!("cargo:rerun-if-env-changed=LIBTORCH");
}
