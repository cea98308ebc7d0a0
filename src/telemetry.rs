//! Logging through `tracing`: one span per request (see `http::request_context`), printed
//! pretty for people or as JSON lines for log collectors. Never log tokens, secrets, bodies or
//! personal data; log identifiers and outcomes.
//!
//! Logged values are often the caller's text (a `client_id`, a path). In the pretty format,
//! every value goes through `SafeFields`: control characters, line and paragraph separators and
//! bidirectional overrides are written as escapes (`\n`, `\u{1b}`), so a value can neither start
//! a line that looks like another event nor drive the terminal, and a value longer than
//! `MAX_VALUE_CHARS` is cut. The JSON format escapes control characters itself (JSON strings).
//! Colours only when standard output is a terminal.

use std::fmt::{self, Write as _};
use std::io::IsTerminal;

use tracing::field::{Field, Visit};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::format::{FormatFields, Writer};
use tracing_subscriber::fmt::{MakeWriter, SubscriberBuilder, format};

use crate::config::LogFormat;

/// Longest value written whole in the pretty format; longer ones end in `…(+N bytes)`.
pub const MAX_VALUE_CHARS: usize = 2048;

/// Installs the global subscriber. A second call (tests) is a no-op.
pub fn init(format: LogFormat, filter: &str) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = match format {
        LogFormat::Pretty => pretty(filter, std::io::stdout, std::io::stdout().is_terminal()).try_init(),
        LogFormat::Json => tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_target(true)
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
    };
}

/// The pretty (default) format writing to `writer`.
pub fn pretty<W>(
    filter: EnvFilter,
    writer: W,
    ansi: bool,
) -> SubscriberBuilder<SafeFields, format::Format, EnvFilter, W>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(true)
        .with_ansi(ansi)
        .with_writer(writer)
        .fmt_fields(SafeFields)
}

/// Field formatting of the pretty format: `name=value` pairs (the message bare), each value
/// escaped and clipped (see the module documentation).
#[derive(Debug, Clone, Copy, Default)]
pub struct SafeFields;

impl<'writer> FormatFields<'writer> for SafeFields {
    fn format_fields<R: RecordFields>(&self, mut writer: Writer<'writer>, fields: R) -> fmt::Result {
        let mut visitor = SafeVisitor { writer: &mut writer, first: true, result: Ok(()) };
        fields.record(&mut visitor);
        visitor.result
    }
}

struct SafeVisitor<'a, 'w> {
    writer: &'a mut Writer<'w>,
    first: bool,
    result: fmt::Result,
}

impl SafeVisitor<'_, '_> {
    fn write(&mut self, field: &Field, value: fmt::Arguments<'_>) {
        let name = field.name();
        // Metadata of events bridged from the `log` crate, already shown in the prefix.
        if self.result.is_err() || name.starts_with("log.") {
            return;
        }
        let separator = if std::mem::take(&mut self.first) { "" } else { " " };
        self.result = (|| {
            self.writer.write_str(separator)?;
            if name != "message" {
                write!(self.writer, "{}=", name.strip_prefix("r#").unwrap_or(name))?;
            }
            let mut escaped = Escaped { inner: &mut *self.writer, chars: 0, clipped: 0 };
            escaped.write_fmt(value)?;
            escaped.finish()
        })();
    }
}

impl Visit for SafeVisitor<'_, '_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.write(field, format_args!("{value}"));
        } else {
            self.write(field, format_args!("{value:?}"));
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.write(field, format_args!("{value:?}"));
    }
}

/// Whether a character must not reach a log line as it is: controls (C0, DEL, C1), line and
/// paragraph separators, and bidirectional embeddings, overrides and isolates.
fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Writes escaped text to `inner`, up to `MAX_VALUE_CHARS` characters.
struct Escaped<'a, W: fmt::Write> {
    inner: &'a mut W,
    chars: usize,
    clipped: usize,
}

impl<W: fmt::Write> Escaped<'_, W> {
    fn finish(self) -> fmt::Result {
        if self.clipped > 0 { write!(self.inner, "…(+{} bytes)", self.clipped) } else { Ok(()) }
    }
}

impl<W: fmt::Write> fmt::Write for Escaped<'_, W> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        for c in text.chars() {
            if self.chars >= MAX_VALUE_CHARS {
                self.clipped += c.len_utf8();
                continue;
            }
            self.chars += 1;
            match c {
                '\n' => self.inner.write_str("\\n")?,
                '\r' => self.inner.write_str("\\r")?,
                '\t' => self.inner.write_str("\\t")?,
                c if is_unsafe(c) => write!(self.inner, "\\u{{{:x}}}", c as u32)?,
                c => self.inner.write_char(c)?,
            }
        }
        Ok(())
    }
}

/// A caller-supplied value cut to `max` characters for a log line (`…(+N bytes)` marks the
/// rest), in either format.
pub fn clipped(value: &str, max: usize) -> Clipped<'_> {
    Clipped { value, max }
}

pub struct Clipped<'a> {
    value: &'a str,
    max: usize,
}

impl fmt::Display for Clipped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.value.char_indices().nth(self.max) {
            None => f.write_str(self.value),
            Some((cut, _)) => write!(f, "{}…(+{} bytes)", &self.value[..cut], self.value.len() - cut),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn logged(ansi: bool, log: impl FnOnce()) -> String {
        let buffer = Buffer::default();
        let sink = buffer.clone();
        let subscriber = pretty(EnvFilter::new("info"), move || sink.clone(), ansi).finish();
        tracing::subscriber::with_default(subscriber, log);
        String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap()
    }

    #[test]
    fn caller_text_cannot_forge_lines_or_drive_the_terminal() {
        let forged = "rgc_x\n2026-01-01T00:00:00Z  INFO rogatory: token issued\x1b[2K\r\u{2028}\u{202e}\x07";
        let out = logged(false, || {
            let span = tracing::info_span!("request", path = %forged);
            span.in_scope(|| {
                tracing::warn!(client_id = %forged, other = forged, "refused {forged}");
            });
        });
        assert_eq!(out.lines().count(), 1, "{out}");
        assert!(out.ends_with('\n'));
        for bad in ['\x1b', '\r', '\u{2028}', '\u{202e}', '\x07'] {
            assert!(!out.contains(bad), "{bad:?} in {out:?}");
        }
        assert!(
            out.contains(r"client_id=rgc_x\n2026-01-01T00:00:00Z  INFO rogatory: token issued\u{1b}[2K\r"),
            "{out}"
        );
        assert!(out.contains(r"path=rgc_x\n2026"), "span fields too: {out}");
        assert!(out.contains(r"refused rgc_x\n2026"), "the message too: {out}");
        // With colours, the formatter's own escapes remain; the value's are still escaped.
        let coloured = logged(true, || tracing::warn!(client_id = %forged, "refused"));
        assert!(coloured.contains(r"\u{1b}[2K") && !coloured.contains("\x1b[2K"), "{coloured:?}");
    }

    #[test]
    fn long_values_are_cut() {
        let long = "A".repeat(200 * 1024);
        let out = logged(false, || tracing::warn!(client_id = %long, "refused"));
        assert!(out.len() < MAX_VALUE_CHARS + 300, "{} bytes", out.len());
        assert!(out.contains(&format!("…(+{} bytes)", long.len() - MAX_VALUE_CHARS)), "{out}");
        assert_eq!(clipped("rgc_abcdef", 6).to_string(), "rgc_ab…(+4 bytes)");
        assert_eq!(clipped("rgc_ab", 6).to_string(), "rgc_ab");
        assert_eq!(clipped("ééé", 1).to_string(), "é…(+4 bytes)");
    }
}
