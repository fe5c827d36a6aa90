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

/// A stored field whose type is or contains the struct itself (`Vec<Tree>`,
/// `Option<Tree>`, `Tree` or `Self` in `Tree`): its layout and fingerprint
/// would contain themselves. A path names the struct when it is its bare
/// name, `self::` and its name, or starts with `Self`; a same-named type
/// from another module (`other::Tree`) is another type. (A path through
/// `crate::` back to the struct itself is left to the compiler's cycle error.)
fn check_recursion(cx: &Ctxt, input: &Input) {
    for field in input.stored() {
        if let Some(path) = own_type(field.ty, input.ident) {
            cx.error(
                path,
                format!(
                    "field `{}` contains `{}` itself: a fact's layout is fixed at compile time, so a fact cannot nest its own type (mark the field `#[facts(transient)]`, or store the children as separate facts)",
                    field.ident, input.ident
                ),
            );
        }
    }
}

/// The first path in `ty` (itself or a type argument, at any depth) that
/// names the struct `ident`.
fn own_type<'a>(ty: &'a syn::Type, ident: &syn::Ident) -> Option<&'a syn::Path> {
    match ty {
        syn::Type::Path(path) => {
            if let Some(qself) = &path.qself {
                if let Some(found) = own_type(&qself.ty, ident) {
                    return Some(found);
                }
            }
            if names_struct(&path.path, ident) {
                return Some(&path.path);
            }
            path.path
                .segments
                .iter()
                .find_map(|segment| match &segment.arguments {
                    syn::PathArguments::AngleBracketed(args) => {
                        args.args.iter().find_map(|arg| match arg {
                            syn::GenericArgument::Type(ty) => own_type(ty, ident),
                            syn::GenericArgument::AssocType(assoc) => own_type(&assoc.ty, ident),
                            _ => None,
                        })
                    }
                    syn::PathArguments::Parenthesized(args) => {
                        args.inputs.iter().find_map(|ty| own_type(ty, ident))
                    }
                    syn::PathArguments::None => None,
                })
        }
        syn::Type::Array(array) => own_type(&array.elem, ident),
        syn::Type::Slice(slice) => own_type(&slice.elem, ident),
        syn::Type::Group(group) => own_type(&group.elem, ident),
        syn::Type::Paren(paren) => own_type(&paren.elem, ident),
        syn::Type::Reference(reference) => own_type(&reference.elem, ident),
        syn::Type::Ptr(ptr) => own_type(&ptr.elem, ident),
        syn::Type::Tuple(tuple) => tuple.elems.iter().find_map(|ty| own_type(ty, ident)),
        _ => None,
    }
}

/// Whether `path` names the struct `ident` from inside its own module.
fn names_struct(path: &syn::Path, ident: &syn::Ident) -> bool {
    if path.leading_colon.is_some() {
        return false;
    }
    let mut segments = path.segments.iter().map(|segment| &segment.ident);
    match (segments.next(), segments.next(), segments.next()) {
        (Some(first), _, _) if first == "Self" => true,
        (Some(only), None, _) => only == ident,
        (Some(first), Some(second), None) => first == "self" && second == ident,
        _ => false,
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
