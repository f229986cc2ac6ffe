//! The documentation's Basic Handler, ported line by line: a welcome on
//! connect, each message to every other socket of the namespace, a log
//! line on connect and disconnect. `../README.md` sets the JavaScript next
//! to this port; `../go` is the same handler in Go.

use wasmio::{js_length, json, log, App, Event, Json, Result, Socket};

const MAX_TEXT: usize = 1000; // characters, as JavaScript counts them

fn setup(app: &mut App) {
    app.on_connect(connect)
        .on("message", message)
        .on_disconnect(disconnect);
}

wasmio::export!(setup);

/// The documented `$connect` handler:
///
/// ```js
/// console.log('Connected:', ns.socket.id);
/// ns.socket.emit('welcome', { message: 'Hello!' });
/// ```
fn connect(s: &mut Socket, _: &Event) -> Result<()> {
    log::info(["Connected:", s.id()].join(" "));
    s.emit("welcome", &[json!({"message": "Hello!"})])
}

/// Sends to every other socket of the namespace:
///
/// ```js
/// ns.socket.broadcast.emit('message', { from: ns.socket.id, text: data.text });
/// ```
fn message(s: &mut Socket, e: &Event) -> Result<()> {
    let text = match e.request().and_then(|req| valid_text(&req["text"])) {
        Some(text) => text,
        None => return Ok(()), // ignored, as the documentation advises
    };
    s.broadcast()
        .emit("message", &[json!({"from": s.id(), "text": text})])
}

/// Logs the socket and Socket.IO's reason:
///
/// ```js
/// console.log('Disconnected:', ns.socket.id, reason);
/// ```
fn disconnect(s: &mut Socket, e: &Event) -> Result<()> {
    log::info(["Disconnected:", s.id(), e.reason().unwrap_or("")].join(" "));
    Ok(())
}

/// `v` when it is a string of at most `MAX_TEXT` characters.
fn valid_text(v: &Json) -> Option<&str> {
    v.as_str().filter(|text| js_length(text) <= MAX_TEXT)
}
