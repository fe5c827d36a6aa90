//! Arbitrary bytes as a page of one of the test types (the first byte picks
//! which): a valid page rebuilds to itself and its columns agree; anything
//! else is a precise error. Never a panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| factpack_fuzz::page(data));
