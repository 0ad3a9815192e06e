//! `stance`: target-aware stance and sentiment toward geopolitical actors.
//!
//! The modules follow the pipeline: [`corpus`] (records from files, folders, stdin) ->
//! [`segment`] (sentences with offsets) -> [`actors`] (mentions, with the alias that matched) ->
//! [`model`] + [`score`] (one encoder pass per sentence scores every mention) -> [`aggregate`]
//! (mergeable per-actor sums, summed per document, per [`groups`] key and for the corpus) ->
//! [`report`] (the JSON contract and its sinks), driven by [`analyze`], whose run state is
//! [`totals`] and whose stages run side by side through [`pipeline`]. [`partial`] writes and merges that state across shards, and [`checkpoint`] saves it
//! so a killed run resumes. [`compare`] tests whether groups differ, with the statistics in
//! [`stats`]; [`page`] renders the dashboard. Beside it:
//! [`score_jsonl`] (`stance score`), [`eval`] (`stance eval`) and [`train`] (`stance train`),
//! which read [`datasets`] (the labelled data) and report [`metrics`];
//! [`labels`] (the fixed class order) and [`span`] (byte and character spans, and the one
//! conversion between them) are the base every stage shares.

pub mod actors;
pub mod aggregate;
pub mod analyze;
pub mod checkpoint;
pub mod compare;
pub mod corpus;
pub mod datasets;
pub mod eval;
pub mod groups;
pub mod labels;
pub mod metrics;
pub mod model;
pub mod page;
pub mod partial;
pub mod pipeline;
pub mod report;
pub mod score;
pub mod score_jsonl;
pub mod segment;
pub mod span;
pub mod stats;
pub mod totals;
pub mod train;
