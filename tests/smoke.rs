#[path = "common/prf.rs"]
#[allow(dead_code, missing_docs)]
mod prf;
use factpack::{FactView, Facts, Packed};
use prf::*;

#[test]
fn smoke() {
    let mut rng = Rng::new(1);
    for _ in 0..1000 {
        let f = realistic(&mut rng);
        let p = f.pack();
        let v = PullRequestFacts::view(p.as_bytes()).unwrap();
        assert_eq!(v.unpack(), f);
        assert_eq!(v.merged(), f.merged);
        let q = Packed::<PullRequestFacts>::copy_from_slice(p.as_bytes()).unwrap();
        assert_eq!(q, p);
    }
    let f = realistic(&mut rng);
    println!(
        "{:?} {} {}",
        f.pack(),
        f.pack().as_bytes().len(),
        PullRequestFacts::HEADER_LEN
    );
}
