//! As the main crate's build.rs: bake libtorch's folder in as an rpath, so fuzz binaries (which
//! link the whole `stance` library) start without LD_LIBRARY_PATH.
fn main() {
    let libtorch = std::env::var("LIBTORCH")
        .unwrap_or_else(|_| format!("{}/../.libtorch/torch", env!("CARGO_MANIFEST_DIR")));
    println!("cargo:rustc-link-arg=-Wl,-rpath,{libtorch}/lib");
    println!("cargo:rerun-if-env-changed=LIBTORCH");
}
