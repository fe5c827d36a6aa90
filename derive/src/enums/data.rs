//! Code generation for `#[derive(FactEnum)]` on an enum whose variants carry
//! data: the view enum `FooView<'a>`, `DataEnum`, the field impls (`Field`,
//! `OptionalField`, `FieldColumn`, `OptionalColumn`), and with the features,
//! `Serialize` for the view and the field's strategy.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{Ident, Path};

use super::ast::Enum;
use super::expand::krate;

/// Every item: the view enum, then the impls in one `const _: () = { .. };`.
pub fn derive(input: &Enum, repr: &Ident) -> TokenStream {
    let krate = krate(input);
    let p = quote!(#krate::__private);
    let ident = input.ident;
    let vis = &input.original.vis;
    let view = format_ident!("{}View", ident);
    let name = ident.to_string();
    let r = quote!(::core::primitive::#repr);
    let u8_ = quote!(::core::primitive::u8);

    let consts: Vec<Ident> = (0..input.variants.len())
        .map(|i| format_ident!("__T{}", i))
        .collect();
    let tags = input.variants.iter().zip(&consts).map(|(v, c)| {
        let expr = v.discriminant;
        quote!(const #c: #r = #expr;)
    });
    let tags = quote!(#(#tags)*);

    let view_variants = input.variants.iter().map(|v| {
        let vid = v.ident;
        match v.ty {
            Some(ty) => quote!(#vid(<#ty as #p::VariantValue>::Ref<'a>)),
            None => quote!(#vid),
        }
    });
    let view_doc = format!(
        "The view of a stored [`{name}`]: its variant, holding what the variant's value reads as (a fact's view, a fixed-size value)."
    );

    let variants = input.variants.iter().zip(&consts).map(|(v, c)| {
        let (vname, other) = (v.ident.to_string(), v.other.is_some());
        quote! {
            #p::EnumVariant {
                name: #vname,
                value: { #tags #c as ::core::primitive::i128 },
                other: #other,
            }
        }
    });
    let value_fps = input.variants.iter().map(|v| match v.ty {
        Some(ty) => quote!(<#ty as #p::VariantValue>::TYPE_FP),
        None => quote!(0),
    });
    let tag_arms = input.variants.iter().zip(&consts).map(|(v, c)| {
        let vid = v.ident;
        match v.ty {
            Some(_) => quote!(#ident::#vid(..) => #c,),
            None => quote!(#ident::#vid => #c,),
        }
    });
    let write_arms = input.variants.iter().map(|v| {
        let vid = v.ident;
        match v.ty {
            Some(ty) => {
                quote!(#ident::#vid(value) => <#ty as #p::VariantValue>::write_value(value, out),)
            }
            None => quote!(#ident::#vid => #p::Result::Ok(()),),
        }
    });
    let check_arms = input.variants.iter().zip(&consts).map(|(v, c)| match v.ty {
        Some(ty) => quote!(#c => <#ty as #p::VariantValue>::check_value(value),),
        None => quote!(#c => #p::variant_check_unit(value),),
    });
    let read_arm = |v: &super::ast::Variant| {
        let vid = v.ident;
        match v.ty {
            Some(ty) => quote!(#view::#vid(<#ty as #p::VariantValue>::read_value(value))),
            None => quote!(#view::#vid),
        }
    };
    let read_arms = input.variants.iter().zip(&consts).map(|(v, c)| {
        let arm = read_arm(v);
        quote!(#c => #arm,)
    });
    // What a tag of no variant reads as: the catch-all, or (on bytes that
    // validation rejects) the first variant.
    let fallback_variant = input
        .variants
        .iter()
        .find(|v| v.other.is_some())
        .or(input.variants.first());
    let read_fallback = fallback_variant.map(read_arm);
    let unknown = if input.variants.iter().any(|v| v.other.is_some()) {
        quote!(#p::Option::Some(#p::Result::Ok(())))
    } else {
        quote!(#p::Option::None)
    };
    let owned_arms = input.variants.iter().map(|v| {
        let vid = v.ident;
        match v.ty {
            Some(ty) => {
                quote!(#view::#vid(value) => #ident::#vid(<#ty as #p::VariantValue>::to_owned(value)),)
            }
            None => quote!(#view::#vid => #ident::#vid,),
        }
    });
    let serde = serialize(input, &krate, &view);
    let arbitrary = arbitrary(input, &krate);

    quote! {
        #[doc = #view_doc]
        #[derive(::core::clone::Clone, ::core::marker::Copy, ::core::fmt::Debug)]
        #vis enum #view<'a> {
            #(#view_variants,)*
        }

        const _: () = {
            impl #p::DataEnum for #ident {
                type Repr = #r;
                type View<'a> = #view<'a>;
                const NAME: &'static ::core::primitive::str = #name;
                const VARIANTS: &'static [#p::EnumVariant] = &[#(#variants),*];
                const TYPE_FP: ::core::primitive::u64 =
                    #p::data_enum_type_fp::<#r>(Self::VARIANTS, &[#(#value_fps),*]);

                #[inline]
                fn tag(&self) -> #r {
                    #tags
                    match self {
                        #(#tag_arms)*
                    }
                }

                #[inline]
                fn write_value(&self, out: &mut #p::Vec<#u8_>) -> #p::Result<(), #p::PackErrorKind> {
                    match self {
                        #(#write_arms)*
                    }
                }

                #[inline]
                fn check_value(tag: #r, value: &[#u8_]) -> #p::Option<#p::Result<(), #p::Fault>> {
                    #tags
                    #p::Option::Some(match tag {
                        #(#check_arms)*
                        _ => return #unknown,
                    })
                }

                #[inline]
                fn read_value(tag: #r, value: &[#u8_]) -> #view<'_> {
                    #tags
                    match tag {
                        #(#read_arms)*
                        _ => #read_fallback,
                    }
                }

                #[inline]
                fn to_owned(view: #view<'_>) -> Self {
                    match view {
                        #(#owned_arms)*
                    }
                }
            }

            impl #p::Field for #ident {
                const SLOT_SIZE: ::core::primitive::usize = 4;
                const NULLABLE: ::core::primitive::bool = false;
                const VARIABLE: ::core::primitive::bool = true;
                const TYPE_FP: ::core::primitive::u64 = <Self as #p::DataEnum>::TYPE_FP;
                type Ref<'a> = #view<'a>;

                #[inline(always)]
                fn write(&self, out: &mut #p::Vec<#u8_>, base: ::core::primitive::usize, at: #p::Slot) -> #p::Result<(), #p::PackErrorKind> {
                    #p::variable_write::<0, Self>(self, out, base, at)
                }

                #[inline(always)]
                fn write_header(&self, _: &mut [#u8_], _: #p::Slot) -> ::core::primitive::bool {
                    true
                }

                #[inline(always)]
                fn write_tail(&self, out: &mut #p::Vec<#u8_>, base: ::core::primitive::usize, at: #p::Slot) -> ::core::primitive::bool {
                    #p::variable_write_tail::<0, Self>(self, out, base, at)
                }

                #[inline(always)]
                fn check(blob: &[#u8_], at: #p::Slot, cursor: &mut ::core::primitive::usize) -> #p::Result<(), #p::Fault> {
                    #p::variable_check::<0, Self>(blob, at, cursor)
                }

                #[inline(always)]
                fn is_valid(header: &[#u8_], blob: &[#u8_], at: #p::Slot, cursor: &mut ::core::primitive::usize) -> ::core::primitive::bool {
                    #p::variable_is_valid::<0, Self>(header, blob, at, cursor)
                }

                #[inline(always)]
                fn read(blob: &[#u8_], at: #p::Slot) -> #view<'_> {
                    #p::variable_read::<0, Self>(blob, at)
                }

                #[inline(always)]
                fn to_owned(value: #view<'_>) -> Self {
                    <Self as #p::DataEnum>::to_owned(value)
                }
            }

            impl #p::OptionalField for #ident {
                const SLOT_SIZE: ::core::primitive::usize = 4;
                const VARIABLE: ::core::primitive::bool = true;
                const TYPE_FP: ::core::primitive::u64 =
                    #p::mix(#p::tag("option"), <Self as #p::DataEnum>::TYPE_FP);
                type Ref<'a> = #p::Option<#view<'a>>;

                #[inline(always)]
                fn write(this: &#p::Option<Self>, out: &mut #p::Vec<#u8_>, base: ::core::primitive::usize, at: #p::Slot) -> #p::Result<(), #p::PackErrorKind> {
                    #p::optional_write::<0, Self>(this, out, base, at)
                }

                #[inline(always)]
                fn write_header(this: &#p::Option<Self>, header: &mut [#u8_], at: #p::Slot) -> ::core::primitive::bool {
                    #p::optional_write_header(this, header, at)
                }

                #[inline(always)]
                fn write_tail(this: &#p::Option<Self>, out: &mut #p::Vec<#u8_>, base: ::core::primitive::usize, at: #p::Slot) -> ::core::primitive::bool {
                    #p::optional_write_tail::<0, Self>(this, out, base, at)
                }

                #[inline(always)]
                fn check(blob: &[#u8_], at: #p::Slot, cursor: &mut ::core::primitive::usize) -> #p::Result<(), #p::Fault> {
                    #p::optional_check::<0, Self>(blob, at, cursor)
                }

                #[inline(always)]
                fn is_valid(header: &[#u8_], blob: &[#u8_], at: #p::Slot, cursor: &mut ::core::primitive::usize) -> ::core::primitive::bool {
                    #p::optional_is_valid::<0, Self>(header, blob, at, cursor)
                }

                #[inline(always)]
                fn read(blob: &[#u8_], at: #p::Slot) -> #p::Option<#view<'_>> {
                    #p::optional_read::<0, Self>(blob, at)
                }

                #[inline(always)]
                fn to_owned(value: #p::Option<#view<'_>>) -> #p::Option<Self> {
                    value.map(<Self as #p::DataEnum>::to_owned)
                }
            }

            impl #p::FieldColumn for #ident {
                type Column = #p::Vec<#r>;
                const KIND: #p::FieldKind = <Self as #p::DataEnum>::KIND;

                #[inline]
                fn push(column: &mut #p::Vec<#r>, blob: &[#u8_], at: #p::Slot) {
                    #p::union_push::<Self>(column, blob, at)
                }

                #[inline]
                fn push_absent(column: &mut #p::Vec<#r>) {
                    #p::union_push_absent::<Self>(column)
                }

                fn push_value(column: &mut #p::Vec<#r>, value: &Self) -> #p::Result<(), #p::PackErrorKind> {
                    #p::union_push_value::<Self>(column, value)
                }
            }

            impl #p::OptionalColumn for #ident {
                type Column = #p::Nullable<#p::Vec<#r>>;
                const KIND: #p::FieldKind = <Self as #p::DataEnum>::KIND;

                #[inline]
                fn push(column: &mut #p::Nullable<#p::Vec<#r>>, blob: &[#u8_], at: #p::Slot) {
                    #p::union_push_optional::<Self>(column, blob, at)
                }

                #[inline]
                fn push_absent(column: &mut #p::Nullable<#p::Vec<#r>>) {
                    #p::union_push_optional_absent::<Self>(column)
                }

                fn push_value(column: &mut #p::Nullable<#p::Vec<#r>>, value: &#p::Option<Self>) -> #p::Result<(), #p::PackErrorKind> {
                    #p::union_push_optional_value::<Self>(column, value)
                }
            }

            impl #p::ListElement for #ident {
                const LIST_FP: ::core::primitive::u64 = #p::variant_list_fp::<Self>();
                type ListRef<'a> = #p::VariantList<'a, Self>;

                #[inline]
                fn write_list(values: &[Self], out: &mut #p::Vec<#u8_>) -> #p::Result<(), #p::PackErrorKind> {
                    #p::variant_write_list::<Self>(values, out)
                }

                #[inline]
                fn check_list(payload: &[#u8_]) -> #p::Result<(), #p::Fault> {
                    #p::variant_check_list::<Self>(payload)
                }

                #[inline]
                fn read_list(payload: &[#u8_]) -> #p::VariantList<'_, Self> {
                    #p::VariantList::new(payload)
                }

                #[inline]
                fn list_to_owned(value: #p::VariantList<'_, Self>) -> #p::Vec<Self> {
                    value.to_vec()
                }
            }

            impl #p::ListElementColumn for #ident {
                type ElementColumn = #p::Vec<#r>;
                const LIST_KIND: #p::FieldKind = #p::FieldKind::List(&<Self as #p::DataEnum>::KIND);

                #[inline]
                fn push_list(column: &mut #p::ListColumn<#p::Vec<#r>>, payload: &[#u8_]) {
                    #p::union_push_list::<Self>(column, payload)
                }

                fn push_owned_list(column: &mut #p::ListColumn<#p::Vec<#r>>, values: &[Self]) {
                    #p::union_push_owned_list::<Self>(column, values)
                }
            }

            #serde
            #arbitrary
        };
    }
}

/// `Serialize` for the view (feature `serde`): a variant as serde's own
/// derive writes it (a unit variant by name, a newtype variant as a map
/// from its name to its value, in JSON), so that the enum's derived
/// `Deserialize` reads it back; and the field impls that use it.
#[cfg(feature = "serde")]
fn serialize(input: &Enum, krate: &Path, view: &Ident) -> TokenStream {
    let p = quote!(#krate::__private);
    let ident = input.ident;
    let name = ident.to_string();
    let arms = input.variants.iter().enumerate().map(|(i, v)| {
        let (vid, vname) = (v.ident, v.ident.to_string());
        let index = u32::try_from(i).unwrap_or(u32::MAX);
        match v.ty {
            Some(ty) => quote! {
                #view::#vid(value) => #p::serde::Serializer::serialize_newtype_variant(
                    serializer, #name, #index, #vname, &#p::ValueRef::<#ty>(*value),
                ),
            },
            None => quote! {
                #view::#vid => #p::serde::Serializer::serialize_unit_variant(serializer, #name, #index, #vname),
            },
        }
    });
    quote! {
        #[automatically_derived]
        impl<'a> #p::serde::Serialize for #view<'a> {
            fn serialize<S: #p::serde::Serializer>(&self, serializer: S) -> #p::Result<S::Ok, S::Error> {
                match self {
                    #(#arms)*
                }
            }
        }

        impl #p::SerializeField for #ident {
            #[inline]
            fn serialize_ref<S: #p::serde::Serializer>(value: &#view<'_>, serializer: S) -> #p::Result<S::Ok, S::Error> {
                #p::serde::Serialize::serialize(value, serializer)
            }
        }

        impl #p::SerializeListElement for #ident {
            #[inline]
            fn serialize_list<S: #p::serde::Serializer>(value: &#p::VariantList<'_, Self>, serializer: S) -> #p::Result<S::Ok, S::Error> {
                #p::serde::Serializer::collect_seq(serializer, value.iter())
            }
        }

        impl #p::OptionalSerialize for #ident {
            #[inline]
            fn serialize_ref<S: #p::serde::Serializer>(value: &#p::Option<#view<'_>>, serializer: S) -> #p::Result<S::Ok, S::Error> {
                #p::serde::Serialize::serialize(value, serializer)
            }
        }
    }
}

#[cfg(not(feature = "serde"))]
fn serialize(_: &Enum, _: &Path, _: &Ident) -> TokenStream {
    TokenStream::new()
}

/// The field's strategy (feature `proptest`): a variant drawn uniformly,
/// its value from its type's own strategy.
#[cfg(feature = "proptest")]
fn arbitrary(input: &Enum, krate: &Path) -> TokenStream {
    let p = quote!(#krate::__private);
    let ident = input.ident;
    let strategies = input.variants.iter().map(|v| {
        let vid = v.ident;
        match v.ty {
            Some(ty) => quote! {
                #p::proptest::strategy::Strategy::boxed(#p::proptest::strategy::Strategy::prop_map(
                    <#ty as #p::FieldStrategy>::strategy(),
                    #ident::#vid,
                ))
            },
            None => quote! {
                #p::proptest::strategy::Strategy::boxed(#p::proptest::strategy::LazyJust::new(|| #ident::#vid))
            },
        }
    });
    quote! {
        impl #p::FieldStrategy for #ident {
            fn strategy() -> #p::proptest::strategy::BoxedStrategy<Self> {
                #p::proptest::strategy::Strategy::boxed(#p::proptest::strategy::Union::new(
                    [#(#strategies),*],
                ))
            }
        }
    }
}

#[cfg(not(feature = "proptest"))]
fn arbitrary(_: &Enum, _: &Path) -> TokenStream {
    TokenStream::new()
}
