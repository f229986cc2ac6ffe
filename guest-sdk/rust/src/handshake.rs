//! The handshake of the socket's connection.

use crate::abi;
use crate::json::Json;
use crate::lazy::Lazy;
use crate::sys;

/// What the client sent when it connected, like Socket.IO's
/// `socket.handshake`. Every field is read from the host on first use.
pub struct Handshake {
    headers: Lazy<Json>,
    query: Lazy<Json>,
    auth: Lazy<Json>,
    claims: Lazy<Json>,
    address: Lazy<String>,
    time: Lazy<i64>,
}

/// Reads and parses a JSON event field; `fallback` if the host does not
/// provide valid JSON (which the ABI rules out).
pub(crate) fn json_field(id: i32, fallback: Json) -> Json {
    sys::field(id)
        .ok()
        .and_then(|b| Json::parse(&b).ok())
        .unwrap_or(fallback)
}

/// Finds a key in a JSON object whose values are strings.
fn lookup<'a>(object: &'a Json, name: &str, ignore_case: bool) -> Option<&'a str> {
    object
        .as_object()?
        .iter()
        .rev()
        .find(|(k, _)| {
            if ignore_case {
                k.eq_ignore_ascii_case(name)
            } else {
                k == name
            }
        })
        .and_then(|(_, v)| v.as_str())
}

impl Handshake {
    pub(crate) fn new() -> Handshake {
        Handshake {
            headers: Lazy::new(),
            query: Lazy::new(),
            auth: Lazy::new(),
            claims: Lazy::new(),
            address: Lazy::new(),
            time: Lazy::new(),
        }
    }

    /// The handshake request's headers: a JSON object of lower-case names
    /// and string values (repeated headers joined by `", "`).
    pub fn headers(&self) -> &Json {
        self.headers
            .get_or_init(|| json_field(abi::FIELD_HEADERS, Json::object()))
    }

    /// One header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        lookup(self.headers(), name, true)
    }

    /// The handshake URL's query parameters (the first value of each): a
    /// JSON object of strings.
    pub fn query(&self) -> &Json {
        self.query
            .get_or_init(|| json_field(abi::FIELD_QUERY, Json::object()))
    }

    /// One query parameter.
    pub fn query_param(&self, name: &str) -> Option<&str> {
        lookup(self.query(), name, false)
    }

    /// The `auth` object the client passed when connecting to the
    /// namespace; `{}` if none.
    pub fn auth(&self) -> &Json {
        self.auth
            .get_or_init(|| json_field(abi::FIELD_AUTH, Json::object()))
    }

    /// The verified JWT claims when the namespace authenticated the socket
    /// with a JWT; `Null` otherwise.
    pub fn claims(&self) -> &Json {
        self.claims
            .get_or_init(|| json_field(abi::FIELD_CLAIMS, Json::Null))
    }

    /// The client's IP address.
    pub fn address(&self) -> &str {
        self.address
            .get_or_init(|| sys::field_string(abi::FIELD_ADDRESS).unwrap_or_default())
    }

    /// When the connection was opened: Unix time in milliseconds.
    pub fn time_ms(&self) -> i64 {
        *self
            .time
            .get_or_init(|| sys::field_i64(abi::FIELD_HANDSHAKE_TIME).unwrap_or(0))
    }
}

impl core::fmt::Debug for Handshake {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Handshake").finish_non_exhaustive()
    }
}
