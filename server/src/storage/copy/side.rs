//! One database's side of a copy, inside one transaction of it: the
//! source's snapshot, or the target's writes. The SQL is the same on every
//! database but for what each [`Dialect`] says.

use super::{
    CopyError, Kind, StorageError,
    schema::{self, Table},
    value::Value,
};
use futures_util::TryStreamExt;
use sqlx::{
    ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Pool, Row, Transaction, Type,
};

/// What a copy does with a database.
#[derive(Clone, Copy, Debug)]
pub(super) enum Purpose {
    /// Reads it, in one snapshot.
    Reading,
    /// Writes it, in one transaction.
    Writing,
}

/// What a copy needs to know of a database that is not the same everywhere:
/// how its transactions begin, its catalog, its parameters and its sequences.
#[async_trait::async_trait]
pub(in crate::storage) trait Dialect: Database {
    /// Begins a transaction whose reads all see one snapshot.
    const BEGIN_READING: &'static str;
    /// Begins a transaction for the copy's writes.
    const BEGIN_WRITING: &'static str;
    /// Selects (table, column, declared type) of every application table
    /// (all but `_sqlx_migrations`), each table's columns in order.
    const COLUMNS: &'static str;
    /// Selects (table, referenced table) of every foreign key.
    const REFERENCES: &'static str;

    /// The kind of a column of the declared type `declared`, if copies know it.
    fn kind(declared: &str) -> Option<Kind>;

    /// The statement parameter number `position` (from 1).
    fn parameter(position: usize) -> String;

    /// Makes the ids the database generates from now on follow the largest
    /// ones copied.
    async fn follow_copied_ids(connection: &mut Self::Connection) -> Result<(), StorageError>;
}

/// One database's side of a copy. Dropped without [`Side::commit`], its
/// transaction rolls back.
#[async_trait::async_trait]
pub(super) trait Side: Send {
    /// The application tables, by name.
    async fn tables(&mut self) -> Result<Vec<Table>, CopyError>;

    /// How many rows `table` holds.
    async fn count(&mut self, table: &str) -> Result<i64, StorageError>;

    /// Reads every row of `table` into `sink`.
    async fn read_into(&mut self, table: &Table, sink: &mut Sink<'_>) -> Result<(), CopyError>;

    /// Inserts `row`, its values in the kinds of `table`'s columns.
    async fn insert(&mut self, table: &Table, row: Vec<Value>) -> Result<(), StorageError>;

    /// See [`Dialect::follow_copied_ids`].
    async fn follow_copied_ids(&mut self) -> Result<(), StorageError>;

    /// Commits the transaction.
    async fn commit(self: Box<Self>) -> Result<(), StorageError>;
}

/// Where the rows read from one table go: the same table of the target,
/// each value in the kind of its column there.
pub(super) struct Sink<'a> {
    target: &'a mut dyn Side,
    table: &'a Table,
}

impl<'a> Sink<'a> {
    /// Rows for `table` of `target`.
    pub(super) fn new(target: &'a mut dyn Side, table: &'a Table) -> Self {
        Self { target, table }
    }

    /// Inserts `row`, read in the same order of columns.
    async fn put(&mut self, row: Vec<Value>) -> Result<(), CopyError> {
        let row = row
            .into_iter()
            .zip(&self.table.columns)
            .map(|(value, column)| {
                let read = value.kind();
                value
                    .into_kind(column.kind)
                    .ok_or_else(|| CopyError::Unconvertible {
                        table: self.table.name.clone(),
                        column: column.name.clone(),
                        value: read,
                        kind: column.kind,
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(self.target.insert(self.table, row).await?)
    }
}

/// A [`Side`] on a database of `DB`: its transaction.
pub(super) struct Open<DB: Database>(Transaction<'static, DB>);

impl<DB: Dialect> Open<DB> {
    /// Begins a transaction on `pool` for `purpose`.
    pub(super) async fn begin(pool: &Pool<DB>, purpose: Purpose) -> Result<Self, StorageError> {
        let statement = match purpose {
            Purpose::Reading => DB::BEGIN_READING,
            Purpose::Writing => DB::BEGIN_WRITING,
        };
        Ok(Self(pool.begin_with(statement).await?))
    }
}

#[async_trait::async_trait]
impl<DB> Side for Open<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    usize: ColumnIndex<DB::Row>,
    i64: Type<DB> + for<'r> Decode<'r, DB>,
    f64: Type<DB> + for<'r> Decode<'r, DB>,
    bool: Type<DB> + for<'r> Decode<'r, DB>,
    String: Type<DB> + for<'r> Decode<'r, DB>,
    Vec<u8>: Type<DB> + for<'r> Decode<'r, DB>,
    Option<i64>: for<'q> Encode<'q, DB>,
    Option<f64>: for<'q> Encode<'q, DB>,
    Option<bool>: for<'q> Encode<'q, DB>,
    Option<String>: for<'q> Encode<'q, DB>,
    Option<Vec<u8>>: for<'q> Encode<'q, DB>,
{
    async fn tables(&mut self) -> Result<Vec<Table>, CopyError> {
        let columns = sqlx::query_as(DB::COLUMNS).fetch_all(&mut *self.0).await?;
        let references = sqlx::query_as(DB::REFERENCES)
            .fetch_all(&mut *self.0)
            .await?;
        schema::tables(columns, references, DB::kind)
    }

    async fn count(&mut self, table: &str) -> Result<i64, StorageError> {
        let sql = format!("SELECT count(*) FROM {}", schema::quoted(table));
        Ok(sqlx::query_scalar(&sql).fetch_one(&mut *self.0).await?)
    }

    async fn read_into(&mut self, table: &Table, sink: &mut Sink<'_>) -> Result<(), CopyError> {
        let sql = format!(
            "SELECT {} FROM {}",
            table.column_list(),
            schema::quoted(&table.name)
        );
        let mut rows = sqlx::query(&sql).fetch(&mut *self.0);
        while let Some(row) = rows.try_next().await? {
            let values = table
                .columns
                .iter()
                .enumerate()
                .map(|(index, column)| {
                    Ok(match column.kind {
                        Kind::Integer => Value::Integer(row.try_get(index)?),
                        Kind::Real => Value::Real(row.try_get(index)?),
                        Kind::Boolean => Value::Boolean(row.try_get(index)?),
                        Kind::Text => Value::Text(row.try_get(index)?),
                        Kind::Blob => Value::Blob(row.try_get(index)?),
                    })
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()?;
            sink.put(values).await?;
        }
        Ok(())
    }

    async fn insert(&mut self, table: &Table, row: Vec<Value>) -> Result<(), StorageError> {
        let parameters: Vec<String> = (1..=row.len()).map(DB::parameter).collect();
        let sql = format!(
            "INSERT INTO {} ({}) VALUES ({})",
            schema::quoted(&table.name),
            table.column_list(),
            parameters.join(", ")
        );
        let statement = row
            .into_iter()
            .fold(sqlx::query(&sql), |statement, value| match value {
                Value::Integer(integer) => statement.bind(integer),
                Value::Real(real) => statement.bind(real),
                Value::Boolean(boolean) => statement.bind(boolean),
                Value::Text(text) => statement.bind(text),
                Value::Blob(blob) => statement.bind(blob),
            });
        statement.execute(&mut *self.0).await?;
        Ok(())
    }

    async fn follow_copied_ids(&mut self) -> Result<(), StorageError> {
        DB::follow_copied_ids(&mut self.0).await
    }

    async fn commit(self: Box<Self>) -> Result<(), StorageError> {
        Ok(self.0.commit().await?)
    }
}
