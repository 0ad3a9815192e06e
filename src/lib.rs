//! `stance`: target-aware stance and sentiment toward geopolitical actors.
//!
//! The crate reads in pipeline order: [`labels`] (what the model predicts), [`model`] (tokenizer
//! windows, the network, the model folder), [`score`] (batched inference), [`score_jsonl`] (the
//! `stance score` stream), [`metrics`] and [`eval`] (figures on labelled data), [`train`]
//! (`stance train`).

pub mod eval;
pub mod labels;
pub mod metrics;
pub mod model;
pub mod score;
pub mod score_jsonl;
pub mod train;
