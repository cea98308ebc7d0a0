//! Several inserts sent as one statement on PostgreSQL (issue 16: round trips per action).
//!
//! On PostgreSQL `WITH w0 AS (INSERT …), w1 AS (INSERT …) INSERT …` writes several tables in one
//! round trip: the inserts run as one statement, their foreign keys and `AFTER` triggers are
//! checked and fired at its end, when every row of it is there. SQLite has no data-modifying
//! `WITH`, so there they run one after the other, in the same transaction. Either way the
//! statement is prepared once per connection and kept (`db::prepared`).
//!
//! Only statements built with diesel's query builder go together: their bind placeholders are
//! numbered as the whole statement is written. A `sql_query` text numbers its own (`$1`) and
//! would collide with the others'.

use diesel::RunQueryDsl;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::result::QueryResult;

use super::prepared::prepared;
use super::{AnyConnection, Backend, MultiBackend};

/// One statement of a group run by `execute_together`.
pub type Part<'a> = Box<dyn QueryFragment<MultiBackend> + 'a>;

/// The parts of a group, written as one PostgreSQL statement (see the module).
struct Together<'q, 'a>(&'q [Part<'a>]);

impl QueryFragment<MultiBackend> for Together<'_, '_> {
    fn walk_ast<'b>(&'b self, mut pass: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        let Some((last, first)) = self.0.split_last() else { return Ok(()) };
        for (i, part) in first.iter().enumerate() {
            pass.push_sql(if i == 0 { "WITH " } else { ", " });
            pass.push_sql(&format!("w{i} AS ("));
            part.walk_ast(pass.reborrow())?;
            pass.push_sql(") ");
        }
        last.walk_ast(pass)
    }
}

impl QueryId for Together<'_, '_> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

/// Runs `parts` (inserts, in an order their foreign keys accept) in the caller's transaction:
/// one statement on PostgreSQL, one each on SQLite.
pub fn execute_together(conn: &mut AnyConnection, parts: &[Part<'_>]) -> QueryResult<()> {
    if conn.backend() == Backend::Postgres {
        prepared(Together(parts)).execute(conn)?;
    } else {
        for part in parts {
            prepared(&**part).execute(conn)?;
        }
    }
    Ok(())
}
