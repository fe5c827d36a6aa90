//! A typed model of a `#[derive(FactEnum)]` input: the enum, its
//! representation, its variants and their `#[facts(..)]` attributes.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Attribute, Data, DeriveInput, Expr, Fields, Ident, LitStr, Path, Type};

use crate::ctxt::Ctxt;

/// The enum.
pub struct Enum<'a> {
    pub ident: &'a Ident,
    /// `#[facts(crate = "path")]`.
    pub krate: Option<Path>,
    /// The integer of `#[repr(..)]`, if one is given.
    pub repr: Option<Ident>,
    pub variants: Vec<Variant<'a>>,
    pub original: &'a DeriveInput,
}

/// One variant with its explicit discriminant: a unit variant, or one that
/// holds a single value (`Circle(Circle)`).
pub struct Variant<'a> {
    pub ident: &'a Ident,
    /// The type of the value a tuple variant holds; `None` for a unit variant.
    pub ty: Option<&'a Type>,
    pub discriminant: &'a Expr,
    /// `#[facts(other)]`: unknown stored values read as this variant.
    pub other: Option<Span>,
}

/// The integer types a discriminant can be stored as.
pub const REPRS: [&str; 8] = ["u8", "u16", "u32", "u64", "i8", "i16", "i32", "i64"];

impl Enum<'_> {
    /// Whether a variant holds a value: the enum is then stored as a
    /// variable-length field (tag and value) rather than its discriminant.
    pub fn carries_data(&self) -> bool {
        self.variants.iter().any(|v| v.ty.is_some())
    }
}

impl<'a> Enum<'a> {
    /// Builds the model, recording every variant that cannot be stored.
    pub fn from_syn(cx: &Ctxt, input: &'a DeriveInput) -> Option<Self> {
        let data = match &input.data {
            Data::Enum(data) => data,
            Data::Struct(data) => {
                cx.error(
                    data.struct_token,
                    "`FactEnum` is derived for fieldless enums; derive `Facts` for a struct",
                );
                return None;
            }
            Data::Union(data) => {
                cx.error(data.union_token, "`FactEnum` cannot be derived for a union");
                return None;
            }
        };
        let krate = container(cx, &input.attrs);
        let repr = repr(cx, &input.attrs);
        let mut variants = Vec::new();
        for v in &data.variants {
            let other = variant_attrs(cx, &v.attrs);
            let ty = match &v.fields {
                Fields::Unit => None,
                Fields::Unnamed(fields) if fields.unnamed.len() == 1 => {
                    fields.unnamed.first().map(|f| &f.ty)
                }
                Fields::Unnamed(fields) => {
                    cx.error(
                        &v.fields,
                        format!(
                            "variant `{0}` has {1} fields, but a variant holds one value: hold a tuple, `{0}((A, B))`, or a `#[derive(Facts)]` struct of them",
                            v.ident,
                            fields.unnamed.len()
                        ),
                    );
                    continue;
                }
                Fields::Named(_) => {
                    cx.error(
                        &v.fields,
                        format!(
                            "variant `{0}` has named fields, but a variant holds one value: move them into a `#[derive(Facts)]` struct and hold it, `{0}({0}Facts)`",
                            v.ident
                        ),
                    );
                    continue;
                }
            };
            let Some((_, discriminant)) = &v.discriminant else {
                cx.error(
                    &v.ident,
                    format!(
                        "variant `{0}` needs an explicit discriminant, such as `{0} = 1`: the stored value must not change when variants are added or reordered",
                        v.ident
                    ),
                );
                continue;
            };
            variants.push(Variant {
                ident: &v.ident,
                ty,
                discriminant,
                other,
            });
        }
        Some(Self {
            ident: &input.ident,
            krate,
            repr,
            variants,
            original: input,
        })
    }
}

/// `#[facts(crate = "path")]` on the enum.
fn container(cx: &Ctxt, attrs: &[Attribute]) -> Option<Path> {
    let mut krate = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("facts")) {
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("crate") {
                let lit: LitStr = meta.value()?.parse()?;
                if krate.is_some() {
                    cx.error(&meta.path, "duplicate `crate` attribute");
                } else {
                    krate = Some(lit.parse()?);
                }
                Ok(())
            } else {
                Err(meta.error("unknown attribute on a fact enum; expected `crate`"))
            }
        });
        if let Err(e) = result {
            cx.push(e);
        }
    }
    krate
}

/// The integer of `#[repr(..)]`, refusing the ones without a fixed width.
fn repr(cx: &Ctxt, attrs: &[Attribute]) -> Option<Ident> {
    let mut found = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("repr")) {
        // Other repr options (`C`, `align(..)`) do not concern the stored value.
        let _ = attr.parse_nested_meta(|meta| {
            if let Some(ident) = meta.path.get_ident() {
                let name = ident.to_string();
                if REPRS.contains(&name.as_str()) {
                    found = Some(ident.clone());
                } else if matches!(name.as_str(), "usize" | "isize" | "u128" | "i128") {
                    cx.error(
                        ident,
                        format!("`FactEnum` cannot store a `{name}` discriminant: use a fixed width of at most 64 bits, `#[repr(u8)]` to `#[repr(i64)]`"),
                    );
                }
            }
            if meta.input.peek(syn::token::Paren) {
                let _ = meta.input.parse::<proc_macro2::Group>();
            }
            Ok(())
        });
    }
    found
}

/// `#[facts(other)]` on a variant.
fn variant_attrs(cx: &Ctxt, attrs: &[Attribute]) -> Option<Span> {
    let mut other = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("facts")) {
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("other") {
                if other.replace(meta.path.span()).is_some() {
                    cx.error(&meta.path, "duplicate `other` attribute");
                }
                Ok(())
            } else {
                Err(meta.error("unknown attribute on an enum variant; expected `other`"))
            }
        });
        if let Err(e) = result {
            cx.push(e);
        }
    }
    other
}
