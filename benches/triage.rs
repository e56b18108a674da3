//! Criterion benchmarks of triage: one decision with the default pack and with a generated
//! 500-intent pack, and loading the default pack. `frontline bench triage` prints the same figures
//! as decisions per second and adds peak memory.

use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use frontline::pack::Pack;
use frontline::triage::Triage;

fn default_pack() -> Pack {
    Pack::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("intents")).expect("default pack loads")
}

fn bench(c: &mut Criterion) {
    let engine = Triage::new(default_pack()).expect("rules compile");
    let messages: Vec<String> = engine
        .pack()
        .intents
        .iter()
        .flat_map(|i| i.examples.iter().map(|e| e.text.clone()))
        .collect();
    let mut g = c.benchmark_group("triage");
    g.throughput(Throughput::Elements(messages.len() as u64));
    g.bench_function("decide/default-pack", |b| {
        b.iter(|| {
            messages
                .iter()
                .map(|m| engine.decide(m).confidence)
                .sum::<f32>()
        })
    });
    let large = Triage::new(frontline::tooling::synth::pack(500, 20, 5000)).expect("rules compile");
    let large_messages = frontline::tooling::synth::messages(large.pack(), 1000);
    g.throughput(Throughput::Elements(large_messages.len() as u64));
    g.sample_size(10);
    g.bench_function("decide/generated-500-intents", |b| {
        b.iter(|| {
            large_messages
                .iter()
                .map(|m| large.decide(m).confidence)
                .sum::<f32>()
        })
    });
    g.finish();
    c.bench_function("load/default-pack", |b| {
        b.iter(|| {
            Triage::new(default_pack())
                .expect("rules compile")
                .threshold()
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
