//! Tooling apart from the core: `frontline eval` and `eval-faq`, `frontline bench`, the generated
//! packs benchmarks use, and the ticket-store benchmark.

pub mod bench;
pub mod eval;
pub mod store_bench;
pub mod synth;
