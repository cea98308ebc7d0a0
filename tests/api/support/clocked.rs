//! Scenarios on a clock the test moves: the application and its world, time moved forward
//! (tokens refreshed), the deadline scanner run, the clock read.

use chrono::{DateTime, TimeDelta, Utc};

use super::world::{World, world};
use super::{TestApp, TestBackend};

pub async fn app(backend: TestBackend) -> Option<(TestApp, World)> {
    let app = TestApp::with_manual_clock(backend, &[]).await?;
    let w = world(&app).await;
    Some((app, w))
}

pub async fn advance(app: &TestApp, w: &mut World, by: TimeDelta) {
    app.clock.as_ref().expect("manual clock").advance(by);
    w.refresh(app).await;
}

pub async fn scan(app: &TestApp) -> rogatory::background::scanner::ScanReport {
    rogatory::background::scanner::scan(&app.state, 1000).await.expect("scan")
}

pub fn now(app: &TestApp) -> DateTime<Utc> {
    rogatory::clock::Clock::now(app.clock.as_ref().unwrap())
}
