//! Guest SDK for wasmio handler modules, ABI v1.
//!
//! wasmio maps Socket.IO namespaces and events to WebAssembly modules. Every
//! event runs in a fresh instance of its module: the instance reads the
//! event, records effects (emits, acks, joins, key-value writes, ...) and is
//! discarded. The effects are applied, in order, only when the handler
//! returns `Ok`; an `Err`, a panic, a trap or a broken limit discards all of
//! them. The contract is `abi/ABI.md` in the wasmio repository; this crate
//! wraps it in an API shaped like Socket.IO's server API.
//!
//! ```no_run
//! use wasmio::{json, App, Event, Json, Socket};
//!
//! fn setup(app: &mut App) {
//!     app.on_connect(|s, _| {
//!         let name = s.handshake().auth()["username"].as_str().unwrap_or("Anonymous").to_string();
//!         s.data().put("username", &name)?;
//!         s.join("lobby")?;
//!         s.emit("welcome", &[json!({"id": s.id()})])?;
//!         s.to("lobby").emit("userJoined", &[Json::from(name)])?;
//!         Ok(())
//!     });
//!     app.on("message", on_message);
//! }
//!
//! fn on_message(s: &mut Socket, e: &Event) -> wasmio::Result<()> {
//!     let text = e.arg(0).and_then(Json::as_str).ok_or("message needs a string")?;
//!     let from = s.data().get_string("username")?.unwrap_or_default();
//!     s.to("lobby").emit("message", &[json!({"from": from, "text": text})])?;
//!     e.reply(&[json!("ok")]) // acks when the client asked for it
//! }
//!
//! wasmio::export!(setup);
//! ```
//!
//! # Handlers
//!
//! [`export!`] defines the module's two exports. For every event,
//! `wasmio_handle` reads the event name, calls your setup function with an
//! [`App`], and runs the handlers registered for that name (all of them, in
//! registration order), or else the `$default` handlers, or nothing
//! (success). A handler gets the [`Socket`] that sent the event and the
//! [`Event`].
//!
//! A handler fails the event by returning `Err` (`wasmio_handle` then
//! returns [`Error::code`], and the error's message is logged) or by
//! panicking: in a wasm32 module a panic aborts, which traps the instance,
//! and the host treats a trap as a failure. Either way nothing the handler
//! did takes effect; a failed `$connect` refuses the connection.
//!
//! # Builds and tests
//!
//! Everything that calls the host is compiled for `target_arch = "wasm32"`
//! only; on other targets the API still type-checks (for `cargo check`,
//! `cargo doc` and tests of pure logic) but every call into the host panics.
//! Handlers are tested as WebAssembly on the real runtime, with the test kit
//! `github.com/wasmio/wasmio/wasmiotest` of the wasmio repository. See the
//! crate's README for an example, the recommended release profile and linker
//! flags.

#![warn(missing_docs)]

#[allow(missing_docs)]
#[rustfmt::skip]
pub mod abi;
pub mod json;
pub mod log;

mod emit;
mod error;
mod event;
mod handshake;
mod kv;
mod lazy;
mod socket;
mod sys;
mod text;

pub use emit::{Arg, ArgValue, Args, Operator, Payload, Rooms};
pub use error::{Error, Result};
pub use event::{AckError, Event};
pub use handshake::Handshake;
pub use json::{Json, Number, ParseError};
pub use kv::{Kv, Scope};
pub use socket::{Namespace, Socket};
pub use text::{js_length, valid_name};

#[doc(hidden)]
pub use emit::{ArgWriter, Encoded};

/// The README's examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

type Handler = Box<dyn FnMut(&mut Socket, &Event) -> Result<()>>;

/// The handler registry of a module, like the `io.on("connection", ...)` /
/// `socket.on(...)` setup of a Socket.IO server.
///
/// Your setup function (passed to [`export!`]) registers handlers on it.
/// It runs once per event, in the event's fresh instance, and only the
/// handlers for that event are kept: register freely, it is cheap.
pub struct App {
    event: String,
    handlers: Vec<Handler>,
    defaults: Vec<Handler>,
}

impl App {
    fn new(event: String) -> App {
        App {
            event,
            handlers: Vec::new(),
            defaults: Vec::new(),
        }
    }

    /// The name of the event being handled.
    pub fn event(&self) -> &str {
        &self.event
    }

    /// Adds `handler` to the handlers of `event`: `$connect`, `$disconnect`,
    /// `$ack`, a client event name, or `$default` (same as
    /// [`App::on_default`]). Like Socket.IO's `socket.on`, a second `on` for
    /// the same event adds a handler rather than replacing the first: the
    /// handlers of an event run in registration order, on the same
    /// [`Socket`] and [`Event`], and the first `Err` stops the event, which
    /// then fails as a whole.
    ///
    /// Handlers are closures or functions of type
    /// `fn(&mut Socket, &Event) -> wasmio::Result<()>`.
    pub fn on<F>(&mut self, event: &str, handler: F) -> &mut App
    where
        F: FnMut(&mut Socket, &Event) -> Result<()> + 'static,
    {
        if event == abi::EVENT_DEFAULT {
            self.defaults.push(Box::new(handler));
        } else if event == self.event {
            self.handlers.push(Box::new(handler));
        }
        self
    }

    /// Registers `handler` for `$connect`: a client connects to the
    /// namespace. The handler may [`reject`](Socket::reject) it; returning
    /// `Err` refuses it with the message `handler failed`.
    pub fn on_connect<F>(&mut self, handler: F) -> &mut App
    where
        F: FnMut(&mut Socket, &Event) -> Result<()> + 'static,
    {
        self.on(abi::EVENT_CONNECT, handler)
    }

    /// Registers `handler` for `$disconnect`: the socket left the namespace
    /// ([`Event::reason`] says why). Its socket data is deleted afterwards.
    pub fn on_disconnect<F>(&mut self, handler: F) -> &mut App
    where
        F: FnMut(&mut Socket, &Event) -> Result<()> + 'static,
    {
        self.on(abi::EVENT_DISCONNECT, handler)
    }

    /// Registers `handler` for `$ack`: each answer to one of the socket's
    /// [`Socket::emit_with_ack`] calls, or its timeout or disconnection, in a
    /// run of its own ([`Event::ack_tag`], [`Event::ack_error`], the answer
    /// as the event's arguments). The answer arrives only if the emitting
    /// handler succeeded.
    pub fn on_ack<F>(&mut self, handler: F) -> &mut App
    where
        F: FnMut(&mut Socket, &Event) -> Result<()> + 'static,
    {
        self.on(abi::EVENT_ACK, handler)
    }

    /// Registers `handler` for every client event that has no handler of its
    /// own (`$default`). Like the host's `$default` mapping, it never
    /// receives `$connect`, `$disconnect` or `$ack`.
    pub fn on_default<F>(&mut self, handler: F) -> &mut App
    where
        F: FnMut(&mut Socket, &Event) -> Result<()> + 'static,
    {
        self.defaults.push(Box::new(handler));
        self
    }

    /// Runs the matching handlers; returns `wasmio_handle`'s result.
    fn run(self) -> i32 {
        let App {
            event,
            handlers,
            defaults,
        } = self;
        let lifecycle = event == abi::EVENT_CONNECT
            || event == abi::EVENT_DISCONNECT
            || event == abi::EVENT_ACK;
        let mut chosen = if handlers.is_empty() && !lifecycle {
            defaults
        } else {
            handlers
        };
        if chosen.is_empty() {
            return 0;
        }
        let event = Event::new(event);
        let mut socket = Socket::new();
        for handler in chosen.iter_mut() {
            match handler(&mut socket, &event) {
                Ok(()) | Err(Error::NoAck) => continue,
                Err(err) => {
                    let mut message = String::from("wasmio: ");
                    message.push_str(event.name());
                    message.push_str(" handler failed: ");
                    err.describe(&mut message);
                    sys::log(abi::LOG_ERROR, &message);
                    return err.code();
                }
            }
        }
        0
    }
}

impl core::fmt::Debug for App {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("App")
            .field("event", &self.event)
            .field("handlers", &self.handlers.len())
            .field("defaults", &self.defaults.len())
            .finish()
    }
}

/// The body of `wasmio_handle`, used by [`export!`]: reads the event name,
/// runs `setup`, dispatches.
#[doc(hidden)]
pub fn __handle(setup: impl FnOnce(&mut App)) -> i32 {
    let name = match sys::field_string(abi::FIELD_EVENT) {
        Ok(name) => name,
        Err(err) => return err.code(),
    };
    let mut app = App::new(name);
    setup(&mut app);
    app.run()
}

/// Gives the allocator its first block of memory before the host records
/// the module's initialized state. Rust's allocator takes memory only by
/// growing it, so without this every event that allocates would grow the
/// memory, and the host gives a new instance to the event after one whose
/// memory grew, which costs more than resetting the one it has.
#[doc(hidden)]
pub fn __initialize() {
    let block = Vec::<u8>::with_capacity(1);
    // Read through a volatile load, so that the compiler keeps the
    // allocation.
    unsafe { core::ptr::read_volatile(&block.as_ptr()) };
}

/// Defines the module's exports from a setup function (`fn(&mut App)`):
/// `wasmio_abi_version`, which returns 1, `_initialize`, which prepares
/// the allocator once, and `wasmio_handle`, which runs the handlers the
/// setup function registers for the current event.
///
/// Use it once, in the handler crate (a `cdylib`):
///
/// ```no_run
/// fn setup(app: &mut wasmio::App) {
///     app.on_default(|s, e| s.emit("echo", e.payload()?));
/// }
/// wasmio::export!(setup);
/// ```
#[macro_export]
macro_rules! export {
    ($setup:expr) => {
        /// wasmio ABI version of this module.
        #[no_mangle]
        pub extern "C" fn wasmio_abi_version() -> i32 {
            $crate::abi::VERSION
        }

        /// Runs once, when the host loads the module (abi/ABI.md,
        /// `_initialize`): see `__initialize`.
        #[no_mangle]
        pub extern "C" fn _initialize() {
            $crate::__initialize()
        }

        /// Handles the current event; 0 commits its effects.
        #[no_mangle]
        pub extern "C" fn wasmio_handle() -> i32 {
            $crate::__handle($setup)
        }
    };
}

/// The current Unix time in nanoseconds, from the host (which may fix it in
/// tests).
pub fn now_ns() -> i64 {
    sys::clock_now()
}

/// Fills `buf` with cryptographically random bytes from the host.
pub fn random_fill(buf: &mut [u8]) -> Result<()> {
    sys::random_fill(buf)
}

/// `n` cryptographically random bytes from the host.
pub fn random_bytes(n: usize) -> Result<Vec<u8>> {
    let mut buf = vec![0u8; n];
    sys::random_fill(&mut buf)?;
    Ok(buf)
}
