//! Errors of the SDK: the ABI's error codes, JSON parse errors and the
//! handler's own errors.

use core::fmt;

use crate::abi;
use crate::json::ParseError;

/// The result type of every fallible SDK call and of every handler.
pub type Result<T> = core::result::Result<T, Error>;

/// An error reported by the host (one variant per ABI error code), by the
/// JSON parser, or by the handler itself.
///
/// Returning an `Err` from a handler fails the event: `wasmio_handle`
/// returns [`Error::code`] (never 0), the host discards every effect of the
/// handler and logs the value. The SDK also logs the error's message at
/// level error before returning.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// `ERR_INVALID`: an argument is malformed (invalid JSON or UTF-8, an
    /// empty room or key, a room name containing NUL, an empty or reserved
    /// event name, an unknown field or scope).
    Invalid,
    /// `ERR_NOT_FOUND`: no such key, attachment or field value.
    NotFound,
    /// `ERR_TOO_LARGE`: a key, value or payload exceeds a limit.
    TooLarge,
    /// `ERR_STATE`: not allowed in this event (`reject` outside `$connect`,
    /// a second `disconnect`, an `emit_with_ack` no client can answer).
    State,
    /// `ERR_STATE` from [`Event::ack`](crate::Event::ack) when the client
    /// asked for no acknowledgement or the handler already sent it. A
    /// handler returning it still succeeds, so `e.ack(...)` may end a
    /// handler whether or not the client asked.
    NoAck,
    /// `ERR_NOT_INTEGER`: `incr` on a value that is not a decimal integer.
    NotInteger,
    /// `ERR_OVERFLOW`: `incr` would overflow 64 bits.
    Overflow,
    /// `ERR_STORAGE`: the key-value store failed.
    Storage,
    /// A negative code this SDK does not know (a newer host).
    Unknown(i32),
    /// JSON that could not be parsed (the event's arguments, a handshake
    /// field, or text given to [`Json::parse`](crate::Json::parse)).
    Json(ParseError),
    /// An error of the handler itself, with a message for the host log.
    /// `"message".into()` and `String::into()` make one.
    Handler(String),
}

impl Error {
    /// Maps a negative ABI return code to its error.
    pub fn from_code(code: i32) -> Error {
        match code {
            abi::ERR_INVALID => Error::Invalid,
            abi::ERR_NOT_FOUND => Error::NotFound,
            abi::ERR_TOO_LARGE => Error::TooLarge,
            abi::ERR_STATE => Error::State,
            abi::ERR_NOT_INTEGER => Error::NotInteger,
            abi::ERR_OVERFLOW => Error::Overflow,
            abi::ERR_STORAGE => Error::Storage,
            other => Error::Unknown(other),
        }
    }

    /// A handler error with a message.
    pub fn handler(message: impl Into<String>) -> Error {
        Error::Handler(message.into())
    }

    /// The value `wasmio_handle` returns for this error; never 0. Host
    /// errors keep their (negative) ABI code, a JSON error is
    /// `ERR_INVALID`, a handler error is 1.
    pub fn code(&self) -> i32 {
        match self {
            Error::Invalid => abi::ERR_INVALID,
            Error::NotFound => abi::ERR_NOT_FOUND,
            Error::TooLarge => abi::ERR_TOO_LARGE,
            Error::State | Error::NoAck => abi::ERR_STATE,
            Error::NotInteger => abi::ERR_NOT_INTEGER,
            Error::Overflow => abi::ERR_OVERFLOW,
            Error::Storage => abi::ERR_STORAGE,
            Error::Unknown(0) => 1,
            Error::Unknown(code) => *code,
            Error::Json(_) => abi::ERR_INVALID,
            Error::Handler(_) => 1,
        }
    }

    /// The ABI name of a host error (`"ERR_NOT_FOUND"`), or `None` for the
    /// other variants.
    pub fn abi_name(&self) -> Option<&'static str> {
        Some(match self {
            Error::Invalid => "ERR_INVALID",
            Error::NotFound => "ERR_NOT_FOUND",
            Error::TooLarge => "ERR_TOO_LARGE",
            Error::State | Error::NoAck => "ERR_STATE",
            Error::NotInteger => "ERR_NOT_INTEGER",
            Error::Overflow => "ERR_OVERFLOW",
            Error::Storage => "ERR_STORAGE",
            _ => return None,
        })
    }

    /// Appends a one-line description to `out` (what `Display` writes).
    pub(crate) fn describe(&self, out: &mut String) {
        match self {
            Error::Handler(message) => out.push_str(message),
            Error::Json(err) => err.describe(out),
            Error::Unknown(code) => {
                out.push_str("unknown host error ");
                crate::json::push_i64(out, i64::from(*code));
            }
            other => {
                out.push_str(other.abi_name().unwrap_or("error"));
                out.push_str(": ");
                out.push_str(match other {
                    Error::Invalid => "invalid argument",
                    Error::NotFound => "not found",
                    Error::TooLarge => "too large",
                    Error::State => "not allowed in this event",
                    Error::NoAck => "no acknowledgement requested, or already sent",
                    Error::NotInteger => "value is not a decimal integer",
                    Error::Overflow => "integer overflow",
                    _ => "key-value store failed",
                });
            }
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        self.describe(&mut s);
        f.write_str(&s)
    }
}

impl std::error::Error for Error {}

impl From<ParseError> for Error {
    fn from(err: ParseError) -> Error {
        Error::Json(err)
    }
}

impl From<&str> for Error {
    fn from(message: &str) -> Error {
        Error::Handler(message.to_string())
    }
}

impl From<String> for Error {
    fn from(message: String) -> Error {
        Error::Handler(message)
    }
}

/// Maps an ABI return value: negative is an error, anything else is the
/// value.
pub(crate) fn check(rc: i32) -> Result<i32> {
    if rc < 0 {
        Err(Error::from_code(rc))
    } else {
        Ok(rc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for code in -7..=-1 {
            let err = Error::from_code(code);
            assert_eq!(err.code(), code);
            assert!(err.abi_name().is_some());
        }
        assert_eq!(Error::from_code(-42), Error::Unknown(-42));
        assert_eq!(Error::Unknown(-42).code(), -42);
        assert_eq!(Error::Unknown(0).code(), 1);
        assert_eq!(Error::from("boom").code(), 1);
        assert_eq!(Error::from("boom").to_string(), "boom");
        assert_eq!(Error::NotFound.to_string(), "ERR_NOT_FOUND: not found");
        assert_eq!(Error::Unknown(-9).to_string(), "unknown host error -9");
        assert_eq!(check(3), Ok(3));
        assert_eq!(check(-4), Err(Error::State));
    }
}
