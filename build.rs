//! Lets every binary, test and bench find libtorch at run time without LD_LIBRARY_PATH (cargo
//! overrides it): the library folder that `scripts/setup.sh` installs is baked in as an rpath.
fn main() {
    let libtorch =
        std::env::var("LIBTORCH").unwrap_or_else(|_| format!("{}/.libtorch/torch", env!("CARGO_MANIFEST_DIR")));
    println!("cargo:rustc-link-arg=-Wl,-rpath,{libtorch}/lib");
    println!("cargo:rerun-if-env-changed=LIBTORCH");
}
