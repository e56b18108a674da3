//! Tooling apart from the core: `frontline eval` and `eval-faq`, `frontline bench`, `frontline
//! calendar due`, `frontline demo`'s
//! generated history, the generated packs benchmarks use, the ticket-store benchmark, and `frontline triage`'s streaming on all cores.

pub mod bench;
pub mod chart_bench;
pub mod clocks;
pub mod demo;
pub mod eval;
pub mod report_bench;
pub mod statement_bench;
pub mod store_bench;
pub mod synth;
pub mod triage_stream;
