//! A deadline for request bodies. actix bounds the time to send request headers
//! (`client_request_timeout`) but not the body: a client that sends one byte of a promised
//! body and stalls holds its connection, and its file descriptor, for ever. Here a body must
//! arrive within `ROGATORY_BODY_TIMEOUT_SECS`, extended by one second for every
//! `ROGATORY_BODY_MIN_RATE` bytes received (so a large upload on a slow but steady link is not
//! cut, as with Apache's `mod_reqtimeout`). Past the deadline the handler sees a read error,
//! and the answer is replaced by a 408 problem with `Connection: close`.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::HttpMessage;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::ConnectionType;
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes};
use futures_util::Stream;
use tokio::time::{Instant, Sleep};

use crate::error::{ApiError, ProblemType};
use crate::state::AppState;

/// The boxed stream type of `Payload::Stream` (actix-http's `BoxedPayloadStream`).
type BoxedBody = Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>>;

/// Middleware: wraps the body of every request that has one in a `DeadlineBody`.
pub async fn enforce(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let limits = req
        .app_data::<web::Data<AppState>>()
        .map(|s| (s.settings.connections.body_timeout, s.settings.connections.body_min_rate));
    let payload = req.take_payload();
    let (Some((timeout, min_rate)), false) = (limits, matches!(payload, Payload::None)) else {
        req.set_payload(payload);
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let expired = Rc::new(Cell::new(false));
    let body = DeadlineBody::new(payload, timeout, min_rate, expired.clone());
    req.set_payload(Payload::from(Box::pin(body) as BoxedBody));
    let response = next.call(req).await?.map_into_boxed_body();
    if !expired.get() {
        return Ok(response);
    }
    let detail = format!(
        "the request body did not arrive within {} s (plus 1 s per {min_rate} bytes received)",
        timeout.as_secs()
    );
    let (request, _) = response.into_parts();
    let mut answer = actix_web::ResponseError::error_response(&ApiError::new(ProblemType::RequestTimeout, detail));
    answer.head_mut().set_connection_type(ConnectionType::Close);
    Ok(ServiceResponse::new(request, answer))
}

/// A request body that fails with a timeout once its deadline passes.
pub struct DeadlineBody {
    inner: Payload,
    started: Instant,
    timeout: Duration,
    min_rate: u64,
    received: u64,
    sleep: Pin<Box<Sleep>>,
    expired: Rc<Cell<bool>>,
}

impl DeadlineBody {
    pub fn new(inner: Payload, timeout: Duration, min_rate: u64, expired: Rc<Cell<bool>>) -> Self {
        let started = Instant::now();
        DeadlineBody {
            inner,
            started,
            timeout,
            min_rate,
            received: 0,
            sleep: Box::pin(tokio::time::sleep_until(started + timeout)),
            expired,
        }
    }

    fn deadline(&self) -> Instant {
        let earned = if self.min_rate == 0 { 0.0 } else { self.received as f64 / self.min_rate as f64 };
        self.started + self.timeout + Duration::from_secs_f64(earned)
    }
}

impl Stream for DeadlineBody {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.expired.get() {
            return Poll::Ready(None);
        }
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                this.received += chunk.len() as u64;
                let deadline = this.deadline();
                this.sleep.as_mut().reset(deadline);
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(other) => Poll::Ready(other),
            Poll::Pending => match this.sleep.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    this.expired.set(true);
                    let error =
                        std::io::Error::new(std::io::ErrorKind::TimedOut, "the request body did not arrive in time");
                    Poll::Ready(Some(Err(PayloadError::Io(error))))
                }
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use futures_util::StreamExt;

    use super::*;

    fn body_of(chunks: Vec<(u64, &'static [u8])>) -> Payload {
        // Each chunk arrives `delay` ms after the previous one.
        let stream = futures_util::stream::unfold(chunks.into_iter(), |mut rest| async move {
            let (delay, bytes) = rest.next()?;
            tokio::time::sleep(Duration::from_millis(delay)).await;
            Some((Ok::<_, PayloadError>(Bytes::from_static(bytes)), rest))
        });
        Payload::from(Box::pin(stream) as BoxedBody)
    }

    #[actix_web::test]
    async fn a_stalled_body_fails_at_its_deadline() {
        tokio::time::pause();
        let expired = Rc::new(Cell::new(false));
        let mut body = DeadlineBody::new(
            body_of(vec![(0, b"g"), (60_000, b"rest")]),
            Duration::from_secs(30),
            16384,
            expired.clone(),
        );
        assert_eq!(body.next().await.unwrap().unwrap(), Bytes::from_static(b"g"));
        let started = Instant::now();
        assert!(matches!(body.next().await, Some(Err(PayloadError::Io(_)))));
        assert!(expired.get());
        let waited = started.elapsed();
        assert!(waited >= Duration::from_secs(30) && waited < Duration::from_secs(31), "{waited:?}");
        assert!(body.next().await.is_none());
    }

    #[actix_web::test]
    async fn a_steady_body_earns_time() {
        tokio::time::pause();
        // 10 s budget, 100 bytes/s: 100 bytes every 900 ms for 20 s keeps ahead of the deadline.
        let chunk: &'static [u8] = &[b'x'; 100];
        let expired = Rc::new(Cell::new(false));
        let mut body =
            DeadlineBody::new(body_of(vec![(900, chunk); 22]), Duration::from_secs(10), 100, expired.clone());
        let mut total = 0;
        while let Some(chunk) = body.next().await {
            total += chunk.unwrap().len();
        }
        assert_eq!(total, 2200);
        assert!(!expired.get());
        // The same body with a fixed deadline (rate 0) is cut at 10 s.
        let mut fixed = DeadlineBody::new(body_of(vec![(900, chunk); 22]), Duration::from_secs(10), 0, expired.clone());
        let mut failed = false;
        while let Some(chunk) = fixed.next().await {
            failed |= chunk.is_err();
        }
        assert!(failed && expired.get());
    }
}
