package auth_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/wasmio/wasmio/host/auth"
)

func ExampleAuthenticator_Authenticate() {
	// Usually decoded from the namespace's [auth] table in the TOML config.
	cfg := auth.Config{
		APIKey: &auth.APIKeyConfig{Keys: []string{"s3cr3t-key"}},
	}
	a, err := auth.New(cfg, "/etc/wasmio")
	if err != nil {
		fmt.Println("config:", err)
		return
	}

	// A client sending the key in the handshake auth object: io("/chat", {auth: {apiKey: "..."}}).
	res, err := a.Authenticate(auth.Request{Auth: json.RawMessage(`{"apiKey":"s3cr3t-key"}`)})
	fmt.Println(res.Methods, err)

	// A client sending a wrong key in the X-API-Key header.
	_, err = a.Authenticate(auth.Request{Headers: http.Header{"X-Api-Key": {"guess"}}})
	fmt.Println(err, errors.Is(err, auth.ErrInvalidKey))

	// A client sending nothing: the message goes to the client in CONNECT_ERROR.
	_, err = a.Authenticate(auth.Request{})
	fmt.Println(err)

	// Output:
	// [api_key] <nil>
	// unauthorized: invalid API key true
	// unauthorized: no credentials
}

func ExampleNew() {
	_, err := auth.New(auth.Config{JWT: &auth.JWTConfig{Secret: "too short"}}, ".")
	fmt.Println(err)
	fmt.Println(errors.Is(err, auth.ErrInvalidConfig), errors.Is(err, auth.ErrWeakSecret))
	// Output:
	// jwt.secret: secret is 9 bytes; HS256 needs at least 32 random bytes (e.g. `openssl rand -base64 48`)
	// true true
}
