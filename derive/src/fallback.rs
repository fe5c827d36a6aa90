//! What to emit when the input has errors: the errors, plus a stub `Facts`
//! impl and view so that code using the type does not drown the real error in
//! a cascade of "no method named `pack`" errors.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ast::Input;
use crate::names::{krate, view_ident};

/// The errors and, when the struct itself could be modelled, a stub.
pub fn expand(input: Option<&Input>, errors: TokenStream) -> TokenStream {
    let Some(input) = input else {
        return errors;
    };
    if !input.original.generics.params.is_empty() {
        return errors;
    }
    let krate = krate(input);
    let p = quote!(#krate::__private);
    let ident = input.ident;
    let vis = input.vis;
    let view = view_ident(input);
    let columns = crate::columns::columns_ident(input);
    quote! {
        #errors

        #[derive(Clone, Copy, Debug)]
        #[allow(missing_docs)]
        #vis struct #view<'a> {
            blob: &'a [u8],
        }

        #[derive(Clone, Debug, Default)]
        #[allow(missing_docs)]
        #vis struct #columns {}

        const _: () = {
            impl #p::ColumnData for #columns {
                fn len(&self) -> usize {
                    0
                }
                fn reserve(&mut self, _: usize) {}
                fn truncate(&mut self, _: usize) {}
            }

            impl #p::Columns for #columns {
                type Fact = #ident;
            }

            impl #p::FillColumns for #ident {
                fn push_validated(
                    _: &mut #columns,
                    _: &[u8],
                    _: #p::Option<&()>,
                ) -> #p::Result<(), (&'static str, #p::PackErrorKind)> {
                    ::core::unreachable!()
                }
                fn push_block(_: &mut #columns, _: &[&[u8]], _: &[#p::Option<&()>]) -> bool {
                    ::core::unreachable!()
                }
            }

            impl<'a> #p::FactView<'a> for #view<'a> {
                type Fact = #ident;
                fn as_bytes(&self) -> &'a [u8] {
                    self.blob
                }
                fn unpack(&self) -> #ident {
                    ::core::unreachable!()
                }
            }

            impl #p::Facts for #ident {
                type View<'a> = #view<'a>;
                type Transient = ();
                type Columns = #columns;
                const NAME: &'static str = "";
                const VERSION: u8 = 1;
                const HEADER_LENS: &'static [u16] = &[];
                const HEADER_LEN: usize = 0;
                const FINGERPRINTS: &'static [u64] = &[];
                const FINGERPRINT: u64 = 0;
                const FIELDS: &'static [#p::FieldInfo] = &[];
                const TRANSIENT_FIELDS: &'static [&'static str] = &[];
                const HAS_TAIL: bool = false;
                fn pack_into(&self, _: &mut #p::Vec<u8>) -> #p::Result<(), #p::PackError> {
                    ::core::unreachable!()
                }
                fn validate(_: &[u8]) -> #p::Result<(), #p::Error> {
                    ::core::unreachable!()
                }
                fn view_unvalidated(blob: &[u8]) -> #view<'_> {
                    #view { blob }
                }
                fn transient(&self) {}
                fn from_view(_: #view<'_>, _: ()) -> Self {
                    ::core::unreachable!()
                }
            }
        };
    }
}
