//! The documentation's Presence pattern, online and offline statuses,
//! ported line by line: the same events with the same payloads.
//! `../README.md` sets the JavaScript next to this port; `../go` is the
//! same handler in Go.

use wasmio::{json, valid_name, App, Event, Json, Result, Socket};

const ONLINE: &str = "online";
const MAX_USER_ID: usize = 64; // characters, as JavaScript counts them
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0; // Number.MAX_SAFE_INTEGER: larger numbers are not exact ids

fn setup(app: &mut App) {
    app.on_connect(connect).on_disconnect(disconnect);
}

wasmio::export!(setup);

/// The documented `$connect` handler:
///
/// ```js
/// const userId = ns.socket.handshake.auth.userId;
/// ns.socket.data.userId = userId;
/// ns.socket.join('online');
/// ns.socket.to('online').emit('status', { userId, status: 'online' });
/// ```
fn connect(s: &mut Socket, _: &Event) -> Result<()> {
    let user_id = match auth_user_id(&s.handshake().auth()["userId"]) {
        Some(id) => id,
        None => {
            return s.reject(
                "auth.userId must be a string of 1 to 64 characters or an integer",
                None,
            )
        }
    };
    // Kept as JSON, so that a number comes back a number.
    s.data().put("userId", user_id.to_json())?;
    s.join(ONLINE)?;
    s.to(ONLINE)
        .emit("status", &[json!({"userId": user_id, "status": "online"})])
}

/// `auth.userId`: a string of 1 to `MAX_USER_ID` characters, none of them a
/// control character, or an integer that JavaScript holds exactly, written
/// as JavaScript sends it back (`42.0` is `42`); `None` for anything else.
fn auth_user_id(v: &Json) -> Option<Json> {
    match v {
        Json::String(s) if valid_name(s, MAX_USER_ID) => Some(v.clone()),
        Json::Number(n) => {
            let x = n.as_f64();
            if x == x.trunc() && x.abs() <= MAX_SAFE_INTEGER {
                Some(Json::from(x as i64))
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Tells the sockets still online:
///
/// ```js
/// ns.to('online').emit('status', { userId: ns.socket.data.userId, status: 'offline' });
/// ```
fn disconnect(s: &mut Socket, _: &Event) -> Result<()> {
    let stored = s
        .data()
        .get("userId")?
        .ok_or("no userId: $connect did not run")?;
    let user_id = Json::parse(&stored)?;
    s.namespace()
        .to(ONLINE)
        .emit("status", &[json!({"userId": user_id, "status": "offline"})])
}
