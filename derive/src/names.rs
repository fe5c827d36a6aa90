//! The names and paths that generated code refers to, shared by every
//! part of the derive's output: the crate's path, the view's name, a field's
//! trait and its members, and a field's value when absent.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Ident, Path};

use crate::ast::{Field, Input};
use crate::attr::Default;

/// The path to the factpack crate.
pub fn krate(input: &Input) -> Path {
    input
        .attrs
        .krate
        .clone()
        .unwrap_or_else(|| syn::parse_quote!(::factpack))
}

/// `FooView`.
pub fn view_ident(input: &Input) -> Ident {
    format_ident!("{}View", input.ident)
}

/// `<T as Field<U>>` for a stored field.
fn field_trait(field: &Field, krate: &Path) -> TokenStream {
    field_trait_named(field, krate, "Field")
}

/// `<T as Trait<U>>` for a stored field and a trait of `__private` that takes
/// the field's unit (`Field`, `FieldColumn`).
pub fn field_trait_named(field: &Field, krate: &Path, name: &str) -> TokenStream {
    let ty = field.ty;
    let trait_name = Ident::new(name, ty.span());
    let unit = match field.attrs.unit {
        Some((unit, span)) => {
            let name = Ident::new(unit.const_name(), span);
            quote_spanned!(span=> #krate::unit::#name)
        }
        None => quote!(#krate::unit::NATURAL),
    };
    quote_spanned!(ty.span()=> <#ty as #krate::__private::#trait_name<{ #unit }>>)
}

/// `<T as Field<U>>::name`, spanned at the field's type so that an
/// unsupported type is reported once, there.
pub fn member(field: &Field, krate: &Path, name: &str) -> TokenStream {
    let tr = field_trait(field, krate);
    let span = field.ty.span();
    let name = Ident::new(name, span);
    quote_spanned!(span=> #tr::#name)
}

/// The value a field takes when it is absent: its declared default, or
/// `Default::default()` spanned at its type so a missing impl points there.
pub fn default_value(field: &Field) -> TokenStream {
    match &field.attrs.default {
        Some(Default::Expr(expr)) => quote_spanned!(expr.span()=> #expr),
        Some(Default::Trait(span)) => quote_spanned!(*span=> ::core::default::Default::default()),
        None => {
            let ty = field.ty;
            quote_spanned!(ty.span()=> <#ty as ::core::default::Default>::default())
        }
    }
}
