//! The store: the conformance suite every `Store` implementation runs, crash durability (a
//! process SIGKILLed while opening tickets) and concurrency.

mod store_concurrency;
mod store_conformance;
mod store_durability;
