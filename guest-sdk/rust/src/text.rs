//! Checks of the text clients send, as a JavaScript client measures it.

/// The length of `s` as JavaScript's `String.length` counts it, in UTF-16
/// code units: a character beyond U+FFFF (most emoji) counts two. A limit a
/// JavaScript client checks, like `text.length <= 1000`, is one of these.
///
/// ```
/// assert_eq!(wasmio::js_length("é😀"), 3);
/// ```
pub fn js_length(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

/// Whether `s` is fit to be a name a client chooses, of a room, a user or a
/// topic: 1 to `max` characters as JavaScript counts them ([`js_length`]),
/// none of them a control character (Unicode Cc: U+0000 to U+001F and
/// U+007F to U+009F), so that it makes a valid room name (no NUL) and
/// cannot break a log line.
///
/// ```
/// assert!(wasmio::valid_name("lobby", 64));
/// assert!(!wasmio::valid_name("a\nb", 64));
/// ```
pub fn valid_name(s: &str, max: usize) -> bool {
    !s.is_empty() && js_length(s) <= max && !s.chars().any(char::is_control)
}
