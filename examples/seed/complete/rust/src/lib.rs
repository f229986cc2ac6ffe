//! The documentation's Complete Example, a group chat with a lobby and
//! rooms, typing indicators and private messages, ported line by line: the
//! same events with the same payloads. `../README.md` sets the JavaScript
//! next to this port; `../go` is the same handler in Go.

use wasmio::{js_length, json, valid_name, App, Event, Json, Result, Socket};

const LOBBY: &str = "lobby";
const ANONYMOUS: &str = "Anonymous";
const MAX_USERNAME: usize = 64; // characters, as JavaScript counts them
const MAX_ROOM: usize = 64; // characters
const MAX_TEXT: usize = 1000; // characters
const MAX_SOCKET_ID: usize = 64; // bytes of [A-Za-z0-9_-]

fn setup(app: &mut App) {
    app.on_connect(connect)
        .on("joinRoom", join_room)
        .on("message", message)
        .on("typing", typing)
        .on("privateMessage", private_message)
        .on_disconnect(disconnect);
}

wasmio::export!(setup);

/// The Socket.IO room of a chat room. The prefix keeps the rooms clients
/// name apart from the sockets' own rooms: `joinRoom` with another socket's
/// id must not deliver that socket's private messages.
fn room_of(name: &str) -> String {
    let mut room = String::from("room:");
    room.push_str(name);
    room
}

/// The documented `$connect` handler:
///
/// ```js
/// const username = ns.socket.handshake.auth.username || 'Anonymous';
/// ns.socket.data.username = username;
/// ns.socket.join('lobby');
/// ns.socket.emit('welcome', { message: `Hello, ${username}!` });
/// ns.socket.to('lobby').emit('userJoined', { username });
/// ```
fn connect(s: &mut Socket, _: &Event) -> Result<()> {
    let username = match auth_username(&s.handshake().auth()["username"]) {
        Some(name) => name,
        None => {
            return s.reject(
                "auth.username must be a string of at most 64 characters",
                None,
            )
        }
    };
    s.data().put("username", &username)?;
    s.join(&room_of(LOBBY))?;
    let mut greeting = String::from("Hello, ");
    greeting.push_str(&username);
    greeting.push('!');
    s.emit("welcome", &[json!({"message": greeting})])?;
    s.to(room_of(LOBBY))
        .emit("userJoined", &[json!({"username": username})])
}

/// `auth.username`, or `"Anonymous"` when it is absent, null or empty
/// (JavaScript's `||`); `None` when it is not a string of at most
/// `MAX_USERNAME` characters.
fn auth_username(v: &Json) -> Option<String> {
    match v {
        Json::Null => Some(ANONYMOUS.to_string()),
        Json::String(name) if name.is_empty() => Some(ANONYMOUS.to_string()),
        Json::String(name) if js_length(name) <= MAX_USERNAME => Some(name.clone()),
        _ => None,
    }
}

/// Leaves the lobby only, as documented:
///
/// ```js
/// ns.socket.leave('lobby');
/// ns.socket.join(data.room);
/// ns.socket.to(data.room).emit('userJoined', { username: ns.socket.data.username });
/// ```
fn join_room(s: &mut Socket, e: &Event) -> Result<()> {
    let room = match e.request().and_then(|req| req["room"].as_str()) {
        Some(room) if valid_name(room, MAX_ROOM) => room,
        _ => return Ok(()), // ignored: no room to join
    };
    let username = username(s)?;
    s.leave(&room_of(LOBBY))?;
    s.join(&room_of(room))?;
    s.to(room_of(room))
        .emit("userJoined", &[json!({"username": username})])
}

/// Sends to the room, the sender excepted:
///
/// ```js
/// ns.socket.to(data.room || 'lobby').emit('message', {
///   from: ns.socket.data.username, text: data.text, timestamp: Date.now() });
/// ```
fn message(s: &mut Socket, e: &Event) -> Result<()> {
    let (room, text) = match e.request() {
        Some(req) => match (room_or_lobby(req), valid_text(&req["text"])) {
            (Some(room), Some(text)) => (room, text),
            _ => return Ok(()), // ignored, as the documentation advises
        },
        None => return Ok(()),
    };
    let msg = json!({
        "from": username(s)?,
        "text": text,
        "timestamp": e.time_ms() // Date.now(): when the host received the event
    });
    s.to(room_of(room)).emit("message", &[msg])
}

/// Tells the room, the sender excepted:
///
/// ```js
/// ns.socket.to(data.room || 'lobby').emit('typing', { username: ns.socket.data.username });
/// ```
fn typing(s: &mut Socket, e: &Event) -> Result<()> {
    let room = match e.request().and_then(room_or_lobby) {
        Some(room) => room,
        None => return Ok(()),
    };
    s.to(room_of(room))
        .emit("typing", &[json!({"username": username(s)?})])
}

/// Sends a copy to the sender and one to the target:
///
/// ```js
/// ns.socket.emit('privateMessage', { from: ns.socket.data.username, text: data.text });
/// ns.to(data.targetSocketId).emit('privateMessage', { from: ns.socket.data.username, text: data.text });
/// ```
fn private_message(s: &mut Socket, e: &Event) -> Result<()> {
    let (target, text) = match e.request() {
        // Only a socket id may be a target: a chat room's name ("room:…")
        // would turn a private message into a room broadcast.
        Some(req) => match (req["targetSocketId"].as_str(), valid_text(&req["text"])) {
            (Some(target), Some(text)) if is_socket_id(target) => (target, text),
            _ => return Ok(()),
        },
        None => return Ok(()),
    };
    let msg = [json!({"from": username(s)?, "text": text})];
    s.emit("privateMessage", &msg)?;
    s.namespace().to(target).emit("privateMessage", &msg)
}

/// Tells every socket left in the namespace:
///
/// ```js
/// ns.emit('userLeft', { username: ns.socket.data.username, reason });
/// ```
fn disconnect(s: &mut Socket, e: &Event) -> Result<()> {
    let left = json!({"username": username(s)?, "reason": e.reason().unwrap_or("")});
    s.namespace().emit("userLeft", &[left])
}

/// `ns.socket.data.username`, which `$connect` keeps in the socket's
/// key-value scope.
fn username(s: &Socket) -> Result<String> {
    Ok(s.data()
        .get_string("username")?
        .ok_or("no username: $connect did not run")?)
}

/// `data.room || 'lobby'`: the lobby when `room` is absent, null or empty;
/// `None` when it is not a valid room name.
fn room_or_lobby(req: &Json) -> Option<&str> {
    match &req["room"] {
        Json::Null => Some(LOBBY),
        Json::String(room) if room.is_empty() => Some(LOBBY),
        Json::String(room) if valid_name(room, MAX_ROOM) => Some(room),
        _ => None,
    }
}

/// `v` when it is a string of at most `MAX_TEXT` characters.
fn valid_text(v: &Json) -> Option<&str> {
    v.as_str().filter(|text| js_length(text) <= MAX_TEXT)
}

/// Whether `id` looks like a socket id: 1 to `MAX_SOCKET_ID` bytes of
/// base64url.
fn is_socket_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_SOCKET_ID
        && id
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
}
