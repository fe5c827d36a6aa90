//! The table a store owns: its columns, which rows are visible, and the SQL
//! that filters them. Everything here is checked before any SQL runs.

use core::fmt::Write as _;
use core::ops::Bound;

use super::error::StoreError;
use super::field::FieldName;
use super::filter::{Cond, Filter};
use super::mirror::{Cell, Mirror};
use super::value::{SqlType, Value};

/// What to do when a row with the same key, version and fingerprint exists.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Conflict {
    /// Overwrite it (the default).
    #[default]
    Replace,
    /// Keep the existing row; the new one is dropped.
    Keep,
    /// Overwrite it only when the new row's value of this mirrored field is
    /// greater (a null is older than any value). The field is named by its
    /// handle or its name: `ReplaceIfNewer(Foo::UPDATED.into())`,
    /// `ReplaceIfNewer("updated".into())`.
    ReplaceIfNewer(FieldName),
}

/// A key or mirrored column.
#[derive(Debug, Clone)]
pub(crate) struct Column {
    pub(crate) name: String,
    pub(crate) sql: SqlType,
}

/// A store's table, resolved and checked.
#[derive(Debug)]
pub(crate) struct Spec {
    pub(crate) dialect: &'static Dialect,
    pub(crate) table: String,
    pub(crate) keys: Vec<Column>,
    pub(crate) mirrors: Vec<Mirror>,
    pub(crate) conflict: Conflict,
    /// `(version, fingerprint)` of every version a reader accepts, oldest first.
    pub(crate) visible: Vec<(u8, i64)>,
    /// How facts are packed into pages, when they are.
    pub(crate) pages: Option<Layout>,
}

/// A [`PageSpec`](super::PageSpec), resolved against a store's spec: the
/// part of the table's shape that paging adds. Resolved, and used, by the
/// `pages` module.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    /// Key columns in the page's key.
    pub(crate) prefix: usize,
    /// The bucketed field: an index into the spec's mirrors.
    pub(crate) bucket: usize,
    /// The bucket's width in the field's cell unit (µs or days).
    pub(crate) width: i64,
    pub(crate) max_facts: usize,
}

/// A query parameter.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Param {
    /// One value for a column of this type.
    One(SqlType, Cell),
    /// An array of values (PostgreSQL's `= ANY($n)` and `UNNEST`).
    Array(SqlType, Vec<Cell>),
}

/// How a backend spells what the store's SQL needs.
#[derive(Debug)]
pub(crate) struct Dialect {
    /// The column type of `t` in DDL.
    pub(crate) ty: fn(SqlType) -> &'static str,
    /// The type name the catalog reports for a column of `t`.
    pub(crate) reported: fn(SqlType) -> &'static str,
    /// The blob type in DDL, and as the catalog reports it.
    pub(crate) blob: [&'static str; 2],
    /// The declaration of `updated_at`.
    pub(crate) updated_at: &'static str,
    /// The two-argument least and greatest functions.
    pub(crate) least_greatest: [&'static str; 2],
    /// The placeholder of parameter `n` (from 1).
    pub(crate) placeholder: fn(usize) -> String,
    /// Adds `AND <lhs> IN (rows)` to a `WHERE`: see [`Where::in_list`].
    pub(crate) in_list: InList,
    /// The statements a paged table `table` (quoted) needs after its
    /// `CREATE TABLE`.
    pub(crate) page_ddl: fn(&str) -> Vec<String>,
    /// The query of an existing table's columns and types, by table name.
    pub(crate) columns: &'static str,
}

/// A backend's [`Where::in_list`]: `(where, lhs, columns, values, table)`.
pub(crate) type InList =
    fn(&mut Where, &str, &[(&str, SqlType)], Vec<Vec<Cell>>, &str) -> Result<(), StoreError>;

/// A column a layout writes besides `data` and `updated_at`: its name, its
/// type, and whether it is `NOT NULL`.
pub(crate) type Written = (String, SqlType, bool);

/// `columns`' quoted names and types, as a bulk write sends them.
pub(crate) fn quoted(columns: &[Written]) -> Vec<(String, SqlType)> {
    columns
        .iter()
        .map(|(name, sql, _)| (quote(name), *sql))
        .collect()
}

/// Whether `name` is a plain SQL identifier (quoted anyway, but kept simple
/// so that it reads the same in every tool).
pub(crate) fn check_ident(table: &str, what: &str, name: &str) -> Result<(), StoreError> {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if first_ok && chars.all(|c| c.is_ascii_alphanumeric() || c == '_') && name.len() <= 48 {
        Ok(())
    } else {
        Err(StoreError::config(
            table,
            format!("{what} `{name}` is not an identifier of at most 48 ASCII letters, digits and underscores, starting with a letter"),
        ))
    }
}

/// The condition that a row on `alias` is of one of `versions`, each a
/// `(format_version, fingerprint)` pair; `FALSE` for none.
pub(crate) fn versions_sql(alias: &str, versions: impl IntoIterator<Item = (i64, i64)>) -> String {
    let one = |(v, fp)| format!("({alias}.format_version = {v} AND {alias}.fingerprint = {fp})");
    let parts: Vec<String> = versions.into_iter().map(one).collect();
    if parts.is_empty() {
        "FALSE".to_owned()
    } else {
        format!("({})", parts.join(" OR "))
    }
}

/// `"name"`.
pub(crate) fn quote(name: &str) -> String {
    format!("\"{name}\"")
}

/// `names`, quoted and comma-separated.
fn quote_list<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names.map(quote).collect::<Vec<_>>().join(", ")
}

impl Spec {
    /// The type of `column`, a key or mirrored column.
    pub(crate) fn column(&self, column: &str) -> Result<SqlType, StoreError> {
        let key = self.keys.iter().find(|c| c.name == column);
        let mirror = || self.mirrors.iter().find(|m| m.name() == column);
        key.map(|c| c.sql)
            .or_else(|| mirror().map(|m| m.sql))
            .ok_or_else(|| StoreError::UnknownColumn {
                table: self.table.clone(),
                column: column.to_owned(),
            })
    }

    /// Key columns, quoted and comma-separated.
    pub(crate) fn key_list(&self) -> String {
        quote_list(self.keys.iter().map(|c| c.name.as_str()))
    }

    /// The columns of a table of one fact per row besides `data` and
    /// `updated_at`, in the order a write sends them: keys, version,
    /// fingerprint, mirrors, source stamp.
    pub(crate) fn row_columns(&self) -> Vec<Written> {
        let mut out: Vec<Written> = self
            .keys
            .iter()
            .map(|c| (c.name.clone(), c.sql, true))
            .collect();
        out.push(("format_version".into(), SqlType::I16, true));
        out.push(("fingerprint".into(), SqlType::I64, true));
        out.extend(
            self.mirrors
                .iter()
                .map(|m| (m.name().to_owned(), m.sql, false)),
        );
        out.push(("source_stamp".into(), SqlType::I64, false));
        out
    }

    /// `CREATE TABLE IF NOT EXISTS` of `columns`, `data` and `updated_at`,
    /// with the primary key `key`.
    pub(crate) fn create_table(&self, columns: &[Written], key: &[String]) -> String {
        let ty = self.dialect.ty;
        let mut create = format!("CREATE TABLE IF NOT EXISTS {} (", quote(&self.table));
        for (name, sql, not_null) in columns {
            let null = if *not_null { " NOT NULL" } else { "" };
            let _ = write!(create, "{} {}{null}, ", quote(name), ty(*sql));
        }
        let _ = write!(
            create,
            "data {} NOT NULL, updated_at {}, PRIMARY KEY ({}))",
            self.dialect.blob[0],
            self.dialect.updated_at,
            quote_list(key.iter().map(String::as_str))
        );
        create
    }

    /// The columns a table of `columns`, `data` and `updated_at` must have,
    /// with the type the backend reports.
    pub(crate) fn expected_columns(&self, columns: &[Written]) -> Vec<(String, &'static str)> {
        let reported = self.dialect.reported;
        let mut out: Vec<(String, &'static str)> = columns
            .iter()
            .map(|(name, sql, _)| (name.clone(), reported(*sql)))
            .collect();
        out.push(("data".into(), self.dialect.blob[1]));
        out.push(("updated_at".into(), reported(SqlType::Timestamp)));
        out
    }

    /// The `ON CONFLICT` clause of an upsert into a table of one fact per
    /// row whose existing row is `existing` (`t`, or the table's name where
    /// SQLite needs it). A stamped write (the cache's) replaces a row only
    /// when its source stamp is at least the row's, whatever the conflict
    /// policy, so that an older computation never overwrites a newer one.
    pub(crate) fn on_conflict(&self, existing: &str, stamped: bool) -> String {
        let target = format!("{}, format_version, fingerprint", self.key_list());
        let mirrors = self.mirrors.iter().map(|m| quote(m.name()));
        let set: Vec<String> = mirrors
            .chain(["data", "source_stamp", "updated_at"].map(String::from))
            .map(|c| format!("{c} = excluded.{c}"))
            .collect();
        let set = set.join(", ");
        if stamped {
            return format!(
                " ON CONFLICT ({target}) DO UPDATE SET {set} WHERE {existing}.source_stamp IS NULL OR excluded.source_stamp >= {existing}.source_stamp"
            );
        }
        match &self.conflict {
            Conflict::Keep => format!(" ON CONFLICT ({target}) DO NOTHING"),
            Conflict::Replace => format!(" ON CONFLICT ({target}) DO UPDATE SET {set}"),
            Conflict::ReplaceIfNewer(column) => {
                let c = quote(column.as_str());
                format!(
                    " ON CONFLICT ({target}) DO UPDATE SET {set} WHERE excluded.{c} > {existing}.{c} OR ({existing}.{c} IS NULL AND excluded.{c} IS NOT NULL)"
                )
            }
        }
    }

    /// The condition that a row on `alias` is of a visible version and
    /// fingerprint.
    pub(crate) fn visibility(&self, alias: &str) -> String {
        let visible = self.visible.iter().map(|(v, fp)| (i64::from(*v), *fp));
        versions_sql(alias, visible)
    }

    /// A value for `column` of type `sql`, or the error naming both.
    pub(crate) fn cell(
        &self,
        column: &str,
        sql: SqlType,
        value: &Value,
    ) -> Result<Cell, StoreError> {
        if value.fits(sql) {
            return Ok(Cell::from(value.clone()));
        }
        Err(StoreError::WrongType {
            table: self.table.clone(),
            column: column.to_owned(),
            expected: sql,
            found: format!("{} {value}", value.kind()),
        })
    }
}

/// A `WHERE` clause under construction, with its parameters.
#[derive(Debug, Clone)]
pub(crate) struct Where {
    dialect: &'static Dialect,
    pub(crate) sql: String,
    pub(crate) params: Vec<Param>,
}

impl Where {
    /// Starts with the condition that a row on alias `t` is of a visible
    /// version (see [`Spec::visibility`]).
    pub(crate) fn visible(spec: &Spec) -> Self {
        Self::raw(spec, spec.visibility("t"))
    }

    /// Starts with a condition of the store's own making.
    pub(crate) fn raw(spec: &Spec, sql: String) -> Self {
        Self {
            dialect: spec.dialect,
            sql,
            params: Vec::new(),
        }
    }

    /// A placeholder for a new parameter.
    pub(crate) fn placeholder(&mut self, param: Param) -> String {
        self.params.push(param);
        (self.dialect.placeholder)(self.params.len())
    }

    /// The conditions that SQL expression `lower` is at or above `bounds.0`
    /// and `upper` at or below `bounds.1`, the bounds of a range on `column`
    /// (of type `sql`) checked and added as parameters, in order; none for
    /// an unbounded end. The caller adds them to the SQL in the same order.
    pub(crate) fn range(
        &mut self,
        spec: &Spec,
        (column, sql): (&str, SqlType),
        bounds: (&Bound<Value>, &Bound<Value>),
        [lower, upper]: [&str; 2],
    ) -> Result<Vec<String>, StoreError> {
        let mut out = Vec::with_capacity(2);
        for (bound, target, incl, excl) in
            [(bounds.0, lower, ">=", ">"), (bounds.1, upper, "<=", "<")]
        {
            let (op, value) = match bound {
                Bound::Included(v) => (incl, v),
                Bound::Excluded(v) => (excl, v),
                Bound::Unbounded => continue,
            };
            let cell = spec.cell(column, sql, value)?;
            let p = self.placeholder(Param::One(sql, cell));
            out.push(format!("{target} {op} {p}"));
        }
        Ok(out)
    }

    /// Adds `AND <cond>` for every condition of `filter`, checking each value.
    pub(crate) fn filter(&mut self, spec: &Spec, filter: &Filter) -> Result<(), StoreError> {
        for cond in &filter.conds {
            match cond {
                Cond::Range { column, lo, hi } => {
                    let sql = spec.column(column)?;
                    let target = format!("t.{}", quote(column));
                    for cond in self.range(spec, (column, sql), (lo, hi), [&target, &target])? {
                        let _ = write!(self.sql, " AND {cond}");
                    }
                }
                Cond::In { column, values } => {
                    let sql = spec.column(column)?;
                    let cells = values
                        .iter()
                        .map(|v| spec.cell(column, sql, v))
                        .collect::<Result<Vec<_>, _>>()?;
                    self.in_list(&[(column.as_str(), sql)], vec![cells], &spec.table)?;
                }
                Cond::Null { column, null } => {
                    spec.column(column)?;
                    let not = if *null { "" } else { " NOT" };
                    let _ = write!(self.sql, " AND t.{} IS{not} NULL", quote(column));
                }
            }
        }
        Ok(())
    }

    /// Adds `AND (c1, c2, ..) IN (rows)`, where `columns[i]` takes the values
    /// `values[i]` (all of one length), in the backend's way of passing a
    /// list.
    pub(crate) fn in_list(
        &mut self,
        columns: &[(&str, SqlType)],
        values: Vec<Vec<Cell>>,
        table: &str,
    ) -> Result<(), StoreError> {
        let names: Vec<String> = columns
            .iter()
            .map(|(n, _)| format!("t.{}", quote(n)))
            .collect();
        let lhs = if names.len() == 1 {
            names.join("")
        } else {
            format!("({})", names.join(", "))
        };
        (self.dialect.in_list)(self, &lhs, columns, values, table)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_plain() {
        assert!(check_ident("t", "column", "repository_full_name").is_ok());
        assert!(check_ident("t", "column", "1st").is_err());
        assert!(check_ident("t", "column", "a\"; DROP TABLE x; --").is_err());
        assert!(check_ident("t", "column", "").is_err());
    }
}
