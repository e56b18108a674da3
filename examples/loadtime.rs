use std::time::Instant;
fn main() {
    let pack = frontline::pack::Pack::load(std::path::Path::new("intents")).unwrap();
    let mut pats = Vec::new();
    for i in &pack.intents {
        for r in &i.rules {
            pats.push(r.regex());
        }
    }
    let t2 = Instant::now();
    let _set = regex::bytes::RegexSetBuilder::new(&pats)
        .unicode(false)
        .size_limit(64 << 20)
        .build()
        .unwrap();
    println!("bytes ascii {:?}", t2.elapsed());
    let t2 = Instant::now();
    let _set = regex::RegexSetBuilder::new(&pats)
        .size_limit(64 << 20)
        .build()
        .unwrap();
    println!("unicode no-ci {:?}", t2.elapsed());
}
