//! `SELECT … UNION ALL SELECT …` for both backends through `AnyConnection`, whose backend diesel
//! gives no combination clauses. Each side is written bare (no parentheses, which SQLite
//! refuses), so neither may carry its own `ORDER BY` or `LIMIT`; order the rows after loading.

use diesel::RunQueryDsl;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::result::QueryResult;

use super::MultiBackend;

/// The rows of `left`, then those of `right` (`union_all`).
pub struct UnionAll<L, R> {
    left: L,
    right: R,
}

/// `left UNION ALL right`: two selects of the same columns.
pub fn union_all<L, R>(left: L, right: R) -> UnionAll<L, R>
where
    L: Query,
    R: Query<SqlType = L::SqlType>,
{
    UnionAll { left, right }
}

impl<L: QueryFragment<MultiBackend>, R: QueryFragment<MultiBackend>> QueryFragment<MultiBackend> for UnionAll<L, R> {
    fn walk_ast<'b>(&'b self, mut pass: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        self.left.walk_ast(pass.reborrow())?;
        pass.push_sql(" UNION ALL ");
        self.right.walk_ast(pass)
    }
}

impl<L, R> QueryId for UnionAll<L, R> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<L: Query, R> Query for UnionAll<L, R> {
    type SqlType = L::SqlType;
}

impl<L, R, Conn> RunQueryDsl<Conn> for UnionAll<L, R> {}
