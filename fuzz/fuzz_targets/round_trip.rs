//! An arbitrary value of one of the test types (the first byte picks which,
//! the rest keys the generator of its proptest strategy) packs, validates and
//! unpacks to itself.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| factpack_fuzz::round_trip(data));
