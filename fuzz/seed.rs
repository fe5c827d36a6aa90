//! Writes the seed corpus of the fuzz targets into `corpus/<target>/`:
//!
//! - every golden blob of `tests/golden.rs` and `tests/nested_blob.rs` (the
//!   hex inside each `hex(&[..])`), once per fuzzed type, behind the byte that
//!   picks the type;
//! - a few packed values of every fuzzed type, so that the blob target starts
//!   from valid blobs of the types it checks;
//! - for the page target, a page of a few packed values of every fuzzed type.
//!
//! Run from anywhere: `cargo run --manifest-path fuzz/Cargo.toml --example seed`.

use std::fs;
use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut blobs = Vec::new();
    for fixtures in ["../tests/golden.rs", "../tests/nested_blob.rs"] {
        let found = golden_blobs(&fs::read_to_string(root.join(fixtures))?)?;
        if found.is_empty() {
            return Err(format!("no `hex(&[..])` fixture found in {fixtures}").into());
        }
        blobs.extend(found);
    }
    let mut written = 0;
    for target in ["blob", "round_trip"] {
        let dir = root.join("corpus").join(target);
        fs::create_dir_all(&dir)?;
        for index in 0..factpack_fuzz::TYPES {
            let name = factpack_fuzz::type_name(index);
            for (n, blob) in blobs.iter().enumerate() {
                let input = [&[index][..], blob].concat();
                fs::write(dir.join(format!("golden-{n:02}-{name}")), input)?;
                written += 1;
            }
            for (n, blob) in factpack_fuzz::samples(index, 4).iter().enumerate() {
                let input = [&[index][..], blob].concat();
                fs::write(dir.join(format!("sample-{name}-{n}")), input)?;
                written += 1;
            }
        }
    }
    let dir = root.join("corpus").join("page");
    fs::create_dir_all(&dir)?;
    for index in 0..factpack_fuzz::TYPES {
        let name = factpack_fuzz::type_name(index);
        for count in [0, 1, 4] {
            let page = factpack_fuzz::sample_page(index, count);
            let input = [&[index][..], &page].concat();
            fs::write(dir.join(format!("page-{name}-{count}")), input)?;
            written += 1;
        }
    }
    println!(
        "{written} seeds from {} golden blobs and {} types, in {}",
        blobs.len(),
        factpack_fuzz::TYPES,
        root.join("corpus").display()
    );
    Ok(())
}

/// The bytes of every `hex(&[ "..", // comment ... ])` in the golden tests:
/// the string literals between the brackets, comments left out, concatenated.
fn golden_blobs(source: &str) -> Result<Vec<Vec<u8>>, String> {
    let mut blobs = Vec::new();
    let mut rest = source;
    while let Some(start) = rest.find("hex(&[") {
        let after = &rest[start + "hex(&[".len()..];
        let end = after.find("])").ok_or("unclosed `hex(&[`")?;
        let text: String = after[..end]
            .lines()
            .map(|line| line.split("//").next().unwrap_or(""))
            .flat_map(|code| code.split('"').skip(1).step_by(2))
            .collect();
        blobs.push(decode_hex(&text)?);
        rest = &after[end..];
    }
    Ok(blobs)
}

fn decode_hex(text: &str) -> Result<Vec<u8>, String> {
    if !text.len().is_multiple_of(2) {
        return Err(format!("odd number of hex digits: {text}"));
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).map_err(|e| format!("{e}: {text}")))
        .collect()
}
