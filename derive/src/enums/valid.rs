//! Checks that a fact enum has one encoding, and resolves its representation.

use proc_macro2::Span;
use quote::ToTokens;
use syn::{Expr, ExprLit, ExprUnary, Ident, Lit, UnOp};

use super::ast::Enum;
use crate::ctxt::Ctxt;

/// Records every reason `input` cannot be stored; returns the integer type
/// its discriminant is stored as.
pub fn check(cx: &Ctxt, input: &Enum) -> Option<Ident> {
    let generics = &input.original.generics;
    if !generics.params.is_empty() || generics.where_clause.is_some() {
        cx.error(
            generics.to_token_stream(),
            "`FactEnum` cannot be derived for a generic enum: a stored encoding is fixed at compile time; derive it for a concrete enum whose variants hold the concrete types",
        );
    }
    let all = match &input.original.data {
        syn::Data::Enum(data) => data.variants.len(),
        _ => 0,
    };
    if all == 0 {
        cx.error(
            input.ident,
            "an enum without variants has no value to store: `FactEnum` needs at least one variant",
        );
    }
    let mut others = input.variants.iter().filter_map(|v| v.other);
    if let (Some(_), Some(second)) = (others.next(), others.next()) {
        cx.push(syn::Error::new(
            second,
            "only one variant can be `#[facts(other)]`: unknown stored values read as it",
        ));
    }
    if input.carries_data() {
        for v in input.variants.iter().filter(|v| v.ty.is_some()) {
            if let Some(span) = v.other {
                cx.push(syn::Error::new(
                    span,
                    format!(
                        "the catch-all `#[facts(other)]` must be a unit variant: `{}` holds a value, which unknown tags cannot supply",
                        v.ident
                    ),
                ));
            }
        }
        if input.repr.is_none() {
            cx.error(
                input.ident,
                "an enum whose variants carry data needs `#[repr(u8)]` (or another integer up to 64 bits): its tags are stored as that integer",
            );
            return None;
        }
    }
    match &input.repr {
        Some(repr) => Some(repr.clone()),
        None => default_repr(cx, input),
    }
}

/// Without `#[repr(..)]`: the narrowest of `u8`..`u64` that holds every
/// discriminant, or of `i8`..`i64` when one is negative. The discriminants
/// must then be integer literals.
fn default_repr(cx: &Ctxt, input: &Enum) -> Option<Ident> {
    let mut values = Vec::new();
    for v in &input.variants {
        match literal(v.discriminant) {
            Some(value) => values.push(value),
            None => {
                cx.error(
                    v.discriminant,
                    "without `#[repr(..)]`, a `FactEnum` discriminant must be an integer literal; give the enum a `#[repr(u8)]` (or another integer) to use an expression",
                );
                return None;
            }
        }
    }
    let (min, max) = (
        values.iter().copied().min().unwrap_or(0),
        values.iter().copied().max().unwrap_or(0),
    );
    let name = if min >= 0 {
        [
            ("u8", i128::from(u8::MAX)),
            ("u16", i128::from(u16::MAX)),
            ("u32", i128::from(u32::MAX)),
            ("u64", i128::from(u64::MAX)),
        ]
        .into_iter()
        .find(|(_, top)| max <= *top)
        .map(|(name, _)| name)
    } else {
        [
            ("i8", i128::from(i8::MIN), i128::from(i8::MAX)),
            ("i16", i128::from(i16::MIN), i128::from(i16::MAX)),
            ("i32", i128::from(i32::MIN), i128::from(i32::MAX)),
            ("i64", i128::from(i64::MIN), i128::from(i64::MAX)),
        ]
        .into_iter()
        .find(|(_, low, top)| min >= *low && max <= *top)
        .map(|(name, _, _)| name)
    };
    match name {
        Some(name) => Some(Ident::new(name, Span::call_site())),
        None => {
            cx.error(
                input.ident,
                "the discriminants do not fit in 64 bits, which `FactEnum` stores at most",
            );
            None
        }
    }
}

/// The value of an integer literal, possibly negated.
fn literal(expr: &Expr) -> Option<i128> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) => int.base10_parse::<i128>().ok(),
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_),
            expr,
            ..
        }) => literal(expr).and_then(i128::checked_neg),
        Expr::Group(group) => literal(&group.expr),
        Expr::Paren(paren) => literal(&paren.expr),
        _ => None,
    }
}
