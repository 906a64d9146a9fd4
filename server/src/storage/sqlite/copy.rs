//! What a copy needs to know of SQLite: its catalog (`sqlite_schema` and
//! the table-valued pragmas) and its declared types, as `STRICT` tables
//! allow them.

use crate::storage::{
    StorageError,
    copy::{Dialect, Kind},
};
use sqlx::{Sqlite, SqliteConnection};

#[async_trait::async_trait]
impl Dialect for Sqlite {
    /// Deferred: the snapshot is taken at the first read and kept until the end.
    const BEGIN_READING: &'static str = "BEGIN";
    /// Takes the write lock at once, as every writer here does.
    const BEGIN_WRITING: &'static str = "BEGIN IMMEDIATE";
    const COLUMNS: &'static str = r"SELECT t.name, c.name, c.type
        FROM sqlite_schema AS t, pragma_table_info(t.name) AS c
        WHERE t.type = 'table' AND t.name NOT LIKE 'sqlite\_%' ESCAPE '\'
            AND t.name <> '_sqlx_migrations'
        ORDER BY t.name, c.cid";
    const REFERENCES: &'static str = r#"SELECT t.name, f."table"
        FROM sqlite_schema AS t, pragma_foreign_key_list(t.name) AS f
        WHERE t.type = 'table'"#;

    fn kind(declared: &str) -> Option<Kind> {
        match declared.to_ascii_uppercase().as_str() {
            "INTEGER" | "INT" => Some(Kind::Integer),
            "REAL" => Some(Kind::Real),
            "TEXT" => Some(Kind::Text),
            "BLOB" => Some(Kind::Blob),
            _ => None,
        }
    }

    fn parameter(_position: usize) -> String {
        "?".to_owned()
    }

    /// Nothing to do: a new rowid follows the largest one by itself.
    async fn follow_copied_ids(_connection: &mut SqliteConnection) -> Result<(), StorageError> {
        Ok(())
    }
}
