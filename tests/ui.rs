//! Compile-fail tests for the diagnostics of `#[derive(Facts)]`.
//!
//! The expected `.stderr` files depend on the exact compiler; regenerate them
//! with `TRYBUILD=overwrite cargo test --test ui` (and again with
//! `--all-features`) and review the diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
    // Unsupported field types are reported by trait bounds, and with the
    // `proptest` feature the generated `Arbitrary` impl adds one more
    // (`FieldStrategy`), so these expectations exist once per feature set.
    #[cfg(not(feature = "proptest"))]
    t.compile_fail("tests/ui/field_type/*.rs");
    #[cfg(feature = "proptest")]
    t.compile_fail("tests/ui/field_type_proptest/*.rs");
}
