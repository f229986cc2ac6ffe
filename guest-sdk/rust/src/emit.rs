//! Emitting: arguments (JSON and binary), prepared payloads, and the
//! [`Operator`] that selects receivers by room.

use std::borrow::Cow;

use crate::abi;
use crate::error::{Error, Result};
use crate::json::{push_u64, Json};
use crate::sys;

/// One argument of an emit or ack: a JSON value or binary data.
///
/// A [`Json`] value cannot hold bytes; `Arg::Binary` is sent as a Socket.IO
/// binary attachment (a `Buffer` / `ArrayBuffer` on a JavaScript client): the
/// SDK stages the bytes with the ABI's `attach` and puts a
/// `{"_placeholder":true,"num":N}` in the JSON in their place.
///
/// ```
/// use wasmio::{json, Arg};
/// let args = [Arg::from(json!({"name": "a.png"})), Arg::binary(vec![0x89, b'P', b'N', b'G'])];
/// # let _ = args;
/// ```
/// Binary data nested inside a JSON value needs a [`Payload`] instead.
#[derive(Clone, Debug, PartialEq)]
pub enum Arg {
    /// A JSON value.
    Json(Json),
    /// Bytes sent as a binary attachment.
    Binary(Vec<u8>),
}

impl Arg {
    /// A JSON argument.
    pub fn json(value: impl Into<Json>) -> Arg {
        Arg::Json(value.into())
    }

    /// A binary argument.
    pub fn binary(bytes: impl Into<Vec<u8>>) -> Arg {
        Arg::Binary(bytes.into())
    }
}

impl From<Json> for Arg {
    fn from(value: Json) -> Arg {
        Arg::Json(value)
    }
}

impl From<Vec<u8>> for Arg {
    /// A binary argument (not a JSON array of numbers).
    fn from(bytes: Vec<u8>) -> Arg {
        Arg::Binary(bytes)
    }
}

impl From<&[u8]> for Arg {
    /// A binary argument (not a JSON array of numbers).
    fn from(bytes: &[u8]) -> Arg {
        Arg::Binary(bytes.to_vec())
    }
}

/// A complete argument list ready to send: the JSON array text and the
/// attachments its placeholders refer to.
///
/// Use it to send binary data nested inside JSON (placeholders written with
/// [`Json::placeholder`]), or to forward an event's arguments byte-exact
/// with [`Event::payload`](crate::Event::payload).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Payload {
    json: Vec<u8>,
    attachments: Vec<Vec<u8>>,
}

impl Payload {
    /// A payload of `args` whose placeholders (`Json::placeholder(n)`) refer
    /// to `attachments[n]`.
    ///
    /// ```
    /// use wasmio::{json, Json, Payload};
    /// let p = Payload::new(&[json!({"file": Json::placeholder(0), "size": 3})], vec![vec![1, 2, 3]]);
    /// assert_eq!(p.json(), br#"[{"file":{"_placeholder":true,"num":0},"size":3}]"#);
    /// ```
    pub fn new(args: &[Json], attachments: Vec<Vec<u8>>) -> Payload {
        let mut json = String::from("[");
        for (i, arg) in args.iter().enumerate() {
            if i > 0 {
                json.push(',');
            }
            arg.write_to(&mut json);
        }
        json.push(']');
        Payload {
            json: json.into_bytes(),
            attachments,
        }
    }

    /// A payload from JSON array text used as is (the host rejects anything
    /// but a valid JSON array with [`Error::Invalid`]).
    pub fn from_raw(json_array: impl Into<Vec<u8>>, attachments: Vec<Vec<u8>>) -> Payload {
        Payload {
            json: json_array.into(),
            attachments,
        }
    }

    /// The JSON array text.
    pub fn json(&self) -> &[u8] {
        &self.json
    }

    /// The binary attachments.
    pub fn attachments(&self) -> &[Vec<u8>] {
        &self.attachments
    }
}

/// Arguments encoded for the host: the JSON array and the attachments in
/// placeholder order. Produced by [`Args`]; not for direct use.
#[doc(hidden)]
#[derive(Debug)]
pub struct Encoded<'a> {
    pub(crate) json: Cow<'a, [u8]>,
    pub(crate) attachments: Vec<&'a [u8]>,
}

/// Writes arguments into an [`Encoded`]; not for direct use.
#[doc(hidden)]
#[derive(Debug)]
pub struct ArgWriter<'a> {
    json: String,
    attachments: Vec<&'a [u8]>,
}

impl<'a> ArgWriter<'a> {
    fn new() -> ArgWriter<'a> {
        ArgWriter {
            json: String::from("["),
            attachments: Vec::new(),
        }
    }

    fn separator(&mut self) {
        if self.json.len() > 1 {
            self.json.push(',');
        }
    }

    fn finish(mut self) -> Encoded<'a> {
        self.json.push(']');
        Encoded {
            json: Cow::Owned(self.json.into_bytes()),
            attachments: self.attachments,
        }
    }
}

/// A single argument type: implemented for [`Json`] and [`Arg`].
pub trait ArgValue {
    #[doc(hidden)]
    fn write_arg<'a>(&'a self, w: &mut ArgWriter<'a>);
}

impl ArgValue for Json {
    fn write_arg<'a>(&'a self, w: &mut ArgWriter<'a>) {
        w.separator();
        self.write_to(&mut w.json);
    }
}

impl ArgValue for Arg {
    fn write_arg<'a>(&'a self, w: &mut ArgWriter<'a>) {
        match self {
            Arg::Json(value) => value.write_arg(w),
            Arg::Binary(bytes) => {
                w.separator();
                w.json.push_str(r#"{"_placeholder":true,"num":"#);
                push_u64(&mut w.json, w.attachments.len() as u64);
                w.json.push('}');
                w.attachments.push(bytes);
            }
        }
    }
}

/// The arguments of an emit or ack.
///
/// Implemented for slices, arrays and vectors of [`Json`] or [`Arg`] (and
/// references to them), for [`Payload`], and for `()` (no arguments):
///
/// ```no_run
/// # use wasmio::{json, Arg, Json, Socket};
/// # fn f(s: &Socket, bytes: Vec<u8>) -> wasmio::Result<()> {
/// s.emit("ping", ())?;
/// s.emit("hello", &[json!("world"), json!(42)])?;
/// s.emit("file", [Arg::from(json!("a.bin")), Arg::binary(bytes)])?;
/// # Ok(()) }
/// ```
pub trait Args {
    #[doc(hidden)]
    fn encode(&self) -> Encoded<'_>;
}

impl<T: ArgValue> Args for [T] {
    fn encode(&self) -> Encoded<'_> {
        let mut w = ArgWriter::new();
        for arg in self {
            arg.write_arg(&mut w);
        }
        w.finish()
    }
}

impl<T: ArgValue, const N: usize> Args for [T; N] {
    fn encode(&self) -> Encoded<'_> {
        self[..].encode()
    }
}

impl<T: ArgValue> Args for Vec<T> {
    fn encode(&self) -> Encoded<'_> {
        self[..].encode()
    }
}

impl Args for () {
    fn encode(&self) -> Encoded<'_> {
        Encoded {
            json: Cow::Borrowed(b"[]"),
            attachments: Vec::new(),
        }
    }
}

impl Args for Payload {
    fn encode(&self) -> Encoded<'_> {
        Encoded {
            json: Cow::Borrowed(&self.json),
            attachments: self.attachments.iter().map(|a| &a[..]).collect(),
        }
    }
}

impl<A: Args + ?Sized> Args for &A {
    fn encode(&self) -> Encoded<'_> {
        (**self).encode()
    }
}

/// One room or several: what [`Socket::join`](crate::Socket::join),
/// [`Socket::leave`](crate::Socket::leave), `to` and `except` take, like
/// Socket.IO's `socket.join(room)` and `socket.join([room1, room2])`.
///
/// Implemented for `str` and `String`, and for slices, arrays and vectors
/// of anything that is `AsRef<str>` (and references to all of these):
///
/// ```no_run
/// # fn f(s: &mut wasmio::Socket, room: String) -> wasmio::Result<()> {
/// s.join("lobby")?;
/// s.join(["a", "b"])?;
/// s.to(&room).except(vec![String::from("muted")]).emit("hi", ())?;
/// # Ok(()) }
/// ```
pub trait Rooms {
    /// Calls `f` with each room, in order, stopping at the first `Err`.
    #[doc(hidden)]
    fn each(&self, f: &mut dyn FnMut(&str) -> Result<()>) -> Result<()>;
}

impl Rooms for str {
    fn each(&self, f: &mut dyn FnMut(&str) -> Result<()>) -> Result<()> {
        f(self)
    }
}

impl Rooms for String {
    fn each(&self, f: &mut dyn FnMut(&str) -> Result<()>) -> Result<()> {
        f(self)
    }
}

impl<T: AsRef<str>> Rooms for [T] {
    fn each(&self, f: &mut dyn FnMut(&str) -> Result<()>) -> Result<()> {
        self.iter().try_for_each(|room| f(room.as_ref()))
    }
}

impl<T: AsRef<str>, const N: usize> Rooms for [T; N] {
    fn each(&self, f: &mut dyn FnMut(&str) -> Result<()>) -> Result<()> {
        self[..].each(f)
    }
}

impl<T: AsRef<str>> Rooms for Vec<T> {
    fn each(&self, f: &mut dyn FnMut(&str) -> Result<()>) -> Result<()> {
        self[..].each(f)
    }
}

impl<R: Rooms + ?Sized> Rooms for &R {
    fn each(&self, f: &mut dyn FnMut(&str) -> Result<()>) -> Result<()> {
        (**self).each(f)
    }
}

/// Appends `rooms` to `list`.
fn push_rooms(list: &mut Vec<String>, rooms: &dyn Rooms) {
    // Collecting names cannot fail; errors come when the list is encoded.
    let _ = rooms.each(&mut |room| {
        list.push(room.to_string());
        Ok(())
    });
}

/// Encodes a room list for the ABI: the names joined by NUL. Fails with
/// [`Error::Invalid`] on an empty name or a name containing NUL.
pub(crate) fn room_list(rooms: &[String]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    for (i, room) in rooms.iter().enumerate() {
        if room.is_empty() || room.as_bytes().contains(&0) {
            return Err(Error::Invalid);
        }
        if i > 0 {
            out.push(0);
        }
        out.extend_from_slice(room.as_bytes());
    }
    Ok(out)
}

/// Stages the attachments for the next emit or ack.
///
/// Fails with [`Error::State`] when the host reports attachments staged
/// before these (left over from a call that failed), since the
/// placeholders would then point at the wrong ones.
fn stage(attachments: &[&[u8]]) -> Result<()> {
    for (i, bytes) in attachments.iter().enumerate() {
        if sys::attach(bytes)? != i + 1 {
            return Err(Error::State);
        }
    }
    Ok(())
}

/// Emits with the given mode and room selection.
pub(crate) fn send(
    mode: i32,
    to: &[String],
    except: &[String],
    event: &str,
    args: &dyn Args,
) -> Result<()> {
    // Everything that can fail locally fails before anything is staged.
    if event.is_empty() {
        return Err(Error::Invalid);
    }
    let to = room_list(to)?;
    let except = room_list(except)?;
    let enc = args.encode();
    stage(&enc.attachments)?;
    sys::emit(mode, &to, &except, event, &enc.json)
}

/// Emits to this socket asking for an acknowledgement; see
/// [`Socket::emit_with_ack`](crate::Socket::emit_with_ack).
pub(crate) fn send_with_ack(
    tag: &str,
    timeout_ms: u32,
    event: &str,
    args: &dyn Args,
) -> Result<()> {
    // Everything that can fail locally fails before anything is staged.
    if event.is_empty() {
        return Err(Error::Invalid);
    }
    let timeout_ms = i32::try_from(timeout_ms).map_err(|_| Error::Invalid)?;
    let enc = args.encode();
    stage(&enc.attachments)?;
    sys::emit_ack(tag, timeout_ms, event, &enc.json)
}

/// Acknowledges with `args`.
pub(crate) fn ack(args: &dyn Args) -> Result<()> {
    let enc = args.encode();
    stage(&enc.attachments)?;
    sys::ack(&enc.json)
}

/// Emits to a selection of sockets, like Socket.IO's broadcast operator.
///
/// Made by [`Socket::to`](crate::Socket::to), [`Socket::except`](crate::Socket::except),
/// [`Socket::broadcast`](crate::Socket::broadcast) (the sender never receives
/// these) and by [`Namespace::to`](crate::Namespace::to),
/// [`Namespace::except`](crate::Namespace::except) (the sender receives them
/// when it is selected). Chain [`Operator::to`] and [`Operator::except`] to
/// add rooms; with no `to` room every socket of the namespace is selected.
///
/// ```no_run
/// # use wasmio::{json, Socket};
/// # fn f(s: &Socket) -> wasmio::Result<()> {
/// s.to("room1").to("room2").except("muted").emit("news", &[json!("hi")])?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use = "an Operator does nothing until you call emit"]
pub struct Operator {
    mode: i32,
    to: Vec<String>,
    except: Vec<String>,
}

impl Operator {
    pub(crate) fn new(mode: i32) -> Operator {
        Operator {
            mode,
            to: Vec::new(),
            except: Vec::new(),
        }
    }

    /// Also selects the members of `rooms` (a socket id selects that
    /// socket).
    pub fn to(mut self, rooms: impl Rooms) -> Operator {
        push_rooms(&mut self.to, &rooms);
        self
    }

    /// Leaves out the members of `rooms`.
    pub fn except(mut self, rooms: impl Rooms) -> Operator {
        push_rooms(&mut self.except, &rooms);
        self
    }

    /// Whether the sender is left out (`socket.to(...)`, `socket.broadcast`)
    /// rather than included when selected (`namespace.to(...)`).
    pub fn excludes_sender(&self) -> bool {
        self.mode == abi::EMIT_BROADCAST
    }

    /// The rooms selected so far.
    pub fn rooms(&self) -> &[String] {
        &self.to
    }

    /// The rooms left out so far.
    pub fn excluded_rooms(&self) -> &[String] {
        &self.except
    }

    /// Emits `event` with `args` to the selected sockets.
    pub fn emit(&self, event: &str, args: impl Args) -> Result<()> {
        send(self.mode, &self.to, &self.except, event, &args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    fn text(e: &Encoded<'_>) -> String {
        String::from_utf8(e.json.to_vec()).unwrap()
    }

    #[test]
    fn room_lists() {
        let s = |v: &[&str]| v.iter().map(|r| r.to_string()).collect::<Vec<_>>();
        assert_eq!(room_list(&[]).unwrap(), b"");
        assert_eq!(room_list(&s(&["a"])).unwrap(), b"a");
        assert_eq!(
            room_list(&s(&["a", "bc", "é"])).unwrap(),
            "a\0bc\0é".as_bytes()
        );
        assert_eq!(room_list(&s(&["a", ""])), Err(Error::Invalid));
        assert_eq!(room_list(&s(&["a\0b"])), Err(Error::Invalid));
    }

    #[test]
    fn encodes_args() {
        assert_eq!(text(&().encode()), "[]");
        let none: &[Json] = &[];
        assert_eq!(text(&none.encode()), "[]");
        assert_eq!(text(&[json!(1), json!("a")].encode()), r#"[1,"a"]"#);
        assert_eq!(text(&vec![json!(null)].encode()), "[null]");
        let args = [
            Arg::binary(vec![1]),
            Arg::from(json!({"k": true})),
            Arg::from(&b"xy"[..]),
        ];
        let enc = args.encode();
        assert_eq!(
            text(&enc),
            r#"[{"_placeholder":true,"num":0},{"k":true},{"_placeholder":true,"num":1}]"#
        );
        assert_eq!(enc.attachments, vec![&[1u8][..], &b"xy"[..]]);
        let p = Payload::from_raw(&br#"[{"_placeholder":true,"num":0}]"#[..], vec![vec![9]]);
        let by_ref = &p;
        let enc = <&Payload as Args>::encode(&by_ref);
        assert_eq!(enc.json, Cow::Borrowed(p.json()));
        assert_eq!(enc.attachments, vec![&[9u8][..]]);
    }

    #[test]
    fn operator_builds_selection() {
        let (d, e) = (String::from("d"), String::from("e"));
        let op = Operator::new(abi::EMIT_BROADCAST)
            .to("a")
            .to(String::from("b"))
            .to(["c", "d"])
            .except(&d)
            .except(vec![e.clone(), d.clone()])
            .except(&[&e][..]);
        assert_eq!(op.rooms(), ["a", "b", "c", "d"]);
        assert_eq!(op.excluded_rooms(), ["d", "e", "d", "e"]);
        assert!(op.excludes_sender());
        assert!(!Operator::new(abi::EMIT_NAMESPACE).excludes_sender());
    }
}
