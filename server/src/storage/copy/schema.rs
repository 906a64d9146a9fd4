//! The tables a copy moves, as the catalogs describe them: their columns'
//! kinds, the tables they reference, and the order of insertion that
//! satisfies every foreign key.

use super::CopyError;
use std::{
    collections::{BTreeMap, BTreeSet},
    fmt,
};

/// What a column holds, as far as a copy is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Integer,
    Real,
    Boolean,
    Text,
    Blob,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Integer => "integer",
            Kind::Real => "real",
            Kind::Boolean => "boolean",
            Kind::Text => "text",
            Kind::Blob => "blob",
        })
    }
}

/// A column of a [`Table`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Column {
    pub(super) name: String,
    pub(super) kind: Kind,
}

/// An application table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Table {
    pub(super) name: String,
    /// In the table's order.
    pub(super) columns: Vec<Column>,
    /// The tables its foreign keys point to.
    pub(super) references: BTreeSet<String>,
}

impl Table {
    /// The quoted column names, comma-separated, for SQL.
    pub(super) fn column_list(&self) -> String {
        let names: Vec<String> = self
            .columns
            .iter()
            .map(|column| quoted(&column.name))
            .collect();
        names.join(", ")
    }
}

/// `name` as an SQL identifier that both databases read as written.
pub(in crate::storage) fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The tables, by name, that catalog rows describe: `columns` as (table,
/// column, declared type), each table's in order; `references` as (table,
/// referenced table). `kind` reads a declared type.
pub(super) fn tables(
    columns: Vec<(String, String, String)>,
    references: Vec<(String, String)>,
    kind: fn(&str) -> Option<Kind>,
) -> Result<Vec<Table>, CopyError> {
    let mut tables = BTreeMap::<String, Table>::new();
    for (table, column, declared) in columns {
        let Some(kind) = kind(&declared) else {
            return Err(CopyError::UnsupportedType {
                table,
                column,
                declared,
            });
        };
        tables
            .entry(table.clone())
            .or_insert_with(|| Table {
                name: table,
                columns: Vec::new(),
                references: BTreeSet::new(),
            })
            .columns
            .push(Column { name: column, kind });
    }
    for (table, referenced) in references {
        if let Some(table) = tables.get_mut(&table) {
            table.references.insert(referenced);
        }
    }
    Ok(tables.into_values().collect())
}

/// Each table of `target` with the same table of `source`, the target's
/// referenced tables before the tables that reference them. The same tables
/// with the same columns are expected on both sides; their kinds may differ.
pub(super) fn paired(
    source: Vec<Table>,
    target: Vec<Table>,
) -> Result<Vec<(Table, Table)>, CopyError> {
    let mut source: BTreeMap<String, Table> = source
        .into_iter()
        .map(|table| (table.name.clone(), table))
        .collect();
    let pairs = in_dependency_order(target)?
        .into_iter()
        .map(|into| match source.remove(&into.name) {
            Some(from) if same_columns(&from, &into) => Ok((from, into)),
            _ => Err(CopyError::SchemaDiffers(into.name)),
        })
        .collect::<Result<Vec<_>, _>>()?;
    match source.into_keys().next() {
        Some(only_in_source) => Err(CopyError::SchemaDiffers(only_in_source)),
        None => Ok(pairs),
    }
}

/// Whether `a` and `b` have columns of the same names in the same order.
fn same_columns(a: &Table, b: &Table) -> bool {
    let names = |table: &Table| {
        table
            .columns
            .iter()
            .map(|column| column.name.clone())
            .collect::<Vec<_>>()
    };
    names(a) == names(b)
}

/// `tables`, each after every table it references (and otherwise by name).
fn in_dependency_order(mut tables: Vec<Table>) -> Result<Vec<Table>, CopyError> {
    let mut ordered: Vec<Table> = Vec::with_capacity(tables.len());
    while !tables.is_empty() {
        let placed = |name: &String| ordered.iter().any(|table| &table.name == name);
        let Some(next) = tables
            .iter()
            .position(|table| table.references.iter().all(placed))
        else {
            let names: Vec<&str> = tables.iter().map(|table| table.name.as_str()).collect();
            return Err(CopyError::ReferenceCycle(names.join(", ")));
        };
        ordered.push(tables.remove(next));
    }
    Ok(ordered)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(name: &str, references: &[&str]) -> Table {
        Table {
            name: name.to_owned(),
            columns: vec![Column {
                name: "id".to_owned(),
                kind: Kind::Integer,
            }],
            references: references.iter().map(|name| (*name).to_owned()).collect(),
        }
    }

    fn names(pairs: &[(Table, Table)]) -> Vec<&str> {
        pairs.iter().map(|(_, into)| into.name.as_str()).collect()
    }

    #[test]
    fn referenced_tables_come_first_and_the_rest_by_name() {
        let tables = || {
            vec![
                table("audit", &[]),
                table("comments", &["posts", "users"]),
                table("posts", &["users"]),
                table("users", &[]),
            ]
        };
        let pairs = paired(tables(), tables()).expect("ordered");
        assert_eq!(names(&pairs), ["audit", "users", "posts", "comments"]);
    }

    #[test]
    fn tables_that_reference_each_other_or_themselves_have_no_order() {
        let cycle = vec![table("a", &["b"]), table("b", &["a"]), table("c", &[])];
        let error = paired(cycle.clone(), cycle).unwrap_err();
        assert_eq!(
            error.to_string(),
            "no order of the tables a, b satisfies their foreign keys"
        );
        let own = vec![table("tree", &["tree"])];
        assert!(matches!(
            paired(own.clone(), own),
            Err(CopyError::ReferenceCycle(_))
        ));
    }

    #[test]
    fn a_table_or_column_on_one_side_only_is_a_different_schema() {
        let mut renamed = table("users", &[]);
        renamed.columns[0].name = "user_id".to_owned();
        for (source, target, differing) in [
            (vec![table("users", &[])], vec![renamed], "users"),
            (vec![table("extra", &[])], vec![], "extra"),
            (vec![], vec![table("new", &[])], "new"),
        ] {
            assert!(matches!(
                paired(source, target),
                Err(CopyError::SchemaDiffers(table)) if table == differing
            ));
        }
    }

    #[test]
    fn catalog_rows_make_tables_and_unknown_types_are_refused() {
        let kind = |declared: &str| (declared == "INTEGER").then_some(Kind::Integer);
        let row = |table: &str, column: &str, declared: &str| {
            (table.to_owned(), column.to_owned(), declared.to_owned())
        };
        let described = tables(
            vec![
                row("b", "x", "INTEGER"),
                row("a", "y", "INTEGER"),
                row("b", "z", "INTEGER"),
            ],
            vec![("b".to_owned(), "a".to_owned())],
            kind,
        )
        .expect("tables");
        assert_eq!(described[0].name, "a");
        assert_eq!(described[1].column_list(), r#""x", "z""#);
        assert_eq!(described[1].references, BTreeSet::from(["a".to_owned()]));

        let error = tables(vec![row("t", "c", "JSON")], vec![], kind).unwrap_err();
        assert_eq!(
            error.to_string(),
            r#"column t.c has the type "JSON", which cannot be copied"#
        );
    }

    #[test]
    fn quoting_doubles_quotes() {
        assert_eq!(quoted(r#"a"b"#), r#""a""b""#);
    }
}
