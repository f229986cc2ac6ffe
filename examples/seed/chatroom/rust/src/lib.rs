//! The documentation's Chat Room pattern, a lobby where everyone hears
//! everyone, ported line by line: the same events with the same payloads.
//! `../README.md` sets the JavaScript next to this port; `../go` is the
//! same handler in Go.

use wasmio::{js_length, json, valid_name, App, Event, Json, Result, Socket};

const LOBBY: &str = "lobby";
const ANONYMOUS: &str = "Anonymous";
const MAX_USERNAME: usize = 64; // characters, as JavaScript counts them
const MAX_ROOM: usize = 64; // characters
const MAX_TEXT: usize = 1000; // characters

fn setup(app: &mut App) {
    app.on_connect(connect)
        .on("message", message)
        .on_disconnect(disconnect);
}

wasmio::export!(setup);

/// The Socket.IO room of a chat room. The prefix keeps the rooms clients
/// name apart from the sockets' own rooms: a message to another socket's
/// id must not reach that socket.
fn room_of(name: &str) -> String {
    let mut room = String::from("room:");
    room.push_str(name);
    room
}

/// The documented `$connect` handler:
///
/// ```js
/// ns.socket.data.username = ns.socket.handshake.auth.username || 'Anonymous';
/// ns.socket.join('lobby');
/// ns.socket.to('lobby').emit('userJoined', { username: ns.socket.data.username });
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

/// Tells every socket left in the namespace:
///
/// ```js
/// ns.emit('userLeft', { username: ns.socket.data.username });
/// ```
fn disconnect(s: &mut Socket, _: &Event) -> Result<()> {
    s.namespace()
        .emit("userLeft", &[json!({"username": username(s)?})])
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
