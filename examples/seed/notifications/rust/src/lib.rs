//! The documentation's Live Notifications pattern, notifications to every
//! socket of a user or to a topic's subscribers, ported line by line: the
//! same events with the same payloads. `../README.md` sets the JavaScript
//! next to this port; `../go` is the same handler in Go.

use wasmio::{valid_name, App, Event, Json, Payload, Result, Socket};

const MAX_NAME: usize = 64; // characters of a user id or a topic, as JavaScript counts them
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0; // Number.MAX_SAFE_INTEGER: larger numbers are not exact ids
const USER_PREFIX: &str = "user:"; // the room of a user's sockets
const TOPIC_PREFIX: &str = "topic:"; // the room of a topic's subscribers

fn setup(app: &mut App) {
    app.on_connect(connect)
        .on("subscribe", subscribe)
        .on("notify", notify);
}

wasmio::export!(setup);

/// The documented `$connect` handler:
///
/// ```js
/// const userId = ns.socket.handshake.auth.userId;
/// ns.socket.join(`user:${userId}`);
/// ```
fn connect(s: &mut Socket, _: &Event) -> Result<()> {
    match name(&s.handshake().auth()["userId"]) {
        Some(user_id) => s.join(&room(USER_PREFIX, &user_id)),
        None => s.reject(
            "auth.userId must be a string of 1 to 64 characters or an integer",
            None,
        ),
    }
}

/// Joins the topic's room:
///
/// ```js
/// ns.socket.join(`topic:${data.topic}`);
/// ```
fn subscribe(s: &mut Socket, e: &Event) -> Result<()> {
    match e.request().and_then(|req| name(&req["topic"])) {
        Some(topic) => s.join(&room(TOPIC_PREFIX, &topic)),
        None => Ok(()), // ignored, as the documentation advises
    }
}

/// Sends `data.payload` to a user's sockets or to a topic's subscribers,
/// the sender included when it is one of them:
///
/// ```js
/// if (data.userId) {
///   ns.to(`user:${data.userId}`).emit('notification', data.payload);
/// } else if (data.topic) {
///   ns.to(`topic:${data.topic}`).emit('notification', data.payload);
/// }
/// ```
fn notify(s: &mut Socket, e: &Event) -> Result<()> {
    let req = match e.request() {
        Some(req) => req,
        None => return Ok(()),
    };
    let (prefix, to) = if truthy(&req["userId"]) {
        (USER_PREFIX, &req["userId"])
    } else if truthy(&req["topic"]) {
        (TOPIC_PREFIX, &req["topic"])
    } else {
        return Ok(()); // neither: nothing to do, as written
    };
    let target = match name(to) {
        Some(target) => target,
        None => return Ok(()),
    };
    // The payload goes out as sent (undefined, which JSON sends as null,
    // when absent); its Buffers too, with the event's binary attachments
    // their placeholders number into.
    let payload = Payload::new(&[req["payload"].clone()], e.attachments()?);
    s.namespace()
        .to(room(prefix, &target))
        .emit("notification", payload)
}

/// The room `prefix` + `name`.
fn room(prefix: &str, name: &str) -> String {
    let mut room = String::from(prefix);
    room.push_str(name);
    room
}

/// Whether `v` (`Null` when absent) is truthy in JavaScript: anything but
/// null, false, 0 and "". A number too large for an `f64` is Infinity
/// there, truthy.
fn truthy(v: &Json) -> bool {
    match v {
        Json::Null => false,
        Json::Bool(b) => *b,
        Json::Number(n) => n.as_f64() != 0.0,
        Json::String(s) => !s.is_empty(),
        Json::Array(_) | Json::Object(_) => true,
    }
}

/// `${v}` for a user id or a topic: `v` must be a string of 1 to
/// `MAX_NAME` characters, none of them a control character, or an integer
/// that JavaScript holds exactly, written in decimal as JavaScript writes
/// it (`42.0` is `"42"`).
fn name(v: &Json) -> Option<String> {
    match v {
        Json::String(s) if valid_name(s, MAX_NAME) => Some(s.clone()),
        Json::Number(n) => {
            let x = n.as_f64();
            if x == x.trunc() && x.abs() <= MAX_SAFE_INTEGER {
                Some((x as i64).to_string())
            } else {
                None
            }
        }
        _ => None,
    }
}
