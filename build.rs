//! Lets every binary, test and bench find libtorch at run time without LD_LIBRARY_PATH (cargo
//! overrides it). Two rpaths are baked in, in this order:
//! - `$ORIGIN/libtorch/torch/lib`: a release layout, the binary with `libtorch/` (a copy of what
//!   `scripts/setup.sh` puts in `.libtorch/`: `torch/lib` and `nvidia/`) beside it, so a copy of the
//!   binary runs on another machine;
//! - the library folder of this build tree, so `target/release/stance` runs where it was built.
fn main() {
    let libtorch =
        std::env::var("LIBTORCH").unwrap_or_else(|_| format!("{}/.libtorch/torch", env!("CARGO_MANIFEST_DIR")));
    println!("cargo:rustc-link-arg=-Wl,-rpath,$ORIGIN/libtorch/torch/lib");
    println!("cargo:rustc-link-arg=-Wl,-rpath,{libtorch}/lib");
    println!("cargo:rerun-if-env-changed=LIBTORCH");
}
