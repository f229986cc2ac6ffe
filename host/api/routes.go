package api

import (
	"encoding/json"
	"errors"
	"net/url"
	"strings"

	"github.com/valyala/fasthttp"
	"github.com/wasmio/wasmio/socketio"
)

// Prefix is the API's path prefix.
const Prefix = "/api/socket"

// route is one method on one path pattern, whose {name} segments match
// any one segment, passed percent-decoded to the handler in order.
type route struct {
	method, pattern string
	public          bool // answered without a token, from anywhere
	handle          func(a *API, ctx *fasthttp.RequestCtx, params []string) *Error
}

// routes are every route the API serves; openapi.json documents each.
var routes = []route{
	{"GET", "/healthz", true, (*API).healthz},
	{"GET", "/readyz", true, (*API).readyz},
	{"GET", Prefix + "/openapi.json", true, (*API).openapi},
	{"GET", Prefix + "/channels", false, (*API).channels},
	{"GET", Prefix + "/channels/{channel}/members", false, (*API).members},
	{"GET", Prefix + "/connections", false, (*API).connections},
	{"POST", Prefix + "/broadcast", false, (*API).broadcast},
	{"GET", Prefix + "/connections/{id}", false, (*API).connection},
	{"POST", Prefix + "/connections/{id}", false, (*API).emit},
	{"DELETE", Prefix + "/connections/{id}", false, (*API).disconnect},
}

// match returns the params of path if it matches pattern.
func match(pattern string, segs []string) ([]string, bool) {
	want := strings.Split(pattern, "/")
	if len(want) != len(segs) {
		return nil, false
	}
	var params []string
	for i, w := range want {
		switch {
		case strings.HasPrefix(w, "{"):
			p, err := url.PathUnescape(segs[i])
			if err != nil || p == "" {
				return nil, false
			}
			params = append(params, p)
		case w != segs[i]:
			return nil, false
		}
	}
	return params, true
}

// serve answers ctx if its path is the API's, and reports whether it was.
func (a *API) serve(ctx *fasthttp.RequestCtx) bool {
	path := string(ctx.URI().PathOriginal())
	if path != "/healthz" && path != "/readyz" && path != Prefix && !strings.HasPrefix(path, Prefix+"/") {
		return false
	}
	segs := strings.Split(path, "/")
	var allowed []string
	for _, r := range routes {
		params, ok := match(r.pattern, segs)
		if !ok {
			continue
		}
		if string(ctx.Method()) != r.method {
			allowed = append(allowed, r.method)
			continue
		}
		if !r.public {
			if err := a.auth.check(ctx); err != nil {
				writeError(ctx, err)
				return true
			}
		}
		if err := r.handle(a, ctx, params); err != nil {
			writeError(ctx, err)
		}
		return true
	}
	if allowed != nil {
		ctx.Response.Header.Set(fasthttp.HeaderAllow, strings.Join(allowed, ", "))
		writeError(ctx, &Error{Status: fasthttp.StatusMethodNotAllowed, Code: "method_not_allowed",
			Message: string(ctx.Method()) + " is not served here: use " + strings.Join(allowed, " or ")})
		return true
	}
	writeError(ctx, &Error{Status: fasthttp.StatusNotFound, Code: "not_found", Message: "no API route " + path + ": see " + Prefix + "/openapi.json"})
	return true
}

func writeJSON(ctx *fasthttp.RequestCtx, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil { // the API's own types always encode
		panic(err)
	}
	ctx.SetStatusCode(status)
	ctx.SetContentType("application/json")
	ctx.Response.Header.Set(fasthttp.HeaderCacheControl, "no-store")
	ctx.SetBody(append(b, '\n'))
}

func writeError(ctx *fasthttp.RequestCtx, e *Error) { writeJSON(ctx, e.Status, e) }

// dirError turns a Directory's error into the API's answer.
func dirError(err error) *Error {
	switch {
	case errors.Is(err, ErrUnknownNamespace):
		return &Error{Status: fasthttp.StatusNotFound, Code: "unknown_namespace", Message: strings.TrimPrefix(err.Error(), "api: ") + ": see GET " + Prefix + "/connections for the served namespaces"}
	case errors.Is(err, ErrGone):
		return &Error{Status: fasthttp.StatusGone, Code: "gone", Message: "no connection has this id (it disconnected, or never existed)"}
	case errors.Is(err, socketio.ErrReservedEvent):
		return badRequest("the event name is reserved by Socket.IO (connect, connect_error, disconnect, ...): choose another")
	case errors.Is(err, socketio.ErrInvalidArgs):
		return badRequest("%v", err)
	}
	return &Error{Status: fasthttp.StatusInternalServerError, Code: "internal", Message: err.Error()}
}

// namespaceParam returns the query's namespace ("" for every namespace).
func namespaceParam(ctx *fasthttp.RequestCtx) (string, *Error) {
	ns := string(ctx.QueryArgs().Peek("namespace"))
	if ns != "" && !strings.HasPrefix(ns, "/") {
		return "", badRequest("namespace %q must start with /, like \"/chat\"", ns)
	}
	return ns, nil
}

func (a *API) healthz(ctx *fasthttp.RequestCtx, _ []string) *Error {
	writeJSON(ctx, fasthttp.StatusOK, map[string]string{"status": "ok"})
	return nil
}

func (a *API) readyz(ctx *fasthttp.RequestCtx, _ []string) *Error {
	if err := a.ready(); err != nil {
		return &Error{Status: fasthttp.StatusServiceUnavailable, Code: "not_ready", Message: err.Error()}
	}
	writeJSON(ctx, fasthttp.StatusOK, map[string]string{"status": "ready"})
	return nil
}

func (a *API) channels(ctx *fasthttp.RequestCtx, _ []string) *Error {
	ns, e := namespaceParam(ctx)
	if e != nil {
		return e
	}
	chs, err := a.dir.Channels(ns)
	if err != nil {
		return dirError(err)
	}
	writeJSON(ctx, fasthttp.StatusOK, map[string]any{"channels": chs})
	return nil
}

func (a *API) members(ctx *fasthttp.RequestCtx, params []string) *Error {
	ns, e := namespaceParam(ctx)
	if e != nil {
		return e
	}
	ms, err := a.dir.Members(ns, params[0])
	if err != nil {
		return dirError(err)
	}
	if len(ms) == 0 {
		return &Error{Status: fasthttp.StatusNotFound, Code: "unknown_channel", Message: "channel " + params[0] + " has no member"}
	}
	writeJSON(ctx, fasthttp.StatusOK, map[string]any{"channel": params[0], "members": ms})
	return nil
}

func (a *API) connections(ctx *fasthttp.RequestCtx, _ []string) *Error {
	c, err := a.dir.Connections()
	if err != nil {
		return dirError(err)
	}
	writeJSON(ctx, fasthttp.StatusOK, c)
	return nil
}

func (a *API) broadcast(ctx *fasthttp.RequestCtx, _ []string) *Error {
	body, e := readBody(ctx, a.maxBody)
	if e != nil {
		return e
	}
	b, e := decodeBroadcast(body)
	if e != nil {
		return e
	}
	n, err := a.dir.Broadcast(b.namespace, b.channels, b.except, b.msg)
	if err != nil {
		return dirError(err)
	}
	writeJSON(ctx, fasthttp.StatusOK, map[string]int{"delivered": n})
	return nil
}

func (a *API) connection(ctx *fasthttp.RequestCtx, params []string) *Error {
	m, err := a.dir.Connection(params[0])
	switch {
	case err != nil:
		return dirError(err)
	case m == nil:
		return dirError(ErrGone)
	}
	writeJSON(ctx, fasthttp.StatusOK, m)
	return nil
}

func (a *API) emit(ctx *fasthttp.RequestCtx, params []string) *Error {
	body, e := readBody(ctx, a.maxBody)
	if e != nil {
		return e
	}
	msg, e := decodeMessage(body)
	if e != nil {
		return e
	}
	if err := a.dir.Emit(params[0], msg); err != nil {
		return dirError(err)
	}
	writeJSON(ctx, fasthttp.StatusOK, map[string]int{"delivered": 1})
	return nil
}

func (a *API) disconnect(ctx *fasthttp.RequestCtx, params []string) *Error {
	if err := a.dir.Disconnect(params[0]); err != nil {
		return dirError(err)
	}
	ctx.SetStatusCode(fasthttp.StatusNoContent)
	return nil
}
