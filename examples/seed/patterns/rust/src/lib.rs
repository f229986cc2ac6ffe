//! The documentation's Broadcasting Patterns, ported line by line: each of
//! its six emits runs when a client emits the event it sends, and
//! `joinRoom` (the reference's `socket.join` example) puts a socket in the
//! rooms they target. `../README.md` sets the JavaScript next to this port;
//! `../go` is the same handler in Go.

use wasmio::{json, valid_name, App, Event, Result, Socket};

const MAX_ROOM: usize = 64; // characters, as JavaScript counts them, none a control character

fn setup(app: &mut App) {
    app.on("joinRoom", join_room)
        .on("directMessage", direct_message)
        .on("chat", chat)
        .on("announcement", announcement)
        .on("serverNotice", server_notice)
        .on("alert", alert)
        .on("offer", offer);
}

wasmio::export!(setup);

/// The Socket.IO room of a chat room. The prefix keeps the rooms clients
/// name apart from the sockets' own rooms: `joinRoom` with another socket's
/// id must not put the client in that socket's room.
fn room_of(name: &str) -> String {
    let mut room = String::from("room:");
    room.push_str(name);
    room
}

/// Joins and confirms:
///
/// ```js
/// ns.socket.join(data.room);
/// ns.socket.emit('joined', { room: data.room });
/// ```
fn join_room(s: &mut Socket, e: &Event) -> Result<()> {
    let room = match e
        .request()
        .and_then(|req| req["room"].as_str())
        .filter(|room| valid_name(room, MAX_ROOM))
    {
        Some(room) => room,
        None => return Ok(()), // ignored, as the documentation advises
    };
    s.join(&room_of(room))?;
    s.emit("joined", &[json!({"room": room})])
}

/// "To a specific socket":
///
/// ```js
/// ns.socket.emit('directMessage', { text: 'Just for you' });
/// ```
fn direct_message(s: &mut Socket, _: &Event) -> Result<()> {
    s.emit("directMessage", &[json!({"text": "Just for you"})])
}

/// "To a room (excluding sender)":
///
/// ```js
/// ns.socket.to('general').emit('chat', { text: 'Hello room' });
/// ```
fn chat(s: &mut Socket, _: &Event) -> Result<()> {
    s.to(room_of("general"))
        .emit("chat", &[json!({"text": "Hello room"})])
}

/// "To all (excluding sender)":
///
/// ```js
/// ns.socket.broadcast.emit('announcement', { text: 'News flash' });
/// ```
fn announcement(s: &mut Socket, _: &Event) -> Result<()> {
    s.broadcast()
        .emit("announcement", &[json!({"text": "News flash"})])
}

/// "To entire namespace (including sender)":
///
/// ```js
/// ns.emit('serverNotice', { text: 'Server restart in 5 minutes' });
/// ```
fn server_notice(s: &mut Socket, _: &Event) -> Result<()> {
    s.namespace().emit(
        "serverNotice",
        &[json!({"text": "Server restart in 5 minutes"})],
    )
}

/// "To multiple rooms", the sender excepted:
///
/// ```js
/// ns.socket.to('admins').to('moderators').emit('alert', { level: 'high' });
/// ```
fn alert(s: &mut Socket, _: &Event) -> Result<()> {
    s.to(room_of("admins"))
        .to(room_of("moderators"))
        .emit("alert", &[json!({"level": "high"})])
}

/// "To a room, excluding another room", the sender included when selected:
///
/// ```js
/// ns.to('premium').except('banned').emit('offer', { discount: 20 });
/// ```
fn offer(s: &mut Socket, _: &Event) -> Result<()> {
    s.namespace()
        .to(room_of("premium"))
        .except(room_of("banned"))
        .emit("offer", &[json!({"discount": 20})])
}
