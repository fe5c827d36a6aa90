//! Code generation for the `serde` feature: `Serialize` for the view, as a
//! struct with one entry per stored field, and `SerializeFixed` for the type
//! itself, so that a view of a fact nested in another serializes too.

use proc_macro2::TokenStream;
use syn::Path;

use crate::ast::Input;

/// `Serialize` for `FooView` and `SerializeFixed` for `Foo`.
#[cfg(feature = "serde")]
pub fn serialize(input: &Input, krate: &Path) -> TokenStream {
    use quote::{quote, quote_spanned};
    use syn::spanned::Spanned;
    use syn::Ident;

    let p = quote!(#krate::__private);
    let ident = input.ident;
    let view = crate::names::view_ident(input);
    let name = ident.to_string();
    let count = input.stored().count();
    let fields = input.stored().map(|f| {
        let (fid, fname, ty) = (f.ident, f.name(), f.ty);
        let unit = match f.attrs.unit {
            Some((unit, span)) => {
                let name = Ident::new(unit.const_name(), span);
                quote_spanned!(span=> #krate::unit::#name)
            }
            None => quote!(#krate::unit::NATURAL),
        };
        // Spanned at the type, so that a type without serde support is
        // reported there; `self` keeps the derive's span, as the type's may
        // come from a macro whose hygiene hides the method's `self`.
        let this = quote!(self);
        let value = quote_spanned!(ty.span()=> #p::SerializeRef::<#ty, { #unit }>(#this.#fid()));
        quote! {
            #p::serde::ser::SerializeStruct::serialize_field(&mut state, #fname, &#value)?;
        }
    });
    quote! {
        #[automatically_derived]
        impl<'a> #p::serde::Serialize for #view<'a> {
            fn serialize<S: #p::serde::Serializer>(
                &self,
                serializer: S,
            ) -> #p::Result<S::Ok, S::Error> {
                #[allow(unused_mut)]
                let mut state = #p::serde::Serializer::serialize_struct(serializer, #name, #count)?;
                #(#fields)*
                #p::serde::ser::SerializeStruct::end(state)
            }
        }

        #[automatically_derived]
        impl #p::SerializeFixed for #ident {
            #[inline]
            fn serialize_ref<S: #p::serde::Serializer>(
                value: &#view<'_>,
                serializer: S,
            ) -> #p::Result<S::Ok, S::Error> {
                #p::serde::Serialize::serialize(value, serializer)
            }
        }
    }
}

/// Nothing, without the feature.
#[cfg(not(feature = "serde"))]
pub fn serialize(_: &Input, _: &Path) -> TokenStream {
    TokenStream::new()
}
