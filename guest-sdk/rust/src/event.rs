//! The event being handled.

use core::cell::Cell;

use crate::abi;
use crate::emit::{Args, Payload};
use crate::error::{Error, Result};
use crate::json::{Json, ParseError};
use crate::lazy::Lazy;
use crate::sys;

/// The event being handled: its name, arguments, binary attachments and
/// acknowledgement. Every field but the name is read from the host on
/// first use.
pub struct Event {
    name: String,
    namespace: Lazy<String>,
    args: Lazy<Vec<u8>>,
    parsed: Lazy<core::result::Result<Vec<Json>, ParseError>>,
    time: Lazy<i64>,
    wants_ack: Lazy<bool>,
    attachment_count: Lazy<usize>,
    ack_tag: Lazy<String>,
    ack_error: Lazy<String>,
    acked: Cell<bool>,
}

/// Why a `$ack` handler has no answer ([`Event::ack_error`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AckError {
    /// The client did not answer within the timeout.
    Timeout,
    /// The socket disconnected before its client answered; its
    /// `$disconnect` runs next.
    Disconnected,
    /// A reason this SDK does not know (a newer host).
    Unknown(String),
}

impl Event {
    pub(crate) fn new(name: String) -> Event {
        Event {
            name,
            namespace: Lazy::new(),
            args: Lazy::new(),
            parsed: Lazy::new(),
            time: Lazy::new(),
            wants_ack: Lazy::new(),
            attachment_count: Lazy::new(),
            ack_tag: Lazy::new(),
            ack_error: Lazy::new(),
            acked: Cell::new(false),
        }
    }

    /// The event name: `$connect`, `$disconnect`, `$ack`, or the client's
    /// event name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether this is the `$connect` event.
    pub fn is_connect(&self) -> bool {
        self.name == abi::EVENT_CONNECT
    }

    /// Whether this is the `$disconnect` event.
    pub fn is_disconnect(&self) -> bool {
        self.name == abi::EVENT_DISCONNECT
    }

    /// Whether this is a `$ack` event: the outcome of one of the socket's
    /// [`Socket::emit_with_ack`](crate::Socket::emit_with_ack) calls.
    pub fn is_ack(&self) -> bool {
        self.name == abi::EVENT_ACK
    }

    /// In a `$ack` handler, the tag of the
    /// [`emit_with_ack`](crate::Socket::emit_with_ack) it answers; empty in
    /// other handlers.
    pub fn ack_tag(&self) -> &str {
        self.ack_tag
            .get_or_init(|| sys::field_string(abi::FIELD_ACK_TAG).unwrap_or_default())
    }

    /// In a `$ack` handler, why there is no answer: `None` when the client
    /// answered (its answer is the event's arguments: [`Event::args`],
    /// [`Event::arg`], [`Event::attachment`]...), or the [`AckError`].
    /// `None` in other handlers.
    pub fn ack_error(&self) -> Option<AckError> {
        let text = self
            .ack_error
            .get_or_init(|| sys::field_string(abi::FIELD_ACK_ERROR).unwrap_or_default());
        match text.as_str() {
            "" => None,
            abi::ACK_ERROR_TIMEOUT => Some(AckError::Timeout),
            abi::ACK_ERROR_DISCONNECTED => Some(AckError::Disconnected),
            other => Some(AckError::Unknown(other.to_string())),
        }
    }

    /// The namespace, like `/` or `/chat`.
    pub fn namespace(&self) -> &str {
        self.namespace
            .get_or_init(|| sys::field_string(abi::FIELD_NAMESPACE).unwrap_or_default())
    }

    /// The client's arguments as the raw JSON array it sent (bytes and key
    /// order kept; binary arguments appear as
    /// `{"_placeholder":true,"num":N}`). `[]` for `$connect`,
    /// `["<reason>"]` for `$disconnect`; in `$ack`, the client's answer
    /// (`[]` when there is none).
    pub fn args(&self) -> &[u8] {
        self.args
            .get_or_init(|| sys::field(abi::FIELD_ARGS).unwrap_or_else(|_| b"[]".to_vec()))
    }

    /// The arguments, parsed (once). Binary arguments are placeholder
    /// objects; see [`Event::binary`].
    pub fn args_json(&self) -> Result<&[Json]> {
        let parsed = self.parsed.get_or_init(|| match Json::parse(self.args()) {
            Ok(Json::Array(items)) => Ok(items),
            Ok(_) => Err(ParseError::not_an_array()),
            Err(err) => Err(err),
        });
        match parsed {
            Ok(items) => Ok(items),
            Err(err) => Err(Error::Json(err.clone())),
        }
    }

    /// Argument `index`, if there is one (and the arguments parse).
    pub fn arg(&self, index: usize) -> Option<&Json> {
        self.args_json().ok()?.get(index)
    }

    /// The first argument when it is a JSON object, the usual shape of a
    /// request; `None` when there is no argument or it is something else
    /// (`null` included).
    pub fn request(&self) -> Option<&Json> {
        self.arg(0).filter(|req| req.is_object())
    }

    /// The number of binary attachments.
    pub fn attachment_count(&self) -> usize {
        *self.attachment_count.get_or_init(|| {
            sys::field_i64(abi::FIELD_ATTACHMENTS)
                .ok()
                .and_then(|n| usize::try_from(n).ok())
                .unwrap_or(0)
        })
    }

    /// Binary attachment `index` (0-based, in placeholder order), or `None`
    /// past the last one.
    pub fn attachment(&self, index: usize) -> Option<Vec<u8>> {
        sys::attachment(index).ok()
    }

    /// Every binary attachment, in placeholder order.
    pub fn attachments(&self) -> Result<Vec<Vec<u8>>> {
        (0..self.attachment_count()).map(sys::attachment).collect()
    }

    /// The bytes a binary placeholder (`{"_placeholder":true,"num":N}`)
    /// stands for; `None` when `value` is not a placeholder or names no
    /// attachment.
    pub fn binary(&self, value: &Json) -> Option<Vec<u8>> {
        self.attachment(value.placeholder_index()?)
    }

    /// Argument `index` as bytes, when the client sent binary data there.
    pub fn binary_arg(&self, index: usize) -> Option<Vec<u8>> {
        self.binary(self.arg(index)?)
    }

    /// The arguments and attachments exactly as received, to forward them
    /// byte-exact: `socket.to("room").emit("relay", event.payload()?)`.
    pub fn payload(&self) -> Result<Payload> {
        Ok(Payload::from_raw(self.args().to_vec(), self.attachments()?))
    }

    /// Whether the client asked for an acknowledgement.
    pub fn wants_ack(&self) -> bool {
        *self
            .wants_ack
            .get_or_init(|| matches!(sys::field(abi::FIELD_ACK).as_deref(), Ok(b"1")))
    }

    /// Answers the client's acknowledgement callback with `args`.
    /// [`Error::NoAck`], checked before anything reaches the host, when the
    /// client did not ask for one or the handler already answered (Socket.IO
    /// ignores a second call of the callback): a handler may return it and
    /// still succeed, so `e.ack(...)` may end any handler.
    pub fn ack(&self, args: impl Args) -> Result<()> {
        if !self.wants_ack() || self.acked.get() {
            return Err(Error::NoAck);
        }
        crate::emit::ack(&args)?;
        self.acked.set(true);
        Ok(())
    }

    /// Answers the client's acknowledgement callback with `args`, like
    /// [`Event::ack`], when the client asked for one and the handler has not
    /// answered yet; sends nothing and returns `Ok` otherwise. Use it where
    /// the handler goes on afterwards, since `e.ack(...)?` stops there with
    /// [`Error::NoAck`].
    pub fn reply(&self, args: impl Args) -> Result<()> {
        match self.ack(args) {
            Err(Error::NoAck) => Ok(()),
            other => other,
        }
    }

    /// Answers an invalid request: replies (see [`Event::reply`])
    /// `{"ok":false,"error":message}`, the shape of the host's own
    /// `{"error":"handler failed"}` with an `ok` a client can test. The
    /// event still succeeds, so `return e.refuse(...)` ignores the request,
    /// keeping what the handler did before; return an `Err` instead to
    /// discard it.
    pub fn refuse(&self, message: &str) -> Result<()> {
        let answer = Json::Object(vec![
            (String::from("ok"), Json::Bool(false)),
            (String::from("error"), Json::from(message)),
        ]);
        self.reply(&[answer])
    }

    /// When the event was received: Unix time in milliseconds.
    pub fn time_ms(&self) -> i64 {
        *self
            .time
            .get_or_init(|| sys::field_i64(abi::FIELD_TIME).unwrap_or(0))
    }

    /// For `$disconnect`, the reason (like `"client namespace disconnect"`
    /// or `"transport close"`); `None` for other events.
    pub fn reason(&self) -> Option<&str> {
        if self.is_disconnect() {
            self.arg(0)?.as_str()
        } else {
            None
        }
    }
}

impl core::fmt::Debug for Event {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Event")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}
