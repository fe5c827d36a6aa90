//! Parses `#[facts(..)]` attributes on the struct and on its fields.

use syn::spanned::Spanned;
use syn::{Attribute, Expr, LitInt, LitStr, Path};

use crate::ctxt::Ctxt;

/// `#[facts(..)]` on the struct.
#[derive(Default)]
pub struct ContainerAttrs {
    /// `version = N`; 1 when absent.
    pub version: Option<(u8, proc_macro2::Span)>,
    /// `crate = "path"`: where factpack is, when it was renamed.
    pub krate: Option<Path>,
}

/// `#[facts(..)]` on a field.
#[derive(Default)]
pub struct FieldAttrs {
    /// `transient`: kept beside the bytes, never in them.
    pub transient: Option<proc_macro2::Span>,
    /// `since = N`: the version that added the field.
    pub since: Option<(u8, proc_macro2::Span)>,
    /// `default` or `default = expr`.
    pub default: Option<Default>,
    /// `unit = "s" | "ms" | "us" | "ns"`.
    pub unit: Option<(Unit, proc_macro2::Span)>,
    /// `index`: a store mirrors the field in its own SQL column.
    pub index: Option<proc_macro2::Span>,
}

/// What a field reads as when absent.
pub enum Default {
    /// `Default::default()` of the accessor's type.
    Trait(proc_macro2::Span),
    /// The given expression.
    Expr(Expr),
}

/// A declared time unit.
#[derive(Clone, Copy)]
pub enum Unit {
    Seconds,
    Millis,
    Micros,
    Nanos,
}

impl Unit {
    /// The constant's name in `factpack::unit`.
    pub fn const_name(self) -> &'static str {
        match self {
            Unit::Seconds => "SECONDS",
            Unit::Millis => "MILLIS",
            Unit::Micros => "MICROS",
            Unit::Nanos => "NANOS",
        }
    }
}

fn is_facts(attr: &Attribute) -> bool {
    attr.path().is_ident("facts")
}

/// Parses a `u8` that must be at least 1.
fn version_number(cx: &Ctxt, lit: &LitInt, what: &str) -> Option<u8> {
    match lit.base10_parse::<u8>() {
        Ok(n) if n >= 1 => Some(n),
        _ => {
            cx.error(lit, format!("{what} must be an integer from 1 to 255"));
            None
        }
    }
}

/// Records that `key` was given twice.
fn duplicate(cx: &Ctxt, path: &Path) {
    cx.error(path, format!("duplicate `{}` attribute", path_name(path)));
}

fn path_name(path: &Path) -> String {
    path.get_ident()
        .map_or_else(|| "?".to_owned(), ToString::to_string)
}

/// Parses the struct's attributes.
pub fn container(cx: &Ctxt, attrs: &[Attribute]) -> ContainerAttrs {
    let mut out = ContainerAttrs::default();
    for attr in attrs.iter().filter(|a| is_facts(a)) {
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("version") {
                let lit: LitInt = meta.value()?.parse()?;
                if out.version.is_some() {
                    duplicate(cx, &meta.path);
                } else if let Some(v) = version_number(cx, &lit, "`version`") {
                    out.version = Some((v, lit.span()));
                }
            } else if meta.path.is_ident("crate") {
                let lit: LitStr = meta.value()?.parse()?;
                if out.krate.is_some() {
                    duplicate(cx, &meta.path);
                } else {
                    out.krate = Some(lit.parse()?);
                }
            } else {
                let message = format!(
                    "unknown attribute `{}` on a fact type; expected `version` or `crate`",
                    path_name(&meta.path)
                );
                return Err(meta.error(message));
            }
            Ok(())
        });
        if let Err(e) = result {
            cx.push(e);
        }
    }
    out
}

/// Parses one field's attributes.
pub fn field(cx: &Ctxt, attrs: &[Attribute]) -> FieldAttrs {
    let mut out = FieldAttrs::default();
    for attr in attrs.iter().filter(|a| is_facts(a)) {
        let result = attr.parse_nested_meta(|meta| {
            let span = meta.path.span();
            if meta.path.is_ident("transient") {
                if out.transient.replace(span).is_some() {
                    duplicate(cx, &meta.path);
                }
            } else if meta.path.is_ident("index") {
                if out.index.replace(span).is_some() {
                    duplicate(cx, &meta.path);
                }
            } else if meta.path.is_ident("since") {
                let lit: LitInt = meta.value()?.parse()?;
                if out.since.is_some() {
                    duplicate(cx, &meta.path);
                } else if let Some(v) = version_number(cx, &lit, "`since`") {
                    out.since = Some((v, lit.span()));
                }
            } else if meta.path.is_ident("default") {
                let default = if meta.input.peek(syn::Token![=]) {
                    Default::Expr(meta.value()?.parse()?)
                } else {
                    Default::Trait(span)
                };
                if out.default.replace(default).is_some() {
                    duplicate(cx, &meta.path);
                }
            } else if meta.path.is_ident("unit") {
                let lit: LitStr = meta.value()?.parse()?;
                let unit = match lit.value().as_str() {
                    "s" => Unit::Seconds,
                    "ms" => Unit::Millis,
                    "us" => Unit::Micros,
                    "ns" => Unit::Nanos,
                    other => {
                        let message = format!(
                            "unknown time unit `{other}`; expected \"s\", \"ms\", \"us\" or \"ns\""
                        );
                        return Err(syn::Error::new(lit.span(), message));
                    }
                };
                if out.unit.replace((unit, lit.span())).is_some() {
                    duplicate(cx, &meta.path);
                }
            } else {
                let message = format!(
                    "unknown attribute `{}` on a fact field; expected `transient`, `since`, `default`, `unit` or `index`",
                    path_name(&meta.path)
                );
                return Err(meta.error(message));
            }
            Ok(())
        });
        if let Err(e) = result {
            cx.push(e);
        }
    }
    out
}
