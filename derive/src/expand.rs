//! Code generation for a validated [`Input`]: the layout constants, the view,
//! the `Facts` impl, field handles, nesting and (feature `proptest`) `Arbitrary`.
//!
//! Every layout number is a `const` computed by the compiler from the field
//! types' `Field` constants, so this module never needs to know a type's size.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Ident, Path};

use crate::ast::{Field, Input};
use crate::names::{default_value, krate, member, view_ident};

/// Everything `#[derive(Facts)]` emits for `input`.
pub fn derive(input: &Input) -> TokenStream {
    let krate = krate(input);
    let view = view_ident(input);
    let transient = transient_struct(input);
    let view_struct = view_struct(input, &krate);
    let view_constructor = view_constructor(input, &krate);
    let layout = layout(input, &krate);
    let accessors = accessors(input, &krate);
    let facts_impl = facts_impl(input, &krate);
    let handles = handles(input, &krate);
    let nesting = nesting(input, &krate);
    let arbitrary = arbitrary(input, &krate);
    let serde = crate::serde::serialize(input, &krate);
    let columns_struct = crate::columns::columns_struct(input, &krate);
    let columns_impls = crate::columns::columns_impls(input, &krate);
    let ident = input.ident;
    let name = ident.to_string();
    let debug_fields = input.stored().map(|f| {
        let (fid, fname) = (f.ident, f.name());
        quote!(.field(#fname, &self.#fid()))
    });
    quote! {
        #transient
        #view_struct
        #columns_struct
        const _: () = {
            #layout
            #view_constructor
            #columns_impls
            #accessors
            #facts_impl
            #handles
            #nesting
            #arbitrary
            #serde

            impl<'a> #krate::__private::fmt::Debug for #view<'a> {
                fn fmt(&self, f: &mut #krate::__private::fmt::Formatter<'_>) -> #krate::__private::fmt::Result {
                    f.debug_struct(#name) #(#debug_fields)* .finish()
                }
            }

            impl<'a> #krate::__private::FactView<'a> for #view<'a> {
                type Fact = #ident;

                #[inline]
                fn as_bytes(&self) -> &'a [u8] {
                    self.blob
                }

                #[inline]
                fn version(&self) -> u8 {
                    self.__version()
                }

                #[inline]
                fn body(&self) -> &'a [u8] {
                    self.__body_bytes()
                }

                #[inline]
                fn is_whole(&self) -> bool {
                    self.__is_whole()
                }

                fn unpack(&self) -> #ident {
                    <#ident as #krate::__private::Facts>::from_view(
                        *self,
                        ::core::default::Default::default(),
                    )
                }
            }
        };
    }
}

/// `FooTransient`, or `None` when the type has no transient field.
fn transient_ident(input: &Input) -> Option<Ident> {
    input
        .transient()
        .next()
        .map(|_| format_ident!("{}Transient", input.ident))
}

fn slot_ident(index: usize) -> Ident {
    format_ident!("__SLOT_{}", index)
}

/// The slot of field `index` in the body (see `Slot::in_body`).
pub fn body_slot_ident(index: usize) -> Ident {
    format_ident!("__BSLOT_{}", index)
}

/// The checks of the fields that version `v` appended, in order, each
/// reading `input` at its slot (`slot` names the slot constants: whole blob
/// or body) and naming the field in its error.
fn segment_checks<'a>(
    stored: &'a [&'a Field],
    v: u8,
    krate: &'a Path,
    name: &'a str,
    input: &'static str,
    slot: fn(usize) -> Ident,
) -> impl Iterator<Item = TokenStream> + 'a {
    let p = quote!(#krate::__private);
    let input = format_ident!("{}", input);
    stored
        .iter()
        .enumerate()
        .filter(move |(_, f)| f.since() == v)
        .map(move |(i, f)| {
            let check = member(f, krate, "check");
            let (fname, slot) = (f.name(), slot(i));
            quote! {
                #check(#input, #slot, &mut cursor)
                    .map_err(|fault| #p::field_error(#name, #fname, fault))?;
            }
        })
}

fn view_struct(input: &Input, krate: &Path) -> TokenStream {
    let vis = input.vis;
    let ident = input.ident;
    let view = view_ident(input);
    let doc = format!(
        "A validated, zero-copy view of a packed [`{}`]: one O(1) accessor per stored field.",
        input.ident
    );
    quote! {
        #[doc = #doc]
        #[derive(Clone, Copy)]
        #vis struct #view<'a> {
            // The bytes viewed: a whole blob, or the body of a nested fact
            // or list element.
            blob: &'a [::core::primitive::u8],
            // The version-1 segment, which every valid blob of every version
            // has, from the body (the blob without its prefix): fields of
            // version 1 read from it at constant offsets, without a bounds
            // check. It starts where `blob` does exactly when `blob` is a
            // body, which is how a view tells the two apart and stays two
            // pointers wide.
            head: &'a [::core::primitive::u8; <#ident as #krate::__private::Facts>::HEADER_LENS[0] as usize - #krate::__private::PREFIX_LEN],
        }
    }
}

/// `FooView::__new` and `FooView::__body`: the ways views are made, and
/// what a view knows of its bytes.
fn view_constructor(input: &Input, krate: &Path) -> TokenStream {
    let ident = input.ident;
    let view = view_ident(input);
    let p = quote!(#krate::__private);
    let version = input.version();
    // The version of a body follows from its length: every version appends
    // at least one byte, and a list's element size is its version's.
    let body_version = if version == 1 {
        quote!({ 1 })
    } else {
        let checks = (2..=version).rev().map(|v| {
            let end = format_ident!("__SEG{}_END", v);
            quote! {
                if len >= #end - #p::PREFIX_LEN {
                    return #v;
                }
            }
        });
        quote!({
            let len = self.blob.len();
            #(#checks)*
            1
        })
    };
    quote! {
        // The view's head: the version-1 segment of the body.
        const __HEAD: ::core::primitive::usize =
            <#ident as #p::Facts>::HEADER_LENS[0] as ::core::primitive::usize - #p::PREFIX_LEN;
        const __EMPTY: [::core::primitive::u8; __HEAD] = [0; __HEAD];

        impl<'a> #view<'a> {

            /// A view of a whole blob.
            #[inline(always)]
            fn __new(blob: &'a [::core::primitive::u8]) -> Self {
                // A valid blob always has the version-1 segment; an invalid
                // one (only reachable through `view_unvalidated`) reads zeros.
                let head = match <[::core::primitive::u8]>::get(blob, #p::PREFIX_LEN..) {
                    #p::Option::Some(body) => <[::core::primitive::u8]>::first_chunk::<__HEAD>(body),
                    #p::Option::None => #p::Option::None,
                };
                let head = match head {
                    #p::Option::Some(head) => head,
                    #p::Option::None => &__EMPTY,
                };
                Self { blob, head }
            }

            /// A view of the body of a nested fact or list element (whose
            /// length says its version).
            #[inline(always)]
            fn __body(body: &'a [::core::primitive::u8]) -> Self {
                let head = match <[::core::primitive::u8]>::first_chunk::<__HEAD>(body) {
                    #p::Option::Some(head) => head,
                    #p::Option::None => &__EMPTY,
                };
                Self { blob: body, head }
            }

            /// Whether `blob` is a whole blob rather than a body.
            #[inline(always)]
            fn __is_whole(&self) -> ::core::primitive::bool {
                !::core::ptr::eq(
                    <[::core::primitive::u8]>::as_ptr(self.blob),
                    <[::core::primitive::u8]>::as_ptr(&self.head[..]),
                )
            }

            /// The header from its first segment on.
            #[inline(always)]
            fn __body_bytes(&self) -> &'a [::core::primitive::u8] {
                if self.__is_whole() {
                    match <[::core::primitive::u8]>::get(self.blob, #p::PREFIX_LEN..) {
                        #p::Option::Some(body) => body,
                        #p::Option::None => &[],
                    }
                } else {
                    self.blob
                }
            }

            /// The version that wrote a whole blob; for a body, the newest
            /// version this code knows whose fields it holds.
            #[inline(always)]
            fn __version(&self) -> ::core::primitive::u8 {
                if self.__is_whole() {
                    #p::version_of(self.blob)
                } else #body_version
            }
        }
    }
}

fn transient_struct(input: &Input) -> TokenStream {
    let Some(ident) = transient_ident(input) else {
        return TokenStream::new();
    };
    let vis = input.vis;
    let doc = format!(
        "The `#[facts(transient)]` fields of [`{}`]: kept beside its bytes, never in them.",
        input.ident
    );
    let fields = input.transient().map(|f| {
        let (fvis, fid, ty, docs) = (f.vis, f.ident, f.ty, &f.docs);
        quote!(#(#docs)* #fvis #fid: #ty)
    });
    let defaults = input.transient().map(|f| {
        let fid = f.ident;
        let value = default_value(f);
        quote!(#fid: #value)
    });
    quote! {
        #[doc = #doc]
        #[derive(Clone, Debug)]
        #vis struct #ident {
            #(#fields,)*
        }

        impl ::core::default::Default for #ident {
            fn default() -> Self {
                Self { #(#defaults,)* }
            }
        }
    }
}

/// The layout constants: per version segment its start, null count and end;
/// per field its slot. See FORMAT.md.
fn layout(input: &Input, krate: &Path) -> TokenStream {
    let p = quote!(#krate::__private);
    let mut out = TokenStream::new();
    let stored: Vec<&Field> = input.stored().collect();
    let mut index = 0;
    for version in 1..=input.version() {
        let start = format_ident!("__SEG{}_START", version);
        let nulls = format_ident!("__SEG{}_NULLS", version);
        let end = format_ident!("__SEG{}_END", version);
        let start_value = if version == 1 {
            quote!(#p::PREFIX_LEN)
        } else {
            let prev_end = format_ident!("__SEG{}_END", version - 1);
            quote!(#prev_end)
        };
        let segment: Vec<(usize, &Field)> = stored
            .iter()
            .enumerate()
            .skip(index)
            .take_while(|(_, f)| f.since() == version)
            .map(|(i, f)| (i, *f))
            .collect();
        let nullables = segment.iter().map(|(_, f)| {
            let nullable = member(f, krate, "NULLABLE");
            quote!(#nullable as usize)
        });
        let sizes = segment.iter().map(|(_, f)| member(f, krate, "SLOT_SIZE"));
        out.extend(quote! {
            const #start: usize = #start_value;
            const #nulls: usize = 0 #(+ #nullables)*;
            const #end: usize = #start + #p::bitmap_len(#nulls) #(+ #sizes)*;
        });
        if version > 1 {
            // `valid` ensures the segment has a field; this catches one whose
            // fields all take no bytes. See FORMAT.md, "Evolution".
            let message = format!(
                "version {version} appends no header byte: its fields all take zero bytes, so its blobs could not be told from version {}'s",
                version - 1
            );
            out.extend(quote! {
                const _: () = ::core::assert!(#end > #start, #message);
            });
        }
        for (position, (i, field)) in segment.iter().enumerate() {
            let nullable = member(field, krate, "NULLABLE");
            let (slot, bslot) = (slot_ident(*i), body_slot_ident(*i));
            let nidx = format_ident!("__NIDX_{}", i);
            let (offset, null_index) = if position == 0 {
                (quote!(#start + #p::bitmap_len(#nulls)), quote!(0))
            } else {
                let (prev, prev_nidx) = (slot_ident(i - 1), format_ident!("__NIDX_{}", i - 1));
                let prev_size = member(stored[i - 1], krate, "SLOT_SIZE");
                let prev_nullable = member(stored[i - 1], krate, "NULLABLE");
                (
                    quote!(#prev.offset + #prev_size),
                    quote!(#prev_nidx + #prev_nullable as usize),
                )
            };
            let prev_end = if *i == 0 {
                quote!(#p::Option::None)
            } else {
                let prev = slot_ident(i - 1);
                let prev_variable = member(stored[i - 1], krate, "VARIABLE");
                quote!(#p::next_prev_end(#prev_variable, #prev.offset, #prev.prev_end))
            };
            out.extend(quote! {
                // The field's index among its segment's nullable fields.
                const #nidx: usize = #null_index;
                const #slot: #p::Slot = #p::Slot {
                    offset: #offset,
                    null: #p::null_bit(#nullable, #start, #nidx),
                    prev_end: #prev_end,
                };
                // The same slot in the body: a nested fact or list element.
                const #bslot: #p::Slot = #p::Slot::in_body(#slot);
            });
        }
        index += segment.len();
    }
    out
}

fn accessors(input: &Input, krate: &Path) -> TokenStream {
    let view = view_ident(input);
    let methods = input.stored().enumerate().map(|(i, f)| {
        let (vis, fid, docs) = (f.vis, f.ident, &f.docs);
        let (read, ty_ref) = (member(f, krate, "read"), member(f, krate, "Ref"));
        let (slot, bslot) = (slot_ident(i), body_slot_ident(i));
        let since = f.since();
        let header = format!("The `{fid}` field, read in O(1) from the bytes.");
        let variable = member(f, krate, "VARIABLE");
        let body = if since == 1 {
            quote! {
                if #variable {
                    #read(self.blob, #slot)
                } else {
                    #read(&self.head[..], #bslot)
                }
            }
        } else {
            // An `Option` field without a declared default reads as `None`.
            let absent = match &f.attrs.default {
                None => quote!(::core::default::Default::default()),
                Some(_) => default_value(f),
            };
            let note =
                format!("Added in version {since}; blobs of older versions read as the default.");
            return quote! {
                #[doc = #header]
                #[doc = ""]
                #(#docs)*
                #[doc = ""]
                #[doc = #note]
                #[inline]
                #vis fn #fid(&self) -> #ty_ref<'a> {
                    if self.__version() < #since {
                        #absent
                    } else if #variable {
                        #read(self.blob, #slot)
                    } else {
                        #read(self.__body_bytes(), #bslot)
                    }
                }
            };
        };
        quote! {
            #[doc = #header]
            #[doc = ""]
            #(#docs)*
            #[inline]
            #vis fn #fid(&self) -> #ty_ref<'a> {
                #body
            }
        }
    });
    quote! {
        #[allow(dead_code)]
        impl<'a> #view<'a> {
            #(#methods)*
        }
    }
}

fn facts_impl(input: &Input, krate: &Path) -> TokenStream {
    let p = quote!(#krate::__private);
    let ident = input.ident;
    let columns = crate::columns::columns_ident(input);
    let name = ident.to_string();
    let view = view_ident(input);
    let version = input.version();
    let last_end = format_ident!("__SEG{}_END", version);
    let header_lens = (1..=version).map(|v| {
        let end = format_ident!("__SEG{}_END", v);
        quote!(#p::header_len_u16(#end))
    });
    let stored: Vec<&Field> = input.stored().collect();

    // Fingerprint chain: one constant per field, one per version.
    let mut fp = quote!(#p::fingerprint_start());
    let mut fingerprints = Vec::new();
    for v in 1..=version {
        for f in stored.iter().filter(|f| f.since() == v) {
            let (type_fp, nullable) = (member(f, krate, "TYPE_FP"), member(f, krate, "NULLABLE"));
            let fname = f.name();
            fp = quote!(#p::fingerprint_field(#fp, #fname, #type_fp, #nullable, #v));
        }
        fingerprints.push(fp.clone());
    }

    let infos = stored.iter().enumerate().map(|(i, f)| {
        let size = member(f, krate, "SLOT_SIZE");
        let (variable, type_fp) = (member(f, krate, "VARIABLE"), member(f, krate, "TYPE_FP"));
        let slot = slot_ident(i);
        let (fname, since) = (f.name(), f.since());
        let kind = crate::columns::column_kind(f, krate);
        let indexed = f.attrs.index.is_some();
        quote! {
            #p::FieldInfo {
                name: #fname,
                offset: #slot.offset,
                size: #size,
                null: #slot.null,
                variable: #variable,
                since: #since,
                type_fp: #type_fp,
                kind: #kind,
                indexed: #indexed,
            }
        }
    });
    let variable = stored.iter().map(|f| member(f, krate, "VARIABLE"));
    let transient_names = input.transient().map(|f| f.name());
    let writes = stored.iter().enumerate().map(|(i, f)| {
        let write = member(f, krate, "write");
        let (fid, fname, slot) = (f.ident, f.name(), slot_ident(i));
        quote! {
            #write(&this.#fid, out, base, #slot)
                .map_err(|kind| #p::pack_error(#name, #fname, kind))?;
        }
    });
    let header_writes = stored.iter().enumerate().map(|(i, f)| {
        let write_header = member(f, krate, "write_header");
        let (fid, slot) = (f.ident, slot_ident(i));
        quote!(&& #write_header(&this.#fid, header, #slot))
    });
    let tail_writes = stored.iter().enumerate().map(|(i, f)| {
        let write_tail = member(f, krate, "write_tail");
        let (fid, slot) = (f.ident, slot_ident(i));
        quote!(&& #write_tail(&this.#fid, out, base, #slot))
    });
    let checks = (1..=version).map(|v| {
        let (start, nulls) = (
            format_ident!("__SEG{}_START", v),
            format_ident!("__SEG{}_NULLS", v),
        );
        let fields = segment_checks(&stored, v, krate, &name, "blob", slot_ident);
        let body = quote! {
            #p::check_bitmap(blob, #name, #start, #nulls)?;
            #(#fields)*
        };
        if v == 1 {
            body
        } else {
            quote!(if header.version >= #v { #body })
        }
    });
    // The fast path of `validate`: every segment's bitmap and every field (a
    // blob of the current version has them all), chained with `&&`: the
    // early exits are never taken on valid data, so they cost no
    // mispredictions, and they keep LLVM from holding every check's result.
    let fast_bitmaps = (1..=version).map(|v| {
        let (start, nulls) = (
            format_ident!("__SEG{}_START", v),
            format_ident!("__SEG{}_NULLS", v),
        );
        quote!(ok = ok && #p::bitmap_is_valid(header, #start, #nulls);)
    });
    let fast_fields = stored.iter().enumerate().map(|(i, f)| {
        let is_valid = member(f, krate, "is_valid");
        let slot = slot_ident(i);
        quote!(ok = ok && #is_valid(header, blob, #slot, &mut cursor);)
    });
    let (transient_ty, transient_copy, transient_fields) = match transient_ident(input) {
        Some(t) => {
            let copies = input.transient().map(|f| {
                let fid = f.ident;
                quote!(#fid: ::core::clone::Clone::clone(&self.#fid))
            });
            let fields = input.transient().map(|f| {
                let fid = f.ident;
                quote!(#fid: transient.#fid)
            });
            (
                quote!(#t),
                quote!(#t { #(#copies,)* }),
                quote!(#(#fields,)*),
            )
        }
        None => (quote!(#p::NoTransient), quote!(), quote!()),
    };
    let unpacks = stored.iter().map(|f| {
        let to_owned = member(f, krate, "to_owned");
        let fid = f.ident;
        quote!(#fid: #to_owned(view.#fid()))
    });
    quote! {
        #[automatically_derived]
        impl #p::Facts for #ident {
            type View<'a> = #view<'a>;
            type Transient = #transient_ty;
            type Columns = #columns;

            const NAME: &'static str = #name;
            const VERSION: u8 = #version;
            const HEADER_LENS: &'static [u16] = &[#(#header_lens),*];
            const HEADER_LEN: usize = #last_end;
            const FINGERPRINTS: &'static [u64] = &[#(#fingerprints),*];
            const FINGERPRINT: u64 = #fp;
            const FIELDS: &'static [#p::FieldInfo] = &[#(#infos),*];
            const TRANSIENT_FIELDS: &'static [&'static str] = &[#(#transient_names),*];
            const HAS_TAIL: bool = false #(|| #variable)*;

            fn pack_into(&self, out: &mut #p::Vec<u8>) -> #p::Result<(), #p::PackError> {
                let base = out.len();
                if <Self as #p::FastPath>::pack_fast(self, out) {
                    return #p::Result::Ok(());
                }
                #p::Vec::truncate(out, base);
                <Self as #p::FastPath>::pack_precise(self, out)
            }

            fn validate(blob: &[u8]) -> #p::Result<(), #p::Error> {
                if <Self as #p::FastPath>::validate_fast(blob) {
                    #p::Result::Ok(())
                } else {
                    <Self as #p::FastPath>::validate_precise(blob)
                }
            }

            #[inline(always)]
            fn view_unvalidated(blob: &[u8]) -> #view<'_> {
                #view::__new(blob)
            }

            fn transient(&self) -> #transient_ty {
                #transient_copy
            }

            #[allow(unused_variables)]
            fn from_view(view: #view<'_>, transient: #transient_ty) -> Self {
                Self {
                    #(#unpacks,)*
                    #transient_fields
                }
            }
        }

        // The fast and precise paths of `validate` and `pack_into`; see
        // `FastPath` for how they share the work and why they agree.
        #[automatically_derived]
        impl #p::FastPath for #ident {
            // Blobs of the current version only: the header is taken as a
            // fixed-size array, so slots at constant offsets are read without
            // bounds checks, and every check is a `bool` (no error values).
            // Out of line, a leaf: inlined into `validate`, the call to the
            // precise path would cost register moves inside the fast path.
            #[inline(never)]
            fn validate_fast(blob: &[u8]) -> bool {
                let header: &[u8] = match #p::current_header::<{ #last_end }>(blob, #version) {
                    #p::Option::Some(header) => header,
                    #p::Option::None => return false,
                };
                let mut cursor = #last_end;
                let mut ok = true;
                #(#fast_bitmaps)*
                #(#fast_fields)*
                ok && cursor == blob.len()
            }

            // Out of line, so that the fast path around it stays small. It is
            // the only path for blobs of other versions.
            #[inline(never)]
            fn validate_precise(blob: &[u8]) -> #p::Result<(), #p::Error> {
                let header = #p::open(blob, #name, <Self as #p::Facts>::HEADER_LENS)?;
                let mut cursor = header.header_len;
                #(#checks)*
                #p::close(blob, #name, header, cursor, #version)
            }

            // The fixed slots and null bits go into the header borrowed as a
            // fixed-size array (constant offsets, no bounds checks, no reloads
            // of the `Vec` between writes), then the payloads are appended.
            #[allow(clippy::ptr_arg, unused_variables)]
            #[inline(always)]
            fn pack_fast(&self, out: &mut #p::Vec<u8>) -> bool {
                let this = self;
                let base = #p::begin_pack(out, #version, const { #p::header_len_u16(#last_end) });
                let header_written = match #p::header_mut::<{ #last_end }>(out, base) {
                    #p::Option::Some(header) => {
                        let header: &mut [u8] = header;
                        true #(#header_writes)*
                    }
                    #p::Option::None => false,
                };
                header_written #(#tail_writes)*
            }

            // Only runs when the fast path failed: a time its unit cannot
            // hold, or a fact past 4 GiB.
            #[cold]
            #[inline(never)]
            fn pack_precise(&self, out: &mut #p::Vec<u8>) -> #p::Result<(), #p::PackError> {
                // Types without variable-length fields only write into the header.
                #[allow(clippy::ptr_arg, unused_variables)]
                #[inline(always)]
                fn write_fields(
                    this: &#ident,
                    out: &mut #p::Vec<u8>,
                    base: usize,
                ) -> #p::Result<(), #p::PackError> {
                    #(#writes)*
                    #p::Result::Ok(())
                }
                let base = #p::begin_pack(out, #version, const { #p::header_len_u16(#last_end) });
                let result = write_fields(self, out, base);
                if #p::Result::is_err(&result) {
                    #p::Vec::truncate(out, base);
                }
                result
            }
        }
    }
}

/// `Foo::FIELD_NAME`: a typed handle per stored field.
fn handles(input: &Input, krate: &Path) -> TokenStream {
    let p = quote!(#krate::__private);
    let ident = input.ident;
    let consts = input.stored().enumerate().map(|(i, f)| {
        let (vis, ty, fname, since) = (f.vis, f.ty, f.name(), f.since());
        let handle = Ident::new(&fname.to_uppercase(), f.ident.span());
        let unit = match f.attrs.unit {
            Some((unit, span)) => {
                let name = Ident::new(unit.const_name(), span);
                quote!(#krate::unit::#name)
            }
            None => quote!(#krate::unit::NATURAL),
        };
        let slot = slot_ident(i);
        let doc =
            format!("Handle on the `{fname}` field: its constant byte offset, type and version.");
        let span = ty.span();
        let absent = match (&f.attrs.default, since) {
            (Some(_), 2..) => {
                let owned = crate::columns::owned_default(f, krate);
                quote!(#p::Option::Some({
                    fn absent() -> #ty {
                        #owned
                    }
                    absent
                }))
            }
            _ => quote!(#p::Option::None),
        };
        quote_spanned! {span=>
            #[doc = #doc]
            #vis const #handle: #p::FieldRef<#ident, #ty, { #unit }> =
                #p::FieldRef::new(#fname, #slot, #since, #absent);
        }
    });
    quote! {
        // Generated API: unused handles or accessors are not the user's dead code.
        #[allow(non_upper_case_globals, dead_code)]
        impl #ident {
            #(#consts)*
        }
    }
}

/// `FixedField` for the type itself, so that a fact without a tail can be a
/// field (or a list element) of another fact: its body (the header without
/// the prefix) sits in the slot, and lists of it carry one list header for
/// all their elements (see FORMAT.md). Also the body's own validation and
/// packing, which write and read at the body slots.
fn nesting(input: &Input, krate: &Path) -> TokenStream {
    let p = quote!(#krate::__private);
    let ident = input.ident;
    let name = ident.to_string();
    let view = view_ident(input);
    let version = input.version();
    let stored: Vec<&Field> = input.stored().collect();
    let element_sizes = (1..=version).map(|v| {
        let end = format_ident!("__SEG{}_END", v);
        quote!(#p::header_len_u16(#end - #p::PREFIX_LEN))
    });
    let always_valid = stored.iter().map(|f| member(f, krate, "ALWAYS_VALID"));
    let nullable = stored.iter().map(|f| member(f, krate, "NULLABLE"));
    let checks = (1..=version).map(|v| {
        let (start, nulls) = (
            format_ident!("__SEG{}_START", v),
            format_ident!("__SEG{}_NULLS", v),
        );
        let fields = segment_checks(&stored, v, krate, &name, "body", body_slot_ident);
        quote! {
            if version >= #v {
                #p::check_bitmap(body, #name, #start - #p::PREFIX_LEN, #nulls)?;
                #(#fields)*
            }
        }
    });
    let fast_bitmaps = (1..=version).map(|v| {
        let (start, nulls) = (
            format_ident!("__SEG{}_START", v),
            format_ident!("__SEG{}_NULLS", v),
        );
        quote!(&& #p::bitmap_is_valid(header, #start - #p::PREFIX_LEN, #nulls))
    });
    let fast_fields = stored.iter().enumerate().map(|(i, f)| {
        let is_valid = member(f, krate, "is_valid");
        let slot = body_slot_ident(i);
        quote!(&& #is_valid(header, header, #slot, &mut cursor))
    });
    let header_writes = stored.iter().enumerate().map(|(i, f)| {
        let write_header = member(f, krate, "write_header");
        let (fid, slot) = (f.ident, body_slot_ident(i));
        quote!(&& #write_header(&self.#fid, header, #slot))
    });
    quote! {
        #[allow(dead_code)]
        impl #ident {
            /// The body's size at the current version.
            const __BODY: usize = <Self as #p::Facts>::HEADER_LEN - #p::PREFIX_LEN;

            /// Validates a body written at `version`: exactly that version's
            /// body, or for a newer version at least this code's. Offsets in
            /// the error are from the start of the body.
            #[allow(unused_mut, unused_variables)]
            fn __check_body(body: &[u8], version: u8) -> #p::Result<(), #p::Error> {
                let mut cursor = 0usize;
                #(#checks)*
                #p::Result::Ok(())
            }

            /// Whether a body of the current version or a newer one is valid.
            #[allow(unused_mut, unused_variables)]
            #[inline(always)]
            fn __body_is_valid(body: &[u8]) -> bool {
                let header: &[u8] = match <[u8]>::first_chunk::<{ Self::__BODY }>(body) {
                    #p::Option::Some(header) => header,
                    #p::Option::None => return false,
                };
                let mut cursor = 0usize;
                true #(#fast_bitmaps)* #(#fast_fields)*
            }

            /// Writes the body into `out`, which is `__BODY` bytes; `false`
            /// where a field cannot be encoded.
            #[inline(always)]
            fn __encode_body(&self, out: &mut [u8]) -> bool {
                let header: &mut [u8] = match <[u8]>::first_chunk_mut::<{ Self::__BODY }>(out) {
                    #p::Option::Some(header) => header,
                    #p::Option::None => return false,
                };
                // Null bits are OR-ed in and null slots left as they are.
                if false #(|| #nullable)* {
                    <[u8]>::fill(header, 0);
                }
                true #(#header_writes)*
            }
        }

        // A type with variable-length fields is nested as its whole blob
        // (`BLOB`, through the `*_blob` methods); one without, as its body.
        impl #p::FixedField for #ident {
            const SIZE: usize = Self::__BODY;
            const TYPE_FP: u64 = if <Self as #p::Facts>::HAS_TAIL {
                #p::mix(#p::tag("nested blob"), <Self as #p::Facts>::FINGERPRINT)
            } else {
                #p::mix(#p::tag("nested fact"), <Self as #p::Facts>::FINGERPRINT)
            };
            const BLOB: bool = <Self as #p::Facts>::HAS_TAIL;
            const ALWAYS_VALID: bool = !<Self as #p::Facts>::HAS_TAIL #(&& #always_valid)*;
            const ELEMENT_SIZES: &'static [u16] = &[#(#element_sizes),*];
            type Ref<'a> = #view<'a>;

            #[inline(always)]
            fn encode(&self, out: &mut [u8]) -> #p::Result<(), #p::PackErrorKind> {
                if Self::__encode_body(self, out) {
                    #p::Result::Ok(())
                } else {
                    #p::Result::Err(#p::nested_pack_error(self))
                }
            }

            fn check(bytes: &[u8]) -> #p::Result<(), #p::ErrorKind> {
                <Self as #p::FixedField>::check_at(bytes, #version)
            }

            #[inline(always)]
            fn is_valid(bytes: &[u8]) -> bool {
                <Self as #p::FixedField>::ALWAYS_VALID || Self::__body_is_valid(bytes)
            }

            #[inline(always)]
            fn decode(bytes: &[u8]) -> #view<'_> {
                #view::__body(bytes)
            }

            fn to_owned(value: #view<'_>) -> Self {
                #p::FactView::unpack(&value)
            }

            fn check_at(bytes: &[u8], version: u8) -> #p::Result<(), #p::ErrorKind> {
                Self::__check_body(bytes, version).map_err(#p::nested_error)
            }

            #[inline(always)]
            fn is_valid_at(bytes: &[u8], version: u8) -> bool {
                <Self as #p::FixedField>::ALWAYS_VALID
                    || if version >= #version {
                        Self::__body_is_valid(bytes)
                    } else {
                        Self::__check_body(bytes, version).is_ok()
                    }
            }

            #[inline(always)]
            fn decode_at(bytes: &[u8], _: u8) -> #view<'_> {
                // A body's length says its version.
                #view::__body(bytes)
            }

            #[inline(always)]
            fn write_blob(&self, out: &mut #p::Vec<u8>) -> #p::Result<(), #p::PackErrorKind> {
                #p::Result::map_err(<Self as #p::Facts>::pack_into(self, out), |e| e.kind)
            }

            fn check_blob(blob: &[u8]) -> #p::Result<(), #p::Error> {
                <Self as #p::Facts>::validate(blob)
            }

            // The fast path judges every blob of the current version on its
            // own; only other versions need the precise path. (Running it
            // on an invalid current blob too would double the work at each
            // level of nesting: 2^depth validations of an invalid leaf.)
            #[inline(always)]
            fn blob_is_valid(blob: &[u8]) -> bool {
                <Self as #p::FastPath>::validate_fast(blob)
                    || (<[u8]>::first(blob) != #p::Option::Some(&#version)
                        && #p::Result::is_ok(&<Self as #p::FastPath>::validate_precise(blob)))
            }

            #[inline(always)]
            fn decode_blob(blob: &[u8]) -> #view<'_> {
                #view::__new(blob)
            }
        }
    }
}

#[cfg(feature = "proptest")]
fn arbitrary(input: &Input, krate: &Path) -> TokenStream {
    let p = quote!(#krate::__private);
    let ident = input.ident;
    let stored: Vec<&Field> = input.stored().collect();
    let strategies: Vec<TokenStream> = stored
        .iter()
        .map(|f| {
            let ty = f.ty;
            let unit = match f.attrs.unit {
                Some((unit, span)) => {
                    let name = Ident::new(unit.const_name(), span);
                    quote!(#krate::unit::#name)
                }
                None => quote!(#krate::unit::NATURAL),
            };
            quote!(<#ty as #p::FieldStrategy<{ #unit }>>::strategy())
        })
        .collect();
    let names: Vec<&Ident> = stored.iter().map(|f| f.ident).collect();
    // Right-nested pairs: (a, (b, (c, d))), so any number of fields fits.
    let nest = |items: Vec<TokenStream>| {
        items
            .into_iter()
            .rev()
            .reduce(|acc, item| quote!((#item, #acc)))
            .unwrap_or_else(|| quote!(#p::proptest::strategy::Just(())))
    };
    let strategy = nest(strategies);
    let pattern = nest(names.iter().map(|n| quote!(#n)).collect());
    let pattern = if names.is_empty() {
        quote!(())
    } else {
        pattern
    };
    let transient = input.transient().map(|f| {
        let fid = f.ident;
        let value = default_value(f);
        quote!(#fid: #value)
    });
    quote! {
        impl #p::proptest::arbitrary::Arbitrary for #ident {
            type Parameters = ();
            type Strategy = #p::proptest::strategy::BoxedStrategy<Self>;

            fn arbitrary_with(_: ()) -> Self::Strategy {
                #[allow(unused_parens)]
                let strategy = #strategy;
                let values = #p::proptest::strategy::Strategy::prop_map(
                    strategy,
                    |#pattern| #ident { #(#names,)* #(#transient,)* },
                );
                #p::proptest::strategy::Strategy::boxed(values)
            }
        }

        impl #p::FieldStrategy for #ident {
            fn strategy() -> #p::proptest::strategy::BoxedStrategy<Self> {
                <Self as #p::proptest::arbitrary::Arbitrary>::arbitrary_with(())
            }
        }
    }
}

#[cfg(not(feature = "proptest"))]
fn arbitrary(_: &Input, _: &Path) -> TokenStream {
    TokenStream::new()
}
