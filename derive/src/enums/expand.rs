//! Code generation for `#[derive(FactEnum)]`: `FactEnum`, `FixedField` and
//! `FixedColumn` for the enum, and (feature `proptest`) its strategy.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{Ident, Path};

use super::ast::Enum;

pub fn krate(input: &Enum) -> Path {
    input
        .krate
        .clone()
        .unwrap_or_else(|| syn::parse_quote!(::factpack))
}

/// Every impl, in one `const _: () = { .. };`.
pub fn derive(input: &Enum, repr: &Ident) -> TokenStream {
    let krate = krate(input);
    let p = quote!(#krate::__private);
    let ident = input.ident;
    let name = ident.to_string();
    let r = quote!(::core::primitive::#repr);
    let idents: Vec<&Ident> = input.variants.iter().map(|v| v.ident).collect();
    let variants = input.variants.iter().map(|v| {
        let (vid, vname, other) = (v.ident, v.ident.to_string(), v.other.is_some());
        quote! {
            #p::EnumVariant {
                name: #vname,
                value: (#ident::#vid as #r) as ::core::primitive::i128,
                other: #other,
            }
        }
    });
    let other = match input.variants.iter().find(|v| v.other.is_some()) {
        Some(v) => {
            let vid = v.ident;
            quote!(#p::Option::Some(#ident::#vid))
        }
        None => quote!(#p::Option::None),
    };
    let consts: Vec<Ident> = (0..idents.len())
        .map(|i| format_ident!("__D{}", i))
        .collect();
    let first = idents.first();
    let arbitrary = arbitrary(input, &krate);
    let serde = serialize(input, &krate);
    quote! {
        const _: () = {
            impl #p::FactEnum for #ident {
                type Repr = #r;
                const NAME: &'static ::core::primitive::str = #name;
                const VARIANTS: &'static [#p::EnumVariant] = &[#(#variants),*];
                const OTHER: #p::Option<Self> = #other;

                #[inline(always)]
                fn discriminant(self) -> #r {
                    self as #r
                }

                #[inline]
                fn from_discriminant(value: #r) -> #p::Option<Self> {
                    #(const #consts: #r = #ident::#idents as #r;)*
                    match value {
                        #(#consts => #p::Option::Some(#ident::#idents),)*
                        _ => #p::Option::None,
                    }
                }
            }

            impl #p::FixedField for #ident {
                const SIZE: ::core::primitive::usize = <#r as #p::FixedField>::SIZE;
                const TYPE_FP: ::core::primitive::u64 = #p::enum_type_fp::<Self>();
                const ALWAYS_VALID: ::core::primitive::bool = #p::enum_always_valid::<Self>();
                const ZERO_IS_VALID: ::core::primitive::bool = #p::enum_zero_is_valid::<Self>();
                type Ref<'a> = Self;

                #[inline(always)]
                fn encode(&self, out: &mut [::core::primitive::u8]) -> #p::Result<(), #p::PackErrorKind> {
                    #p::enum_encode(*self, out)
                }

                #[inline]
                fn check(bytes: &[::core::primitive::u8]) -> #p::Result<(), #p::ErrorKind> {
                    #p::enum_check::<Self>(bytes)
                }

                #[inline(always)]
                fn is_valid(bytes: &[::core::primitive::u8]) -> ::core::primitive::bool {
                    #p::enum_is_valid::<Self>(bytes)
                }

                #[inline(always)]
                fn decode(bytes: &[::core::primitive::u8]) -> Self {
                    #p::enum_decode(bytes, #ident::#first)
                }

                #[inline(always)]
                fn to_owned(value: Self) -> Self {
                    value
                }
            }

            impl #p::FixedColumn for #ident {
                type Column = #p::Vec<#r>;
                const KIND: #p::FieldKind = <Self as #p::FactEnum>::KIND;

                #[inline(always)]
                fn push_bytes(column: &mut #p::Vec<#r>, bytes: &[::core::primitive::u8]) {
                    <#r as #p::FixedColumn>::push_bytes(column, bytes)
                }

                #[inline(always)]
                fn push_zero(column: &mut #p::Vec<#r>) {
                    <#r as #p::FixedColumn>::push_zero(column)
                }

                #[inline]
                fn extend_from_bytes(column: &mut #p::Vec<#r>, payload: &[::core::primitive::u8]) {
                    <#r as #p::FixedColumn>::extend_from_bytes(column, payload)
                }

                #[inline]
                fn extend_lists<'a>(
                    lists: &mut #p::ListColumn<#p::Vec<#r>>,
                    spans: impl #p::Spans<'a>,
                ) {
                    <#r as #p::FixedColumn>::extend_lists(lists, spans)
                }

                #[inline]
                fn extend_slots<const N: ::core::primitive::usize>(
                    column: &mut #p::Vec<#r>,
                    heads: &[&[::core::primitive::u8; N]],
                    offset: ::core::primitive::usize,
                ) {
                    <#r as #p::FixedColumn>::extend_slots(column, heads, offset)
                }
            }

            impl #p::VariantValue for #ident {
                const TYPE_FP: ::core::primitive::u64 = <Self as #p::FixedField>::TYPE_FP;
                type Ref<'a> = Self;

                #[inline]
                fn write_value(&self, out: &mut #p::Vec<::core::primitive::u8>) -> #p::Result<(), #p::PackErrorKind> {
                    #p::variant_write_fixed(self, out)
                }

                #[inline]
                fn check_value(value: &[::core::primitive::u8]) -> #p::Result<(), #p::Fault> {
                    #p::variant_check_fixed::<Self>(value)
                }

                #[inline]
                fn read_value(value: &[::core::primitive::u8]) -> Self {
                    <Self as #p::FixedField>::decode(value)
                }

                #[inline]
                fn to_owned(value: Self) -> Self {
                    value
                }
            }

            #arbitrary
            #serde
        };
    }
}

/// `SerializeFixed` (feature `serde`): a variant serializes as serde's own
/// derive writes a unit variant, by its name, so that the enum's derived
/// `Deserialize` reads it back.
#[cfg(feature = "serde")]
fn serialize(input: &Enum, krate: &Path) -> TokenStream {
    let p = quote!(#krate::__private);
    let ident = input.ident;
    let name = ident.to_string();
    let arms = input.variants.iter().enumerate().map(|(i, v)| {
        let (vid, vname) = (v.ident, v.ident.to_string());
        let index = u32::try_from(i).unwrap_or(u32::MAX);
        quote! {
            #ident::#vid => #p::serde::Serializer::serialize_unit_variant(serializer, #name, #index, #vname),
        }
    });
    quote! {
        impl #p::SerializeValue for #ident {
            #[inline]
            fn serialize_value<S: #p::serde::Serializer>(
                value: &Self,
                serializer: S,
            ) -> #p::Result<S::Ok, S::Error> {
                <Self as #p::SerializeFixed>::serialize_ref(value, serializer)
            }
        }

        #[automatically_derived]
        impl #p::SerializeFixed for #ident {
            #[inline]
            fn serialize_ref<S: #p::serde::Serializer>(
                value: &Self,
                serializer: S,
            ) -> #p::Result<S::Ok, S::Error> {
                match *value {
                    #(#arms)*
                }
            }
        }
    }
}

#[cfg(not(feature = "serde"))]
fn serialize(_: &Enum, _: &Path) -> TokenStream {
    TokenStream::new()
}

#[cfg(feature = "proptest")]
fn arbitrary(input: &Enum, krate: &Path) -> TokenStream {
    let p = quote!(#krate::__private);
    let ident = input.ident;
    let idents = input.variants.iter().map(|v| v.ident);
    quote! {
        impl #p::FieldStrategy for #ident {
            fn strategy() -> #p::proptest::strategy::BoxedStrategy<Self> {
                #p::proptest::strategy::Strategy::boxed(#p::proptest::sample::select(
                    <[Self]>::to_vec(&[#(#ident::#idents),*]),
                ))
            }
        }
    }
}

#[cfg(not(feature = "proptest"))]
fn arbitrary(_: &Enum, _: &Path) -> TokenStream {
    TokenStream::new()
}

/// The errors and, for a plain enum, stub impls, so that facts using the enum
/// do not add a cascade of "not a field" errors to the real one.
pub fn fallback(input: Option<&Enum>, errors: TokenStream) -> TokenStream {
    let Some(input) = input else {
        return errors;
    };
    let carries_data = match &input.original.data {
        syn::Data::Enum(data) => data
            .variants
            .iter()
            .any(|v| !matches!(v.fields, syn::Fields::Unit)),
        _ => false,
    };
    if !input.original.generics.params.is_empty() || carries_data {
        return errors;
    }
    let krate = krate(input);
    let p = quote!(#krate::__private);
    let ident = input.ident;
    quote! {
        #errors

        const _: () = {
            impl #p::FactEnum for #ident {
                type Repr = ::core::primitive::u8;
                const NAME: &'static ::core::primitive::str = "";
                const VARIANTS: &'static [#p::EnumVariant] = &[];
                const OTHER: #p::Option<Self> = #p::Option::None;
                fn discriminant(self) -> ::core::primitive::u8 {
                    ::core::unreachable!()
                }
                fn from_discriminant(_: ::core::primitive::u8) -> #p::Option<Self> {
                    #p::Option::None
                }
            }

            impl #p::FixedField for #ident {
                const SIZE: ::core::primitive::usize = 1;
                const TYPE_FP: ::core::primitive::u64 = 0;
                const ALWAYS_VALID: ::core::primitive::bool = false;
                type Ref<'a> = Self;
                fn encode(&self, _: &mut [::core::primitive::u8]) -> #p::Result<(), #p::PackErrorKind> {
                    ::core::unreachable!()
                }
                fn check(_: &[::core::primitive::u8]) -> #p::Result<(), #p::ErrorKind> {
                    ::core::unreachable!()
                }
                fn decode(_: &[::core::primitive::u8]) -> Self {
                    ::core::unreachable!()
                }
                fn to_owned(value: Self) -> Self {
                    value
                }
            }

            impl #p::FixedColumn for #ident {
                type Column = #p::Vec<::core::primitive::u8>;
                const KIND: #p::FieldKind = #p::FieldKind::U8;
                fn push_bytes(_: &mut #p::Vec<::core::primitive::u8>, _: &[::core::primitive::u8]) {
                    ::core::unreachable!()
                }
                fn push_zero(_: &mut #p::Vec<::core::primitive::u8>) {
                    ::core::unreachable!()
                }
            }
        };
    }
}
