//! wasmio group chat example: a lobby and named rooms, messages, typing
//! indicators and private messages. `../README.md` documents the protocol;
//! `../go` is the same handler in Go.

use wasmio::{json, App, Event, Json, Result, Socket};

const LOBBY: &str = "lobby";
const ANONYMOUS: &str = "Anonymous";
const MAX_USERNAME: usize = 32; // characters
const MAX_ROOM: usize = 32; // bytes of [A-Za-z0-9_-]
const MAX_SOCKET_ID: usize = 64; // bytes of [A-Za-z0-9_-]
const MAX_TEXT: usize = 1000; // characters

// The errors acked to a client that asked for an ack; README.md lists them.
const ERR_PAYLOAD: &str = "invalid payload";
const ERR_TEXT: &str = "invalid text";
const ERR_ROOM: &str = "invalid room";
const ERR_NOT_IN: &str = "not in room";
const ERR_TARGET: &str = "invalid target";

fn setup(app: &mut App) {
    app.on_connect(connect)
        .on("joinRoom", join_room)
        .on("message", message)
        .on("typing", typing)
        .on("privateMessage", private_message)
        .on_disconnect(disconnect);
}

wasmio::export!(setup);

/// The sending socket's user and current room, which `$connect` and
/// `joinRoom` keep in the socket's key-value scope.
struct Me {
    id: String,
    username: String,
    room: String,
}

impl Me {
    fn load(s: &Socket) -> Result<Me> {
        let data = s.data();
        Ok(Me {
            id: s.id().to_string(),
            username: data
                .get_string("username")?
                .ok_or("no username: $connect did not run")?,
            room: data
                .get_string("room")?
                .ok_or("no room: $connect did not run")?,
        })
    }

    /// The `from` of messages.
    fn user(&self) -> Json {
        json!({"id": self.id.as_str(), "username": self.username.as_str()})
    }

    /// The payload of welcome, userJoined and userLeft.
    fn member(&self, room: &str, reason: Option<&str>) -> Json {
        let mut m =
            json!({"id": self.id.as_str(), "username": self.username.as_str(), "room": room});
        if let Some(reason) = reason {
            m.insert("reason", reason);
        }
        m
    }
}

/// The Socket.IO room of a chat room. The prefix keeps chat rooms apart
/// from the sockets' own rooms: a client joining a room named like another
/// socket's id must not receive that socket's private messages.
fn room_of(name: &str) -> String {
    let mut room = String::from("room:");
    room.push_str(name);
    room
}

fn connect(s: &mut Socket, _: &Event) -> Result<()> {
    let name = match username(&s.handshake().auth()["username"]) {
        Some(name) => name,
        None => return s.reject("username must be a string of at most 32 characters", None),
    };
    s.data().put("username", &name)?;
    s.data().put("room", LOBBY)?;
    s.join(&room_of(LOBBY))?;
    let me = Me {
        id: s.id().to_string(),
        username: name,
        room: LOBBY.to_string(),
    };
    let joined = me.member(LOBBY, None);
    s.emit("welcome", &[joined.clone()])?;
    s.to(room_of(LOBBY)).emit("userJoined", &[joined])
}

/// Validates auth.username: absent, null or blank means anonymous.
fn username(v: &Json) -> Option<String> {
    match v {
        Json::Null => Some(ANONYMOUS.to_string()),
        Json::String(name) => {
            let name = name.trim();
            if name.is_empty() {
                Some(ANONYMOUS.to_string())
            } else if name.chars().count() <= MAX_USERNAME {
                Some(name.to_string())
            } else {
                None
            }
        }
        _ => None,
    }
}

fn join_room(s: &mut Socket, e: &Event) -> Result<()> {
    let req = match e.request() {
        Some(req) => req,
        None => return e.refuse(ERR_PAYLOAD),
    };
    let room = match req["room"].as_str() {
        Some(room) if is_word(room, MAX_ROOM) => room,
        _ => return e.refuse(ERR_ROOM),
    };
    let me = Me::load(s)?;
    if room != me.room {
        s.leave(&room_of(&me.room))?;
        s.join(&room_of(room))?;
        s.data().put("room", room)?;
        s.to(room_of(&me.room))
            .emit("userLeft", &[me.member(&me.room, Some("room change"))])?;
        s.to(room_of(room))
            .emit("userJoined", &[me.member(room, None)])?;
    }
    e.ack(&[json!({"ok": true, "room": room})])
}

fn message(s: &mut Socket, e: &Event) -> Result<()> {
    let req = match e.request() {
        Some(req) => req,
        None => return e.refuse(ERR_PAYLOAD),
    };
    let text = match valid_text(&req["text"]) {
        Some(text) => text,
        None => return e.refuse(ERR_TEXT),
    };
    let me = Me::load(s)?;
    // The room is optional; when given it must be the current one, which
    // catches a message sent while a joinRoom was on its way.
    match &req["room"] {
        Json::Null => {}
        Json::String(room) if *room == me.room => {}
        Json::String(_) => return e.refuse(ERR_NOT_IN),
        _ => return e.refuse(ERR_PAYLOAD),
    }
    let id = new_id()?;
    let msg = json!({
        "id": id.as_str(),
        "room": me.room.as_str(),
        "from": me.user(),
        "text": text,
        "timestamp": e.time_ms()
    });
    s.namespace()
        .to(room_of(&me.room))
        .emit("message", &[msg])?;
    e.ack(&[json!({"ok": true, "id": id})])
}

fn typing(s: &mut Socket, e: &Event) -> Result<()> {
    let typing = match e.request().and_then(|req| req["typing"].as_bool()) {
        Some(typing) => typing,
        None => return e.refuse(ERR_PAYLOAD),
    };
    let me = Me::load(s)?;
    let payload = json!({"room": me.room.as_str(), "from": me.user(), "typing": typing});
    s.to(room_of(&me.room)).emit("typing", &[payload])?;
    e.ack(&[json!({"ok": true})])
}

fn private_message(s: &mut Socket, e: &Event) -> Result<()> {
    let req = match e.request() {
        Some(req) => req,
        None => return e.refuse(ERR_PAYLOAD),
    };
    // Only a socket id may be a target: a chat room name ("room:…") would
    // turn a private message into a room broadcast.
    let target = match req["targetSocketId"].as_str() {
        Some(target) if is_word(target, MAX_SOCKET_ID) => target,
        _ => return e.refuse(ERR_TARGET),
    };
    let text = match valid_text(&req["text"]) {
        Some(text) => text,
        None => return e.refuse(ERR_TEXT),
    };
    let me = Me::load(s)?;
    let id = new_id()?;
    let msg = [json!({
        "id": id.as_str(),
        "from": me.user(),
        "to": target,
        "text": text,
        "timestamp": e.time_ms()
    })];
    s.to(target).emit("privateMessage", &msg)?;
    s.emit("privateMessage", &msg)?;
    e.ack(&[json!({"ok": true, "id": id})])
}

fn disconnect(s: &mut Socket, e: &Event) -> Result<()> {
    let me = Me::load(s)?;
    s.broadcast()
        .emit("userLeft", &[me.member(&me.room, e.reason())])
}

fn valid_text(v: &Json) -> Option<&str> {
    let text = v.as_str()?;
    if text.trim().is_empty() || text.chars().count() > MAX_TEXT {
        return None;
    }
    Some(text)
}

/// Whether `s` is 1 to `max` bytes of `[A-Za-z0-9_-]`: a room name, or a
/// socket id (Socket.IO ids are base64url).
fn is_word(s: &str, max: usize) -> bool {
    !s.is_empty()
        && s.len() <= max
        && s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
}

/// A random message id. Random rather than a key-value counter: a counter
/// would make every message a store write, and all of them contend for one
/// key.
fn new_id() -> Result<String> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut id = String::with_capacity(16);
    for b in wasmio::random_bytes(8)? {
        id.push(char::from(HEX[usize::from(b >> 4)]));
        id.push(char::from(HEX[usize::from(b & 15)]));
    }
    Ok(id)
}
