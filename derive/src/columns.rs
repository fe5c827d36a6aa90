//! Code generation for `FooColumns`, the struct of arrays of many facts: the
//! struct, its `ColumnData` and `Columns` impls, the type's own column when
//! it is nested, views as column sources, and (feature `arrow`) its Arrow
//! conversion.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Ident, Path};

use crate::ast::{Field, Input};
use crate::names::{default_value, field_trait_named, view_ident};

/// `FooColumns`.
pub fn columns_ident(input: &Input) -> Ident {
    format_ident!("{}Columns", input.ident)
}

/// `<T as FieldColumn<U>>::name`, spanned at the field's type.
fn column_member(field: &Field, krate: &Path, name: &str) -> TokenStream {
    let tr = field_trait_named(field, krate, "FieldColumn");
    let span = field.ty.span();
    let name = Ident::new(name, span);
    quote_spanned!(span=> #tr::#name)
}

/// The struct itself (emitted beside the fact type).
pub fn columns_struct(input: &Input, krate: &Path) -> TokenStream {
    let vis = input.vis;
    let ident = columns_ident(input);
    let doc = format!(
        "The columns of many [`{}`] facts: one public field per field, in Arrow's memory layout. See `factpack::columns`.",
        input.ident
    );
    let stored = input.stored().map(|f| {
        let (fvis, fid, docs) = (f.vis, f.ident, &f.docs);
        let column = column_member(f, krate, "Column");
        quote!(#(#docs)* #fvis #fid: #column)
    });
    let transient = input.transient().map(|f| {
        let (fvis, fid, ty, docs) = (f.vis, f.ident, f.ty, &f.docs);
        let note = "Transient: `Some` for facts that came with their transient fields (a `Packed`), `None` for bytes.";
        let column = quote_spanned!(ty.span()=> #krate::columns::TransientColumn<#ty>);
        quote!(#(#docs)* #[doc = ""] #[doc = #note] #fvis #fid: #column)
    });
    quote! {
        #[doc = #doc]
        #[derive(Clone, Default)]
        #vis struct #ident {
            #(#stored,)*
            #(#transient,)*
            __rows: ::core::primitive::usize,
        }
    }
}

/// The impls (emitted inside the derive's `const _` block, where the slot
/// constants are in scope).
pub fn columns_impls(input: &Input, krate: &Path) -> TokenStream {
    let p = quote!(#krate::__private);
    let ident = input.ident;
    let columns = columns_ident(input);
    let view = view_ident(input);
    let stored: Vec<&Field> = input.stored().collect();
    let stored_ids: Vec<&Ident> = stored.iter().map(|f| f.ident).collect();
    let transient_ids: Vec<&Ident> = input.transient().map(|f| f.ident).collect();
    let all_ids: Vec<&Ident> = stored_ids.iter().chain(&transient_ids).copied().collect();

    let pushes = field_pushes(&stored, krate, "__SLOT_");
    let body_pushes = field_pushes(&stored, krate, "__BSLOT_");
    let block_extends = stored.iter().enumerate().map(|(i, f)| {
        let fid = f.ident;
        let slot = format_ident!("__SLOT_{}", i);
        let extend = column_member(f, krate, "extend_block");
        quote!(#extend(&mut self.#fid, blobs, heads, #slot, &mut nulls);)
    });
    let block_transients = input.transient().map(|f| {
        let fid = f.ident;
        quote! {
            #p::TransientColumn::extend_block(&mut self.#fid, count, transients, |t| &t.#fid);
        }
    });
    let zeros = stored.iter().map(|f| {
        let fid = f.ident;
        let push_absent = column_member(f, krate, "push_absent");
        quote!(#push_absent(&mut self.#fid);)
    });
    let transient_pushes = input.transient().map(|f| {
        let fid = f.ident;
        quote! {
            #p::TransientColumn::push(&mut self.#fid, #p::Option::map(transient, |t| ::core::clone::Clone::clone(&t.#fid)));
        }
    })
    .collect::<Vec<_>>();
    let transient_nones = transient_ids
        .iter()
        .map(|fid| quote!(#p::TransientColumn::push_none(&mut self.#fid, 1);))
        .collect::<Vec<_>>();
    let transient_nones_body = transient_nones.clone();
    let name = ident.to_string();
    let arrow = arrow_impls(input, krate);
    let len = match all_ids.first() {
        Some(first) => quote!(#p::ColumnData::len(&self.#first)),
        None => quote!(self.__rows),
    };

    // The block's gathered null bitmap bytes, for the fields' validity.
    let new_nulls = (!stored.is_empty())
        .then(|| quote!(let mut nulls = <#p::HeaderByte as ::core::default::Default>::default();));
    let debug_name = columns.to_string();
    let debug_fields = stored.iter().copied().chain(input.transient()).map(|f| {
        let (fid, name) = (f.ident, f.name());
        quote!(::core::fmt::DebugStruct::field(&mut out, #name, &self.#fid);)
    });
    // Without fields, the row count is all there is to show.
    let debug_rows = all_ids
        .is_empty()
        .then(|| quote!(::core::fmt::DebugStruct::field(&mut out, "rows", &self.__rows);));

    quote! {
        // The columns, without the row counter kept for field-less types.
        impl ::core::fmt::Debug for #columns {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                let mut out = ::core::fmt::Formatter::debug_struct(f, #debug_name);
                #(#debug_fields)*
                #debug_rows
                ::core::fmt::DebugStruct::finish(&mut out)
            }
        }

        impl #p::ColumnData for #columns {
            #[inline]
            fn len(&self) -> ::core::primitive::usize {
                // Every column has one row per fact; the first one says how
                // many (so that columns filled by hand count right too).
                #len
            }

            fn reserve(&mut self, additional: ::core::primitive::usize) {
                #(#p::ColumnData::reserve(&mut self.#all_ids, additional);)*
            }

            fn truncate(&mut self, rows: ::core::primitive::usize) {
                #(#p::ColumnData::truncate(&mut self.#all_ids, rows);)*
                self.__rows = ::core::cmp::min(self.__rows, rows);
            }

            fn reserve_payloads(&mut self, additional: ::core::primitive::usize) {
                #(#p::ColumnData::reserve_payloads(&mut self.#stored_ids, additional);)*
            }

            #[inline]
            fn has_room(&self, bytes: ::core::primitive::usize) -> ::core::primitive::bool {
                true #(&& #p::ColumnData::has_room(&self.#stored_ids, bytes))*
            }
        }

        impl #p::Columns for #columns {
            type Fact = #ident;
        }

        impl #p::FillColumns for #ident {
            #[inline]
            fn push_validated(
                columns: &mut #columns,
                blob: &[::core::primitive::u8],
                transient: #p::Option<&<#ident as #p::Facts>::Transient>,
            ) -> #p::Result<(), (&'static str, #p::PackErrorKind)> {
                columns.__push_validated(blob, transient)
            }

            #[inline]
            fn push_block(
                columns: &mut #columns,
                blobs: &[&[::core::primitive::u8]],
                transients: &[#p::Option<&<#ident as #p::Facts>::Transient>],
            ) -> ::core::primitive::bool {
                columns.__push_block(blobs, transients)
            }
        }

        #[allow(clippy::needless_question_mark)]
        impl #columns {
            #[inline]
            #[allow(unused_variables)]
            fn __push_validated(
                &mut self,
                blob: &[::core::primitive::u8],
                transient: #p::Option<&<#ident as #p::Facts>::Transient>,
            ) -> #p::Result<(), (&'static str, #p::PackErrorKind)> {
                // Blobs of the current version take the block path, whose
                // header reads have constant offsets; older ones go field by
                // field, with their absent fields null or at their default.
                if self.__push_block(&[blob], &[transient]) {
                    return #p::Result::Ok(());
                }
                let version = #p::version_of(blob);
                #(#pushes)*
                #(#transient_pushes)*
                self.__rows = ::core::primitive::usize::wrapping_add(self.__rows, 1);
                #p::Result::Ok(())
            }

            #[allow(unused_variables)]
            fn __push_block(
                &mut self,
                blobs: &[&[::core::primitive::u8]],
                transients: &[#p::Option<&<#ident as #p::Facts>::Transient>],
            ) -> ::core::primitive::bool {
                const HEADER: ::core::primitive::usize = <#ident as #p::Facts>::HEADER_LEN;
                const EMPTY: [::core::primitive::u8; HEADER] = [0; HEADER];
                let mut heads: [&[::core::primitive::u8; HEADER]; #p::BLOCK] = [&EMPTY; #p::BLOCK];
                let mut count: ::core::primitive::usize = 0;
                for (head, blob) in ::core::iter::Iterator::zip(heads.iter_mut(), blobs) {
                    if #p::version_of(blob) != <#ident as #p::Facts>::VERSION {
                        return false;
                    }
                    match <[::core::primitive::u8]>::first_chunk::<HEADER>(blob) {
                        #p::Option::Some(first) => *head = first,
                        #p::Option::None => return false,
                    }
                    count += 1;
                }
                if count != blobs.len() {
                    return false;
                }
                let heads = &heads[..count];
                #new_nulls
                #(#block_extends)*
                #(#block_transients)*
                self.__rows = ::core::primitive::usize::wrapping_add(self.__rows, count);
                true
            }
        }

        impl #columns {
            /// Appends the row of a nested fact or list element: its body,
            /// written at `version`. A default that cannot be stored leaves
            /// an all-zero row.
            #[allow(dead_code, unused_variables, clippy::needless_question_mark)]
            fn __push_body(&mut self, body: &[::core::primitive::u8], version: ::core::primitive::u8) {
                #[allow(unused_variables)]
                fn push(
                    this: &mut #columns,
                    blob: &[::core::primitive::u8],
                    version: ::core::primitive::u8,
                ) -> #p::Result<(), (&'static str, #p::PackErrorKind)> {
                    this.__push_fields(blob, version)
                }
                let rows = #p::ColumnData::len(self);
                if #p::Result::is_err(&push(self, body, version)) {
                    #p::ColumnData::truncate(self, rows);
                    self.__push_zero();
                    return;
                }
                #(#transient_nones_body)*
                self.__rows = ::core::primitive::usize::wrapping_add(self.__rows, 1);
            }

            #[allow(dead_code, unused_variables, clippy::needless_question_mark)]
            fn __push_fields(
                &mut self,
                blob: &[::core::primitive::u8],
                version: ::core::primitive::u8,
            ) -> #p::Result<(), (&'static str, #p::PackErrorKind)> {
                #(#body_pushes)*
                #p::Result::Ok(())
            }

            /// Appends the row of a nested fact stored as its whole blob (a
            /// type with variable-length fields). A default that cannot be
            /// stored leaves an all-zero row.
            #[allow(dead_code)]
            fn __push_blob(&mut self, blob: &[::core::primitive::u8]) {
                let rows = #p::ColumnData::len(self);
                if #p::Result::is_err(&self.__push_validated(blob, #p::Option::None)) {
                    #p::ColumnData::truncate(self, rows);
                    self.__push_zero();
                }
            }

            /// Appends an all-zero row: the column of a nested fact whose
            /// older-version default could not be stored.
            #[allow(dead_code)]
            fn __push_zero(&mut self) {
                #(#zeros)*
                #(#transient_nones)*
                self.__rows = ::core::primitive::usize::wrapping_add(self.__rows, 1);
            }
        }

        #arrow

        impl<'a> #p::ColumnSource<#ident> for #view<'a> {
            const VALIDATED: ::core::primitive::bool = true;

            #[inline(always)]
            fn bytes(&self) -> &[::core::primitive::u8] {
                self.blob
            }

            // The view of a nested fact or list element holds a body, not a
            // blob: it is refused, since a body can pass for an older blob.
            #[inline(always)]
            fn is_body(&self) -> ::core::primitive::bool {
                !#p::FactView::is_whole(self)
            }
        }

        impl<'a> #p::ColumnSource<#ident> for &#view<'a> {
            const VALIDATED: ::core::primitive::bool = true;

            #[inline(always)]
            fn bytes(&self) -> &[::core::primitive::u8] {
                self.blob
            }

            // The view of a nested fact or list element holds a body, not a
            // blob: it is refused, since a body can pass for an older blob.
            #[inline(always)]
            fn is_body(&self) -> ::core::primitive::bool {
                !#p::FactView::is_whole(*self)
            }
        }

        impl #p::FixedColumn for #ident {
            type Column = #columns;
            const KIND: #p::FieldKind = #p::FieldKind::Fact {
                name: #name,
                fields: <#ident as #p::Facts>::FIELDS,
            };

            #[inline]
            fn push_bytes(column: &mut #columns, bytes: &[::core::primitive::u8]) {
                column.__push_body(bytes, <#ident as #p::Facts>::VERSION);
            }

            #[inline]
            fn push_bytes_at(
                column: &mut #columns,
                bytes: &[::core::primitive::u8],
                version: ::core::primitive::u8,
            ) {
                column.__push_body(bytes, version);
            }

            fn push_zero(column: &mut #columns) {
                column.__push_zero();
            }

            #[inline]
            fn push_blob(column: &mut #columns, blob: &[::core::primitive::u8]) {
                column.__push_blob(blob);
            }
        }
    }
}

/// Per stored field, the statement that appends it from `blob` of `version`
/// at its slot (`prefix` names the slot constants: whole blob or body), or
/// its absent value when `version` predates it.
fn field_pushes(stored: &[&Field], krate: &Path, prefix: &str) -> Vec<TokenStream> {
    let p = quote!(#krate::__private);
    stored
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let fid = f.ident;
            let slot = format_ident!("{}{}", prefix, i);
            let push = column_member(f, krate, "push");
            let since = f.since();
            if since == 1 {
                return quote!(#push(&mut self.#fid, blob, #slot););
            }
            let absent = match &f.attrs.default {
                None => {
                    let push_absent = column_member(f, krate, "push_absent");
                    quote!(#push_absent(&mut self.#fid);)
                }
                Some(_) => {
                    let push_value = column_member(f, krate, "push_value");
                    let owned = owned_default(f, krate);
                    let fname = f.name();
                    quote! {
                        #p::Result::map_err(#push_value(&mut self.#fid, &#owned), |kind| (#fname, kind))?;
                    }
                }
            };
            quote! {
                if version >= #since {
                    #push(&mut self.#fid, blob, #slot);
                } else {
                    #absent
                }
            }
        })
        .collect()
}

/// `ArrowColumn` for `FooColumns`, with `schema()` and `into_record_batch()`.
#[cfg(feature = "arrow")]
pub fn arrow_impls(input: &Input, krate: &Path) -> TokenStream {
    let p = quote!(#krate::__private);
    let columns = columns_ident(input);
    let stored: Vec<&Field> = input.stored().collect();
    let fields = stored.iter().map(|f| {
        let (kind, column) = (column_kind(f, krate), column_member(f, krate, "Column"));
        let nullable = crate::names::member(f, krate, "NULLABLE");
        let name = f.name();
        quote! {
            <#column as #p::ArrowColumn>::arrow_fields(
                &#kind,
                &#p::flattened(prefix, #name),
                nullable || #nullable,
                out,
            );
        }
    });
    let moves = stored.iter().map(|f| {
        let (kind, column) = (column_kind(f, krate), column_member(f, krate, "Column"));
        let fid = f.ident;
        quote! {
            <#column as #p::ArrowColumn>::into_arrow(
                self.#fid,
                &#kind,
                ::core::clone::Clone::clone(&nulls),
                out,
            )?;
        }
    });
    quote! {
        impl #p::ArrowColumn for #columns {
            #[allow(unused_variables)]
            fn arrow_fields(
                _: &#p::FieldKind,
                prefix: &::core::primitive::str,
                nullable: ::core::primitive::bool,
                out: &mut #p::Vec<#p::arrow_schema::Field>,
            ) {
                #(#fields)*
            }

            #[allow(unused_variables)]
            fn into_arrow(
                self,
                _: &#p::FieldKind,
                nulls: #p::Option<#p::arrow_buffer::NullBuffer>,
                out: &mut #p::Vec<#p::arrow_array::ArrayRef>,
            ) -> #p::Result<(), #p::arrow_schema::ArrowError> {
                #(#moves)*
                #p::Result::Ok(())
            }
        }

        impl #columns {
            /// The Arrow schema of these columns: every stored field, nested
            /// facts flattened into `field_subfield`, timestamps with their unit.
            pub fn schema() -> #p::arrow_schema::Schema {
                #p::arrow_schema_of::<Self>()
            }

            /// Moves the columns into an Arrow record batch of
            /// [`schema`](Self::schema), without copying the values.
            ///
            /// # Errors
            /// Buffers that break Arrow's rules, only possible if public
            /// fields were changed by hand.
            pub fn into_record_batch(
                self,
            ) -> #p::Result<#p::arrow_array::RecordBatch, #p::arrow_schema::ArrowError> {
                #p::into_record_batch(self)
            }
        }
    }
}

/// Nothing without the `arrow` feature.
#[cfg(not(feature = "arrow"))]
pub fn arrow_impls(_: &Input, _: &Path) -> TokenStream {
    TokenStream::new()
}

/// `<T as FieldColumn<U>>::KIND`: the field's `FieldKind`.
pub fn column_kind(field: &Field, krate: &Path) -> TokenStream {
    column_member(field, krate, "KIND")
}

/// The owned value of a field's declared default (the attribute gives it in
/// the accessor's type, `&str` for a `String`).
pub fn owned_default(field: &Field, krate: &Path) -> TokenStream {
    let to_owned = {
        let tr = field_trait_named(field, krate, "Field");
        quote!(#tr::to_owned)
    };
    let value = default_value(field);
    quote!(#to_owned(#value))
}
