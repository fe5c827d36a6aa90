//! What each stored field holds and where, described at run time: enough for
//! a tool that has only bytes and [`FieldInfo`] (a SQL mirror, Arrow, a
//! debugger) to decode a field without the Rust type.

/// The layout of one stored field, published so that other tools (SQL
/// `get_byte`/`substring`, Arrow, debuggers) can find it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldInfo {
    /// The field's name.
    pub name: &'static str,
    /// Offset of the field's slot from the start of the blob. For a fixed field
    /// the value itself is there; for a variable-length one, its `u32` end pointer.
    pub offset: usize,
    /// Bytes of the slot.
    pub size: usize,
    /// The null bitmap byte and bit mask, for nullable fields.
    pub null: Option<(usize, u8)>,
    /// Whether the field has a payload in the tail.
    pub variable: bool,
    /// The version that added the field.
    pub since: u8,
    /// Fingerprint of the field's encoding.
    pub type_fp: u64,
    /// What the field holds: how to read its bytes without the Rust type.
    pub kind: FieldKind,
    /// Whether the field is marked `#[facts(index)]`: a store mirrors it in
    /// its own SQL column, to filter on.
    pub indexed: bool,
}

/// The runtime description of a field's type, in [`FieldInfo::kind`].
///
/// Fixed kinds say how the slot's bytes read (all little-endian); the
/// variable-length kinds describe the payload in the tail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FieldKind {
    /// One byte, 0 or 1.
    Bool,
    /// `i8`.
    I8,
    /// `i16`.
    I16,
    /// `i32`.
    I32,
    /// `i64`.
    I64,
    /// `u8`.
    U8,
    /// `u16`.
    U16,
    /// `u32`.
    U32,
    /// `u64`.
    U64,
    /// `f32`.
    F32,
    /// `f64`.
    F64,
    /// An instant: `i64` count of `unit` since 1970-01-01T00:00:00, in UTC
    /// (`DateTime<Utc>`, `utc` true) or wall-clock (`NaiveDateTime`, `utc` false).
    Timestamp {
        /// The unit counted.
        unit: TimeUnit,
        /// Whether the instant is in UTC rather than a naive wall-clock time.
        utc: bool,
    },
    /// A calendar date (`NaiveDate`): `i32` days since 1970-01-01.
    Date,
    /// A duration (`TimeDelta`): `i64` count of `unit`.
    Duration {
        /// The unit counted.
        unit: TimeUnit,
    },
    /// `[u8; len]`, the bytes themselves.
    Bytes {
        /// The array's length.
        len: usize,
    },
    /// `[T; len]` of a fixed-size `T` other than `u8` (which is
    /// [`Bytes`](FieldKind::Bytes)): the elements' slots back to back.
    Array {
        /// The elements' kind.
        element: &'static FieldKind,
        /// The array's length.
        len: usize,
    },
    /// A tuple of fixed-size values: their slots back to back, in order.
    Tuple(&'static [FieldKind]),
    /// A nested fact: the body of `name` (its header without the prefix),
    /// or, for a type with variable-length fields, its whole blob in the
    /// tail ([`FieldInfo::variable`] says which); its fields are listed.
    Fact {
        /// The nested type's name.
        name: &'static str,
        /// The nested type's stored fields.
        fields: &'static [FieldInfo],
    },
    /// A UTF-8 string (variable length).
    String,
    /// A list of fixed-size elements of the given kind (variable length).
    List(&'static FieldKind),
    /// A list of strings (variable length).
    StrList,
    /// A fieldless enum (`#[derive(FactEnum)]`): its variant's discriminant,
    /// stored as the integer kind `repr`.
    Enum {
        /// The enum's name.
        name: &'static str,
        /// The integer kind of the stored discriminant (`U8`..`U64`, `I8`..`I64`).
        repr: &'static FieldKind,
        /// The variants, in declaration order.
        variants: &'static [EnumVariant],
    },
    /// An enum whose variants carry data (`#[derive(FactEnum)]` with a
    /// variant such as `Circle(Circle)`), variable-length: its payload is the
    /// variant's tag, stored as the integer kind `repr`, then the variant's
    /// value.
    Union {
        /// The enum's name.
        name: &'static str,
        /// The integer kind of the stored tag (`U8`..`U64`, `I8`..`I64`).
        repr: &'static FieldKind,
        /// The variants (their names and tags), in declaration order.
        variants: &'static [EnumVariant],
    },
}

impl FieldKind {
    /// Bytes one value of a fixed kind takes; `None` for variable-length kinds
    /// and nested facts (whose size is their body's: the header length less the prefix).
    pub const fn fixed_size(&self) -> Option<usize> {
        match self {
            FieldKind::Bool | FieldKind::I8 | FieldKind::U8 => Some(1),
            FieldKind::I16 | FieldKind::U16 => Some(2),
            FieldKind::I32 | FieldKind::U32 | FieldKind::F32 | FieldKind::Date => Some(4),
            FieldKind::I64
            | FieldKind::U64
            | FieldKind::F64
            | FieldKind::Timestamp { .. }
            | FieldKind::Duration { .. } => Some(8),
            FieldKind::Bytes { len } => Some(*len),
            FieldKind::Enum { repr, .. } => repr.fixed_size(),
            FieldKind::Array { element, len } => match element.fixed_size() {
                Some(size) => size.checked_mul(*len),
                None => None,
            },
            FieldKind::Tuple(elements) => {
                let mut total = 0usize;
                let mut rest = *elements;
                while let [first, tail @ ..] = rest {
                    total = match first.fixed_size() {
                        Some(size) => match total.checked_add(size) {
                            Some(sum) => sum,
                            None => return None,
                        },
                        None => return None,
                    };
                    rest = tail;
                }
                Some(total)
            }
            FieldKind::Fact { .. }
            | FieldKind::Union { .. }
            | FieldKind::String
            | FieldKind::List(_)
            | FieldKind::StrList => None,
        }
    }

    /// Whether values of this kind always live in the tail (a nested fact
    /// with variable-length fields does too: see [`FieldInfo::variable`]).
    pub const fn is_variable(&self) -> bool {
        matches!(
            self,
            FieldKind::String | FieldKind::List(_) | FieldKind::StrList | FieldKind::Union { .. }
        )
    }
}

/// One variant of a [`FactEnum`](crate::FactEnum), described at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EnumVariant {
    /// The variant's name.
    pub name: &'static str,
    /// Its discriminant, the stored integer, widened.
    pub value: i128,
    /// Whether it is the catch-all (`#[facts(other)]`).
    pub other: bool,
}

/// The unit of a stored time value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeUnit {
    /// Seconds.
    Seconds,
    /// Milliseconds.
    Millis,
    /// Microseconds.
    Micros,
    /// Nanoseconds.
    Nanos,
}

impl TimeUnit {
    /// How many of this unit make one second.
    pub const fn per_second(self) -> i64 {
        match self {
            TimeUnit::Seconds => 1,
            TimeUnit::Millis => 1_000,
            TimeUnit::Micros => 1_000_000,
            TimeUnit::Nanos => 1_000_000_000,
        }
    }
}
