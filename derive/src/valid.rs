//! Cross-field checks: what the attributes say must add up to a layout.

use quote::ToTokens;

use crate::ast::Input;
use crate::ctxt::Ctxt;

/// Records every reason `input` cannot be laid out.
pub fn check(cx: &Ctxt, input: &Input) {
    check_generics(cx, input);
    check_recursion(cx, input);
    check_versions(cx, input);
    check_transient(cx, input);
}

fn check_generics(cx: &Ctxt, input: &Input) {
    let generics = &input.original.generics;
    if !generics.params.is_empty() || generics.where_clause.is_some() {
        cx.error(
            generics.to_token_stream(),
            "`Facts` cannot be derived for a generic type: the layout must be fixed at compile time",
        );
    }
}

/// A stored field whose type names the struct itself (`Vec<Tree>` in
/// `Tree`): its layout and fingerprint would contain themselves.
fn check_recursion(cx: &Ctxt, input: &Input) {
    fn names(tokens: proc_macro2::TokenStream, ident: &syn::Ident) -> bool {
        tokens.into_iter().any(|token| match token {
            proc_macro2::TokenTree::Ident(name) => name == *ident || name == "Self",
            proc_macro2::TokenTree::Group(group) => names(group.stream(), ident),
            _ => false,
        })
    }
    for field in input.stored() {
        if names(field.ty.to_token_stream(), input.ident) {
            cx.error(
                field.ty,
                format!(
                    "field `{}` contains `{}` itself: a fact's layout is fixed at compile time, so a fact cannot nest its own type (mark the field `#[facts(transient)]`, or store the children as separate facts)",
                    field.ident, input.ident
                ),
            );
        }
    }
}

fn check_versions(cx: &Ctxt, input: &Input) {
    let version = input.version();
    let mut latest = 1;
    for field in input.stored() {
        let since = field.since();
        if let Some((_, span)) = field.attrs.since {
            if since > version {
                cx.push(syn::Error::new(
                    span,
                    format!("field added in version {since}, but the type is at version {version}; raise `#[facts(version = ..)]`"),
                ));
            }
        }
        if since < latest {
            cx.error(
                field.ident,
                format!("field `{}` of version {since} follows a field of version {latest}: fields are appended in version order", field.ident),
            );
        }
        latest = latest.max(since);
        if since > 1 && field.attrs.default.is_none() && !field.is_option() {
            cx.error(
                field.ty,
                format!("field `{}` is added in version {since}, so blobs of older versions lack it: make it an `Option` or give it `#[facts(default)]`", field.ident),
            );
        }
    }
    // Code that knows fewer versions tells a newer blob from its own by a
    // longer header, so every version must append a field.
    if let Some((_, span)) = input.attrs.version {
        for v in 2..=version {
            if !input.stored().any(|f| f.since() == v) {
                cx.push(syn::Error::new(
                    span,
                    format!("version {v} appends no field: each version must append at least one stored field (`#[facts(since = {v})]`)"),
                ));
            }
        }
    }
}

fn check_transient(cx: &Ctxt, input: &Input) {
    for field in input.transient() {
        if let Some((_, span)) = field.attrs.since {
            cx.push(syn::Error::new(
                span,
                "a transient field is never stored, so it has no `since` version",
            ));
        }
        if let Some((_, span)) = field.attrs.unit {
            cx.push(syn::Error::new(
                span,
                "a transient field is never stored, so it has no `unit`",
            ));
        }
        if let Some(span) = field.attrs.index {
            cx.push(syn::Error::new(
                span,
                "a transient field is never stored, so a store cannot mirror it: remove `index`",
            ));
        }
    }
}
