//! The plan a backend picks for a query exactly as the application builds it, binds included,
//! so that the tests and the bench check the real query's plan rather than a copy of its text.

use std::marker::PhantomData;

use diesel::RunQueryDsl;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::result::QueryResult;
use diesel::sql_types::{Integer, Text};

use super::{AnyConnection, Backend, MultiBackend};

/// `EXPLAIN …` (PostgreSQL) or `EXPLAIN QUERY PLAN …` (SQLite) of a query, whose rows are `ST`.
struct Explain<Q, ST> {
    prefix: &'static str,
    query: Q,
    rows: PhantomData<fn() -> ST>,
}

impl<Q: QueryFragment<MultiBackend>, ST> QueryFragment<MultiBackend> for Explain<Q, ST> {
    fn walk_ast<'b>(&'b self, mut pass: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        pass.push_sql(self.prefix);
        self.query.walk_ast(pass)
    }
}

impl<Q, ST> QueryId for Explain<Q, ST> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q, ST: 'static> Query for Explain<Q, ST> {
    type SqlType = ST;
}

impl<Q, ST, Conn> RunQueryDsl<Conn> for Explain<Q, ST> {}

/// The lines of `query`'s plan on this connection's backend: PostgreSQL's `EXPLAIN` lines, or
/// the `detail` of each of SQLite's `EXPLAIN QUERY PLAN` rows, outermost loop first.
pub fn plan<Q: QueryFragment<MultiBackend>>(conn: &mut AnyConnection, query: Q) -> QueryResult<Vec<String>> {
    match conn.backend() {
        Backend::Postgres => Explain::<Q, Text> { prefix: "EXPLAIN ", query, rows: PhantomData }.load::<String>(conn),
        Backend::Sqlite => {
            let rows = Explain::<Q, (Integer, Integer, Integer, Text)> {
                prefix: "EXPLAIN QUERY PLAN ",
                query,
                rows: PhantomData,
            }
            .load::<(i32, i32, i32, String)>(conn)?;
            Ok(rows.into_iter().map(|(_, _, _, detail)| detail).collect())
        }
    }
}
