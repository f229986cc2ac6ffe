//! wasmio example of the `$default` pattern: one handler for every client
//! event, which sends the event back to its sender, with the same name and
//! arguments, byte-exact, binary attachments included (also those nested in
//! objects), and answers the ack when the client asked for one.
//! `../README.md` documents it; `../go` is the same handler in Go.

use wasmio::{App, Event, Result, Socket};

fn setup(app: &mut App) {
    app.on_default(echo);
}

wasmio::export!(setup);

fn echo(s: &mut Socket, e: &Event) -> Result<()> {
    let payload = e.payload()?;
    // The echo first: when the ack arrives, so has the echo.
    s.emit(e.name(), &payload)?;
    e.ack(&payload) // Error::NoAck, a success, when the client asked for none
}
