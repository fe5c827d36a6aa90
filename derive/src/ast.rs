//! A typed model of the derive input: the struct, its fields and their attributes.

use syn::ext::IdentExt;
use syn::{Data, DeriveInput, Fields, Ident, Type, Visibility};

use crate::attr::{self, ContainerAttrs, FieldAttrs};
use crate::ctxt::Ctxt;

/// The struct a fact type is derived for.
pub struct Input<'a> {
    pub ident: &'a Ident,
    pub vis: &'a Visibility,
    pub attrs: ContainerAttrs,
    pub fields: Vec<Field<'a>>,
    pub original: &'a DeriveInput,
}

/// One named field.
pub struct Field<'a> {
    pub ident: &'a Ident,
    pub vis: &'a Visibility,
    pub ty: &'a Type,
    pub attrs: FieldAttrs,
    /// The field's own doc comments, carried over to its accessor.
    pub docs: Vec<&'a syn::Attribute>,
}

impl Field<'_> {
    /// The field's name as users and the format see it: `type` for `r#type`.
    pub fn name(&self) -> String {
        self.ident.unraw().to_string()
    }
}

impl<'a> Input<'a> {
    /// Builds the model, or records why the input is not a struct with named fields.
    pub fn from_syn(cx: &Ctxt, input: &'a DeriveInput) -> Option<Self> {
        let attrs = attr::container(cx, &input.attrs);
        let named = match &input.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(named) => named,
                Fields::Unnamed(_) | Fields::Unit => {
                    cx.error(
                        &input.ident,
                        "`Facts` needs a struct with named fields: tuple and unit structs have no field names to lay out",
                    );
                    return None;
                }
            },
            Data::Enum(data) => {
                cx.error(
                    data.enum_token,
                    "`Facts` cannot be derived for an enum: a fact has one fixed layout; derive `FactEnum` for a fieldless enum to use it as a field",
                );
                return None;
            }
            Data::Union(data) => {
                cx.error(data.union_token, "`Facts` cannot be derived for a union");
                return None;
            }
        };
        let fields = named
            .named
            .iter()
            .filter_map(|f| {
                Some(Field {
                    ident: f.ident.as_ref()?,
                    vis: &f.vis,
                    ty: &f.ty,
                    attrs: attr::field(cx, &f.attrs),
                    docs: f
                        .attrs
                        .iter()
                        .filter(|a| a.path().is_ident("doc"))
                        .collect(),
                })
            })
            .collect();
        Some(Self {
            ident: &input.ident,
            vis: &input.vis,
            attrs,
            fields,
            original: input,
        })
    }

    /// The current version.
    pub fn version(&self) -> u8 {
        self.attrs.version.map_or(1, |(v, _)| v)
    }

    /// The fields stored in the bytes, in declaration (= layout) order.
    pub fn stored(&self) -> impl Iterator<Item = &Field<'a>> {
        self.fields.iter().filter(|f| f.attrs.transient.is_none())
    }

    /// The transient fields.
    pub fn transient(&self) -> impl Iterator<Item = &Field<'a>> {
        self.fields.iter().filter(|f| f.attrs.transient.is_some())
    }
}

impl Field<'_> {
    /// The version that added the field.
    pub fn since(&self) -> u8 {
        self.attrs.since.map_or(1, |(v, _)| v)
    }

    /// Whether the type is spelled `Option<..>` (the last path segment).
    pub fn is_option(&self) -> bool {
        match self.ty {
            Type::Path(p) if p.qself.is_none() => {
                p.path.segments.last().is_some_and(|s| s.ident == "Option")
            }
            _ => false,
        }
    }
}
