//! How `frontline run` logs: to stderr, as text (each field a safe line, see
//! [`crate::platform::terminal::log_fields`]; colour only when stderr is a terminal) or as one
//! JSON object per line for log shippers (`--log-format json`).
//!
//! Serenity's own lines are held back until the first connection: before it, every failure is
//! said once by `frontline run`'s own `error:` line, and serenity would repeat its version every
//! 5 s while it retries. After it, serenity's warnings about reconnecting are what an operator
//! needs. Setting `RUST_LOG` shows everything it selects from the start.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};

use tracing_subscriber::filter::{EnvFilter, dynamic_filter_fn};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{Layer, fmt};

/// The log line format (`frontline run --log-format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    /// Plain text lines (coloured on a terminal).
    #[default]
    Text,
    /// One JSON object per line: timestamp, level, target and the event's fields.
    Json,
}

/// Whether a platform connection has succeeded once in this process.
static CONNECTED: AtomicBool = AtomicBool::new(false);

/// Lets serenity's lines through from now on (called at the first READY).
pub fn connected() {
    CONNECTED.store(true, Ordering::Relaxed);
}

/// The default selection: our info lines, serenity's warnings.
const DEFAULT_FILTER: &str = "info,serenity=warn";

/// Installs the process's log subscriber. Errors if one is installed already.
pub fn init(format: LogFormat) -> anyhow::Result<()> {
    let explicit = std::env::var_os("RUST_LOG").is_some();
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| DEFAULT_FILTER.into());
    let held_back = dynamic_filter_fn(move |meta, _| {
        explicit || !meta.target().starts_with("serenity") || CONNECTED.load(Ordering::Relaxed)
    });
    let layer = match format {
        LogFormat::Text => fmt::layer()
            .with_writer(std::io::stderr)
            .with_ansi(std::io::stderr().is_terminal())
            .fmt_fields(crate::platform::terminal::log_fields())
            .with_filter(held_back)
            .boxed(),
        LogFormat::Json => fmt::layer()
            .json()
            .flatten_event(true)
            .with_writer(std::io::stderr)
            .with_ansi(false)
            .with_filter(held_back)
            .boxed(),
    };
    tracing_subscriber::registry()
        .with(filter)
        .with(layer)
        .try_init()
        .map_err(|e| anyhow::anyhow!("cannot set up logging: {e}"))
}
