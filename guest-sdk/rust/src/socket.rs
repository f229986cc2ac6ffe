//! The socket that sent the event, and its namespace.

use crate::abi;
use crate::emit::{send, send_with_ack, Args, Operator, Rooms};
use crate::error::Result;
use crate::handshake::{json_field, Handshake};
use crate::json::Json;
use crate::kv::{Kv, Scope};
use crate::lazy::Lazy;
use crate::sys;

/// The socket the event came from, like the `socket` of a Socket.IO server
/// handler.
///
/// Every effect (emits, joins, leaves, disconnect, reject, key-value writes)
/// is recorded by the host and applied, in order, only when the handler
/// returns `Ok`.
pub struct Socket {
    id: Lazy<String>,
    namespace: Lazy<String>,
    rooms: Lazy<Vec<String>>,
    /// Joins (`true`) and leaves made before the room list was read; they
    /// are applied when it is (so a handler that only joins never parses
    /// the list, and its module does not need the JSON parser).
    pending: Vec<(bool, String)>,
    handshake: Handshake,
}

impl Socket {
    pub(crate) fn new() -> Socket {
        Socket {
            id: Lazy::new(),
            namespace: Lazy::new(),
            rooms: Lazy::new(),
            pending: Vec::new(),
            handshake: Handshake::new(),
        }
    }

    /// The socket's id, also the name of its own room.
    pub fn id(&self) -> &str {
        self.id
            .get_or_init(|| sys::field_string(abi::FIELD_SOCKET_ID).unwrap_or_default())
    }

    fn load_rooms(pending: &[(bool, String)]) -> Vec<String> {
        let mut rooms: Vec<String> = match json_field(abi::FIELD_ROOMS, Json::Null) {
            Json::Array(items) => items
                .into_iter()
                .filter_map(|v| match v {
                    Json::String(s) => Some(s),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        for (join, room) in pending {
            apply(&mut rooms, *join, room);
        }
        rooms
    }

    /// The rooms the socket is in, its own id first: those it was in when
    /// the event started, updated by this handler's [`join`](Socket::join)
    /// and [`leave`](Socket::leave) calls.
    pub fn rooms(&self) -> &[String] {
        self.rooms.get_or_init(|| Socket::load_rooms(&self.pending))
    }

    /// Whether the socket is in `room` (see [`Socket::rooms`]).
    pub fn in_room(&self, room: &str) -> bool {
        self.rooms().iter().any(|r| r == room)
    }

    fn record(&mut self, join: bool, room: &str) {
        match self.rooms.get_mut() {
            Some(rooms) => apply(rooms, join, room),
            None => self.pending.push((join, room.to_string())),
        }
    }

    /// Joins `rooms` (one room or several, see [`Rooms`]), like Socket.IO's
    /// `socket.join(rooms)`, in order. Later emits of this handler see the
    /// change. Stops at the first invalid room ([`Error::Invalid`](crate::Error::Invalid):
    /// empty, or containing NUL); the rooms before it stay joined if the
    /// handler succeeds.
    pub fn join(&mut self, rooms: impl Rooms) -> Result<()> {
        rooms.each(&mut |room| {
            sys::join(room)?;
            self.record(true, room);
            Ok(())
        })
    }

    /// Leaves `rooms`, in order, stopping at the first invalid one like
    /// [`Socket::join`]. Leaving the socket's own room does nothing.
    pub fn leave(&mut self, rooms: impl Rooms) -> Result<()> {
        rooms.each(&mut |room| {
            sys::leave(room)?;
            self.record(false, room);
            Ok(())
        })
    }

    /// Emits `event` with `args` to this socket only.
    ///
    /// ```no_run
    /// # use wasmio::{json, Socket};
    /// # fn f(s: &Socket) -> wasmio::Result<()> {
    /// s.emit("welcome", &[json!({"id": s.id()})])?;
    /// # Ok(()) }
    /// ```
    pub fn emit(&self, event: &str, args: impl Args) -> Result<()> {
        send(abi::EMIT_SELF, &[], &[], event, &args)
    }

    /// Emits `event` with `args` to this socket only and asks its client for
    /// an acknowledgement, like Socket.IO's
    /// `socket.timeout(ms).emit(event, ...args, callback)`.
    ///
    /// The answer comes to a later run, since this one is over by then: once
    /// the handler has succeeded, the host runs the `$ack` handlers
    /// ([`App::on_ack`](crate::App::on_ack)) when the client answers, when
    /// `timeout_ms` passes without an answer (0 means 10 s; at most 600,000)
    /// or when the socket disconnects first, with `tag` (at most 1024 bytes)
    /// as [`Event::ack_tag`](crate::Event::ack_tag), to tell what the answer
    /// is for. [`Error::State`](crate::Error::State) when no answer can come
    /// (in `$disconnect`, in a `$ack` whose socket disconnected) or when the
    /// socket already awaits 1024 acks.
    ///
    /// ```no_run
    /// # use wasmio::{json, Socket};
    /// # fn f(s: &Socket) -> wasmio::Result<()> {
    /// s.emit_with_ack("order-17", 5000, "confirm", &[json!({"order": 17})])?;
    /// # Ok(()) }
    /// ```
    pub fn emit_with_ack(
        &self,
        tag: &str,
        timeout_ms: u32,
        event: &str,
        args: impl Args,
    ) -> Result<()> {
        send_with_ack(tag, timeout_ms, event, &args)
    }

    /// Selects the members of `rooms`, except this socket (Socket.IO's
    /// `socket.to(rooms)`); chain more rooms, then [`Operator::emit`].
    pub fn to(&self, rooms: impl Rooms) -> Operator {
        Operator::new(abi::EMIT_BROADCAST).to(rooms)
    }

    /// Selects every socket of the namespace except the members of `rooms`
    /// and this socket (Socket.IO's `socket.except(rooms)`).
    pub fn except(&self, rooms: impl Rooms) -> Operator {
        Operator::new(abi::EMIT_BROADCAST).except(rooms)
    }

    /// Selects every socket of the namespace except this one (Socket.IO's
    /// `socket.broadcast`).
    pub fn broadcast(&self) -> Operator {
        Operator::new(abi::EMIT_BROADCAST)
    }

    /// Disconnects the socket from the namespace once the handler's other
    /// effects are applied; its client receives a Socket.IO DISCONNECT and
    /// does not reconnect by itself. With `close_connection` the whole
    /// connection closes, including the client's other namespaces. A second
    /// call in the same handler fails with [`Error::State`](crate::Error::State).
    pub fn disconnect(&self, close_connection: bool) -> Result<()> {
        sys::disconnect(close_connection)
    }

    /// Refuses the connection: `$connect` handlers only
    /// ([`Error::State`](crate::Error::State) elsewhere, and when the handler
    /// already rejected it). The client's
    /// `connect_error` listener receives an `Error` whose `message` is
    /// `message` and whose `data` is `data`.
    ///
    /// Like every effect, the rejection applies only if the handler then
    /// returns `Ok`; the handler's other effects, except key-value writes,
    /// are dropped. (A handler that returns `Err` instead also refuses the
    /// connection, but with the message `handler failed`.)
    pub fn reject(&self, message: &str, data: Option<Json>) -> Result<()> {
        let data = data.map(|d| d.to_json()).unwrap_or_default();
        sys::reject(message, data.as_bytes())
    }

    /// The handshake of the socket's connection.
    pub fn handshake(&self) -> &Handshake {
        &self.handshake
    }

    /// This socket's data in the key-value store (`SCOPE_SOCKET`), like
    /// Socket.IO's `socket.data`; deleted after the socket's `$disconnect`
    /// handler has run.
    pub fn data(&self) -> Kv {
        Kv::new(Scope::Socket)
    }

    /// The socket's namespace.
    pub fn namespace(&self) -> Namespace {
        let name = self
            .namespace
            .get_or_init(|| sys::field_string(abi::FIELD_NAMESPACE).unwrap_or_default());
        Namespace { name: name.clone() }
    }
}

/// Applies a join or leave to a room list whose first entry is the socket's
/// own room (which it cannot leave).
fn apply(rooms: &mut Vec<String>, join: bool, room: &str) {
    let present = rooms.iter().position(|r| r == room);
    match (join, present) {
        (true, None) => rooms.push(room.to_string()),
        (false, Some(i)) if i > 0 => {
            rooms.remove(i);
        }
        _ => {}
    }
}

impl core::fmt::Debug for Socket {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Socket").finish_non_exhaustive()
    }
}

/// The socket's namespace, like Socket.IO's `io.of(name)`: emits that may
/// include the sender, and the namespace's key-value store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Namespace {
    name: String,
}

impl Namespace {
    /// The namespace's name, like `/` or `/chat`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Emits `event` with `args` to every socket of the namespace, the
    /// sender included.
    pub fn emit(&self, event: &str, args: impl Args) -> Result<()> {
        send(abi::EMIT_NAMESPACE, &[], &[], event, &args)
    }

    /// Selects the members of `rooms`, the sender included when it is one.
    pub fn to(&self, rooms: impl Rooms) -> Operator {
        Operator::new(abi::EMIT_NAMESPACE).to(rooms)
    }

    /// Selects every socket of the namespace except the members of `rooms`
    /// (the sender included when it is not one).
    pub fn except(&self, rooms: impl Rooms) -> Operator {
        Operator::new(abi::EMIT_NAMESPACE).except(rooms)
    }

    /// The namespace's key-value store (`SCOPE_NAMESPACE`): shared by every
    /// socket of the namespace, durable across connections and restarts.
    pub fn kv(&self) -> Kv {
        Kv::new(Scope::Namespace)
    }
}
