//! wasmio notifications example: every socket joins its user's room,
//! subscribes to topics, and notifications go to a user (all of their
//! sockets) or to a topic's subscribers. `../README.md` documents the
//! protocol; `../go` is the same handler in Go.

use wasmio::{json, valid_name, App, Event, Result, Socket};

const MAX_NAME: usize = 128; // characters of a user id or a topic, as JavaScript counts them

// The errors acked to a client that asked for an ack; README.md lists them.
const ERR_PAYLOAD: &str = "invalid payload";
const ERR_TOPIC: &str = "invalid topic";
const ERR_USER_ID: &str = "invalid userId";
const ERR_ROUTE: &str = "exactly one of userId and topic is required";

fn setup(app: &mut App) {
    app.on_connect(connect)
        .on("subscribe", |s, e| subscription(s, e, true))
        .on("unsubscribe", |s, e| subscription(s, e, false))
        .on("notify", notify);
}

wasmio::export!(setup);

/// The rooms: one per user, one per topic. The prefixes keep them apart
/// from each other and from the sockets' own rooms.
fn room(prefix: &str, name: &str) -> String {
    let mut room = String::from(prefix);
    room.push_str(name);
    room
}

fn connect(s: &mut Socket, _: &Event) -> Result<()> {
    match user_id(s) {
        Some(id) => s.join(&room("user:", &id)),
        None => s.reject(
            "auth.userId is required: a string of 1 to 128 characters",
            None,
        ),
    }
}

/// The socket's auth.userId. The handshake comes with every event, so the
/// id needs no storing.
fn user_id(s: &Socket) -> Option<String> {
    s.handshake().auth()["userId"]
        .as_str()
        .filter(|id| valid_name(id, MAX_NAME))
        .map(str::to_string)
}

/// Joins or leaves the topic of a subscribe or unsubscribe.
fn subscription(s: &mut Socket, e: &Event, join: bool) -> Result<()> {
    let req = match e.request() {
        Some(req) => req,
        None => return e.refuse(ERR_PAYLOAD),
    };
    let topic = match req["topic"].as_str() {
        Some(topic) if valid_name(topic, MAX_NAME) => topic,
        _ => return e.refuse(ERR_TOPIC),
    };
    let room = room("topic:", topic);
    if join {
        s.join(&room)?;
    } else {
        s.leave(&room)?;
    }
    e.ack(&[json!({"ok": true, "topic": topic})])
}

fn notify(s: &mut Socket, e: &Event) -> Result<()> {
    let req = match e.request() {
        Some(req) => req,
        None => return e.refuse(ERR_PAYLOAD),
    };
    let (name, route, prefix, fail) = match (req.get("userId"), req.get("topic")) {
        (Some(to), None) => (to, "user", "user:", ERR_USER_ID),
        (None, Some(to)) => (to, "topic", "topic:", ERR_TOPIC),
        _ => return e.refuse(ERR_ROUTE),
    };
    let room = match name.as_str() {
        Some(name) if valid_name(name, MAX_NAME) => room(prefix, name),
        _ => return e.refuse(fail),
    };
    let from = user_id(s).unwrap_or_default();
    let id = new_id()?;
    // The client's fields go out as sent, plus three set here that a
    // recipient can trust.
    let mut out = req.clone();
    out.insert("id", id.as_str())
        .insert("from", from)
        .insert("timestamp", e.time_ms());
    s.namespace()
        .to(room.as_str())
        .emit("notification", &[out])?;
    e.ack(&[json!({"ok": true, "id": id, "route": route, "room": room})])
}

/// A random notification id.
fn new_id() -> Result<String> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut id = String::with_capacity(16);
    for b in wasmio::random_bytes(8)? {
        id.push(char::from(HEX[usize::from(b >> 4)]));
        id.push(char::from(HEX[usize::from(b & 15)]));
    }
    Ok(id)
}
