//! What a copy needs to know of PostgreSQL: its catalog (the information
//! schema and `pg_constraint`, in the current schema), the types our
//! migrations use, and the sequences behind identity columns.

use crate::storage::{
    StorageError,
    copy::{Dialect, Kind, quoted},
};
use sqlx::{PgConnection, Postgres};

/// Selects (table, column, sequence) of every column whose default is the
/// next value of a sequence: identity and serial columns.
const SEQUENCES: &str = "SELECT table_name::text, column_name::text, sequence
    FROM information_schema.columns,
        pg_get_serial_sequence(quote_ident(table_name::text), column_name::text) AS sequence
    WHERE table_schema = current_schema() AND sequence IS NOT NULL";

#[async_trait::async_trait]
impl Dialect for Postgres {
    const BEGIN_READING: &'static str = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";
    const BEGIN_WRITING: &'static str = "BEGIN";
    const COLUMNS: &'static str =
        "SELECT c.table_name::text, c.column_name::text, c.data_type::text
        FROM information_schema.columns AS c
        JOIN information_schema.tables AS t
            ON t.table_schema = c.table_schema AND t.table_name = c.table_name
        WHERE t.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
            AND t.table_name <> '_sqlx_migrations'
        ORDER BY c.table_name, c.ordinal_position";
    const REFERENCES: &'static str = "SELECT child.relname::text, parent.relname::text
        FROM pg_constraint AS c
        JOIN pg_class AS child ON child.oid = c.conrelid
        JOIN pg_class AS parent ON parent.oid = c.confrelid
        WHERE c.contype = 'f' AND child.relnamespace = current_schema()::regnamespace";

    fn kind(declared: &str) -> Option<Kind> {
        match declared {
            "bigint" => Some(Kind::Integer),
            "double precision" => Some(Kind::Real),
            "boolean" => Some(Kind::Boolean),
            "text" => Some(Kind::Text),
            "bytea" => Some(Kind::Blob),
            _ => None,
        }
    }

    fn parameter(position: usize) -> String {
        format!("${position}")
    }

    /// Moves each sequence past its column's largest value, so that the next
    /// row inserted without an id does not take a copied one.
    async fn follow_copied_ids(connection: &mut PgConnection) -> Result<(), StorageError> {
        let sequences: Vec<(String, String, String)> = sqlx::query_as(SEQUENCES)
            .fetch_all(&mut *connection)
            .await?;
        for (table, column, sequence) in sequences {
            let sql = format!(
                "SELECT setval($1::regclass, coalesce(max({}), 0) + 1, false) FROM {}",
                quoted(&column),
                quoted(&table)
            );
            sqlx::query(&sql)
                .bind(sequence)
                .execute(&mut *connection)
                .await?;
        }
        Ok(())
    }
}
