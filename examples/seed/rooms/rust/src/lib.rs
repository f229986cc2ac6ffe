//! The documentation's Rooms section, ported line by line: joining and
//! leaving a room, sending to a room, and the multi-room targeting of its
//! last snippets, each triggered by a client event of the same name.
//! `../README.md` sets the JavaScript next to this port; `../go` is the
//! same handler in Go.

use wasmio::{js_length, json, valid_name, App, Event, Json, Result, Socket};

const ROOM1: &str = "room1";
const ROOM2: &str = "room2";
const MAX_ROOM: usize = 64; // characters, as JavaScript counts them, none a control character
const MAX_TEXT: usize = 1000; // characters

fn setup(app: &mut App) {
    app.on("joinRoom", join_room)
        .on("leaveRoom", leave_room)
        .on("message", message)
        .on("announcement", announcement)
        .on("exclusive", exclusive);
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

/// Joins, confirms, and tells the others in the room:
///
/// ```js
/// ns.socket.join(data.room);
/// ns.socket.emit('joined', { room: data.room });
/// ns.socket.to(data.room).emit('userJoined', { socketId: ns.socket.id });
/// ```
fn join_room(s: &mut Socket, e: &Event) -> Result<()> {
    let room = match request_room(e) {
        Some(room) => room,
        None => return Ok(()), // ignored, as the documentation advises
    };
    s.join(&room_of(room))?;
    s.emit("joined", &[json!({"room": room})])?;
    s.to(room_of(room))
        .emit("userJoined", &[json!({"socketId": s.id()})])
}

/// Tells the others in the room, then leaves:
///
/// ```js
/// ns.socket.to(data.room).emit('userLeft', { socketId: ns.socket.id });
/// ns.socket.leave(data.room);
/// ```
fn leave_room(s: &mut Socket, e: &Event) -> Result<()> {
    let room = match request_room(e) {
        Some(room) => room,
        None => return Ok(()),
    };
    s.to(room_of(room))
        .emit("userLeft", &[json!({"socketId": s.id()})])?;
    s.leave(&room_of(room))
}

/// Sends to the room, the sender excepted:
///
/// ```js
/// ns.socket.to(data.room).emit('message', { from: ns.socket.id, text: data.text });
/// ```
fn message(s: &mut Socket, e: &Event) -> Result<()> {
    let (room, text) = match e.request() {
        Some(req) => match (req["room"].as_str(), valid_text(&req["text"])) {
            (Some(room), Some(text)) if valid_name(room, MAX_ROOM) => (room, text),
            _ => return Ok(()),
        },
        None => return Ok(()),
    };
    s.to(room_of(room))
        .emit("message", &[json!({"from": s.id(), "text": text})])
}

/// Sends to the sockets in room1 or room2, the sender excepted:
///
/// ```js
/// ns.socket.to('room1').to('room2').emit('announcement', { text: 'Hello both rooms!' });
/// ```
fn announcement(s: &mut Socket, _: &Event) -> Result<()> {
    s.to(room_of(ROOM1))
        .to(room_of(ROOM2))
        .emit("announcement", &[json!({"text": "Hello both rooms!"})])
}

/// Sends to the sockets in room1 but not in room2, the sender excepted:
///
/// ```js
/// ns.socket.to('room1').except('room2').emit('exclusive', { text: 'Only room1' });
/// ```
fn exclusive(s: &mut Socket, _: &Event) -> Result<()> {
    s.to(room_of(ROOM1))
        .except(room_of(ROOM2))
        .emit("exclusive", &[json!({"text": "Only room1"})])
}

/// `data.room`, if the event's first argument is an object whose `room` is
/// a valid room name.
fn request_room(e: &Event) -> Option<&str> {
    e.request()
        .and_then(|req| req["room"].as_str())
        .filter(|room| valid_name(room, MAX_ROOM))
}

/// `v` when it is a string of at most `MAX_TEXT` characters.
fn valid_text(v: &Json) -> Option<&str> {
    v.as_str().filter(|text| js_length(text) <= MAX_TEXT)
}
