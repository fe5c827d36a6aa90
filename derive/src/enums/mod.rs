//! `#[derive(FactEnum)]`: a fieldless enum stored as its discriminant, or an
//! enum whose variants carry data stored as a tag and a value (`data`). The
//! same phases as the struct derive, one module each: `ast` models the enum
//! and parses its attributes, `valid` checks that it has one encoding, and
//! `expand` generates code; with errors, `expand::fallback` stands in.

mod ast;
mod data;
mod expand;
mod valid;

use proc_macro2::TokenStream;
use syn::DeriveInput;

use crate::ctxt::Ctxt;

/// The expansion of `#[derive(FactEnum)]` on `input`.
pub fn derive(input: &DeriveInput) -> TokenStream {
    let cx = Ctxt::default();
    let model = ast::Enum::from_syn(&cx, input);
    let repr = model.as_ref().and_then(|model| valid::check(&cx, model));
    match (cx.finish(), model, repr) {
        (None, Some(model), Some(repr)) if model.carries_data() => data::derive(&model, &repr),
        (None, Some(model), Some(repr)) => expand::derive(&model, &repr),
        (error, model, _) => {
            let errors = error
                .map(|e| Ctxt::to_compile_errors(&e))
                .unwrap_or_default();
            expand::fallback(model.as_ref(), errors)
        }
    }
}
