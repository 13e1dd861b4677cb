//! clausegap: finds the clauses a customer needs, and the clauses that put its data at
//! risk, in cloud terms, data-processing agreements and outsourcing (委託) contracts.
//!
//! Pipeline: [`extract`] → [`text`] (normalize with an offset map) → [`segment`] →
//! [`engine`] (match, parties, modality, assess) → [`report`]. The library returns data
//! and never prints.

pub mod cache;
pub mod cli;
pub mod engine;
pub mod eval;
pub mod extract;
pub mod report;
pub mod rules;
pub mod scan;
pub mod segment;
pub mod taxonomy;
pub mod text;
