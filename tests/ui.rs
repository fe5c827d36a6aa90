//! Compile-fail tests for the diagnostics of `#[derive(Facts)]`, and the
//! shapes that once had one and now compile (`tests/ui/pass`).
//!
//! The expected `.stderr` files depend on the exact compiler; regenerate them
//! with `TRYBUILD=overwrite cargo test --test ui` (and again with
//! `--all-features`) and review the diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
    t.pass("tests/ui/pass/*.rs");
    // Unsupported field types are reported by trait bounds, and the features
    // add bounds of their own (`proptest`: `FieldStrategy`; `arrow`:
    // `ArrowColumn`; `serde`: `SerializeField`), so these expectations exist
    // for the default features and for all features (what CI runs); other
    // combinations skip them.
    #[cfg(not(any(feature = "proptest", feature = "arrow", feature = "serde")))]
    t.compile_fail("tests/ui/field_type/*.rs");
    #[cfg(all(feature = "proptest", feature = "arrow", feature = "serde"))]
    t.compile_fail("tests/ui/field_type_all_features/*.rs");
}
