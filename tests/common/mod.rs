//! Helpers shared by the integration tests: where the shipped model, the base encoder and the
//! data sets live, and skipping with a clear message when an optional one is absent.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

pub fn shipped_model() -> PathBuf {
    root().join(stance::model::DEFAULT_MODEL_DIR)
}

/// `../shared/data`, or `None` (and a message) when this checkout has no data beside it.
pub fn data_dir() -> Option<PathBuf> {
    let d = root().join("../shared/data");
    if d.join("newsmtsc/train.jsonl").exists() {
        Some(d)
    } else {
        eprintln!("SKIP: ../shared/data is absent; this test needs the NewsMTSC training file");
        None
    }
}

/// The base encoder fetched by `scripts/setup.sh --base-model`, or `None` with a message.
pub fn base_model() -> Option<PathBuf> {
    let d = root().join(".base-model");
    if d.join("model.safetensors").exists() {
        Some(d)
    } else {
        eprintln!("SKIP: .base-model is absent; run scripts/setup.sh --base-model");
        None
    }
}
