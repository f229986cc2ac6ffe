//! Writing to the host log.
//!
//! Lines go to the host's log tagged with the namespace, event and socket
//! id. Logging is immediate, not an effect: it happens even when the
//! handler then fails.
//!
//! ```no_run
//! wasmio::log::info("user joined");
//! wasmio::log::warn(format!("{} retries", 3));
//! ```

use crate::abi;
use crate::sys;

/// A log level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Debugging detail.
    Debug,
    /// Normal operation.
    Info,
    /// Something unexpected that the handler handled.
    Warn,
    /// A failure.
    Error,
}

impl Level {
    fn code(self) -> i32 {
        match self {
            Level::Debug => abi::LOG_DEBUG,
            Level::Info => abi::LOG_INFO,
            Level::Warn => abi::LOG_WARN,
            Level::Error => abi::LOG_ERROR,
        }
    }
}

/// Writes `message` at `level`.
pub fn write(level: Level, message: impl AsRef<str>) {
    sys::log(level.code(), message.as_ref());
}

/// Writes `message` at level debug.
pub fn debug(message: impl AsRef<str>) {
    write(Level::Debug, message);
}

/// Writes `message` at level info.
pub fn info(message: impl AsRef<str>) {
    write(Level::Info, message);
}

/// Writes `message` at level warn.
pub fn warn(message: impl AsRef<str>) {
    write(Level::Warn, message);
}

/// Writes `message` at level error.
pub fn error(message: impl AsRef<str>) {
    write(Level::Error, message);
}
