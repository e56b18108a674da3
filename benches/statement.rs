//! Criterion benchmark of a month's statement for an organisation with 100,000 time entries (and
//! 10,000 for comparison), read from a sled store on disk: the account and the month's ledger,
//! the statement built and serialised to JSON. `frontline bench statement` prints the same as
//! medians with the noise; the target is under 200 ms for 100,000 entries.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use frontline::tooling::statement_bench::StatementBench;

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("statement");
    g.sample_size(10);
    for entries in [10_000, 100_000] {
        let bench = StatementBench::new(entries).expect("the bench's store fills");
        g.throughput(Throughput::Elements(entries as u64));
        g.bench_function(format!("month/{entries}-entries"), |b| {
            b.iter(|| bench.once().expect("the statement builds").rows)
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
