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
        walk_ahead(first, &mut pass)?;
        last.walk_ast(pass)
    }
}

/// `WITH w0 AS (…), w1 AS (…) `: the parts that run ahead of a statement's last one.
fn walk_ahead<'b>(parts: &'b [Part<'_>], pass: &mut AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
    for (i, part) in parts.iter().enumerate() {
        pass.push_sql(if i == 0 { "WITH " } else { ", " });
        pass.push_sql(&format!("w{i} AS ("));
        part.walk_ast(pass.reborrow())?;
        pass.push_sql(") ");
    }
    Ok(())
}

impl QueryId for Together<'_, '_> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

/// Parts per PostgreSQL statement at most. An event's writes are a handful, but one part is
/// written per webhook subscription of its recipients, which a party may have many of: past this
/// the group goes as several statements (in order, in the same transaction), so that no
/// statement nears PostgreSQL's 65,535 bind parameters (a part has at most 25) and the texts a
/// connection keeps prepared stay few.
pub const MAX_PARTS: usize = 48;

/// Runs `parts` (inserts, in an order their foreign keys accept) in the caller's transaction:
/// one statement on PostgreSQL (one per `MAX_PARTS`), one each on SQLite.
pub fn execute_together(conn: &mut AnyConnection, parts: &[Part<'_>]) -> QueryResult<()> {
    if conn.backend() == Backend::Postgres {
        for group in parts.chunks(MAX_PARTS) {
            prepared(Together(group)).execute(conn)?;
        }
    } else {
        for part in parts {
            prepared(&**part).execute(conn)?;
        }
    }
    Ok(())
}

/// A statement written as text and bind values (what `sql_query` takes), whose placeholders
/// are numbered as the statement it is part of is written, so that it can go with others
/// (`execute_together`). For what diesel's builder cannot write for both backends: upserts,
/// `INSERT OR IGNORE`, multi-row inserts.
#[derive(Default)]
pub struct Written {
    pieces: Vec<Piece>,
}

enum Piece {
    Sql(String),
    Bind(Box<dyn Bound>),
}

/// A bind value with its SQL type.
trait Bound {
    fn push<'b>(&'b self, out: &mut AstPass<'_, 'b, MultiBackend>) -> QueryResult<()>;
}

struct Typed<ST, T>(T, std::marker::PhantomData<fn() -> ST>);

impl<ST, T> Bound for Typed<ST, T>
where
    MultiBackend: diesel::sql_types::HasSqlType<ST>,
    T: diesel::serialize::ToSql<ST, MultiBackend>,
{
    fn push<'b>(&'b self, out: &mut AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        out.push_bind_param::<ST, T>(&self.0)
    }
}

impl Written {
    /// Text of the statement, as written.
    pub fn sql(mut self, text: impl Into<String>) -> Self {
        self.pieces.push(Piece::Sql(text.into()));
        self
    }

    /// A bind parameter of SQL type `ST`.
    pub fn bind<ST, T>(mut self, value: T) -> Self
    where
        MultiBackend: diesel::sql_types::HasSqlType<ST>,
        T: diesel::serialize::ToSql<ST, MultiBackend> + 'static,
        ST: 'static,
    {
        self.pieces.push(Piece::Bind(Box::new(Typed::<ST, T>(value, std::marker::PhantomData))));
        self
    }

    /// As a part of a group (`execute_together`).
    pub fn part(self) -> Part<'static> {
        Box::new(self)
    }
}

impl QueryFragment<MultiBackend> for Written {
    fn walk_ast<'b>(&'b self, mut pass: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        for piece in &self.pieces {
            match piece {
                Piece::Sql(text) => pass.push_sql(text),
                Piece::Bind(value) => value.push(&mut pass)?,
            }
        }
        Ok(())
    }
}

impl QueryId for Written {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

/// Inserts and then a query, as one statement: `WITH w0 AS (INSERT …), … SELECT …`
/// (`execute_then_load`).
pub struct ThenQuery<Q> {
    parts: Vec<Part<'static>>,
    query: Q,
}

impl<Q: QueryFragment<MultiBackend>> QueryFragment<MultiBackend> for ThenQuery<Q> {
    fn walk_ast<'b>(&'b self, mut pass: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        walk_ahead(&self.parts, &mut pass)?;
        self.query.walk_ast(pass)
    }
}

impl<Q> QueryId for ThenQuery<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: diesel::query_builder::Query> diesel::query_builder::Query for ThenQuery<Q> {
    type SqlType = Q::SqlType;
}

impl<Q, Conn> RunQueryDsl<Conn> for ThenQuery<Q> {}

/// Runs `parts` (as `execute_together`), then `query`, whose rows it answers: on PostgreSQL all
/// in one statement, the query last. The query reads the database as the statement began, so it
/// does not see the rows `parts` insert (on SQLite, where it runs after them, it would: give it
/// nothing they write to find).
pub fn execute_then_load<Q, U>(conn: &mut AnyConnection, parts: Vec<Part<'static>>, query: Q) -> QueryResult<Vec<U>>
where
    Q: diesel::query_builder::Query + QueryFragment<MultiBackend>,
    super::prepared::Prepared<ThenQuery<Q>>: diesel::query_dsl::LoadQuery<'static, AnyConnection, U>,
    super::prepared::Prepared<Q>: diesel::query_dsl::LoadQuery<'static, AnyConnection, U>,
{
    if conn.backend() == Backend::Postgres {
        let mut parts = parts;
        // The query goes with the last group of at most `MAX_PARTS`; the others before it.
        let last = parts.split_off(parts.len().saturating_sub(MAX_PARTS));
        execute_together(conn, &parts)?;
        prepared(ThenQuery { parts: last, query }).load(conn)
    } else {
        execute_together(conn, &parts)?;
        prepared(query).load(conn)
    }
}
