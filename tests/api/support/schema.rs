//! A backend-neutral snapshot of a migrated schema: tables, columns with nullability, and
//! unique indexes (primary keys included) as column sets. Types are left out on purpose:
//! PostgreSQL's `uuid`/`timestamptz`/`jsonb` are TEXT on SQLite.

use std::collections::BTreeSet;

use diesel::RunQueryDsl;
use diesel::sql_types::Text;
use rogatory::db::AnyConnection;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Column {
    pub table: String,
    pub column: String,
    pub nullable: bool,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct SchemaSnapshot {
    pub tables: BTreeSet<String>,
    pub columns: BTreeSet<Column>,
    /// (table, sorted columns) of every unique index.
    pub unique_indexes: BTreeSet<(String, Vec<String>)>,
}

#[derive(diesel::QueryableByName)]
struct ColumnRow {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    is_nullable: String,
}

#[derive(diesel::QueryableByName)]
struct IndexRow {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    columns: String,
}

const MIGRATIONS_TABLE: &str = "__diesel_schema_migrations";

pub fn snapshot(conn: &mut AnyConnection) -> SchemaSnapshot {
    let (columns_sql, indexes_sql) = match conn {
        AnyConnection::Sqlite(_) => (
            "SELECT m.name AS table_name, p.name AS column_name, \
                    CASE WHEN p.\"notnull\" = 1 THEN 'NO' ELSE 'YES' END AS is_nullable \
             FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
            "SELECT m.name AS table_name, group_concat(ii.name, ',') AS columns \
             FROM sqlite_master m JOIN pragma_index_list(m.name) il JOIN pragma_index_info(il.name) ii \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND il.\"unique\" = 1 \
             GROUP BY m.name, il.name",
        ),
        AnyConnection::Postgresql(_) => (
            "SELECT table_name::text AS table_name, column_name::text AS column_name, is_nullable::text AS is_nullable \
             FROM information_schema.columns WHERE table_schema = 'public'",
            "SELECT t.relname::text AS table_name, string_agg(a.attname::text, ',') AS columns \
             FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid \
             JOIN pg_namespace n ON n.oid = t.relnamespace \
             JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY(x.indkey) \
             WHERE n.nspname = 'public' AND x.indisunique GROUP BY t.relname, i.relname",
        ),
    };
    let columns: Vec<ColumnRow> = diesel::sql_query(columns_sql).load(conn).expect("read columns");
    let indexes: Vec<IndexRow> = diesel::sql_query(indexes_sql).load(conn).expect("read indexes");
    let mut snapshot = SchemaSnapshot::default();
    for row in columns.into_iter().filter(|r| r.table_name != MIGRATIONS_TABLE) {
        snapshot.tables.insert(row.table_name.clone());
        snapshot.columns.insert(Column {
            table: row.table_name,
            column: row.column_name,
            nullable: row.is_nullable == "YES",
        });
    }
    for row in indexes.into_iter().filter(|r| r.table_name != MIGRATIONS_TABLE) {
        let mut columns: Vec<String> = row.columns.split(',').map(str::to_owned).collect();
        columns.sort();
        snapshot.unique_indexes.insert((row.table_name, columns));
    }
    snapshot
}
