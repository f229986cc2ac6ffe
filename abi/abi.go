// Package abi holds the names and numbers of the wasmio host ABI, version 1,
// shared by the host and the guest SDKs. ABI.md is the contract; this
// package is its machine-readable part. It imports only the standard library.
//
// The Go and Rust SDKs cannot import this package (TinyGo rejects modules
// that need a newer Go, and Rust is Rust), so `go generate ./abi` writes
// their constant files from Consts, and a test fails when they are stale.
package abi

//go:generate go run ./gen

// Version is the ABI version a module's wasmio_abi_version must return.
const Version = 1

// Module is the import module every wasmio import comes from.
const Module = "wasmio_v1"

// WASIModule is the only other import module a handler may use.
const WASIModule = "wasi_snapshot_preview1"

// Exports a module provides.
const (
	ExportMemory     = "memory"
	ExportVersion    = "wasmio_abi_version"
	ExportHandle     = "wasmio_handle"
	ExportInitialize = "_initialize"
)

// Import function names in Module.
const (
	FnEventGet      = "event_get"
	FnAttachmentGet = "attachment_get"
	FnAttach        = "attach"
	FnEmit          = "emit"
	FnEmitAck       = "emit_ack"
	FnAck           = "ack"
	FnJoin          = "join"
	FnLeave         = "leave"
	FnDisconnect    = "disconnect"
	FnReject        = "reject"
	FnLog           = "log"
	FnClockNow      = "clock_now"
	FnRandomFill    = "random_fill"
	FnKVGet         = "kv_get"
	FnKVPut         = "kv_put"
	FnKVDelete      = "kv_delete"
	FnKVIncr        = "kv_incr"
	FnKVCAS         = "kv_cas"
	FnKVList        = "kv_list"
)

// Error codes returned by imports.
const (
	ErrInvalid    = -1
	ErrNotFound   = -2
	ErrTooLarge   = -3
	ErrState      = -4
	ErrNotInteger = -5
	ErrOverflow   = -6
	ErrStorage    = -7
)

// Event fields read with event_get.
const (
	FieldEvent         = 1
	FieldNamespace     = 2
	FieldSocketID      = 3
	FieldArgs          = 4
	FieldRooms         = 5
	FieldHeaders       = 6
	FieldQuery         = 7
	FieldAuth          = 8
	FieldClaims        = 9
	FieldAddress       = 10
	FieldHandshakeTime = 11
	FieldTime          = 12
	FieldAck           = 13
	FieldAttachments   = 14
	FieldAckTag        = 15
	FieldAckError      = 16
)

// Emit modes.
const (
	EmitSelf      = 0
	EmitBroadcast = 1
	EmitNamespace = 2
)

// Key-value scopes.
const (
	ScopeNamespace = 0
	ScopeSocket    = 1
)

// Log levels.
const (
	LogDebug = 0
	LogInfo  = 1
	LogWarn  = 2
	LogError = 3
)

// Special event names.
const (
	EventConnect    = "$connect"
	EventDisconnect = "$disconnect"
	EventDefault    = "$default"
	EventAck        = "$ack"
)

// Values of FieldAckError in a $ack run without an answer; "" means the
// client answered.
const (
	AckErrorTimeout      = "timeout"
	AckErrorDisconnected = "disconnected"
)

// Bounds of emit_ack.
const (
	// MaxAckTag is the longest tag, in bytes.
	MaxAckTag = 1024
	// DefaultAckTimeoutMs is the wait of a timeout_ms of 0.
	DefaultAckTimeoutMs = 10_000
	// MaxAckTimeoutMs is the longest wait.
	MaxAckTimeoutMs = 600_000
	// MaxPendingAcks caps the acks one socket awaits: emitted, their $ack
	// not yet run.
	MaxPendingAcks = 1024
)

// Kind is the type of an import parameter or result.
type Kind uint8

// Parameter kinds. Ptr and Out are i32 offsets into guest memory: the host
// reads from a Ptr buffer and writes into an Out buffer.
const (
	None Kind = iota
	I32
	I64
	Ptr
	Out
)

// Param is one import parameter.
type Param struct {
	Name string
	Kind Kind
}

// Import is the signature of one function of Module.
type Import struct {
	Name   string
	Params []Param
	Result Kind
}

// Imports lists every function of Module with its signature.
var Imports = []Import{
	{FnEventGet, []Param{{"field", I32}, {"buf", Out}, {"cap", I32}}, I32},
	{FnAttachmentGet, []Param{{"index", I32}, {"buf", Out}, {"cap", I32}}, I32},
	{FnAttach, []Param{{"ptr", Ptr}, {"len", I32}}, I32},
	{FnEmit, []Param{{"mode", I32}, {"to", Ptr}, {"to_len", I32}, {"except", Ptr}, {"except_len", I32},
		{"event", Ptr}, {"event_len", I32}, {"args", Ptr}, {"args_len", I32}}, I32},
	{FnEmitAck, []Param{{"tag", Ptr}, {"tag_len", I32}, {"timeout_ms", I32},
		{"event", Ptr}, {"event_len", I32}, {"args", Ptr}, {"args_len", I32}}, I32},
	{FnAck, []Param{{"args", Ptr}, {"args_len", I32}}, I32},
	{FnJoin, []Param{{"room", Ptr}, {"len", I32}}, I32},
	{FnLeave, []Param{{"room", Ptr}, {"len", I32}}, I32},
	{FnDisconnect, []Param{{"close", I32}}, I32},
	{FnReject, []Param{{"message", Ptr}, {"message_len", I32}, {"data", Ptr}, {"data_len", I32}}, I32},
	{FnLog, []Param{{"level", I32}, {"ptr", Ptr}, {"len", I32}}, I32},
	{FnClockNow, nil, I64},
	{FnRandomFill, []Param{{"buf", Out}, {"len", I32}}, I32},
	{FnKVGet, []Param{{"scope", I32}, {"key", Ptr}, {"key_len", I32}, {"buf", Out}, {"cap", I32}}, I32},
	{FnKVPut, []Param{{"scope", I32}, {"key", Ptr}, {"key_len", I32}, {"value", Ptr}, {"value_len", I32}}, I32},
	{FnKVDelete, []Param{{"scope", I32}, {"key", Ptr}, {"key_len", I32}}, I32},
	{FnKVIncr, []Param{{"scope", I32}, {"key", Ptr}, {"key_len", I32}, {"delta", I64}, {"out", Out}}, I32},
	{FnKVCAS, []Param{{"scope", I32}, {"key", Ptr}, {"key_len", I32}, {"old", Ptr}, {"old_len", I32},
		{"new", Ptr}, {"new_len", I32}}, I32},
	{FnKVList, []Param{{"scope", I32}, {"prefix", Ptr}, {"prefix_len", I32}, {"limit", I32}, {"buf", Out}, {"cap", I32}}, I32},
}

// Const is one named number or string of the ABI, for code generators.
type Const struct {
	Name  string // CamelCase, as in this package
	Value any    // int or string
}

// Consts lists every constant the SDKs need, in a stable order.
var Consts = []Const{
	{"Version", Version}, {"Module", Module},
	{"ErrInvalid", ErrInvalid}, {"ErrNotFound", ErrNotFound}, {"ErrTooLarge", ErrTooLarge},
	{"ErrState", ErrState}, {"ErrNotInteger", ErrNotInteger}, {"ErrOverflow", ErrOverflow},
	{"ErrStorage", ErrStorage},
	{"FieldEvent", FieldEvent}, {"FieldNamespace", FieldNamespace}, {"FieldSocketID", FieldSocketID},
	{"FieldArgs", FieldArgs}, {"FieldRooms", FieldRooms}, {"FieldHeaders", FieldHeaders},
	{"FieldQuery", FieldQuery}, {"FieldAuth", FieldAuth}, {"FieldClaims", FieldClaims},
	{"FieldAddress", FieldAddress}, {"FieldHandshakeTime", FieldHandshakeTime}, {"FieldTime", FieldTime},
	{"FieldAck", FieldAck}, {"FieldAttachments", FieldAttachments},
	{"FieldAckTag", FieldAckTag}, {"FieldAckError", FieldAckError},
	{"EmitSelf", EmitSelf}, {"EmitBroadcast", EmitBroadcast}, {"EmitNamespace", EmitNamespace},
	{"ScopeNamespace", ScopeNamespace}, {"ScopeSocket", ScopeSocket},
	{"LogDebug", LogDebug}, {"LogInfo", LogInfo}, {"LogWarn", LogWarn}, {"LogError", LogError},
	{"EventConnect", EventConnect}, {"EventDisconnect", EventDisconnect}, {"EventDefault", EventDefault},
	{"EventAck", EventAck}, {"AckErrorTimeout", AckErrorTimeout}, {"AckErrorDisconnected", AckErrorDisconnected},
	{"MaxAckTag", MaxAckTag}, {"MaxAckTimeoutMs", MaxAckTimeoutMs},
}

// ErrorName returns the ABI name of an error code, like "ERR_NOT_FOUND".
func ErrorName(code int32) string {
	switch code {
	case ErrInvalid:
		return "ERR_INVALID"
	case ErrNotFound:
		return "ERR_NOT_FOUND"
	case ErrTooLarge:
		return "ERR_TOO_LARGE"
	case ErrState:
		return "ERR_STATE"
	case ErrNotInteger:
		return "ERR_NOT_INTEGER"
	case ErrOverflow:
		return "ERR_OVERFLOW"
	case ErrStorage:
		return "ERR_STORAGE"
	}
	return "ERR_UNKNOWN"
}
