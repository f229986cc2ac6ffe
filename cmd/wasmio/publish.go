package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/wasmio/wasmio/host/api"
	"github.com/wasmio/wasmio/host/config"
)

// publish emits an event to channels through a server's REST API
// (POST /api/socket/broadcast), for scripts and cron jobs.
func publish(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("publish", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("url", envOr("WASMIO_URL", "http://"+config.DefaultListen), "the server's URL (default $WASMIO_URL)")
	token := fs.String("token", os.Getenv("WASMIO_API_TOKEN"), "an API token (default $WASMIO_API_TOKEN, which keeps it out of the process list)")
	var channels, except list
	fs.Var(&channels, "channel", "a channel to publish to (repeatable)")
	fs.Var(&except, "except", "a channel or socket id whose members are left out (repeatable)")
	namespace := fs.String("namespace", "", "only this namespace, like /chat (default: every namespace)")
	event := fs.String("event", api.DefaultEvent, "the event's name")
	data := fs.String("data", "", "the event's argument, as JSON; @FILE reads it from FILE, @- from stdin (default: no argument)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if len(channels) == 0 || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: wasmio publish --channel NAME [--event NAME] [--data JSON] [--namespace NS] [--except NAME] [--url URL] [--token TOKEN]")
		return 2
	}
	body := map[string]any{"channels": []string(channels), "event": *event}
	if *namespace != "" {
		body["namespace"] = *namespace
	}
	if len(except) > 0 {
		body["except"] = []string(except)
	}
	if *data != "" {
		raw, err := readData(*data)
		if err != nil {
			fmt.Fprintln(stderr, "wasmio publish: --data:", err)
			return 2
		}
		body["data"] = raw
	}
	b, _ := json.Marshal(body)
	var res struct{ Delivered int }
	if err := callAPI(strings.TrimSuffix(*url, "/")+api.Prefix+"/broadcast", *token, b, &res); err != nil {
		fmt.Fprintln(stderr, "wasmio publish:", err)
		return 1
	}
	fmt.Fprintf(stdout, "delivered to %d sockets\n", res.Delivered)
	return 0
}

// readData returns --data's JSON: the flag's text, or a file's with @.
func readData(v string) (json.RawMessage, error) {
	b := []byte(v)
	if name, ok := strings.CutPrefix(v, "@"); ok {
		var err error
		if name == "-" {
			b, err = io.ReadAll(os.Stdin)
		} else {
			b, err = os.ReadFile(name)
		}
		if err != nil {
			return nil, err
		}
	}
	b = bytes.TrimSpace(b)
	if !json.Valid(b) {
		return nil, fmt.Errorf("%.40q is not JSON (a string is quoted: '\"hi\"')", b)
	}
	return b, nil
}

// callAPI posts body to url and decodes a success into out; a refusal
// becomes an error with the API's status, code and message.
func callAPI(url, token string, body []byte, out any) error {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		var e api.Error
		if json.Unmarshal(b, &e) != nil || e.Code == "" {
			return fmt.Errorf("%s: %s: %.200s", url, resp.Status, b)
		}
		return fmt.Errorf("%s (%d %s)", e.Message, resp.StatusCode, e.Code)
	}
	return json.Unmarshal(b, out)
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// list is a repeatable string flag.
type list []string

func (l *list) String() string { return strings.Join(*l, ",") }

func (l *list) Set(v string) error {
	if v == "" {
		return fmt.Errorf("empty")
	}
	*l = append(*l, v)
	return nil
}
