//! `stance`: target-aware stance and sentiment toward geopolitical actors.
//!
//! The folders follow the pipeline, in the order the data flows: [`input`] (records from files,
//! folders, stdin) -> [`text`] (sentences with offsets, actor mentions with the alias that matched,
//! and the byte and character spans every stage points back with) -> [`model`] + [`score`] (one
//! encoder pass per sentence scores every mention) -> [`aggregate`] (mergeable per-actor sums,
//! summed per document, per group and for the corpus; the statistics that compare groups) ->
//! [`output`] (the JSON contract, its sinks, the tidy rows and the dashboard page). [`run`] drives
//! them: [`run::Run`] settles a command's flags once; the analysis runs over a worker pool; partial
//! results merge across shards; checkpoints let a killed run resume. Beside the pipeline,
//! [`train`] (`stance train`) and [`eval`] (`stance eval`, with its metrics) read [`datasets`] (the
//! labelled data); [`labels`] is the fixed class order every stage shares. `docs/architecture.md`
//! draws the stages, the `Run` and the data between them, and says where each kind of change goes.

pub mod aggregate;
pub mod input;
pub mod model;
pub mod output;
pub mod run;
pub mod score;
pub mod text;

pub mod datasets;
pub mod eval;
pub mod labels;
pub mod train;
