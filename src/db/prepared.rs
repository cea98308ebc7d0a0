//! Statements prepared once per connection and kept (issue 16: the cost of a write).
//!
//! diesel keeps a prepared statement only when it can tell the statement's text from its Rust
//! type alone. Every `UPDATE`, every PostgreSQL `INSERT` of a row with an optional column (its
//! text says `DEFAULT` or `$n`), every upsert and every `sql_query` is therefore prepared again
//! at each run: parsed and planned by PostgreSQL's backend, compiled by SQLite inside the single
//! writer's lock. Those are most of the statements a create and a submit send.
//!
//! `prepared(query)` keeps such a statement in the connection's cache keyed by its SQL text (and
//! its binds' types), which identifies it fully: two runs with the same text are the same
//! statement. Use it only where the number of distinct texts is bounded (not for a list of
//! values whose length follows the caller's input), since each text stays prepared for the
//! connection's lifetime.

use std::cell::Cell;

use diesel::backend::Backend;
// The pass helper `#[derive(MultiConnection)]` itself is built on (diesel keeps it public for
// that derive, so it moves with diesel_derives' own version, which Cargo.lock pins to diesel's).
use diesel::internal::derives::multiconnection::AstPassHelper;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::result::QueryResult;

/// A query that the connection prepares once per distinct SQL text and keeps (see the module).
#[derive(Debug, Clone, Copy)]
pub struct Prepared<Q>(Q);

/// Marks `query` to be prepared once per connection and kept, keyed by its SQL text.
pub fn prepared<Q>(query: Q) -> Prepared<Q> {
    Prepared(query)
}

impl<Q, DB> QueryFragment<DB> for Prepared<Q>
where
    DB: Backend,
    Q: QueryFragment<DB>,
{
    /// The walk itself answers "safe to cache": a connection asked to run a statement for its
    /// count (`execute`) holds it by reference, and diesel's `&T` forwards only `walk_ast`, not
    /// an overridden `is_safe_to_cache_prepared`. So the inner statement is walked for its text,
    /// its binds and their debug form, and not for the question of caching, where its
    /// `UPDATE`, `DEFAULT` or raw SQL would answer no. (The same pass also asks whether the
    /// statement is empty; pushing no text answers that it is not, which it never is here.)
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        let writes_text = Cell::new(false);
        // Cast to the same backend: the query builder is converted only in a pass that writes
        // the statement's text, which is how that pass is told apart.
        let mut pass = pass.cast_database::<DB>(
            |binds| binds,
            |builder| {
                writes_text.set(true);
                builder
            },
            |backend| backend,
            |lookup| lookup,
        );
        if writes_text.get() || pass.bind_collector().is_some() || pass.debug_binds().is_some() {
            self.0.walk_ast(pass)
        } else {
            pass.push_sql("");
            Ok(())
        }
    }
}
impl<Q> QueryId for Prepared<Q> {
    type QueryId = ();
    /// Never keyed by type: one Rust type may write several texts (`DEFAULT` or a bind, an
    /// optional `SET` column), each its own statement.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: Query> Query for Prepared<Q> {
    type SqlType = Q::SqlType;
}

impl<Q, Conn> diesel::RunQueryDsl<Conn> for Prepared<Q> {}
