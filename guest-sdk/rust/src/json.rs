//! A small JSON value type with a strict parser and a compact serializer.
//!
//! [`Json`] keeps what matters for relaying Socket.IO payloads unchanged:
//! object keys stay in their order (duplicates included), and numbers keep
//! their source text ([`Number`]), so `12345678901234567890` or `1.50`
//! serialize exactly as they arrived. Strings serialize like JavaScript's
//! `JSON.stringify`, so a value a JavaScript client sent parses and
//! re-serializes to the same bytes (the one exception: a lone UTF-16
//! surrogate escape such as `"\ud800"` cannot live in a Rust `String` and is
//! read as U+FFFD).
//!
//! The parser accepts exactly RFC 8259 JSON (surrounding whitespace
//! allowed), rejects everything else with a [`ParseError`], never panics,
//! and limits nesting to [`MAX_DEPTH`] levels so a hostile payload cannot
//! exhaust the small stack of a handler module.

use core::fmt;
use core::ops::Index;
use std::borrow::Cow;

/// How deeply arrays and objects may nest in parsed JSON.
pub const MAX_DEPTH: usize = 128;

/// A JSON value.
///
/// Build one with [`json!`](crate::json!), with `From` (`Json::from(3)`,
/// `Json::from("text")`, `Json::from(vec![1, 2])`, `Json::from(None::<i64>)`),
/// or with [`Json::object`] / [`Json::array`] and [`Json::insert`] /
/// [`Json::push`]. Read one with [`Json::get`], [`Json::at`], indexing
/// (`value["key"][0]`, which yields `Null` when absent) and the `as_*`
/// accessors.
///
/// Equality is structural: numbers compare by their text (`1` ≠ `1.0`) and
/// objects by their entries in order.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Json {
    /// `null`.
    #[default]
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, kept as its JSON text.
    Number(Number),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Json>),
    /// An object: its entries in order. Duplicate keys are kept; lookups
    /// return the last one, like JavaScript's `JSON.parse`.
    Object(Vec<(String, Json)>),
}

/// A JSON number, stored as its (valid) JSON text so integers of any size
/// and decimal fractions round-trip exactly.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Number {
    text: String,
}

/// Why [`Json::parse`] rejected its input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    offset: usize,
    reason: &'static str,
}

static NULL: Json = Json::Null;

impl ParseError {
    /// The byte offset in the input where the problem was found.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// A short description of the problem.
    pub fn reason(&self) -> &'static str {
        self.reason
    }

    pub(crate) fn not_an_array() -> ParseError {
        ParseError {
            offset: 0,
            reason: "expected a JSON array",
        }
    }

    pub(crate) fn describe(&self, out: &mut String) {
        out.push_str("invalid JSON at byte ");
        push_u64(out, self.offset as u64);
        out.push_str(": ");
        out.push_str(self.reason);
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        self.describe(&mut s);
        f.write_str(&s)
    }
}

impl std::error::Error for ParseError {}

// ---------------------------------------------------------------------------
// Number

impl Number {
    /// Validates `text` as a JSON number (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`).
    pub fn parse(text: &str) -> Option<Number> {
        if scan_number(text.as_bytes(), 0) == Some(text.len()) {
            Some(Number {
                text: text.to_string(),
            })
        } else {
            None
        }
    }

    /// The number as a float; `None` for NaN and infinities, which JSON
    /// cannot represent.
    pub fn from_f64(value: f64) -> Option<Number> {
        if !value.is_finite() {
            return None;
        }
        // Rust prints the shortest text that reads back as the same f64,
        // without an exponent: always valid JSON ("-0", "0.1", "1e21" as
        // "1000000000000000000000").
        let mut text = value.to_string();
        if text == "-0" {
            text = "0".to_string();
        }
        Some(Number { text })
    }

    /// The JSON text of the number.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the text is an integer (no fraction, no exponent).
    pub fn is_integer(&self) -> bool {
        !self.text.bytes().any(|b| matches!(b, b'.' | b'e' | b'E'))
    }

    /// The value as an `i64`, if it is a whole number in range. Exact for
    /// any text: `2.0`, `1e3` and `-0.5e1` count, `1.000000000000000001`
    /// does not. (No floating point is involved, which keeps modules that
    /// only need integers small.)
    pub fn as_i64(&self) -> Option<i64> {
        let (negative, magnitude) = self.integer()?;
        match i64::try_from(magnitude) {
            Ok(m) if negative => Some(-m),
            Ok(m) => Some(m),
            Err(_) if negative && magnitude == 1 << 63 => Some(i64::MIN),
            Err(_) => None,
        }
    }

    /// The value as a `u64`, if it is a whole number in range (see
    /// [`Number::as_i64`]).
    pub fn as_u64(&self) -> Option<u64> {
        match self.integer()? {
            (false, m) | (true, m @ 0) => Some(m),
            _ => None,
        }
    }

    /// The sign and magnitude of the number if it is a whole number whose
    /// magnitude fits a `u64`.
    fn integer(&self) -> Option<(bool, u64)> {
        let text = self.text.as_bytes();
        let negative = text.first() == Some(&b'-');
        let body = if negative { &text[1..] } else { text };
        let (mantissa, exponent) = match body.iter().position(|&b| b == b'e' || b == b'E') {
            Some(i) => (&body[..i], &body[i + 1..]),
            None => (body, &b""[..]),
        };
        // The exponent, saturated: beyond ±10^6 nothing fits anyway.
        let (exp_negative, exp_digits) = match exponent.first() {
            Some(b'-') => (true, &exponent[1..]),
            Some(b'+') => (false, &exponent[1..]),
            _ => (false, exponent),
        };
        let mut exp: i64 = 0;
        for &d in exp_digits {
            exp = (exp * 10 + i64::from(d - b'0')).min(1_000_000);
        }
        if exp_negative {
            exp = -exp;
        }
        // Digits of the mantissa without the point; each fraction digit
        // lowers the exponent.
        let mut digits: Vec<u8> = Vec::with_capacity(mantissa.len());
        for &b in mantissa {
            match b {
                b'.' => {}
                _ => digits.push(b - b'0'),
            }
        }
        if let Some(point) = mantissa.iter().position(|&b| b == b'.') {
            exp -= (mantissa.len() - point - 1) as i64;
        }
        // Trailing zeros raise the exponent instead.
        while digits.len() > 1 && digits.last() == Some(&0) {
            digits.pop();
            exp += 1;
        }
        if digits.iter().all(|&d| d == 0) {
            return Some((negative, 0));
        }
        if exp < 0 {
            return None; // a fraction remains
        }
        let mut value: u64 = 0;
        for &d in &digits {
            value = value.checked_mul(10)?.checked_add(u64::from(d))?;
        }
        for _ in 0..exp {
            value = value.checked_mul(10)?;
        }
        Some((negative, value))
    }

    /// The value as an `f64` (the nearest one; huge values become
    /// infinite).
    pub fn as_f64(&self) -> f64 {
        self.text.parse().unwrap_or(f64::NAN)
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

macro_rules! number_from_int {
    ($via:ident: $($t:ty)*) => {$(
        impl From<$t> for Number {
            fn from(v: $t) -> Number {
                let mut text = String::new();
                $via(&mut text, v as _);
                Number { text }
            }
        }
        impl From<$t> for Json {
            fn from(v: $t) -> Json {
                Json::Number(Number::from(v))
            }
        }
    )*};
}
number_from_int!(push_i64: i8 i16 i32 i64 isize);
number_from_int!(push_u64: u8 u16 u32 u64 usize);

/// Appends the decimal text of `v`.
pub(crate) fn push_i64(out: &mut String, v: i64) {
    if v < 0 {
        out.push('-');
    }
    push_u64(out, v.unsigned_abs());
}

/// Appends the decimal text of `v`.
pub(crate) fn push_u64(out: &mut String, mut v: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    for &d in &digits[i..] {
        out.push(d as char);
    }
}

// ---------------------------------------------------------------------------
// Json: constructors, accessors, mutation

impl Json {
    /// Parses one JSON value (surrounding whitespace allowed). Rejects
    /// anything that is not valid JSON and valid UTF-8, and nesting deeper
    /// than [`MAX_DEPTH`].
    pub fn parse(input: &[u8]) -> Result<Json, ParseError> {
        let mut p = Parser {
            s: input,
            i: 0,
            depth: 0,
        };
        let value = p.value()?;
        p.ws();
        if p.i != input.len() {
            return Err(p.err("trailing characters"));
        }
        Ok(value)
    }

    /// An empty object.
    pub fn object() -> Json {
        Json::Object(Vec::new())
    }

    /// An empty array.
    pub fn array() -> Json {
        Json::Array(Vec::new())
    }

    /// A Socket.IO binary placeholder, `{"_placeholder":true,"num":num}`:
    /// the JSON that stands for attachment `num` of an emit or ack.
    pub fn placeholder(num: usize) -> Json {
        Json::Object(vec![
            ("_placeholder".to_string(), Json::Bool(true)),
            ("num".to_string(), Json::from(num)),
        ])
    }

    /// If this value is a Socket.IO binary placeholder
    /// (`{"_placeholder":true,"num":N}`), the attachment index `N`.
    pub fn placeholder_index(&self) -> Option<usize> {
        if self.get("_placeholder")? != &Json::Bool(true) {
            return None;
        }
        match self.get("num")? {
            Json::Number(n) if n.is_integer() => n.as_str().parse().ok(),
            _ => None,
        }
    }

    /// The value of `key` if this is an object that has it (the last one
    /// when the key repeats).
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(entries) => entries.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// A mutable reference to the value of `key` (see [`Json::get`]).
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Json> {
        match self {
            Json::Object(entries) => entries
                .iter_mut()
                .rev()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// Element `index` if this is an array that long.
    pub fn at(&self, index: usize) -> Option<&Json> {
        match self {
            Json::Array(items) => items.get(index),
            _ => None,
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    /// The number as `i64`, if this is a number that fits
    /// ([`Number::as_i64`]).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Json::Number(n) => n.as_i64(),
            _ => None,
        }
    }

    /// The number as `u64`, if this is a number that fits.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Json::Number(n) => n.as_u64(),
            _ => None,
        }
    }

    /// The number as `f64`, if this is a number.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Json::Number(n) => Some(n.as_f64()),
            _ => None,
        }
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Json::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The number, if this is one.
    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Json::Number(n) => Some(n),
            _ => None,
        }
    }

    /// The elements, if this is an array.
    pub fn as_array(&self) -> Option<&[Json]> {
        match self {
            Json::Array(items) => Some(items),
            _ => None,
        }
    }

    /// The entries in order, if this is an object.
    pub fn as_object(&self) -> Option<&[(String, Json)]> {
        match self {
            Json::Object(entries) => Some(entries),
            _ => None,
        }
    }

    /// Whether this is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Json::Null)
    }

    /// Whether this is a string.
    pub fn is_string(&self) -> bool {
        matches!(self, Json::String(_))
    }

    /// Whether this is a number.
    pub fn is_number(&self) -> bool {
        matches!(self, Json::Number(_))
    }

    /// Whether this is an array.
    pub fn is_array(&self) -> bool {
        matches!(self, Json::Array(_))
    }

    /// Whether this is an object.
    pub fn is_object(&self) -> bool {
        matches!(self, Json::Object(_))
    }

    /// Sets `key` in an object, replacing its (last) value if present,
    /// appending it otherwise, and returns `self` for chaining. Turns a
    /// `Null` into an object first; does nothing to other kinds of value.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<Json>) -> &mut Json {
        if self.is_null() {
            *self = Json::object();
        }
        if let Json::Object(entries) = self {
            let key = key.into();
            let value = value.into();
            match entries.iter_mut().rev().find(|(k, _)| *k == key) {
                Some(entry) => entry.1 = value,
                None => entries.push((key, value)),
            }
        }
        self
    }

    /// Appends to an array and returns `self` for chaining. Turns a `Null`
    /// into an array first; does nothing to other kinds of value.
    pub fn push(&mut self, value: impl Into<Json>) -> &mut Json {
        if self.is_null() {
            *self = Json::array();
        }
        if let Json::Array(items) = self {
            items.push(value.into());
        }
        self
    }

    /// Appends the compact JSON text of this value to `out`.
    pub fn write_to(&self, out: &mut String) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(true) => out.push_str("true"),
            Json::Bool(false) => out.push_str("false"),
            Json::Number(n) => out.push_str(&n.text),
            Json::String(s) => write_string(out, s),
            Json::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write_to(out);
                }
                out.push(']');
            }
            Json::Object(entries) => {
                out.push('{');
                for (i, (key, value)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_string(out, key);
                    out.push(':');
                    value.write_to(out);
                }
                out.push('}');
            }
        }
    }

    /// The compact JSON text of this value (also available as
    /// `to_string()`).
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_to(&mut out);
        out
    }
}

/// Writes `s` as a JSON string the way `JSON.stringify` does: `"` and `\`
/// escaped, `\b \f \n \r \t` for those controls, `\u00xx` for the other
/// control characters, everything else as is.
fn write_string(out: &mut String, s: &str) {
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let esc = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        // `i` is at an ASCII byte, so a char boundary: `get` never fails
        // (and, unlike indexing, brings no panic code into the module).
        out.push_str(s.get(start..i).unwrap_or_default());
        if esc.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        } else {
            out.push_str(esc);
        }
        start = i + 1;
    }
    out.push_str(s.get(start..).unwrap_or_default());
    out.push('"');
}

impl fmt::Display for Json {
    /// Writes the compact JSON text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_json())
    }
}

impl core::str::FromStr for Json {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Json, ParseError> {
        Json::parse(s.as_bytes())
    }
}

impl Index<&str> for Json {
    type Output = Json;
    /// The value of `key`, or `Null` when this is not an object with it.
    fn index(&self, key: &str) -> &Json {
        self.get(key).unwrap_or(&NULL)
    }
}

impl Index<usize> for Json {
    type Output = Json;
    /// Element `index`, or `Null` when this is not an array that long.
    fn index(&self, index: usize) -> &Json {
        self.at(index).unwrap_or(&NULL)
    }
}

// ---------------------------------------------------------------------------
// From

impl From<bool> for Json {
    fn from(v: bool) -> Json {
        Json::Bool(v)
    }
}

impl From<f64> for Json {
    /// A number; NaN and infinities become `null`, like `JSON.stringify`.
    fn from(v: f64) -> Json {
        Number::from_f64(v).map_or(Json::Null, Json::Number)
    }
}

impl From<f32> for Json {
    /// A number; NaN and infinities become `null`.
    fn from(v: f32) -> Json {
        Json::from(f64::from(v))
    }
}

impl From<Number> for Json {
    fn from(v: Number) -> Json {
        Json::Number(v)
    }
}

impl From<&str> for Json {
    fn from(v: &str) -> Json {
        Json::String(v.to_string())
    }
}

impl From<String> for Json {
    fn from(v: String) -> Json {
        Json::String(v)
    }
}

impl From<&String> for Json {
    fn from(v: &String) -> Json {
        Json::String(v.clone())
    }
}

impl From<Cow<'_, str>> for Json {
    fn from(v: Cow<'_, str>) -> Json {
        Json::String(v.into_owned())
    }
}

impl From<char> for Json {
    fn from(v: char) -> Json {
        Json::String(v.to_string())
    }
}

impl From<&Json> for Json {
    /// A clone.
    fn from(v: &Json) -> Json {
        v.clone()
    }
}

impl From<()> for Json {
    /// `null`.
    fn from(_: ()) -> Json {
        Json::Null
    }
}

impl<T: Into<Json>> From<Option<T>> for Json {
    /// The value, or `null` for `None`.
    fn from(v: Option<T>) -> Json {
        v.map_or(Json::Null, Into::into)
    }
}

impl<T: Into<Json>> From<Vec<T>> for Json {
    /// An array.
    fn from(v: Vec<T>) -> Json {
        Json::Array(v.into_iter().map(Into::into).collect())
    }
}

impl<T: Clone + Into<Json>> From<&[T]> for Json {
    /// An array.
    fn from(v: &[T]) -> Json {
        Json::Array(v.iter().cloned().map(Into::into).collect())
    }
}

impl<T: Into<Json>> FromIterator<T> for Json {
    /// An array.
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Json {
        Json::Array(iter.into_iter().map(Into::into).collect())
    }
}

// ---------------------------------------------------------------------------
// Parser

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    depth: usize,
}

/// Scans a JSON number starting at `i`; returns where it ends.
fn scan_number(s: &[u8], mut i: usize) -> Option<usize> {
    let digits = |s: &[u8], mut i: usize| -> usize {
        while i < s.len() && s[i].is_ascii_digit() {
            i += 1;
        }
        i
    };
    if s.get(i) == Some(&b'-') {
        i += 1;
    }
    match s.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => i = digits(s, i + 1),
        _ => return None,
    }
    if s.get(i) == Some(&b'.') {
        let j = digits(s, i + 1);
        if j == i + 1 {
            return None;
        }
        i = j;
    }
    if matches!(s.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(s.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let j = digits(s, i);
        if j == i {
            return None;
        }
        i = j;
    }
    Some(i)
}

fn hex_digit(b: u8) -> Option<u32> {
    match b {
        b'0'..=b'9' => Some(u32::from(b - b'0')),
        b'a'..=b'f' => Some(u32::from(b - b'a' + 10)),
        b'A'..=b'F' => Some(u32::from(b - b'A' + 10)),
        _ => None,
    }
}

impl<'a> Parser<'a> {
    fn err(&self, reason: &'static str) -> ParseError {
        ParseError {
            offset: self.i,
            reason,
        }
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.i) {
            self.i += 1;
        }
    }

    fn value(&mut self) -> Result<Json, ParseError> {
        self.ws();
        match self.s.get(self.i) {
            None => Err(self.err("unexpected end of input")),
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b'"') => self.string().map(Json::String),
            Some(b't') => self.literal("true", Json::Bool(true)),
            Some(b'f') => self.literal("false", Json::Bool(false)),
            Some(b'n') => self.literal("null", Json::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.err("unexpected character")),
        }
    }

    fn literal(&mut self, word: &str, value: Json) -> Result<Json, ParseError> {
        if self.s[self.i..].starts_with(word.as_bytes()) {
            self.i += word.len();
            Ok(value)
        } else {
            Err(self.err("invalid literal"))
        }
    }

    fn number(&mut self) -> Result<Json, ParseError> {
        let start = self.i;
        match scan_number(self.s, start) {
            Some(end) => {
                self.i = end;
                // The scanned bytes are ASCII digits and signs.
                let text = self.s[start..end].iter().map(|&b| b as char).collect();
                Ok(Json::Number(Number { text }))
            }
            None => Err(self.err("invalid number")),
        }
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        if self.depth >= MAX_DEPTH {
            return Err(self.err("nesting too deep"));
        }
        self.depth += 1;
        self.i += 1; // the opening bracket
        Ok(())
    }

    fn array(&mut self) -> Result<Json, ParseError> {
        self.enter()?;
        let mut items = Vec::new();
        self.ws();
        if self.s.get(self.i) == Some(&b']') {
            self.i += 1;
        } else {
            loop {
                items.push(self.value()?);
                self.ws();
                match self.s.get(self.i) {
                    Some(b',') => self.i += 1,
                    Some(b']') => {
                        self.i += 1;
                        break;
                    }
                    None => return Err(self.err("unexpected end of input")),
                    Some(_) => return Err(self.err("expected ',' or ']'")),
                }
            }
        }
        self.depth -= 1;
        Ok(Json::Array(items))
    }

    fn object(&mut self) -> Result<Json, ParseError> {
        self.enter()?;
        let mut entries = Vec::new();
        self.ws();
        if self.s.get(self.i) == Some(&b'}') {
            self.i += 1;
        } else {
            loop {
                self.ws();
                if self.s.get(self.i) != Some(&b'"') {
                    return Err(self.err("expected a string key"));
                }
                let key = self.string()?;
                self.ws();
                if self.s.get(self.i) != Some(&b':') {
                    return Err(self.err("expected ':'"));
                }
                self.i += 1;
                let value = self.value()?;
                entries.push((key, value));
                self.ws();
                match self.s.get(self.i) {
                    Some(b',') => self.i += 1,
                    Some(b'}') => {
                        self.i += 1;
                        break;
                    }
                    None => return Err(self.err("unexpected end of input")),
                    Some(_) => return Err(self.err("expected ',' or '}'")),
                }
            }
        }
        self.depth -= 1;
        Ok(Json::Object(entries))
    }

    /// Parses a string; `self.i` is at the opening quote.
    fn string(&mut self) -> Result<String, ParseError> {
        self.i += 1;
        let start = self.i;
        // Fast path: no escapes.
        loop {
            match self.s.get(self.i) {
                None => return Err(self.err("unterminated string")),
                Some(b'"') => {
                    let raw = &self.s[start..self.i];
                    self.i += 1;
                    return match core::str::from_utf8(raw) {
                        Ok(s) => Ok(s.to_string()),
                        Err(e) => Err(ParseError {
                            offset: start + e.valid_up_to(),
                            reason: "invalid UTF-8",
                        }),
                    };
                }
                Some(b'\\') => break,
                Some(0..=0x1f) => return Err(self.err("control character in string")),
                Some(_) => self.i += 1,
            }
        }
        // Slow path: decode escapes into bytes, validate UTF-8 at the end
        // (escapes produce complete UTF-8 sequences, so the raw parts stay
        // verifiable).
        let mut buf = self.s[start..self.i].to_vec();
        loop {
            match self.s.get(self.i) {
                None => return Err(self.err("unterminated string")),
                Some(b'"') => {
                    self.i += 1;
                    break;
                }
                Some(b'\\') => {
                    let c = match self.s.get(self.i + 1) {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.i += 2;
                            let c = self.unicode_escape()?;
                            let mut tmp = [0u8; 4];
                            buf.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
                            continue;
                        }
                        _ => {
                            self.i += 1;
                            return Err(self.err("invalid escape"));
                        }
                    };
                    buf.push(c as u8);
                    self.i += 2;
                }
                Some(0..=0x1f) => return Err(self.err("control character in string")),
                Some(&b) => {
                    buf.push(b);
                    self.i += 1;
                }
            }
        }
        String::from_utf8(buf).map_err(|_| ParseError {
            offset: start,
            reason: "invalid UTF-8 in string",
        })
    }

    /// Reads the 4 hex digits at `self.i`.
    fn hex4(&mut self) -> Result<u32, ParseError> {
        let mut v = 0;
        for _ in 0..4 {
            match self.s.get(self.i).and_then(|&b| hex_digit(b)) {
                Some(d) => v = v * 16 + d,
                None => return Err(self.err("invalid \\u escape")),
            }
            self.i += 1;
        }
        Ok(v)
    }

    /// Decodes a `\u` escape (the `\u` already consumed), combining a
    /// surrogate pair; a lone surrogate becomes U+FFFD.
    fn unicode_escape(&mut self) -> Result<char, ParseError> {
        let hi = self.hex4()?;
        if (0xD800..0xDC00).contains(&hi)
            && self.s.get(self.i) == Some(&b'\\')
            && self.s.get(self.i + 1) == Some(&b'u')
        {
            let save = self.i;
            self.i += 2;
            let lo = self.hex4()?;
            if (0xDC00..0xE000).contains(&lo) {
                let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                return Ok(char::from_u32(c).unwrap_or('\u{FFFD}'));
            }
            // Not a low surrogate: leave it to be decoded on its own.
            self.i = save;
        }
        Ok(char::from_u32(hi).unwrap_or('\u{FFFD}'))
    }
}

// ---------------------------------------------------------------------------
// json! macro

/// Builds a [`Json`] value with JSON-like syntax.
///
/// Object keys are string literals, or any expression that converts into a
/// `String` when wrapped in parentheses. Values are nested JSON syntax or any
/// Rust expression whose type implements `Into<Json>`:
///
/// ```
/// use wasmio::{json, Json};
/// let name = "Ada";
/// let v = json!({
///     "name": name,
///     "admin": false,
///     "score": 40 + 2,
///     "tags": ["a", "b"],
///     "nothing": null,
///     (format!("k{}", 1)): { "nested": [1.5, -3] },
/// });
/// assert_eq!(v.to_string(),
///     r#"{"name":"Ada","admin":false,"score":42,"tags":["a","b"],"nothing":null,"k1":{"nested":[1.5,-3]}}"#);
/// assert_eq!(json!([]), Json::Array(vec![]));
/// ```
///
/// Long literals may need a higher `#![recursion_limit]`: the macro walks
/// its input one token at a time.
#[macro_export]
macro_rules! json {
    (null) => {
        $crate::Json::Null
    };
    ([]) => {
        $crate::Json::Array(::std::vec::Vec::new())
    };
    ([ $($tt:tt)+ ]) => {
        $crate::Json::Array($crate::__json_array!([] () $($tt)+))
    };
    ({}) => {
        $crate::Json::Object(::std::vec::Vec::new())
    };
    ({ $($tt:tt)+ }) => {
        $crate::Json::Object($crate::__json_object!([] $($tt)+))
    };
    ($other:expr) => {
        $crate::Json::from($other)
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __json_array {
    // Done.
    ([$($done:expr,)*] ()) => {
        ::std::vec![$($done,)*]
    };
    // The last element.
    ([$($done:expr,)*] ($($cur:tt)+)) => {
        ::std::vec![$($done,)* $crate::json!($($cur)+)]
    };
    // A comma ends the current element.
    ([$($done:expr,)*] ($($cur:tt)+) , $($rest:tt)*) => {
        $crate::__json_array!([$($done,)* $crate::json!($($cur)+),] () $($rest)*)
    };
    // Any other token belongs to the current element.
    ([$($done:expr,)*] ($($cur:tt)*) $next:tt $($rest:tt)*) => {
        $crate::__json_array!([$($done,)*] ($($cur)* $next) $($rest)*)
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __json_object {
    // The last value.
    (@value [$($done:expr,)*] $key:tt ($($cur:tt)+)) => {
        ::std::vec![$($done,)* (::std::string::String::from($key), $crate::json!($($cur)+))]
    };
    // A comma ends the current value.
    (@value [$($done:expr,)*] $key:tt ($($cur:tt)+) , $($rest:tt)*) => {
        $crate::__json_object!([$($done,)* (::std::string::String::from($key), $crate::json!($($cur)+)),] $($rest)*)
    };
    // Any other token belongs to the current value.
    (@value [$($done:expr,)*] $key:tt ($($cur:tt)*) $next:tt $($rest:tt)*) => {
        $crate::__json_object!(@value [$($done,)*] $key ($($cur)* $next) $($rest)*)
    };
    // Done.
    ([$($done:expr,)*]) => {
        ::std::vec![$($done,)*]
    };
    // A key and its colon.
    ([$($done:expr,)*] $key:tt : $($rest:tt)+) => {
        $crate::__json_object!(@value [$($done,)*] $key () $($rest)+)
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Json {
        Json::parse(s.as_bytes()).unwrap_or_else(|e| panic!("{:?}: {}", s, e))
    }

    fn round_trip(s: &str) {
        assert_eq!(p(s).to_string(), s, "round trip");
    }

    #[test]
    fn parses_scalars() {
        assert_eq!(p("null"), Json::Null);
        assert_eq!(p(" true "), Json::Bool(true));
        assert_eq!(p("false"), Json::Bool(false));
        assert_eq!(p("0").as_i64(), Some(0));
        assert_eq!(p("-12").as_i64(), Some(-12));
        assert_eq!(p("1.5").as_f64(), Some(1.5));
        assert_eq!(p("1e3").as_i64(), Some(1000));
        assert_eq!(p("2.0").as_i64(), Some(2));
        assert_eq!(p("2.5").as_i64(), None);
        assert_eq!(p("-1E-2").as_f64(), Some(-0.01));
        assert_eq!(p("9223372036854775807").as_i64(), Some(i64::MAX));
        assert_eq!(p("9223372036854775808").as_i64(), None);
        assert_eq!(p("18446744073709551615").as_u64(), Some(u64::MAX));
        assert_eq!(p("-1").as_u64(), None);
        assert_eq!(p("-0").as_u64(), Some(0));
        assert_eq!(p("-0.0e5").as_i64(), Some(0));
        assert_eq!(p("0e999999999999999999999").as_i64(), Some(0));
        assert_eq!(p("-9223372036854775808").as_i64(), Some(i64::MIN));
        assert_eq!(p("-9.223372036854775808e18").as_i64(), Some(i64::MIN));
        assert_eq!(p("-9223372036854775809").as_i64(), None);
        assert_eq!(p("1.000000000000000001").as_i64(), None);
        assert_eq!(
            p("1.000000000000000001e18").as_i64(),
            Some(1_000_000_000_000_000_001)
        );
        assert_eq!(p("12.50e1").as_i64(), Some(125));
        assert_eq!(p("1250e-1").as_i64(), Some(125));
        assert_eq!(p("1255e-1").as_i64(), None);
        assert_eq!(p("-5e-0").as_i64(), Some(-5));
        assert_eq!(p("1e19").as_i64(), None);
        assert_eq!(p("1e19").as_u64(), Some(10_000_000_000_000_000_000));
        assert_eq!(p("1e20").as_u64(), None);
        assert_eq!(p("1e999999999").as_u64(), None);
        assert_eq!(p("0.1").as_u64(), None);
        assert_eq!(p(r#""a\"b""#).as_str(), Some("a\"b"));
    }

    #[test]
    fn keeps_number_text_and_key_order() {
        round_trip(r#"{"z":1,"a":12345678901234567890123,"m":1.50,"e":-0.0e+10}"#);
        round_trip(r#"[1,[2,[3,{}]],[],"x",null,true,false]"#);
        let v = p(r#"{"k":1,"k":2}"#);
        assert_eq!(v["k"].as_i64(), Some(2), "last duplicate wins");
        round_trip(r#"{"k":1,"k":2}"#);
    }

    #[test]
    fn strings_escape_like_json_stringify() {
        // What JSON.stringify produces for "\"\\/\b\f\n\r\t\u0001\u001f\u007fé😀\u2028".
        let js = "\"\\\"\\\\/\\b\\f\\n\\r\\t\\u0001\\u001f\u{7f}é😀\u{2028}\"";
        let v = p(js);
        assert_eq!(
            v.as_str(),
            Some("\"\\/\u{8}\u{c}\n\r\t\u{1}\u{1f}\u{7f}é😀\u{2028}")
        );
        assert_eq!(v.to_string(), js);
    }

    #[test]
    fn unicode_escapes() {
        assert_eq!(p(r#""\u00e9\u20AC""#).as_str(), Some("é€"));
        assert_eq!(p(r#""\ud83d\ude00""#).as_str(), Some("😀"));
        assert_eq!(p(r#""\uD83D\uDE00x""#).as_str(), Some("😀x"));
        // Lone surrogates become U+FFFD.
        assert_eq!(p(r#""\ud800""#).as_str(), Some("\u{FFFD}"));
        assert_eq!(p(r#""\udc00a""#).as_str(), Some("\u{FFFD}a"));
        assert_eq!(p(r#""\ud800\u0041""#).as_str(), Some("\u{FFFD}A"));
        assert_eq!(p(r#""\ud800\ud83d\ude00""#).as_str(), Some("\u{FFFD}😀"));
        assert_eq!(p(r#""a\u0000b""#).to_string(), r#""a\u0000b""#);
        // Escaped solidus is read but written plain.
        assert_eq!(p(r#""a\/b""#).to_string(), r#""a/b""#);
    }

    #[test]
    fn rejects_invalid_json() {
        let bad: &[&[u8]] = &[
            b"",
            b" ",
            b"nul",
            b"nulls",
            b"True",
            b"[1,]",
            b"[,1]",
            b"[1 2]",
            b"{\"a\"}",
            b"{\"a\":}",
            b"{\"a\":1,}",
            b"{a:1}",
            b"{'a':1}",
            b"[",
            b"]",
            b"{",
            b"}",
            b"01",
            b"-",
            b"+1",
            b"1.",
            b".5",
            b"1e",
            b"1e+",
            b"0x10",
            b"NaN",
            b"Infinity",
            b"-Infinity",
            b"1 2",
            b"\"abc",
            b"\"\\x\"",
            b"\"\\u12\"",
            b"\"\\u12g4\"",
            b"\"a\nb\"",
            b"\"\t\"",
            b"\"\\\"",
            b"[1]x",
            b"\xef\xbb\xbf1",
            b"\"\xff\"",
            b"\"\xc3\"",
            b"\"\xed\xa0\x80\"",
            b"\"\xc3\\n\"",
            b"{\"a\":1 \"b\":2}",
            b"[\"a\",]",
            b"//c\n1",
            b"\x001",
        ];
        for input in bad {
            assert!(
                Json::parse(input).is_err(),
                "accepted {:?}",
                String::from_utf8_lossy(input)
            );
        }
    }

    #[test]
    fn depth_limit() {
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(Json::parse(ok.as_bytes()).is_ok());
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        let err = Json::parse(deep.as_bytes()).unwrap_err();
        assert_eq!(err.reason(), "nesting too deep");
        let deep_obj = "{\"a\":".repeat(100_000);
        assert!(Json::parse(deep_obj.as_bytes()).is_err());
    }

    #[test]
    fn error_offsets() {
        let err = Json::parse(b"[1, x]").unwrap_err();
        assert_eq!(err.offset(), 4);
        assert_eq!(
            err.to_string(),
            "invalid JSON at byte 4: unexpected character"
        );
    }

    #[test]
    fn accessors_and_index() {
        let v = p(r#"{"a":[10,{"b":"c"}],"n":null,"t":true}"#);
        assert_eq!(v["a"][0].as_i64(), Some(10));
        assert_eq!(v["a"][1]["b"].as_str(), Some("c"));
        assert!(v["missing"]["deeper"][3].is_null());
        assert!(v["n"].is_null());
        assert_eq!(v.get("t").and_then(Json::as_bool), Some(true));
        assert_eq!(v.get("a").and_then(|a| a.at(5)), None);
        assert_eq!(v.as_object().map(|o| o.len()), Some(3));
        assert!(v["a"].is_array() && v.is_object() && v["a"][0].is_number());
        assert_eq!(v["a"][1]["b"].as_i64(), None);
    }

    #[test]
    fn from_and_mutation() {
        assert_eq!(Json::from(-5i32).to_string(), "-5");
        assert_eq!(Json::from(u64::MAX).to_string(), "18446744073709551615");
        assert_eq!(Json::from(i64::MIN).to_string(), "-9223372036854775808");
        assert_eq!(Json::from(0.1).to_string(), "0.1");
        assert_eq!(Json::from(3.0).to_string(), "3");
        assert_eq!(Json::from(-0.0).to_string(), "0");
        assert_eq!(Json::from(1e21).to_string(), "1000000000000000000000");
        assert!(Json::parse(Json::from(1e300).to_string().as_bytes()).is_ok());
        assert!(Json::parse(Json::from(5e-324).to_string().as_bytes()).is_ok());
        assert_eq!(Json::from(f64::NAN), Json::Null);
        assert_eq!(Json::from(f64::INFINITY), Json::Null);
        assert_eq!(Json::from(Some("x")), Json::from("x"));
        assert_eq!(Json::from(None::<i32>), Json::Null);
        assert_eq!(Json::from(vec![1, 2]).to_string(), "[1,2]");
        assert_eq!(Json::from(&["a", "b"][..]).to_string(), r#"["a","b"]"#);
        assert_eq!((1..4).collect::<Json>().to_string(), "[1,2,3]");
        let mut o = Json::Null;
        o.insert("a", 1).insert("b", "x").insert("a", 2);
        assert_eq!(o.to_string(), r#"{"a":2,"b":"x"}"#);
        let mut a = Json::Null;
        a.push(1).push(json!({"k": [true]}));
        assert_eq!(a.to_string(), r#"[1,{"k":[true]}]"#);
        assert_eq!(Number::parse("1.5e3").map(|n| n.as_f64()), Some(1500.0));
        assert_eq!(Number::parse("1.5e"), None);
        assert_eq!(Number::parse(" 1"), None);
        assert_eq!("[1]".parse::<Json>(), Ok(json!([1])));
    }

    #[test]
    fn placeholders() {
        let ph = Json::placeholder(3);
        assert_eq!(ph.to_string(), r#"{"_placeholder":true,"num":3}"#);
        assert_eq!(ph.placeholder_index(), Some(3));
        assert_eq!(
            p(r#"{"num":0,"_placeholder":true}"#).placeholder_index(),
            Some(0)
        );
        assert_eq!(p(r#"{"_placeholder":1,"num":0}"#).placeholder_index(), None);
        assert_eq!(
            p(r#"{"_placeholder":true,"num":-1}"#).placeholder_index(),
            None
        );
        assert_eq!(
            p(r#"{"_placeholder":true,"num":1.5}"#).placeholder_index(),
            None
        );
        assert_eq!(p(r#"{"_placeholder":true}"#).placeholder_index(), None);
        assert_eq!(p(r#"[0]"#).placeholder_index(), None);
    }

    #[test]
    fn macro_forms() {
        let id = "abc";
        let n = 5;
        let list = vec![1, 2];
        let v = json!({
            "id": id,
            "n": n * 2,
            "neg": -1,
            "f": 2.5,
            "list": list,
            "nested": {"a": [null, true, {"x": "y"}], "empty": {}, "arr": []},
            (String::from("dyn") + "key"): id.len(),
            "opt": Some(3),
            "call": id.to_uppercase(),
        });
        assert_eq!(
            v.to_string(),
            r#"{"id":"abc","n":10,"neg":-1,"f":2.5,"list":[1,2],"nested":{"a":[null,true,{"x":"y"}],"empty":{},"arr":[]},"dynkey":3,"opt":3,"call":"ABC"}"#
        );
        assert_eq!(json!(null), Json::Null);
        assert_eq!(json!("s"), Json::from("s"));
        assert_eq!(json!([1, "two", [3],]).to_string(), r#"[1,"two",[3]]"#);
        assert_eq!(json!({}).to_string(), "{}");
        assert_eq!(json!(&v["id"]).as_str(), Some("abc"));
    }

    /// A small deterministic PRNG (xorshift64*).
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    fn random_value(r: &mut Rng, depth: usize) -> Json {
        match r.below(if depth > 4 { 5 } else { 7 }) {
            0 => Json::Null,
            1 => Json::Bool(r.below(2) == 0),
            2 => Json::from(r.next() as i64 >> r.below(64)),
            3 => Json::from(f64::from_bits(r.next())),
            4 => {
                let chars = ['a', '"', '\\', '\n', '\u{1}', 'é', '😀', '\u{7f}', '/', ' '];
                Json::String(
                    (0..r.below(8))
                        .map(|_| chars[r.below(chars.len())])
                        .collect(),
                )
            }
            5 => Json::Array(
                (0..r.below(4))
                    .map(|_| random_value(r, depth + 1))
                    .collect(),
            ),
            _ => Json::Object(
                (0..r.below(4))
                    .map(|i| (format!("k{}", i % 2), random_value(r, depth + 1)))
                    .collect(),
            ),
        }
    }

    #[test]
    fn randomized_round_trip() {
        let mut r = Rng(0x9E37_79B9_7F4A_7C15);
        for _ in 0..5000 {
            let v = random_value(&mut r, 0);
            let text = v.to_string();
            let back = Json::parse(text.as_bytes()).unwrap_or_else(|e| panic!("{}: {}", text, e));
            assert_eq!(back, v, "{}", text);
            assert_eq!(back.to_string(), text);
        }
    }

    #[test]
    fn randomized_integer_forms() {
        let mut r = Rng(7);
        for _ in 0..20_000 {
            let v = (r.next() as i64) >> r.below(64);
            let digits = v.unsigned_abs().to_string();
            let sign = if v < 0 { "-" } else { "" };
            // The same value written as d.ddd[000]eN.
            let split = 1 + r.below(digits.len());
            let zeros = "0".repeat(r.below(3));
            let text = format!(
                "{}{}.{}{}e{}",
                sign,
                &digits[..split],
                &digits[split..],
                zeros,
                digits.len() - split
            );
            let text = text.replace(".e", ".0e");
            let n = Number::parse(&text).unwrap_or_else(|| panic!("{}", text));
            assert_eq!(n.as_i64(), Some(v), "{}", text);
            assert_eq!(
                n.as_u64(),
                u64::try_from(v)
                    .ok()
                    .or(if v == 0 { Some(0) } else { None }),
                "{}",
                text
            );
            // One more digit below the point is a fraction.
            let frac = Number::parse(&format!("{}{}.5", sign, digits)).unwrap();
            assert_eq!(frac.as_i64(), None);
        }
    }

    #[test]
    fn randomized_garbage_never_panics() {
        let mut r = Rng(42);
        let alphabet = b"{}[]:,\"\\/ btfnrue0123456789.-+eEaxu\xc3\xa9\xff\x00\n";
        let seeds: Vec<String> = (0..50)
            .map(|_| random_value(&mut r, 0).to_string())
            .collect();
        for round in 0..50_000 {
            let input: Vec<u8> = if round % 2 == 0 {
                (0..r.below(24))
                    .map(|_| alphabet[r.below(alphabet.len())])
                    .collect()
            } else {
                // Mutate a valid document: flip, insert or delete bytes.
                let mut doc = seeds[r.below(seeds.len())].clone().into_bytes();
                for _ in 0..1 + r.below(3) {
                    let at = r.below(doc.len() + 1);
                    match r.below(3) {
                        0 if at < doc.len() => doc[at] = alphabet[r.below(alphabet.len())],
                        1 => doc.insert(at, alphabet[r.below(alphabet.len())]),
                        _ if at < doc.len() => {
                            doc.remove(at);
                        }
                        _ => {}
                    }
                }
                doc
            };
            if let Ok(v) = Json::parse(&input) {
                // Whatever parses re-serializes to JSON that parses to the same value.
                let text = v.to_string();
                assert_eq!(Json::parse(text.as_bytes()).as_ref(), Ok(&v), "{:?}", input);
                if let Json::Number(n) = &v {
                    let _ = (n.as_i64(), n.as_u64(), n.as_f64(), n.is_integer());
                }
                assert!(
                    core::str::from_utf8(&input).is_ok(),
                    "accepted invalid UTF-8 {:?}",
                    input
                );
            }
        }
    }
}
