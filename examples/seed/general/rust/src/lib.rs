//! The opening example of the documentation's `RealtimeNamespace`
//! reference, ported line by line: every socket joins the room general on
//! connect, each message goes to the others there, connect and disconnect
//! are logged. `../README.md` sets the JavaScript next to this port; `../go`
//! is the same handler in Go.

use wasmio::{js_length, json, log, App, Event, Json, Result, Socket};

const GENERAL: &str = "general";
const MAX_TEXT: usize = 1000; // characters, as JavaScript counts them

fn setup(app: &mut App) {
    app.on_connect(connect)
        .on("message", message)
        .on_disconnect(disconnect);
}

wasmio::export!(setup);

/// The Socket.IO room of a chat room. The prefix keeps the rooms the
/// handler names apart from the sockets' own rooms, as in the other seed
/// examples.
fn room_of(name: &str) -> String {
    let mut room = String::from("room:");
    room.push_str(name);
    room
}

/// The documented `$connect` handler:
///
/// ```js
/// console.log('Client connected:', ns.socket.id);
/// ns.socket.join('general');
/// ```
fn connect(s: &mut Socket, _: &Event) -> Result<()> {
    log::info(["Client connected:", s.id()].join(" "));
    s.join(&room_of(GENERAL))
}

/// Sends to the room general, the sender excepted:
///
/// ```js
/// ns.socket.to('general').emit('message', { from: ns.socket.id, text: data.text });
/// ```
fn message(s: &mut Socket, e: &Event) -> Result<()> {
    let text = match e.request().and_then(|req| valid_text(&req["text"])) {
        Some(text) => text,
        None => return Ok(()), // ignored, as the documentation advises
    };
    s.to(room_of(GENERAL))
        .emit("message", &[json!({"from": s.id(), "text": text})])
}

/// Logs the socket and Socket.IO's reason:
///
/// ```js
/// console.log('Client disconnected:', ns.socket.id, reason);
/// ```
fn disconnect(s: &mut Socket, e: &Event) -> Result<()> {
    log::info(["Client disconnected:", s.id(), e.reason().unwrap_or("")].join(" "));
    Ok(())
}

/// `v` when it is a string of at most `MAX_TEXT` characters.
fn valid_text(v: &Json) -> Option<&str> {
    v.as_str().filter(|text| js_length(text) <= MAX_TEXT)
}
